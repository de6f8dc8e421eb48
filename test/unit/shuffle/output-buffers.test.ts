// The map output buffer pool: a buffer comes back (with its old bytes) to the next map task once its output
// is dropped from the store or written; buffers outside the pool are left alone.

import { describe, expect, it } from 'vitest';
import { Table, makeVector } from 'apache-arrow';
import { encodeMapOutput } from '../../../engine/shuffle/shuffle-writer.ts';
import { MapOutputStore } from '../../../engine/shuffle/map-output-store.ts';
import { allocateOutputBuffer, outputPoolStats, releaseOutputBuffer } from '../../../engine/shuffle/output-buffers.ts';

const table = (n: number, seed: number): Table =>
  new Table({ key: makeVector(Int32Array.from({ length: n }, (_, i) => (i * 7919 + seed) % 1000)), v: makeVector(Float64Array.from({ length: n }, (_, i) => i / 3 + seed)) });
const partitioner = { kind: 'hash' as const, keys: ['key'], numPartitions: 5 };

/** Whether two views start at the same byte of the same memory (a pooled buffer's views may be over different buffer objects of one growing wasm memory). */
function sameMemory(x: Uint8Array, y: Uint8Array): boolean {
  if (x.byteOffset !== y.byteOffset || x.length === 0 || y.length === 0) return false;
  const old = x[0]!;
  x[0] = old ^ 0xff;
  const seen = y[0] === x[0];
  x[0] = old;
  return seen;
}

describe('map output buffers', () => {
  it('reuse a dropped output buffer for the next output, encoding the same bytes as fresh memory', () => {
    // unit files share their worker's modules (vitest isolate: false), so the pool may hold free
    // buffers another file gave back: hold them, so the only free buffer is the one dropped here
    const held: Uint8Array[] = [];
    while (outputPoolStats().free > 0) held.push(allocateOutputBuffer(1));
    const store = new MapOutputStore();
    const first = encodeMapOutput(table(20_000, 1), partitioner, 5, allocateOutputBuffer);
    expect(store.offer(1, 0, 0, first)).toBe(true);
    const before = outputPoolStats();
    expect(before.free).toBe(0);
    store.dropShuffle(1);
    expect(outputPoolStats().free).toBe(1);
    // A smaller output of other rows lands in the same buffer, over the old bytes.
    const second = encodeMapOutput(table(15_000, 2), partitioner, 5, allocateOutputBuffer);
    expect(sameMemory(second.bytes, first.bytes)).toBe(true);
    expect(outputPoolStats()).toEqual({ ...before, free: 0 });
    const fresh = encodeMapOutput(table(15_000, 2), partitioner, 5);
    expect(Buffer.from(second.bytes).equals(Buffer.from(fresh.bytes))).toBe(true);
    expect(second.offsets).toEqual(fresh.offsets);
    releaseOutputBuffer(second.bytes);
    for (const view of held) releaseOutputBuffer(view);
  });

  it('never hand out a buffer still in use, and leave buffers outside the pool alone', () => {
    const a = allocateOutputBuffer(1000);
    const b = allocateOutputBuffer(1000);
    a.fill(7);
    b.fill(9);
    expect(a.every((x) => x === 7)).toBe(true);
    const outside = new Uint8Array(new SharedArrayBuffer(1016)).subarray(8);
    releaseOutputBuffer(outside);
    releaseOutputBuffer(new Uint8Array(64));
    const c = allocateOutputBuffer(500);
    c.fill(5);
    expect(a.every((x) => x === 7) && b.every((x) => x === 9)).toBe(true);
    releaseOutputBuffer(a);
    const d = allocateOutputBuffer(800);
    expect(sameMemory(d, a)).toBe(true);
    expect(d[0]).toBe(7); // not cleared: the encoder overwrites every byte
    for (const view of [b, c, d]) releaseOutputBuffer(view);
  });
});
