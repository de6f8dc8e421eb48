import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { readParquetPartition, readParquetTask } from '../../../../connectors/parquet/read.ts';
import { planParquetScan } from '../../../../connectors/parquet/scan.ts';
import { writeParquetFile } from '../../../../connectors/parquet/write.ts';
import { readParquetFooter } from '../../../../connectors/parquet/footer.ts';
import { ParquetColumnError, ParquetCorruptError } from '../../../../connectors/parquet/errors.ts';
import { useTmpDir } from '../../../helpers/tmp-dir.ts';

const tmp = useTmpDir('parquet-read');

/** Every canonical scalar type, with a null in each column. */
function mixedTable(): arrow.Table {
  return new arrow.Table({
    i32: arrow.vectorFromArray([1, null, -3, 2147483647], new arrow.Int32()),
    i64: arrow.vectorFromArray([10n, -(2n ** 62n), null, 4n], new arrow.Int64()),
    f32: arrow.vectorFromArray([0.5, 1.25, null, -2], new arrow.Float32()),
    f64: arrow.vectorFromArray([Math.PI, null, 1e300, -0.1], new arrow.Float64()),
    bool: arrow.vectorFromArray([true, false, null, true], new arrow.Bool()),
    str: arrow.vectorFromArray(['a', null, 'ünïcode', ''], new arrow.Utf8()),
    ts: arrow.vectorFromArray([0, 1_700_000_000_123, null, -1000], new arrow.TimestampMillisecond()),
    day: arrow.vectorFromArray([new Date(Date.UTC(2020, 1, 29)), null, new Date(0), new Date(Date.UTC(1969, 11, 31))], new arrow.DateDay()),
  });
}

function rows(table: arrow.Table): unknown[] {
  return table.toArray().map((r) => JSON.parse(JSON.stringify(r.toJSON(), (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))));
}

describe('readParquetPartition', () => {
  it('round-trips int32, int64, float, double, bool, utf8, timestamp and date columns with nulls', async () => {
    const file = path.join(tmp(), 'mixed.parquet');
    const table = mixedTable();
    await writeParquetFile(table, file);
    const scan = await planParquetScan(file);
    expect(scan.partitions).toEqual([{ file, rowGroup: 0, numRows: 4 }]);

    const back = await readParquetPartition(scan.partitions[0]!);
    expect(back.schema.fields.map((f) => `${f.name}: ${String(f.type)}`)).toEqual(table.schema.fields.map((f) => `${f.name}: ${String(f.type)}`));
    expect(rows(back)).toEqual(rows(table));
    expect(back.getChild('i32')!.nullCount).toBe(1);
    expect(back.getChild('str')!.get(1)).toBeNull();
  });

  it('reads only the asked row group: one partition per row group, right rows in each', async () => {
    const file = path.join(tmp(), 'groups.parquet');
    const n = 2500;
    const table = arrow.tableFromArrays({ id: Int32Array.from({ length: n }, (_, i) => i), x: Float64Array.from({ length: n }, (_, i) => i / 2) });
    await writeParquetFile(table, file, { rowGroupSize: 1000 });

    const scan = await planParquetScan(file);
    expect(scan.partitions.map((p) => [p.rowGroup, p.numRows])).toEqual([[0, 1000], [1, 1000], [2, 500]]);
    const second = await readParquetPartition(scan.partitions[1]!);
    expect(second.numRows).toBe(1000);
    expect(second.batches).toHaveLength(1);
    const ids = second.getChild('id')!.toArray() as Int32Array;
    expect(ids[0]).toBe(1000);
    expect(ids[999]).toBe(1999);
    const last = await readParquetPartition(scan.partitions[2]!);
    expect(last.getChild('x')!.get(499)).toBe(2499 / 2);
  });

  it('projects columns in the order asked for', async () => {
    const file = path.join(tmp(), 'proj.parquet');
    await writeParquetFile(mixedTable(), file);
    const [part] = (await planParquetScan(file)).partitions;
    const t = await readParquetPartition(part!, ['str', 'i32']);
    expect(t.schema.fields.map((f) => f.name)).toEqual(['str', 'i32']);
    expect(t.getChild('str')!.get(2)).toBe('ünïcode');
    expect(t.getChild('i32')!.get(2)).toBe(-3);
  });

  it('decodes dictionary-encoded string columns to plain Utf8', async () => {
    const file = path.join(tmp(), 'dict.parquet');
    // tableFromArrays makes string columns Dictionary<Int32, Utf8>; the file keeps that in its Arrow schema.
    const table = arrow.tableFromArrays({ genre: ['drama', 'comedy', 'drama', 'horror', 'drama'] });
    expect(arrow.DataType.isDictionary(table.schema.fields[0]!.type)).toBe(true);
    await writeParquetFile(table, file);
    const footer = await readParquetFooter(file);
    expect(arrow.DataType.isDictionary(footer.schema.fields[0]!.type)).toBe(true);

    const scan = await planParquetScan(file);
    expect(String(scan.schema.fields[0]!.type)).toBe('Utf8');
    const back = await readParquetPartition(scan.partitions[0]!);
    expect(String(back.schema.fields[0]!.type)).toBe('Utf8');
    expect([...back.getChild('genre')!]).toEqual(['drama', 'comedy', 'drama', 'horror', 'drama']);
  });

  it('refuses a column that is not in the file, naming it and the available ones', async () => {
    const file = path.join(tmp(), 'cols.parquet');
    await writeParquetFile(arrow.tableFromArrays({ a: Int32Array.of(1), b: Int32Array.of(2) }), file);
    const [part] = (await planParquetScan(file)).partitions;
    const err = await readParquetPartition(part!, ['a', 'zz']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParquetColumnError);
    expect((err as Error).message).toMatch(/'zz'.*available columns: a, b/);
  });

  it('reports corrupt data pages with the file and row group, and keeps working afterwards', async () => {
    const file = path.join(tmp(), 'corrupt.parquet');
    const n = 3000;
    await writeParquetFile(arrow.tableFromArrays({ id: Int32Array.from({ length: n }, (_, i) => i * 7) }), file, { rowGroupSize: 1000 });
    const footer = await readParquetFooter(file);
    const group = footer.rowGroups[1]!;
    const bytes = await readFile(file);
    bytes.fill(0xff, group.start, group.end); // destroy the page headers of row group 1 only
    await writeFile(file, bytes);

    const scan = await planParquetScan(file); // footers are intact: planning succeeds
    const err = await readParquetPartition(scan.partitions[1]!).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParquetCorruptError);
    expect((err as Error).message).toContain(`${file} row group 1 cannot be decoded`);
    const ok = await readParquetPartition(scan.partitions[2]!);
    expect(ok.getChild('id')!.get(0)).toBe(2000 * 7);
  });

  it('notices that a file changed since planning', async () => {
    const file = path.join(tmp(), 'changed.parquet');
    await writeParquetFile(arrow.tableFromArrays({ a: Int32Array.of(1, 2, 3) }), file);
    const [part] = (await planParquetScan(file)).partitions;
    await writeParquetFile(arrow.tableFromArrays({ a: Int32Array.of(1) }), file);
    await expect(readParquetPartition(part!)).rejects.toThrow(/planned with 3 rows but it has 1 rows/);
  });
});

