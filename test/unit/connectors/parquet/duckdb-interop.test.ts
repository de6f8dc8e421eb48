// Interoperability with DuckDB (in-process, through its Node client): DuckDB reads what we write,
// with the same rows and types, for every codec and for Hive-partitioned folders; we read what
// DuckDB writes with every codec it offers, data pages v1 and v2, nulls, dictionary encoding and
// many row groups. DECIMAL columns come back as Float64 (see connectors/parquet/decimal.ts).
import { createRequire } from 'node:module';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { planParquetScan } from '../../../../connectors/parquet/scan.ts';
import { readParquetPartition } from '../../../../connectors/parquet/read.ts';
import { writeParquetFile, type ParquetCompression } from '../../../../connectors/parquet/write.ts';
import { concatTables } from '../../../../engine/kernels/concat-tables.ts';
import { Session } from '../../../../engine/dataset/session.ts';
import { useTmpDir } from '../../../helpers/tmp-dir.ts';

interface DuckResult { getRows(): unknown[][]; columnNames(): string[] }
interface DuckConnection { run(sql: string): Promise<unknown>; runAndReadAll(sql: string): Promise<DuckResult> }
const { DuckDBInstance } = createRequire(import.meta.url)('@duckdb/node-api') as {
  DuckDBInstance: { create(path: string): Promise<{ connect(): Promise<DuckConnection>; closeSync?(): void }> };
};

const tmp = useTmpDir('parquet-duckdb');
let duck: DuckConnection;
beforeAll(async () => {
  duck = await (await DuckDBInstance.create(':memory:')).connect();
});

const strings = (rows: unknown[][]) => rows.map((r) => r.map((v) => (v === null ? null : String(v))));

/** A table with every type the engine keeps, nulls in each column, and a dictionary-friendly string. */
function ourTable(n: number): arrow.Table {
  const nth = <T>(f: (i: number) => T, nullEvery: number) => Array.from({ length: n }, (_, i) => (i % nullEvery === nullEvery - 1 ? null : f(i)));
  return new arrow.Table({
    i32: arrow.vectorFromArray(Array.from({ length: n }, (_, i) => i - 5), new arrow.Int32()),
    i64: arrow.vectorFromArray(nth((i) => BigInt(i) * 10_000_000_000n, 7), new arrow.Int64()),
    f32: arrow.vectorFromArray(nth((i) => i / 4, 5), new arrow.Float32()),
    f64: arrow.vectorFromArray(nth((i) => i / 3, 6), new arrow.Float64()),
    s: arrow.vectorFromArray(nth((i) => `genre-${i % 4}-é`, 3), new arrow.Utf8()),
    b: arrow.vectorFromArray(nth((i) => i % 2 === 0, 4), new arrow.Bool()),
    ts: arrow.vectorFromArray(nth((i) => 1_600_000_000_000 + i * 1000, 8), new arrow.TimestampMillisecond()),
    d: arrow.vectorFromArray(nth((i) => new Date(Date.UTC(2020, 0, 1 + i)), 9), new arrow.DateDay()),
  });
}

describe('DuckDB reads what we write', () => {
  const codecs: ParquetCompression[] = ['snappy', 'gzip', 'zstd', 'lz4', 'brotli', 'none'];
  it.each(codecs)('%s: same types and rows', async (codec) => {
    const file = path.join(tmp(), `ours-${codec}.parquet`);
    const n = 50;
    await writeParquetFile(ourTable(n), file, { compression: codec, rowGroupSize: 20 });
    const types = (await duck.runAndReadAll(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${file}'))`)).getRows();
    const byName = Object.fromEntries(strings(types).map(([k, v]) => [k!, v]));
    expect(byName).toMatchObject({ i32: 'INTEGER', i64: 'BIGINT', f32: 'FLOAT', f64: 'DOUBLE', s: 'VARCHAR', b: 'BOOLEAN', d: 'DATE' });
    expect(byName.ts).toMatch(/^TIMESTAMP/);
    const got = (await duck.runAndReadAll(
      `SELECT i32, i64::VARCHAR, f32, f64, s, b, epoch_ms(ts::TIMESTAMP), d::VARCHAR FROM read_parquet('${file}') ORDER BY i32`,
    )).getRows();
    const want = Array.from({ length: n }, (_, i) => [
      i - 5,
      i % 7 === 6 ? null : String(BigInt(i) * 10_000_000_000n),
      i % 5 === 4 ? null : i / 4,
      i % 6 === 5 ? null : i / 3,
      i % 3 === 2 ? null : `genre-${i % 4}-é`,
      i % 4 === 3 ? null : i % 2 === 0,
      i % 8 === 7 ? null : String(1_600_000_000_000 + i * 1000),
      i % 9 === 8 ? null : new Date(Date.UTC(2020, 0, 1 + i)).toISOString().slice(0, 10),
    ]);
    expect(got.map((r) => r.map((v) => (typeof v === 'bigint' ? String(v) : v)))).toEqual(want);
  });

  it('reads our Hive-partitioned output with hive_partitioning', async () => {
    const dir = path.join(tmp(), 'out');
    const session = await Session.create({ master: 'local' });
    try {
      const rows = Array.from({ length: 60 }, (_, i) => ({ id: i, year: 2020 + (i % 3), city: ['Paris', 'Lyon'][i % 2]!, rating: (i % 10) / 2 }));
      await session.fromRows(rows, { numPartitions: 3 }).writeParquet(dir, { partitionBy: ['year', 'city'], compression: 'zstd' });
    } finally {
      await session.stop();
    }
    const got = (await duck.runAndReadAll(
      `SELECT year, city, count(*)::INTEGER, sum(id)::INTEGER, sum(rating) FROM read_parquet('${dir}/**/*.parquet', hive_partitioning = true) GROUP BY ALL ORDER BY ALL`,
    )).getRows();
    const want: unknown[][] = [];
    for (const year of [2020, 2021, 2022]) {
      for (const city of ['Lyon', 'Paris']) {
        const ids = Array.from({ length: 60 }, (_, i) => i).filter((i) => 2020 + (i % 3) === year && ['Paris', 'Lyon'][i % 2] === city);
        want.push([year, city, ids.length, ids.reduce((a, b) => a + b, 0), ids.reduce((a, i) => a + (i % 10) / 2, 0)]);
      }
    }
    expect(got.map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : v)))).toEqual(want);
  });
});

