// Map output write + read round trip on real files and in memory: block contents, empty blocks,
// ranges of buckets, every column type, sliced and shared-buffer inputs, index bytes, atomic naming.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bool, Field, Float64, Int32, Int64, List, Table, Utf8, makeVector, tableFromIPC, tableToIPC, vectorFromArray } from 'apache-arrow';
import { writeMapOutput, writeMapOutputTables } from '../../../engine/shuffle/shuffle-writer.ts';
import { blockStream, decodeBlock, readBlockBytes, readIndex } from '../../../engine/shuffle/shuffle-reader.ts';
import { encodeBuckets } from '../../../engine/shuffle/bucket-encoder.ts';
import { schemaMessage } from '../../../engine/shuffle/ipc-messages.ts';
import { writeMergedMapOutput } from '../../../engine/shuffle/merge-map-output.ts';
import { MapOutputStore } from '../../../engine/shuffle/map-output-store.ts';
import { partitionIds } from '../../../engine/shuffle/partitioner.ts';
import type { Partitioner } from '../../../engine/shuffle/partitioner.ts';
import { canonicalTable, plainColumns } from '../kernels/canonical-table.ts';
import { takeRows } from '../../../engine/kernels/take.ts';
import { allocateOutputBuffer, releaseOutputBuffer } from '../../../engine/shuffle/output-buffers.ts';
import { kernelIds } from '../../../engine/kernels/shuffle-wasm.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dataflow-shuffle-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function sample(): Table {
  const n = 200;
  return new Table({
    k: vectorFromArray(Array.from({ length: n }, (_, i) => (i % 10 === 0 ? null : i % 17)), new Int32()),
    s: vectorFromArray(Array.from({ length: n }, (_, i) => (i % 7 === 0 ? null : `row-${i}`)), new Utf8()),
    v: vectorFromArray(Array.from({ length: n }, (_, i) => i / 4), new Float64()),
  });
}

const rowsOf = (t: Table | undefined): unknown[][] =>
  t ? Array.from({ length: t.numRows }, (_, i) => t.schema.fields.map((f) => t.getChild(f.name)!.get(i))) : [];

