import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { CsvBadRowError } from '../../../../connectors/csv/errors.ts';
import { emptyCsvStats, readCsvBatches, readCsvPartition } from '../../../../connectors/csv/read.ts';
import { planCsvScan, type CsvScan } from '../../../../connectors/csv/scan.ts';
import type { CsvOptions } from '../../../../connectors/csv/options.ts';
import { useTmpDir } from '../../../helpers/tmp-dir.ts';

const tmp = useTmpDir('csv-read');

async function fixture(name: string, text: string | Buffer): Promise<string> {
  const file = path.join(tmp(), name);
  await writeFile(file, text);
  return file;
}

/** Every row of every partition, as plain objects, reading in chunks of `chunkBytes`. */
async function readAll(scan: CsvScan, chunkBytes?: number): Promise<unknown[]> {
  const rows: unknown[] = [];
  for (const part of scan.partitions) {
    for await (const batch of readCsvBatches(part, scan.plan, { chunkBytes, batchRows: 5 })) {
      for (const row of new arrow.Table(batch)) rows.push(row.toJSON());
    }
  }
  return rows;
}

/** A CSV of `n` rows with quoted fields holding commas and quotes (no quoted newlines). */
function sampleCsv(n: number, crlf = false): { text: string; rows: Array<{ id: number; name: string; score: number | null }> } {
  const rows = Array.from({ length: n }, (_, i) => ({ id: i, name: i % 3 === 0 ? `a, "b" ${i}` : `n${i}`, score: i % 7 === 0 ? null : i / 4 }));
  const eol = crlf ? '\r\n' : '\n';
  const body = rows.map((r) => `${r.id},${r.name.includes(',') ? `"${r.name.replace(/"/g, '""')}"` : r.name},${r.score ?? ''}`).join(eol);
  return { text: `id,name,score${eol}${body}${eol}`, rows };
}

describe('readCsvBatches', () => {
  it('reads every row exactly once whatever the partition and chunk sizes', async () => {
    const { text, rows } = sampleCsv(200);
    const file = await fixture('sample.csv', text);
    for (const partitionBytes of [13, 64, 333, 1 << 20]) {
      const scan = await planCsvScan(file, { partitionBytes });
      for (const chunkBytes of [3, 50, 1 << 16]) {
        expect(await readAll(scan, chunkBytes), `partitionBytes ${partitionBytes}, chunkBytes ${chunkBytes}`).toEqual(rows);
      }
    }
  });

  it('handles CRLF line ends, a byte order mark and a missing final newline', async () => {
    const { text, rows } = sampleCsv(30, true);
    const file = await fixture('crlf.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text.trimEnd())]));
    const scan = await planCsvScan(file, { partitionBytes: 40 });
    expect(scan.schema.fields.map((f) => f.name)).toEqual(['id', 'name', 'score']);
    expect(await readAll(scan, 16)).toEqual(rows);
  });

  it('reads quoted multi-line fields, carrying them across chunks', async () => {
    const file = await fixture('multi.csv', 'id,text\n1,"first\nsecond, ""third"""\n2,plain\n3,"x\r\ny"\n');
    const scan = await planCsvScan(file);
    expect(scan.multiLine).toBe(true); // detected in the sample: the file is one partition
    expect(await readAll(scan, 4)).toEqual([{ id: 1, text: 'first\nsecond, "third"' }, { id: 2, text: 'plain' }, { id: 3, text: 'x\r\ny' }]);
  });

  it('cuts batches at batchRows and yields one empty batch with the schema for an empty range', async () => {
    const { text } = sampleCsv(12);
    const scan = await planCsvScan(await fixture('b.csv', text));
    const sizes: number[] = [];
    for await (const b of readCsvBatches(scan.partitions[0]!, scan.plan, { batchRows: 5 })) sizes.push(b.numRows);
    expect(sizes).toEqual([5, 5, 2]);
    const empty: arrow.RecordBatch[] = [];
    for await (const b of readCsvBatches({ ...scan.partitions[0]!, start: 20, end: 21 }, scan.plan)) empty.push(b);
    expect(empty.map((b) => [b.numRows, b.schema.fields.length])).toEqual([[0, 3]]);
  });

  it('fails on a bad row with the file, the 1-based line, the column and the value', async () => {
    const lines = ['id,name,score', ...Array.from({ length: 40 }, (_, i) => `${i},n${i},${i}.5`)];
    lines[33] = '32,"quoted\nname",oops';
    const file = await fixture('bad.csv', `${lines.join('\n')}\n`);
    for (const partitionBytes of [100, 1 << 20]) {
      const scan = await planCsvScan(file, { partitionBytes, multiLine: false, schema: { score: 'float64' } });
      const error = await readAll(scan, 64).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CsvBadRowError);
      expect((error as CsvBadRowError).message).toContain(`${file}:35: column 'score' (field 3) has value "oops", which is not a valid float64`);
      expect((error as CsvBadRowError).line).toBe(35);
      expect((error as CsvBadRowError).column).toBe('score');
    }
  });

  it('fails on a wrong number of fields, counting them', async () => {
    const file = await fixture('fields.csv', 'a,b\n1,2\n\n3,4,5\n');
    const scan = await planCsvScan(file);
    await expect(readCsvPartition(scan.partitions[0]!, scan.plan)).rejects.toThrow(`${file}:4: the row has 3 fields but 2 are expected (a, b)`);
  });

  it('skips and counts bad rows with badRows: skip, naming the first', async () => {
    const file = await fixture('skip.csv', 'a,b\n1,2\nx,3\n4\n5,6\n7,"8\n');
    const scan = await planCsvScan(file, { badRows: 'skip', schema: { a: 'int32', b: 'int32' }, multiLine: false });
    const stats = emptyCsvStats();
    const rows: unknown[] = [];
    for await (const b of readCsvBatches(scan.partitions[0]!, scan.plan, { stats, chunkBytes: 5 })) rows.push(...new arrow.Table(b).toArray().map((r) => r.toJSON()));
    expect(rows).toEqual([{ a: 1, b: 2 }, { a: 5, b: 6 }]);
    expect(stats).toMatchObject({ rows: 2, skippedRows: 3 });
    expect(stats.firstSkipped).toContain(`${file}:3: column 'a' (field 1) has value "x"`);
  });

  it('returns only the selected columns, in the order asked for', async () => {
    const scan = await planCsvScan(await fixture('sel.csv', 'a,b,c\n1,x,2.5\n'), { select: ['c', 'a'] });
    const { table } = await readCsvPartition(scan.partitions[0]!, scan.plan);
    expect(table.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(['c:Float64', 'a:Int32']);
    expect(table.toArray().map((r) => r.toJSON())).toEqual([{ c: 2.5, a: 1 }]);
  });

  it.each<[string, CsvOptions, unknown[]]>([
    ['1\t2\n3\t4\n', { delimiter: '\t', header: false, columnNames: ['x', 'y'] }, [{ x: 1, y: 2 }, { x: 3, y: 4 }]],
    ['1::2.5\n', { delimiter: '::', header: false, quote: null }, [{ _c0: 1, _c1: 2.5 }]],
  ])('reads headerless %j', async (text, options, expected) => {
    const scan = await planCsvScan(await fixture('nh.txt', text), options);
    expect(await readAll(scan)).toEqual(expected);
  });
});