describe('we read what DuckDB writes', () => {
  const n = 6_000;
  const select = `SELECT i::INTEGER AS i32, (i * 1000000007)::BIGINT AS i64, (i / 4)::FLOAT AS f32, (i / 3)::DOUBLE AS f64,
      CASE WHEN i % 7 = 0 THEN NULL ELSE 'genre-' || (i % 5) END AS s, (i % 2 = 0) AS b,
      TIMESTAMP '2020-01-01' + to_seconds(i) AS ts, DATE '2020-01-01' + (i % 400)::INTEGER AS d,
      CASE WHEN i % 11 = 0 THEN NULL ELSE (i * 1.25)::DECIMAL(12, 2) END AS price
    FROM range(${n}) t(i)`;

  async function readAll(file: string, filter?: unknown): Promise<{ table: arrow.Table; partitions: number }> {
    const scan = await planParquetScan(file, { filter: filter as never });
    const parts = await Promise.all(scan.partitions.map((p) => readParquetPartition(p, undefined, scan.read)));
    return { table: concatTables(parts), partitions: scan.partitions.length };
  }

  const cases = ['snappy', 'gzip', 'zstd', 'lz4', 'brotli', 'uncompressed'].flatMap((codec) => ['V1', 'V2'].map((version) => [codec, version] as const));
  it.each(cases)('%s, data pages %s: every type, nulls, dictionary strings, many row groups', async (codec, version) => {
    const file = path.join(tmp(), `duck-${codec}-${version}.parquet`);
    await duck.run(`COPY (${select}) TO '${file}' (FORMAT parquet, COMPRESSION ${codec}, ROW_GROUP_SIZE 2048, PARQUET_VERSION ${version})`);
    const { table, partitions } = await readAll(file);
    expect(partitions).toBeGreaterThanOrEqual(3);
    expect(table.numRows).toBe(n);
    const types = Object.fromEntries(table.schema.fields.map((f) => [f.name, String(f.type)]));
    expect(types).toMatchObject({ i32: 'Int32', i64: 'Int64', f32: 'Float32', f64: 'Float64', s: 'Utf8', b: 'Bool', d: 'Date32<DAY>', price: 'Float64' });
    expect(types.ts).toMatch(/^Timestamp<MICROSECOND/);

    const col = (name: string) => table.getChild(name)!;
    for (const i of [0, 1, 2047, 2048, 5001, n - 1]) {
      expect(col('i32').get(i)).toBe(i);
      expect(col('i64').get(i)).toBe(BigInt(i) * 1000000007n);
      expect(col('f32').get(i)).toBe(i / 4);
      expect(col('f64').get(i)).toBe(i / 3);
      expect(col('s').get(i)).toBe(i % 7 === 0 ? null : `genre-${i % 5}`);
      expect(col('b').get(i)).toBe(i % 2 === 0);
      expect(Number(col('ts').get(i))).toBe(Date.UTC(2020, 0, 1) + i * 1000);
      expect(col('d').get(i)).toBe(Date.UTC(2020, 0, 1 + (i % 400)));
      expect(col('price').get(i)).toBe(i % 11 === 0 ? null : Math.round(i * 125) / 100);
    }
    expect(col('s').nullCount).toBe(Math.ceil(n / 7));
    expect(col('price').nullCount).toBe(Math.ceil(n / 11));
  });

  it('prunes row groups of a DuckDB file by its statistics', async () => {
    const file = path.join(tmp(), 'duck-prune.parquet');
    await duck.run(`COPY (${select}) TO '${file}' (FORMAT parquet, ROW_GROUP_SIZE 2048)`);
    const all = await readAll(file);
    const late = await readAll(file, [['i32', '>=', 5000], ['s', '=', 'genre-1']]);
    expect(late.partitions).toBe(1);
    expect(all.partitions).toBeGreaterThan(late.partitions);
    const ids = [...late.table.getChild('i32')!];
    expect(ids).toEqual(Array.from({ length: n }, (_, i) => i).filter((i) => i >= 5000 && i % 5 === 1 && i % 7 !== 0));
  });
});