describe('readParquetTask (a read task\'s row groups, decoded in runs)', () => {
  async function collect(tables: AsyncIterable<arrow.Table>): Promise<arrow.Table[]> {
    const out: arrow.Table[] = [];
    for await (const t of tables) out.push(t);
    return out;
  }

  it('gives the rows of every row group in order, as reading them one by one does: projected, all columns, filtered, nested', async () => {
    const n = 5000;
    const flat = path.join(tmp(), 'runs.parquet');
    await writeParquetFile(arrow.tableFromArrays({
      id: Int32Array.from({ length: n }, (_, i) => i),
      x: Float64Array.from({ length: n }, (_, i) => i / 4),
      s: Array.from({ length: n }, (_, i) => (i % 7 === 0 ? null : `s${i % 13}`)),
    }), flat, { rowGroupSize: 700 });
    const nested = path.join(tmp(), 'nested.parquet');
    await writeParquetFile(new arrow.Table({
      id: arrow.vectorFromArray(Array.from({ length: 900 }, (_, i) => i), new arrow.Int32()),
      xs: arrow.vectorFromArray(Array.from({ length: 900 }, (_, i) => [i, i + 1]), new arrow.List(new arrow.Field('item', new arrow.Int32(), true))),
    }), nested, { rowGroupSize: 200 });
    const cases: Array<[string, string[] | undefined, Parameters<typeof planParquetScan>[1]]> = [
      [flat, ['x', 'id'], {}],
      [flat, undefined, {}],
      [flat, ['s'], { filter: [['id', '>=', 1234]] }],
      [nested, ['xs', 'id'], {}],
    ];
    for (const [file, columns, options] of cases) {
      const scan = await planParquetScan(file, { ...options, columns });
      expect(scan.partitions.length).toBeGreaterThan(3);
      const oneByOne = await Promise.all(scan.partitions.map((p) => readParquetPartition(p, columns, scan.read)));
      const runs = await collect(readParquetTask(scan.partitions, columns, scan.read));
      expect(runs.length).toBeLessThan(oneByOne.length); // several groups per decoder call
      expect(rows(runs.reduce((a, b) => a.concat(b)))).toEqual(rows(oneByOne.reduce((a, b) => a.concat(b))));
      expect(runs[0]!.schema.fields.map(String)).toEqual(oneByOne[0]!.schema.fields.map(String));
    }
  });

  it('names the row groups of a run that cannot be decoded', async () => {
    const file = path.join(tmp(), 'corrupt-run.parquet');
    await writeParquetFile(arrow.tableFromArrays({ id: Int32Array.from({ length: 3000 }, (_, i) => i) }), file, { rowGroupSize: 1000 });
    const scan = await planParquetScan(file);
    const footer = await readParquetFooter(file);
    const bytes = await readFile(file);
    const chunk = footer.rowGroups[1]!.columns[0]!;
    bytes.fill(0xee, chunk.start + 8, chunk.start + chunk.length - 8);
    await writeFile(file, bytes);
    await expect(collect(readParquetTask(scan.partitions, ['id'], scan.read))).rejects.toThrow(/row groups 0-2 cannot be decoded/);
  });
});
