import { stat } from 'node:fs/promises';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { readParquetFooter } from '../../../../connectors/parquet/footer.ts';
import { writeParquetFile } from '../../../../connectors/parquet/write.ts';
import { useTmpDir } from './tmp-dir.ts';

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
});
