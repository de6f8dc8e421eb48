import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertCsvToParquet } from '../../../../connectors/csv/convert.ts';
import { CsvBadRowError } from '../../../../connectors/csv/errors.ts';
import { readCsvPartition } from '../../../../connectors/csv/read.ts';
import { planCsvScan } from '../../../../connectors/csv/scan.ts';
import { planParquetScan } from '../../../../connectors/parquet/scan.ts';
import { readParquetPartition } from '../../../../connectors/parquet/read.ts';
import { useTmpDir } from '../../../helpers/tmp-dir.ts';

const tmp = useTmpDir('csv-convert');

describe('convertCsvToParquet', () => {
  it('writes every partition in row groups of the asked size, readable back with the same rows', async () => {
    const input = path.join(tmp(), 'in.csv');
    await writeFile(input, `id,name,x\n${Array.from({ length: 2500 }, (_, i) => `${i},"n, ${i}",${i % 5 === 0 ? '' : i / 8}`).join('\n')}\n`);
    const scan = await planCsvScan(input, { partitionBytes: 7000 });
    expect(scan.partitions.length).toBeGreaterThan(3);
    const out = path.join(tmp(), 'out.parquet');
    const result = await convertCsvToParquet(scan, out, { rowGroupSize: 1000, compression: 'zstd' });
    expect(result).toMatchObject({ rows: 2500, skippedRows: 0 });
    const parquet = await planParquetScan(out);
    expect(parquet.partitions.map((p) => p.numRows)).toEqual([1000, 1000, 500]);
    const back = [];
    for (const p of parquet.partitions) back.push(...(await readParquetPartition(p)).toArray().map((r) => r.toJSON()));
    const whole = await readCsvPartition({ file: input, start: 0, end: Infinity }, scan.plan);
    expect(back).toEqual(whole.table.toArray().map((r) => r.toJSON()));
    expect(back[5]).toEqual({ id: 5, name: 'n, 5', x: null });
  });

  it('leaves nothing behind when a bad row fails the conversion', async () => {
    const input = path.join(tmp(), 'bad.csv');
    await writeFile(input, `a,b\n${'1,2\n'.repeat(3000)}1,x\n`);
    const scan = await planCsvScan(input, { schema: { b: 'int32' } });
    await expect(convertCsvToParquet(scan, path.join(tmp(), 'out.parquet'), { rowGroupSize: 500 })).rejects.toThrow(CsvBadRowError);
    expect(await readdir(tmp())).toEqual(['bad.csv']);
  });
});
