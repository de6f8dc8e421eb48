import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { readParquetFooter } from '../../../../connectors/parquet/footer.ts';
import { rowGroupFile } from '../../../../connectors/parquet/row-group-file.ts';
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
