// partitionIds for hash, range and single partitioners; the key comparators shared with sorting.

import { describe, expect, it } from 'vitest';
import { Float64, Int32, Int64, Table, Utf8, makeVector, vectorFromArray } from 'apache-arrow';
import { partitionIds } from '../../../engine/shuffle/partitioner.ts';
import type { Partitioner } from '../../../engine/shuffle/partitioner.ts';
import { hashKeys, hashValue } from '../../../engine/kernels/key-hash.ts';
import { kernelIds } from '../../../engine/kernels/shuffle-wasm.ts';

const ints = (values: (number | null)[]): Table => new Table({ k: vectorFromArray(values, new Int32()) });

describe('hash partitioner', () => {
  const p: Partitioner = { kind: 'hash', keys: ['k'], numPartitions: 7 };

  it('puts every row in range, deterministically, as hash % n', () => {
    const values = Array.from({ length: 2000 }, (_, i) => (i % 3 === 0 ? null : i - 1000));
    const t = ints(values);
    const ids = partitionIds(t, p);
    const hashes = hashKeys(t, ['k']);
    for (let i = 0; i < ids.length; i++) {
      expect(ids[i]).toBeGreaterThanOrEqual(0);
      expect(ids[i]).toBe(hashes[i] % 7);
    }
    expect(partitionIds(ints(values), p)).toEqual(ids);
    expect(new Set(ids).size).toBe(7);
  });

  it('gives long numeric keys (hashed and reduced in wasm) the partition hashValue % n gives each row', () => {
    const n = 40_003; // more than one 32,768-row chunk, the last not a multiple of 4 (SIMD kernels: a scalar tail)
    const t = new Table({
      a: makeVector(Int32Array.from({ length: n }, (_, i) => Math.imul(i, 2654435761) >> 3)),
      f: makeVector(Float64Array.from({ length: n }, (_, i) => (i % 9 === 0 ? -0 : i / 7))),
      s: vectorFromArray(Array.from({ length: n }, (_, i) => `s${i % 13}`), new Utf8()),
    });
    const [a, f, s] = (['a', 'f', 's'] as const).map((name) => [...(t as Table).getChild(name)!]);
    for (const numPartitions of [8, 7, 200]) {
      for (const keys of [['a'], ['a', 'f'], ['f', 's']]) {
        const ids = partitionIds(t, { kind: 'hash', keys, numPartitions });
        const columns = keys.map((k) => ({ a, f, s })[k as 'a' | 'f' | 's']!);
        const wrong = ids.findIndex((id, i) => id !== columns.reduce((h, c) => hashValue(c[i], h), 0) % numPartitions);
        expect(wrong, `${keys} into ${numPartitions}`).toBe(-1);
        // Into the kernels' memory (kernelIds, as encodeMapOutput does): hashed in place, the same ids.
        const resident = partitionIds(t, { kind: 'hash', keys, numPartitions }, kernelIds(n));
        expect(Buffer.from(resident.buffer, resident.byteOffset, resident.byteLength).equals(Buffer.from(ids.buffer, ids.byteOffset, ids.byteLength)), `${keys} into ${numPartitions}, in place`).toBe(true);
      }
    }
  });

  it('sends equal values of different physical types to the same partition (join co-partitioning)', () => {
    const left = ints([1, 2, 3, 40, 500]);
    const right = new Table({ k: vectorFromArray([1n, 2n, 3n, 40n, 500n], new Int64()) });
    const third = new Table({ k: vectorFromArray([1, 2, 3, 40, 500], new Float64()) });
    expect(partitionIds(right, p)).toEqual(partitionIds(left, p));
    expect(partitionIds(third, p)).toEqual(partitionIds(left, p));
  });
});

describe('range partitioner', () => {
  it('assigns rows to the first bound they do not exceed; nulls last', () => {
    const t = ints([5, 10, 11, 20, 21, 100, null, -3]);
    const p: Partitioner = { kind: 'range', keys: ['k'], ascending: [true], bounds: [[10], [20]], numPartitions: 3 };
    expect(Array.from(partitionIds(t, p))).toEqual([0, 0, 1, 1, 2, 2, 2, 0]);
  });

  it('honours descending keys and multi-column tuples', () => {
    const t = new Table({
      a: vectorFromArray(['b', 'b', 'a', 'c', 'a'], new Utf8()),
      b: vectorFromArray([1, 9, 5, 0, null], new Int32()),
    });
    // a ascending, b descending (nulls first when descending, as the sort kernel orders them):
    // (a,null) | (a,5) (b,9) (b,1) | (c,0)
    const p: Partitioner = { kind: 'range', keys: ['a', 'b'], ascending: [true, false], bounds: [['a', null], ['b', 1]], numPartitions: 3 };
    expect(Array.from(partitionIds(t, p))).toEqual([1, 1, 1, 2, 0]);
  });

  it('compares Int64 keys exactly and handles fewer bounds than partitions', () => {
    const t = new Table({ k: vectorFromArray([9007199254740993n, 9007199254740992n], new Int64()) });
    const p: Partitioner = { kind: 'range', keys: ['k'], ascending: [true], bounds: [[9007199254740992n]], numPartitions: 4 };
    expect(Array.from(partitionIds(t, p))).toEqual([1, 0]);
  });

  it('rejects inconsistent bounds', () => {
    const p: Partitioner = { kind: 'range', keys: ['k'], ascending: [true], bounds: [[1], [2], [3]], numPartitions: 3 };
    expect(() => partitionIds(ints([1]), p)).toThrow(/3 bounds; at most 2/);
    const q: Partitioner = { kind: 'range', keys: ['k'], ascending: [], bounds: [], numPartitions: 1 };
    expect(() => partitionIds(ints([1]), q)).toThrow(/one flag per key/);
  });
});

describe('single partitioner', () => {
  it('sends everything to partition 0', () => {
    expect(Array.from(partitionIds(ints([1, 2, null]), { kind: 'single' }))).toEqual([0, 0, 0]);
  });
});
