// Decoded columns imported from parquet-wasm through the Arrow C Data Interface (c-data-import.ts)
// are the columns the IPC path gives, buffer for buffer: files written by DuckDB (every flat type it
// has, decimals of each physical width, nulls, several row groups) and by us; columns the importer
// does not take (lists, dictionaries) fall back to IPC with the same result.
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { importColumns } from '../../../../connectors/parquet/c-data-import.ts';
import { parquetWasm } from '../../../../connectors/parquet/parquet-wasm.ts';
import { decodeParquetBytes } from '../../../../connectors/parquet/wasm.ts';
import { writeParquetFile } from '../../../../connectors/parquet/write.ts';
import { useTmpDir } from '../../../helpers/tmp-dir.ts';

interface DuckConnection { run(sql: string): Promise<unknown> }
const { DuckDBInstance } = createRequire(import.meta.url)('@duckdb/node-api') as {
  DuckDBInstance: { create(path: string): Promise<{ connect(): Promise<DuckConnection> }> };
};

const tmp = useTmpDir('parquet-c-data');
let duck: DuckConnection;
beforeAll(async () => {
  duck = await (await DuckDBInstance.create(':memory:')).connect();
});

/** The table the IPC path gives for `bytes` (all row groups, `batchSize` rows per batch). */
function viaIpc(bytes: Uint8Array, rowGroups: number[], batchSize: number): arrow.Table {
  return arrow.tableFromIPC(parquetWasm().readParquet(bytes, { rowGroups, batchSize }).intoIPCStream());
}

/** Whether the C Data importer takes every column of `bytes` (rather than falling back to IPC). */
function importsDirectly(bytes: Uint8Array): boolean {
  const wasm = parquetWasm();
  const table = wasm.readParquet(bytes, {});
  const schema = arrow.tableFromIPC(table.schema.intoIPCStream()).schema;
  const ffi = table.toFFI();
  try {
    return importColumns({ memory: wasm.wasmMemory().buffer, schemaAddr: ffi.schemaAddr(), batchAddrs: ffi.arrayAddrs() }, schema) !== undefined;
  } finally {
    ffi.free();
    table.free();
  }
}

const hex = (view: ArrayBufferView | undefined): string => (view === undefined ? '' : Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('hex'));

