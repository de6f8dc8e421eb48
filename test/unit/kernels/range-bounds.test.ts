// Tests of the range partitioner's pieces: deterministic seeded sampling, bounds that split the
// samples evenly in sort order, partition assignment, and that sorted range partitions
// concatenate into a globally sorted result.

import { describe, expect, it } from 'vitest';
import { Float64, Table, vectorFromArray } from 'apache-arrow';
import {
  compareKeyTuples, computeRangeBounds, rangePartitionIds, rangePartitionOf, sampleKeys,
} from '../../../engine/kernels/range-bounds.ts';
import { sortTable } from '../../../engine/kernels/sort.ts';
import { concatTables } from '../../../engine/kernels/concat-tables.ts';
import { filterRows } from '../../../engine/kernels/take.ts';
import { T, batched, prng, rows, table } from './relational-fixtures.ts';

const random = prng(21);
const data = Array.from({ length: 5000 }, (_, i) => ({
  x: random() < 0.02 ? null : Math.floor(random() * 100000) / 10,
  s: ['a', 'b', 'c'][i % 3],
  i,
}));
const types = { x: T.f64(), s: T.str(), i: T.i32() };
const t = table(types, data);

describe('compareKeyTuples', () => {
  it('compares key by key, each in its direction, with the value order of sort.ts', () => {
    expect(compareKeyTuples([1, 'b'], [1, 'a'], [true, true])).toBe(1);
    expect(compareKeyTuples([1, 'b'], [1, 'a'], [true, false])).toBe(-1);
    expect(compareKeyTuples([null], [5], [true])).toBe(1);
    expect(compareKeyTuples([null], [5], [false])).toBe(-1);
    expect(compareKeyTuples([NaN, 1], [NaN, 1], [true, true])).toBe(0);
  });
});

describe('sampleKeys', () => {
  it('is deterministic for a seed, differs across seeds, and returns tuples in row order', () => {
    const a = sampleKeys(t, ['x', 's'], 200, 7);
    expect(a.length).toBe(200);
    expect(sampleKeys(t, ['x', 's'], 200, 7)).toEqual(a);
    expect(sampleKeys(t, ['x', 's'], 200, 8)).not.toEqual(a);
    const sampled = new Set(a.map((k) => JSON.stringify(k)));
    expect(sampled.size).toBeGreaterThan(190);
    for (const k of a) expect(typeof k[1]).toBe('string');
  });

  it('gives the same sample for a multi-batch table, and every row of a small one', () => {
    expect(sampleKeys(batched(types, data, 333), ['x'], 100, 1)).toEqual(sampleKeys(t, ['x'], 100, 1));
    const small = table(types, data.slice(0, 5));
    expect(sampleKeys(small, ['i', 'x'], 10, 1)).toEqual(data.slice(0, 5).map((r) => [r.i, r.x]));
    expect(sampleKeys(table(types, []), ['x'], 10, 1)).toEqual([]);
  });
});

describe('computeRangeBounds', () => {
  it('picks numPartitions-1 bounds at equal steps of the sorted samples', () => {
    expect(computeRangeBounds([[1], [2], [4], [4], [5], [8], [9], [9], [9]], [true], 3)).toEqual([[4], [8]]);
    expect(computeRangeBounds([[1], [2], [4], [4], [5], [8], [9], [9], [9]], [false], 3)).toEqual([[9], [4]]);
    expect(computeRangeBounds([[3], [3], [3]], [true], 4)).toEqual([[3], [3], [3]]);
    expect(computeRangeBounds([], [true], 4)).toEqual([]);
    expect(computeRangeBounds([[1]], [true], 1)).toEqual([]);
    expect(() => computeRangeBounds([[1]], [true], 0)).toThrow(/numPartitions/);
  });

  it('gives roughly balanced partitions, and sorted partitions concatenate in global order', () => {
    for (const ascending of [true, false]) {
      const keys = [{ column: 'x', ascending }];
      // Samples from 4 "map partitions" of the table, as the driver would gather them.
      const parts = [0, 1, 2, 3].map((p) => filterRows(t, Uint8Array.from(data, (_, i) => (i % 4 === p ? 1 : 0))));
      const samples = parts.flatMap((p, i) => sampleKeys(p, ['x'], 150, 100 + i));
      const bounds = computeRangeBounds(samples, [ascending], 5);
      expect(bounds.length).toBe(4);
      const pid = rangePartitionIds(t, ['x'], [ascending], bounds);
      const sizes = [0, 0, 0, 0, 0];
      for (const p of pid) sizes[p]++;
      for (const size of sizes) expect(Math.abs(size - 1000)).toBeLessThan(300);
      const sortedParts = [0, 1, 2, 3, 4].map((p) => sortTable(filterRows(t, Uint8Array.from(pid, (q) => (q === p ? 1 : 0))), keys));
      expect(rows(concatTables(sortedParts)).map((r) => r.i)).toEqual(rows(sortTable(t, keys)).map((r) => r.i));
    }
  });
});

describe('rangePartitionOf / rangePartitionIds', () => {
  it('sends a key equal to a bound to the lower partition', () => {
    const bounds = [[4], [8]];
    expect([1, 4, 5, 8, 9, null].map((k) => rangePartitionOf(bounds, [k], [true]))).toEqual([0, 0, 1, 1, 2, 2]);
  });

  it('agrees with rangePartitionOf row by row, for one numeric key and for composite keys', () => {
    const bounds1 = computeRangeBounds(sampleKeys(t, ['x'], 300, 3), [true], 6);
    const ids1 = rangePartitionIds(t, ['x'], [true], bounds1);
    data.forEach((r, i) => expect(ids1[i]).toBe(rangePartitionOf(bounds1, [r.x], [true])));
    const bounds2 = computeRangeBounds(sampleKeys(t, ['s', 'x'], 300, 3), [false, true], 4);
    const ids2 = rangePartitionIds(t, ['s', 'x'], [false, true], bounds2);
    data.forEach((r, i) => expect(ids2[i]).toBe(rangePartitionOf(bounds2, [r.s, r.x], [false, true])));
    expect(Array.from(rangePartitionIds(t, ['x'], [true], []))).toEqual(new Array(5000).fill(0));
  });

  it('agrees with rangePartitionOf for one numeric key with nulls, NaN, -0, infinities and keys equal to bounds', () => {
    const special = [null, NaN, -0, 0, Infinity, -Infinity, 2, 5, 5.5, 9];
    const values = Array.from({ length: 3000 }, (_, i) => (i % 4 === 0 ? special[(i >> 2) % special.length]! : ((i * 7919) % 23) / 2 - 1));
    const table = new Table({ x: vectorFromArray(values, new Float64()) });
    for (const bounds of [[[-1], [0], [2], [5], [5], [9]], [[-Infinity], [0], [Infinity]], [[0], [NaN]]]) {
      for (const ascending of [true, false]) {
        const sorted = [...bounds].sort((a, b) => (ascending ? 1 : -1) * compareKeyTuples(a, b, [true]));
        const ids = rangePartitionIds(table, ['x'], [ascending], sorted);
        const wrong = values.findIndex((v, i) => ids[i] !== rangePartitionOf(sorted, [v], [ascending]));
        expect(wrong, `${JSON.stringify(sorted)} ascending=${ascending}`).toBe(-1);
      }
    }
  });
});
