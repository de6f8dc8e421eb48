import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { readParquetFooter } from '../../../../connectors/parquet/footer.ts';
import { projectedRowGroupFile, rowGroupFile } from '../../../../connectors/parquet/row-group-file.ts';
import { readParquetPartition } from '../../../../connectors/parquet/read.ts';
import { decodeParquetBytes } from '../../../../connectors/parquet/wasm.ts';
import { writeParquetFile } from '../../../../connectors/parquet/write.ts';
import { useTmpDir } from '../../../helpers/tmp-dir.ts';

const tmp = useTmpDir('parquet-rgfile');

describe('rowGroupFile', () => {
  it('makes a standalone file of one row group that decodes to exactly its rows', async () => {
    const file = path.join(tmp(), 'g.parquet');
    const n = 2500;
    const table = arrow.tableFromArrays({
      id: Int32Array.from({ length: n }, (_, i) => i),
      name: Array.from({ length: n }, (_, i) => `name-${i % 7}`), // dictionary-encoded
      x: Float64Array.from({ length: n }, (_, i) => i / 4),
    });
    await writeParquetFile(table, file, { rowGroupSize: 1000, compression: 'zstd' });
    const footer = await readParquetFooter(file);
    const bytes = await readFile(file);
    const meta = footer.tail.subarray(0, footer.tail.length - 8);
    for (const [g, group] of footer.rowGroups.entries()) {
      const standalone = rowGroupFile(meta, g, bytes.subarray(group.start, group.end), group.start, group.numRows);
      expect(standalone.length).toBeLessThan(group.end - group.start + footer.tail.length + 12);
      const back = decodeParquetBytes(standalone, [0], group.numRows);
      expect(back.numRows).toBe(group.numRows);
      const ids = back.getChild('id')!.toArray() as Int32Array;
      expect(ids[0]).toBe(g * 1000);
      expect(ids[ids.length - 1]).toBe(g * 1000 + group.numRows - 1);
      expect(back.getChild('name')!.get(5)).toBe(`name-${(g * 1000 + 5) % 7}`);
      expect(back.getChild('x')!.get(3)).toBe((g * 1000 + 3) / 4);
      // the footer of the small file describes one row group of the right size
      expect(String(back.schema.fields[1]!.type)).toBe(String(footer.schema.fields[1]!.type));
    }
  });
});

describe('projectedRowGroupFile', () => {
  it('keeps only the chunks of the columns asked for, with the Arrow schema the writer embedded cut to them', async () => {
    const file = path.join(tmp(), 'p.parquet');
    const n = 2500;
    const table = arrow.tableFromArrays({
      id: Int32Array.from({ length: n }, (_, i) => i),
      name: Array.from({ length: n }, (_, i) => `name-${i % 7}`), // dictionary-encoded
      big: BigInt64Array.from({ length: n }, (_, i) => BigInt(i) * 10_000_000_000n),
      x: Float64Array.from({ length: n }, (_, i) => i / 4),
    });
    await writeParquetFile(table, file, { rowGroupSize: 1000, compression: 'snappy' });
    const footer = await readParquetFooter(file);
    const bytes = await readFile(file);
    const meta = footer.tail.subarray(0, footer.tail.length - 8);
    const group = footer.rowGroups[1]!;
    const whole = rowGroupFile(meta, 1, bytes.subarray(group.start, group.end), group.start, group.numRows);
    for (const keep of [[1, 3], [2], [0, 1, 2]]) {
      const small = projectedRowGroupFile(meta, 1, bytes.subarray(group.start, group.end), group.start, group.numRows, { keep, chunks: group.columns });
      expect(small.length).toBeLessThan(whole.length);
      const back = decodeParquetBytes(small, [0], group.numRows);
      expect(back.schema.fields.map((f) => f.name)).toEqual(keep.map((c) => footer.schema.fields[c]!.name));
      for (const name of back.schema.fields.map((f) => f.name)) {
        expect(String(back.getChild(name)!.type), name).toBe(String(footer.schema.fields.find((f) => f.name === name)!.type));
        expect([...back.getChild(name)!].map(String), name).toEqual([...(table as arrow.Table).getChild(name)!].slice(1000, 2000).map(String));
      }
    }
    // Through the reader: a subset in any order equals the same columns of a full read.
    const part = { file, rowGroup: 2, numRows: footer.rowGroups[2]!.numRows };
    const all = await readParquetPartition(part);
    const some = await readParquetPartition(part, ['x', 'name']);
    expect(some.schema.fields.map((f) => f.name)).toEqual(['x', 'name']);
    for (const name of ['x', 'name']) expect([...some.getChild(name)!]).toEqual([...all.getChild(name)!]);
  });
});