/** Same schema, batches and, per column, the same type, length, nulls, values and buffers. */
function expectSameTables(got: arrow.Table, want: arrow.Table): void {
  expect(String(got.schema)).toBe(String(want.schema));
  expect([...got.schema.metadata]).toEqual([...want.schema.metadata]);
  expect(got.schema.fields.map((f) => [f.name, f.nullable, [...f.metadata]])).toEqual(want.schema.fields.map((f) => [f.name, f.nullable, [...f.metadata]]));
  expect(got.batches.length).toBe(want.batches.length);
  got.batches.forEach((batch, b) => {
    const other = want.batches[b]!;
    expect(batch.numRows).toBe(other.numRows);
    batch.data.children.forEach((data, c) => {
      const w = other.data.children[c]!;
      expect(String(data.type)).toBe(String(w.type));
      expect([data.length, data.offset, data.nullCount]).toEqual([w.length, w.offset, w.nullCount]);
      if (data.nullCount > 0) expect(hex(data.nullBitmap)).toBe(hex(w.nullBitmap));
      expect(hex(data.values)).toBe(hex(w.values));
      expect(hex(data.valueOffsets)).toBe(hex(w.valueOffsets));
      const plain = (d: arrow.Data) => JSON.stringify([...arrow.makeVector(d)], (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
      expect(plain(data)).toBe(plain(w));
    });
  });
}

describe('decoding through the C Data Interface', () => {
  it('gives the IPC path\'s columns for every flat type DuckDB writes, with nulls, over several row groups', async () => {
    const file = path.join(tmp(), 'duck-types.parquet');
    await duck.run(`COPY (
      SELECT (i % 100 - 50)::TINYINT AS i8, i::SMALLINT AS i16, i::INTEGER AS i32, (i * 10000000000)::BIGINT AS i64,
        (i % 250)::UTINYINT AS u8, i::USMALLINT AS u16, i::UINTEGER AS u32, i::UBIGINT AS u64,
        (i / 4)::FLOAT AS f32, (i / 3)::DOUBLE AS f64, i % 2 = 0 AS b,
        CASE WHEN i % 5 = 0 THEN NULL ELSE 'text-' || i || '-é' END AS s, ('blob' || i)::BLOB AS bin,
        DATE '2020-01-01' + i AS d, TIMESTAMP '2020-01-01 00:00:00' + i * INTERVAL 1 SECOND AS ts,
        TIMESTAMPTZ '2020-01-01 00:00:00+00' + i * INTERVAL 1 MINUTE AS tstz, TIME '01:02:03' + i * INTERVAL 1 SECOND AS t,
        (i / 7)::DECIMAL(9, 2) AS dec32, (i / 7)::DECIMAL(18, 4) AS dec64, (i / 7)::DECIMAL(38, 10) AS dec128,
        '' AS empty
      FROM (SELECT CASE WHEN i % 11 = 3 THEN NULL ELSE i::INTEGER END AS i FROM range(0, 6000) r(i))
    ) TO '${file}' (FORMAT parquet, ROW_GROUP_SIZE 2048)`);
    const bytes = new Uint8Array(await readFile(file));
    expect(importsDirectly(bytes)).toBe(true);
    for (const [rowGroups, batchSize] of [[[0, 1, 2], 2048], [[1], 2048], [[0, 2], 700]] as Array<[number[], number]>) {
      expectSameTables(decodeParquetBytes(bytes, rowGroups, batchSize), viaIpc(bytes, rowGroups, batchSize));
    }
  });

  it('gives the IPC path\'s columns for a file we wrote (embedded Arrow schema, no nulls in some columns, zero rows)', async () => {
    const file = path.join(tmp(), 'ours.parquet');
    const n = 3000;
    await writeParquetFile(new arrow.Table({
      id: arrow.vectorFromArray(Int32Array.from({ length: n }, (_, i) => i)),
      x: arrow.vectorFromArray(Float64Array.from({ length: n }, (_, i) => i / 3)),
      r: arrow.vectorFromArray(Array.from({ length: n }, (_, i) => (i % 9 === 0 ? null : i / 2)), new arrow.Float32()),
      flag: arrow.vectorFromArray(Array.from({ length: n }, (_, i) => (i % 13 === 0 ? null : i % 3 === 0)), new arrow.Bool()),
      big: arrow.vectorFromArray(Array.from({ length: n }, (_, i) => BigInt(i) << 40n), new arrow.Int64()),
    }), file, { rowGroupSize: 1024 });
    const bytes = new Uint8Array(await readFile(file));
    expect(importsDirectly(bytes)).toBe(true);
    expectSameTables(decodeParquetBytes(bytes, [0, 1, 2], 1024), viaIpc(bytes, [0, 1, 2], 1024));

    const empty = path.join(tmp(), 'empty.parquet');
    await writeParquetFile(new arrow.Table({ id: arrow.vectorFromArray(new Int32Array(0)) }), empty);
    const emptyBytes = new Uint8Array(await readFile(empty));
    const decoded = decodeParquetBytes(emptyBytes, [], 1);
    expect([decoded.numRows, String(decoded.schema)]).toEqual([0, String(viaIpc(emptyBytes, [], 1).schema)]);
  });

  it('leaves lists and dictionary columns to the IPC path, with the same result', async () => {
    const file = path.join(tmp(), 'nested.parquet');
    await writeParquetFile(new arrow.Table({
      id: arrow.vectorFromArray(Array.from({ length: 1500 }, (_, i) => i), new arrow.Int32()),
      xs: arrow.vectorFromArray(Array.from({ length: 1500 }, (_, i) => (i % 5 === 0 ? null : [i, i + 1])), new arrow.List(new arrow.Field('item', new arrow.Int32(), true))),
    }), file, { rowGroupSize: 1000 });
    const bytes = new Uint8Array(await readFile(file));
    expect(importsDirectly(bytes)).toBe(false);
    const got = decodeParquetBytes(bytes, [0, 1], 1000);
    const want = viaIpc(bytes, [0, 1], 1000);
    expect(String(got.schema)).toBe(String(want.schema));
    expect(got.toArray().map((r) => JSON.stringify(r))).toEqual(want.toArray().map((r) => JSON.stringify(r)));

    const dictFile = path.join(tmp(), 'dict.parquet');
    await writeParquetFile(arrow.tableFromArrays({ name: Array.from({ length: 500 }, (_, i) => `name-${i % 7}`) }), dictFile);
    const dictBytes = new Uint8Array(await readFile(dictFile));
    const dict = decodeParquetBytes(dictBytes, [0], 500);
    expect(String(dict.schema)).toBe(String(viaIpc(dictBytes, [0], 500).schema));
    expect(importsDirectly(dictBytes)).toBe(arrow.DataType.isDictionary(dict.schema.fields[0]!.type) ? false : true);
    expect(dict.getChild('name')!.get(8)).toBe('name-1');
  });
});
