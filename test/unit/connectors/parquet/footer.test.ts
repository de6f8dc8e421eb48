import { stat } from 'node:fs/promises';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { FOOTER_GUESS_BYTES, readParquetFooter } from '../../../../connectors/parquet/footer.ts';
import { readParquetPartition } from '../../../../connectors/parquet/read.ts';
import { ParquetNotFoundError } from '../../../../connectors/parquet/errors.ts';
import { writeParquetFile } from '../../../../connectors/parquet/write.ts';
import { useTmpDir } from '../../../helpers/tmp-dir.ts';

const tmp = useTmpDir('parquet-footer');

describe('readParquetFooter', () => {
  it('finds each row group and its byte range: contiguous from byte 4 up to the footer', async () => {
    const file = path.join(tmp(), 'a.parquet');
    const n = 10_000;
    const table = arrow.tableFromArrays({ a: Int32Array.from({ length: n }, (_, i) => i), b: Float64Array.from({ length: n }, (_, i) => i * 0.5) });
    await writeParquetFile(table, file, { rowGroupSize: 4096 });
    const footer = await readParquetFooter(file);
    const { size } = await stat(file);

    expect(footer.fileSize).toBe(size);
    expect(footer.rowGroups.map((g) => g.numRows)).toEqual([4096, 4096, 1808]);
    expect(footer.rowGroups[0]!.start).toBe(4);
    for (let i = 1; i < footer.rowGroups.length; i++) expect(footer.rowGroups[i]!.start).toBe(footer.rowGroups[i - 1]!.end);
    expect(footer.rowGroups.at(-1)!.end).toBeLessThanOrEqual(size - footer.tail.length);
    expect(footer.schema.fields.map((f) => `${f.name}: ${String(f.type)}`)).toEqual(['a: Int32', 'b: Float64']);
  });

  it('reads a file without rows (schema only, no row groups)', async () => {
    const file = path.join(tmp(), 'empty.parquet');
    const { rows } = await writeParquetFile(arrow.tableFromArrays({ a: Int32Array.of() }), file);
    expect(rows).toBe(0);
    const footer = await readParquetFooter(file);
    expect(footer.rowGroups).toEqual([]);
    expect(footer.schema.fields.map((f) => f.name)).toEqual(['a']);
  });

  it('reads a footer longer than the first 64 KiB guess with one more range, and the file stays readable', async () => {
    const file = path.join(tmp(), 'many-groups.parquet');
    // 120 row groups x 16 columns: about 2,000 column chunks described in the footer.
    const n = 120;
    const columns: Record<string, Float64Array | Int32Array> = { a: Int32Array.from({ length: n }, (_, i) => i), b: Float64Array.from({ length: n }, (_, i) => i / 4) };
    for (let c = 0; c < 14; c++) columns[`extra_column_with_a_long_name_${c}`] = Float64Array.from({ length: n }, (_, i) => i * c);
    await writeParquetFile(arrow.tableFromArrays(columns), file, { rowGroupSize: 1 });
    const footer = await readParquetFooter(`file://${file}`);
    expect(footer.tail.length).toBeGreaterThan(FOOTER_GUESS_BYTES);
    expect(footer.rowGroups.length).toBe(n);
    expect(footer.rowGroups.at(-1)!.end).toBeLessThanOrEqual(footer.fileSize - footer.tail.length);
    const last = await readParquetPartition({ file, rowGroup: n - 1, numRows: 1 });
    expect(last.toArray().map((r) => r.toJSON())[0]).toMatchObject({ a: n - 1, b: (n - 1) / 4, extra_column_with_a_long_name_13: (n - 1) * 13 });
  });

  it('reports a missing file as ParquetNotFoundError naming it', async () => {
    const file = path.join(tmp(), 'absent.parquet');
    const error = await readParquetFooter(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ParquetNotFoundError);
    expect((error as Error).message).toBe(`parquet file ${file} does not exist`);
  });
});
