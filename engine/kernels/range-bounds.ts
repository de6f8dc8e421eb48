// The range partitioner behind sortBy (Spark's RangePartitioner): sample key tuples from every
// partition, sort the samples, cut them into numPartitions equal runs; the cut points ("bounds")
// send each row to the partition holding its key range, so sorted partitions concatenate in order.
//
// Worked example, one ascending key, 3 partitions, sorted samples [1 2 4 4 5 8 9 9 9]:
//   bounds = [4, 8]   → partition 0: key <= 4, partition 1: 4 < key <= 8, partition 2: key > 8.

import type { Table } from 'apache-arrow';
import { InvalidInputError } from '../errors.ts';
import { compareValues } from './sort.ts';
import { keyValueAt, readKeyColumn } from './key-columns.ts';
import type { KeyColumn } from './key-columns.ts';
import { mulberry32 } from './mulberry32.ts';

/**
 * Compare two key tuples the way sortIndices orders rows: key by key with
 * {@link compareValues}, reversed where `ascending[k]` is false (a missing entry means ascending).
 *
 * @example
 * compareKeyTuples([1, 'b'], [1, 'a'], [true, false]); // -1: 'b' comes first when descending
 */
export function compareKeyTuples(a: readonly unknown[], b: readonly unknown[], ascending: readonly boolean[]): number {
  const n = Math.min(a.length, b.length);
  for (let k = 0; k < n; k++) {
    const c = compareValues(a[k], b[k]);
    if (c !== 0) return ascending[k] === false ? -c : c;
  }
  return a.length - b.length;
}

/**
 * Up to `maxSamples` key tuples of `table`, chosen by reservoir sampling (Algorithm R) with a
 * PRNG seeded by `seed`: the same table and seed give the same sample, returned in row order.
 * A table with at most `maxSamples` rows returns every row's keys. Key values are read as in
 * sort.ts: numbers for numeric columns (bigint for Int64 beyond 2^53), strings, booleans,
 * epoch milliseconds for dates and timestamps, null for null.
 *
 * @example
 * sampleKeys(table, ['score'], 100, 42); // [[0.3], [1.7], ...] at most 100 tuples
 */
export function sampleKeys(table: Table, keys: readonly string[], maxSamples: number, seed: number): unknown[][] {
  if (!Number.isInteger(maxSamples) || maxSamples < 0) {
    throw new InvalidInputError(`sampleKeys: maxSamples must be a non-negative integer, got ${maxSamples}.`);
  }
  const columns = keys.map((k) => readKeyColumn(table, k, 'as a range-partitioning key'));
  const n = table.numRows;
  let chosen: Int32Array;
  if (n <= maxSamples) {
    chosen = new Int32Array(n);
    for (let i = 0; i < n; i++) chosen[i] = i;
  } else {
    chosen = new Int32Array(maxSamples);
    for (let i = 0; i < maxSamples; i++) chosen[i] = i;
    const random = mulberry32(seed);
    for (let i = maxSamples; i < n; i++) {
      const j = Math.floor(random() * (i + 1));
      if (j < maxSamples) chosen[j] = i;
    }
    chosen.sort();
  }
  return Array.from(chosen, (row) => columns.map((c) => keyValueAt(c, row)));
}

/**
 * The numPartitions-1 bounds that split `samples` into runs of (nearly) equal size, in the
 * order of {@link compareKeyTuples}. Bound i is the last sample of run i, so a key equal to a
 * bound goes to the lower partition. With few distinct sampled keys some bounds repeat (those
 * partitions stay empty) but the count is always numPartitions-1, so the partition count never
 * depends on the data. No samples (an empty dataset) → no bounds: every row goes to partition 0.
 *
 * @example
 * computeRangeBounds([[5], [1], [9], [4]], [true], 2); // [[4]]
 */
export function computeRangeBounds(samples: readonly (readonly unknown[])[], ascending: readonly boolean[], numPartitions: number): unknown[][] {
  if (!Number.isInteger(numPartitions) || numPartitions < 1) {
    throw new InvalidInputError(`computeRangeBounds: numPartitions must be a positive integer, got ${numPartitions}.`);
  }
  const m = samples.length;
  if (m === 0 || numPartitions === 1) return [];
  const sorted = samples.slice().sort((a, b) => compareKeyTuples(a, b, ascending));
  const bounds: unknown[][] = [];
  for (let i = 1; i < numPartitions; i++) {
    const at = Math.max(0, Math.ceil((i * m) / numPartitions) - 1);
    bounds.push(sorted[at].slice());
  }
  return bounds;
}

/**
 * The partition of one key tuple: the first i with key <= bounds[i], else bounds.length
 * (binary search).
 *
 * @example
 * rangePartitionOf([[4], [8]], [6], [true]); // 1
 */
export function rangePartitionOf(bounds: readonly (readonly unknown[])[], key: readonly unknown[], ascending: readonly boolean[]): number {
  let lo = 0;
  let hi = bounds.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeyTuples(key, bounds[mid], ascending) <= 0) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * The partition of every row of `table` under `bounds` (what the shuffle writer needs): one
 * Int32Array entry per row. Single numeric ascending/descending keys compare on Float64 values
 * directly; other keys go through {@link rangePartitionOf}.
 *
 * @example
 * const parts = rangePartitionIds(table, ['score'], [true], computeRangeBounds(samples, [true], 4));
 */
export function rangePartitionIds(table: Table, keys: readonly string[], ascending: readonly boolean[], bounds: readonly (readonly unknown[])[]): Int32Array {
  const n = table.numRows;
  const out = new Int32Array(n);
  if (bounds.length === 0) return out;
  const columns = keys.map((k) => readKeyColumn(table, k, 'as a range-partitioning key'));
  const fast = columns.length === 1 && columns[0].kind === 'number' && bounds.every((b) => typeof b[0] === 'number');
  if (fast) {
    partitionOneNumericKey(columns[0] as Extract<KeyColumn, { kind: 'number' }>, bounds.map((b) => b[0] as number), ascending[0] !== false, out);
    return out;
  }
  const key: unknown[] = new Array(columns.length);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < columns.length; k++) key[k] = keyValueAt(columns[k], i);
    out[i] = rangePartitionOf(bounds, key, ascending);
  }
  return out;
}

function partitionOneNumericKey(column: Extract<KeyColumn, { kind: 'number' }>, bounds: number[], ascending: boolean, out: Int32Array): void {
  const { values, valid } = column;
  const sign = ascending ? 1 : -1;
  // Numbers (not NaN) against bounds without NaN compare with < and > alone, as compareValues
  // orders them (-0 equal to 0): a binary search with plain comparisons, not a call per step.
  const plainBounds = bounds.every((b) => b === b); // eslint-disable-line no-self-compare
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (plainBounds && x === x && (valid === null || valid[i] !== 0)) { // eslint-disable-line no-self-compare
      let lo = 0;
      let hi = bounds.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (ascending ? x <= bounds[mid]! : x >= bounds[mid]!) hi = mid;
        else lo = mid + 1;
      }
      out[i] = lo;
      continue;
    }
    const v: number | null = valid !== null && valid[i] === 0 ? null : values[i];
    let lo = 0;
    let hi = bounds.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sign * compareValues(v, bounds[mid]) <= 0) hi = mid;
      else lo = mid + 1;
    }
    out[i] = lo;
  }
}