describe('writeMapOutput + readBlockBytes', () => {
  it('round-trips 4 reduce partitions including empty ones', async () => {
    const table = sample();
    // Range bounds [8], [8], [null]: k <= 8 → partition 0; k > 8 and null (nulls sort last,
    // equal to the null bound) → partition 2; partitions 1 and 3 stay empty.
    const partitioner: Partitioner = { kind: 'range', keys: ['k'], ascending: [true], bounds: [[8], [8], [null]], numPartitions: 4 };
    const ids = partitionIds(table, partitioner);
    const out = await writeMapOutput({ dir, shuffleId: 3, mapPartition: 5, attempt: 0, table, partitioner, numPartitions: 4 });
    expect(out.dataFile).toBe(join(dir, 'shuffle_3_5_0.data'));
    expect(out.indexFile).toBe(join(dir, 'shuffle_3_5_0.index'));
    expect(out.blockSizes[1]).toBe(0);
    expect(out.blockSizes[3]).toBe(0);
    expect(out.blockSizes[0]).toBeGreaterThan(0);
    expect(out.blockSizes[2]).toBeGreaterThan(0);

    const all = rowsOf(table);
    const { offsets } = await readIndex(out.indexFile);
    for (let r = 0; r < 4; r++) {
      const bytes = await readBlockBytes(dir, 3, 5, 0, r);
      // A block is the schema message, the bucket's batch and an 8-byte end-of-stream marker.
      expect(bytes.byteLength).toBe(out.blockSizes[r] === 0 ? 0 : offsets[0] + out.blockSizes[r] + 8);
      const block = decodeBlock(bytes);
      const expected = all.filter((_, i) => ids[i] === r);
      if (expected.length === 0) expect(block).toBeUndefined();
      else {
        expect(block!.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(['k:Int32', 's:Utf8', 'v:Float64']);
        expect(rowsOf(block)).toEqual(expected);
      }
    }
    expect((await readdir(dir)).sort()).toEqual(['shuffle_3_5_0.data', 'shuffle_3_5_0.index']);
  });

  it('round-trips a hash-partitioned table: every row lands in exactly one block', async () => {
    const table = sample();
    const partitioner: Partitioner = { kind: 'hash', keys: ['s'], numPartitions: 4 };
    const { blockSizes } = await writeMapOutput({ dir, shuffleId: 1, mapPartition: 0, attempt: 2, table, partitioner, numPartitions: 4 });
    const got: unknown[][] = [];
    for (let r = 0; r < 4; r++) got.push(...rowsOf(decodeBlock(await readBlockBytes(dir, 1, 0, 2, r))));
    const key = (row: unknown[]): string => JSON.stringify(row);
    expect(got.map(key).sort()).toEqual(rowsOf(table).map(key).sort());
    expect(blockSizes.filter((b) => b > 0).length).toBe(4);
  });

  it('round-trips every column type, with nulls (generic path for List, Struct, Dictionary)', async () => {
    const table = canonicalTable();
    await writeMapOutputTables({ dir, shuffleId: 4, mapPartition: 0, attempt: 0, tables: [table.slice(1, 2), table.slice(2, 5)] });
    await expectBuckets(table, [[1], [2, 3, 4]], (r) => readBlockBytes(dir, 4, 0, 0, r));
    const flat = table.select(['i8', 'i16', 'i32', 'i64', 'u8', 'u16', 'u32', 'u64', 'f32', 'f64', 'bool', 'utf8', 'ts', 'dateDay', 'dateMs']);
    const encoded = encodeBuckets(flat, Int32Array.of(1, 0, 1, 0, 1), 2);
    await expectBuckets(flat, [[1, 3], [0, 2, 4]], async (r) => blockStream(encoded.bytes, encoded.offsets, r, r + 1));
    const generic = encodeBuckets(table, Int32Array.of(1, 0, 1, 0, 1), 2);
    await expectBuckets(table, [[1, 3], [0, 2, 4]], async (r) => blockStream(generic.bytes, generic.offsets, r, r + 1));
  });

  it('encodes slices of a decoded stream (columns sharing one buffer, non-zero offsets) exactly', async () => {
    const n = 300;
    const source = new Table({
      k: vectorFromArray(Array.from({ length: n }, (_, i) => (i % 11 === 0 ? null : i)), new Int32()),
      b: vectorFromArray(Array.from({ length: n }, (_, i) => (i % 13 === 0 ? null : i % 3 === 0)), new Bool()),
      s: vectorFromArray(Array.from({ length: n }, (_, i) => (i % 7 === 0 ? null : `v${i}`.repeat(i % 5))), new Utf8()),
      l: vectorFromArray(Array.from({ length: n }, (_, i) => BigInt(i) * 3_000_000_000n), new Int64()),
      f: vectorFromArray(Array.from({ length: n }, (_, i) => i / 3), new Float64()),
    });
    // Decoded from one IPC buffer, the columns are views into it; slicing offsets every column.
    const decoded = tableFromIPC(tableToIPC(source, 'stream'));
    const slice = decoded.slice(37, 251);
    const ids = Int32Array.from({ length: slice.numRows }, (_, i) => (i * 7) % 5);
    const encoded = encodeBuckets(slice, ids, 5);
    const rows = rowsOf(slice);
    for (let r = 0; r < 5; r++) {
      expect(rowsOf(decodeBlock(blockStream(encoded.bytes, encoded.offsets, r, r + 1)))).toEqual(rows.filter((_, i) => ids[i] === r));
    }
    // Two columns on one typed array, one of them nested (generic path): still every byte intact.
    const shared = Int32Array.from({ length: 40 }, (_, i) => i * 3);
    const twin = new Table({ a: makeVector(shared), b: makeVector(shared), l: vectorFromArray(Array.from({ length: 40 }, (_, i) => [i]), new List(new Field('item', new Int32(), true))) }).slice(3, 33);
    const twinIds = Int32Array.from({ length: twin.numRows }, (_, i) => i % 3);
    for (const t of [twin, twin.select(['a', 'b'])]) {
      const out = encodeBuckets(t, twinIds, 3);
      for (let r = 0; r < 3; r++) {
        expect(rowsOf(decodeBlock(blockStream(out.bytes, out.offsets, r, r + 1))).map((row) => JSON.stringify(row)))
          .toEqual(rowsOf(t).filter((_, i) => twinIds[i] === r).map((row) => JSON.stringify(row)));
      }
    }
    // Many batches in, one table of several buckets out: a range reads buckets in bucket order.
    const batches = new Table([...slice.slice(0, 100).batches, ...slice.slice(100).batches]);
    expect(batches.batches.length).toBe(2);
    const multi = encodeBuckets(batches, ids, 5);
    expect(Array.from(multi.bytes)).toEqual(Array.from(encoded.bytes));
    const range = decodeBlock(blockStream(multi.bytes, multi.offsets, 1, 4))!;
    expect(rowsOf(range)).toEqual([1, 2, 3].flatMap((r) => rows.filter((_, i) => ids[i] === r)));
  });
  it('rejects a partitioner whose partition count disagrees with numPartitions', async () => {
    await expect(
      writeMapOutput({ dir, shuffleId: 0, mapPartition: 0, attempt: 0, table: sample(), partitioner: { kind: 'single' }, numPartitions: 2 }),
    ).rejects.toThrow(/produces 1 partitions but numPartitions is 2/);
  });
});

describe('encodeBuckets', () => {
  it('keeps the original row order inside each bucket', () => {
    const t = new Table({ x: vectorFromArray([10, 11, 12, 13, 14], new Int32()) });
    const { bytes, offsets } = encodeBuckets(t, Int32Array.of(1, 0, 1, 2, 0), 3);
    const bucket = (r: number): number[] => [...decodeBlock(blockStream(bytes, offsets, r, r + 1))!.getChild('x')!];
    expect([0, 1, 2].map(bucket)).toEqual([[11, 14], [10, 12], [13]]);
  });

  it('encodes an output with no rows, string and number columns alike (every bucket empty)', () => {
    const t = new Table({ s: vectorFromArray([] as string[], new Utf8()), x: vectorFromArray([] as number[], new Int32()) });
    const { bytes, offsets } = encodeBuckets(t, new Int32Array(0), 3);
    for (const r of [0, 1, 2]) expect(decodeBlock(blockStream(bytes, offsets, r, r + 1))?.numRows ?? 0).toBe(0);
  });

  it('writes every byte, padding included: a buffer of old bytes gives the bytes of fresh zeroed memory', () => {
    const t = sample();
    const flags = vectorFromArray(Array.from({ length: t.numRows }, (_, i) => (i % 9 === 0 ? null : i % 3 === 0)), new Bool());
    const wide = vectorFromArray(Array.from({ length: t.numRows }, (_, i) => BigInt(i) * 1_000_003n), new Int64());
    const table = new Table({ ...Object.fromEntries(t.schema.fields.map((f) => [f.name, t.getChild(f.name)!])), flags, wide });
    for (const buckets of [1, 3, 7]) {
      const ids = Int32Array.from({ length: table.numRows }, (_, i) => (i * 31 + (i >> 3)) % buckets);
      const fresh = encodeBuckets(table, ids, buckets);
      const reused = encodeBuckets(table, ids, buckets, (n) => new Uint8Array(n).fill(0xab));
      expect(Buffer.from(reused.bytes).equals(Buffer.from(fresh.bytes))).toBe(true);
      expect(reused.offsets).toEqual(fresh.offsets);
    }
  });

  it('scatters long fixed-width and string columns (the wasm kernels, several chunks) to the bytes of each bucket encoded alone', () => {
    const n = 50_000;
    const source = new Table({
      i8: makeVector(Int8Array.from({ length: n }, (_, i) => i * 7)),
      u16: makeVector(Uint16Array.from({ length: n }, (_, i) => i * 13)),
      i32: vectorFromArray(Array.from({ length: n }, (_, i) => (i % 10 === 0 ? null : i * 31)), new Int32()),
      i64: makeVector(BigInt64Array.from({ length: n }, (_, i) => BigInt(i) * 3_000_000_019n)),
      f64: makeVector(Float64Array.from({ length: n }, (_, i) => (i % 5 === 0 ? NaN : i / 3))),
      s: vectorFromArray(Array.from({ length: n }, (_, i) => `v${i % 97}`), new Utf8()),
      // nulls in a few rows only: most buckets have an empty validity region
      rare: vectorFromArray(Array.from({ length: n }, (_, i) => (i === 3 || i === 20_000 || i === 45_001 ? null : i)), new Int32()),
      rareText: vectorFromArray(Array.from({ length: n }, (_, i) => (i === 7 || i === 30_000 ? null : `r${i % 13}`)), new Utf8()),
      flag: vectorFromArray(Array.from({ length: n }, (_, i) => (i % 11 === 0 ? null : i % 3 === 0)), new Bool()),
      // empty, multi-byte and long values, one longer than the kernels' staging memory
      t: vectorFromArray(Array.from({ length: n }, (_, i) => (i === 100 ? 'z'.repeat(900_000) : i % 5 === 0 ? '' : 'é'.repeat(i % 40))), new Utf8()),
    });
    new Uint32Array(source.getChild('f64')!.data[0]!.values.buffer)[2 * 5 + 1] = 0xfff12345; // NaN payload: copied as bits
    // Sliced from a decoded stream: columns at odd offsets inside one shared buffer.
    const table = tableFromIPC(tableToIPC(source, 'stream')).slice(11, n - 7);
    const buckets = 40; // ~2,500 rows a bucket: encoded alone, a bucket takes the JavaScript loops
    const ids = Int32Array.from({ length: table.numRows }, (_, i) => (Math.imul(i, 2654435761) >>> 8) % buckets);
    const all = encodeBuckets(table, ids, buckets);
    for (let b = 0; b < buckets; b++) {
      const rows = Int32Array.from(Array.from(ids).flatMap((id, i) => (id === b ? [i] : [])));
      const alone = encodeBuckets(takeRows(table, rows), new Int32Array(rows.length), 1);
      const got = Buffer.from(all.bytes.subarray(all.offsets[b], all.offsets[b + 1]));
      expect(got.equals(Buffer.from(alone.bytes.subarray(alone.offsets[0], alone.offsets[1]))), `bucket ${b}`).toBe(true);
    }
    // Into a pooled buffer (this thread's wasm kernel memory), scattered in place: the same bytes.
    const pooled = encodeBuckets(table, ids, buckets, allocateOutputBuffer);
    expect(Buffer.from(pooled.bytes).equals(Buffer.from(all.bytes))).toBe(true);
    releaseOutputBuffer(pooled.bytes);
    // Many buckets: in place in kernel memory still (the JS loops into plain memory agree).
    const manyIds = ids.map((_, i) => (Math.imul(i, 0x9e3779b1) >>> 3) % 2000);
    const many = encodeBuckets(table, manyIds, 2000, allocateOutputBuffer);
    expect(Buffer.from(many.bytes).equals(Buffer.from(encodeBuckets(table, manyIds, 2000).bytes))).toBe(true);
    releaseOutputBuffer(many.bytes);
    // Ids in kernel memory (kernelIds, as encodeMapOutput has them): every kernel reads them in place.
    const resident = kernelIds(ids.length)!;
    resident.set(ids);
    for (const allocate of [undefined, allocateOutputBuffer]) {
      const got = encodeBuckets(table, resident, buckets, allocate);
      expect(Buffer.from(got.bytes).equals(Buffer.from(all.bytes)), allocate ? 'pooled' : 'plain').toBe(true);
      if (allocate) releaseOutputBuffer(got.bytes);
    }
    resident[40_000] = buckets;
    expect(() => encodeBuckets(table, resident, buckets)).toThrow(`row 40000 was assigned partition ${buckets}, outside 0..${buckets - 1}.`);
    const bad = ids.slice();
    bad[40_000] = buckets;
    expect(() => encodeBuckets(table, bad, buckets)).toThrow(`row 40000 was assigned partition ${buckets}, outside 0..${buckets - 1}.`);
  });

  it('rejects a bucket outside the range', () => {
    const t = new Table({ x: vectorFromArray([1, 2], new Int32()) });
    expect(() => encodeBuckets(t, Int32Array.of(0, 3), 2)).toThrow(/row 1 was assigned partition 3, outside 0..1/);
  });
});

describe('writeMergedMapOutput', () => {
  it('concatenates the buckets of spilled parts (a file and memory) in part order, ranges of buckets included', async () => {
    const first = sample();
    const second = sample().slice(50, 180);
    const partitioner: Partitioner = { kind: 'hash', keys: ['k'], numPartitions: 4 };
    const a = encodeBuckets(first, partitionIds(first, partitioner), 4);
    const b = encodeBuckets(second, partitionIds(second, partitioner), 4);
    const file = join(dir, 'part-0');
    await writeFile(file, a.bytes);
    const out = await writeMergedMapOutput({ dir, shuffleId: 7, mapPartition: 1, attempt: 0 }, schemaMessage(first.schema), [{ file, offsets: a.offsets }, { bytes: b.bytes, offsets: b.offsets }]);
    const ids = [...partitionIds(first, partitioner), ...partitionIds(second, partitioner)];
    const all = [...rowsOf(first), ...rowsOf(second)];
    for (let r = 0; r < 4; r++) {
      expect(out.blockSizes[r]).toBe(a.offsets[r + 1]! - a.offsets[r]! + b.offsets[r + 1]! - b.offsets[r]!);
      expect(rowsOf(decodeBlock(await readBlockBytes(dir, 7, 1, 0, r)))).toEqual(all.filter((_, i) => ids[i] === r));
    }
    expect(rowsOf(decodeBlock(await readBlockBytes(dir, 7, 1, 0, 1, 3)))).toEqual([1, 2].flatMap((r) => all.filter((_, i) => ids[i] === r)));
    expect((await readdir(dir)).sort()).toEqual(['part-0', 'shuffle_7_1_0.data', 'shuffle_7_1_0.index']);
  });
});

describe('MapOutputStore', () => {
  it('keeps outputs while they fit, and refuses the rest (they go to files)', () => {
    const out = (n: number) => ({ bytes: new Uint8Array(n), offsets: [0, n] });
    const store = new MapOutputStore(100, 60);
    expect(store.offer(1, 0, 0, out(50))).toBe(true);
    expect(store.offer(1, 1, 0, out(61))).toBe(false); // larger than one output may be
    expect(store.offer(1, 2, 0, out(51))).toBe(false); // would exceed the capacity
    expect(store.offer(1, 3, 0, out(50))).toBe(true);
    expect(store.size).toBe(100);
    expect(store.get(1, 0, 0)?.bytes.byteLength).toBe(50);
    expect(store.get(1, 0, 1)).toBeUndefined();
    expect(store.offer(2, 0, 0, out(0))).toBe(true);
    store.dropShuffle(1);
    expect(store.count).toBe(1);
    expect(store.size).toBe(0);
    store.clear();
    expect(store.size).toBe(0);
    expect(store.get(1, 0, 0)).toBeUndefined();
  });
});

async function expectBuckets(table: Table, rowsPerBucket: number[][], read: (r: number) => Promise<Uint8Array>): Promise<void> {
  const all = plainColumns(table);
  for (let r = 0; r < rowsPerBucket.length; r++) {
    const block = decodeBlock(await read(r))!;
    expect(block.schema.fields.map((f) => String(f.type))).toEqual(table.schema.fields.map((f) => String(f.type)));
    const got = plainColumns(block);
    for (const name of Object.keys(all)) expect(got[name], name).toEqual(rowsPerBucket[r]!.map((i) => all[name][i]));
  }
}
