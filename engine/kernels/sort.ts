// Sorting a partition by key columns: compute a stable permutation (sortIndices), then one take.
// The value order defined here (compareValues) is also what range-bounds.ts uses, so a range
// partitioner and the sort inside each partition agree and the concatenation is globally sorted.

import type { Table } from 'apache-arrow';
import { takeRows } from './take.ts';
import { readKeyColumn } from './key-columns.ts';
import type { KeyColumn } from './key-columns.ts';

/** One sort key: a column and its direction. */
export interface SortKey {
  column: string;
  ascending: boolean;
}

/**
 * The ascending order of single values, total over everything a key column holds:
 *
 *   numbers (and bigints) numerically, -0 equal to 0, NaN above every number;
 *   strings by UTF-16 code units (JS `<`), so 'B' < 'a' < 'é';
 *   false < true; Dates by time;
 *   null (and undefined) above everything.
 *
 * Descending order is the exact reverse, so in a descending sort nulls come first, then NaN,
 * then the numbers from largest down (PostgreSQL's defaults; Spark's NaN rule).
 * Values of different kinds (never in one Arrow column) order by kind name, then as strings.
 *
 * @example
 * [3, null, NaN, 1].sort(compareValues); // [1, 3, NaN, null]
 */
export function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  const aNull = a === null || a === undefined;
  const bNull = b === null || b === undefined;
  if (aNull || bNull) return aNull ? (bNull ? 0 : 1) : -1;
  const ta = typeof a;
  const tb = typeof b;
  if (ta === 'number' && tb === 'number') return compareNumbers(a as number, b as number);
  if (ta === 'string' && tb === 'string') return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
  if ((ta === 'number' || ta === 'bigint') && (tb === 'number' || tb === 'bigint')) {
    // number vs bigint: JS compares these exactly; only NaN needs care.
    if (a !== a) return b !== b ? 0 : 1; // eslint-disable-line no-self-compare
    if (b !== b) return -1; // eslint-disable-line no-self-compare
    return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
  }
  if (ta === 'boolean' && tb === 'boolean') return (a ? 1 : 0) - (b ? 1 : 0);
  if (a instanceof Date && b instanceof Date) return compareNumbers(a.getTime(), b.getTime());
  if (ta !== tb) return ta < tb ? -1 : 1;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** Numeric order with NaN above every number and -0 equal to 0. */
export function compareNumbers(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) return 0;
  const aNaN = a !== a; // eslint-disable-line no-self-compare
  const bNaN = b !== b; // eslint-disable-line no-self-compare
  return aNaN ? (bNaN ? 0 : 1) : -1;
}

/**
 * The stable permutation that sorts `table` by `keys` (first key most significant): row
 * `result[0]` of the input comes first. Equal keys keep their input order in both directions.
 * See {@link compareValues} for the order (nulls last ascending, first descending; NaN above
 * numbers).
 *
 * How: every key column becomes one unsigned 64-bit sort key per row (numbers by their Float64
 * bits; strings and other values by their rank among the column's distinct values), then an LSD
 * radix sort runs once per key column, least significant column first. Each pass is stable, so
 * the result is the lexicographic order. Small tables use a comparator sort instead.
 *
 * @example
 * sortIndices(table, [{ column: 'score', ascending: false }, { column: 'name', ascending: true }]);
 */
export function sortIndices(table: Table, keys: readonly SortKey[]): Int32Array {
  const n = table.numRows;
  const columns = keys.map((k) => readKeyColumn(table, k.column, 'as a sort key'));
  let order: Int32Array = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (keys.length === 0 || n < 2) return order;
  if (n < RADIX_MIN_ROWS) {
    const compareRows = rowComparator(columns, keys.map((k) => k.ascending));
    return order.sort((a, b) => compareRows(a, b) || a - b);
  }
  for (let k = keys.length - 1; k >= 0; k--) {
    const { values, valid } = asNumbers(columns[k]);
    order = radixSortBy(order, values, valid, keys[k].ascending);
  }
  return order;
}

/** Below this many rows a comparator sort beats four 64k-bucket radix passes. */
const RADIX_MIN_ROWS = 2048;

/**
 * `table` sorted by `keys` (see {@link sortIndices}); returns a single-batch table.
 *
 * @example
 * sortTable(table, [{ column: 'ts', ascending: true }]);
 */
export function sortTable(table: Table, keys: readonly SortKey[]): Table {
  if (table.numRows < 2 || keys.length === 0) return table;
  return takeRows(table, sortIndices(table, keys));
}

/**
 * A key column as numbers with the same order: numeric columns as they are; any other column
 * by rank among its distinct non-null values sorted with {@link compareValues}
 * (e.g. ['b', null, 'a', 'b'] → values [1, 0, 0, 1], valid [1, 0, 1, 1]).
 */
function asNumbers(column: KeyColumn): { values: Float64Array; valid: Uint8Array | null } {
  if (column.kind === 'number') return column;
  const source = column.values;
  const n = source.length;
  const distinct = new Map<unknown, number>();
  for (let i = 0; i < n; i++) {
    const v = source[i];
    if (v !== null && v !== undefined && !distinct.has(v)) distinct.set(v, 0);
  }
  const sorted = [...distinct.keys()].sort(compareValues);
  for (let r = 0; r < sorted.length; r++) distinct.set(sorted[r], r);
  const values = new Float64Array(n);
  let valid: Uint8Array | null = null;
  for (let i = 0; i < n; i++) {
    const v = source[i];
    if (v === null || v === undefined) {
      valid ??= new Uint8Array(n).fill(1);
      valid[i] = 0;
    } else values[i] = distinct.get(v)!;
  }
  return { values, valid };
}

/** Compares two row indices by all key columns, each in its direction (no index tie-break); top-n.ts shares it. */
export function rowComparator(columns: readonly KeyColumn[], ascending: readonly boolean[]): (a: number, b: number) => number {
  const parts = columns.map((col, k) => {
    const sign = ascending[k] ? 1 : -1;
    if (col.kind === 'value') {
      const values = col.values;
      return (a: number, b: number) => sign * compareValues(values[a], values[b]);
    }
    const { values, valid } = col;
    if (valid === null) return (a: number, b: number) => sign * compareNumbers(values[a], values[b]);
    return (a: number, b: number) => {
      const va = valid[a];
      const vb = valid[b];
      if (va === 0 || vb === 0) return sign * (vb - va); // null is the largest value
      return sign * compareNumbers(values[a], values[b]);
    };
  });
  if (parts.length === 1) return parts[0];
  return (a, b) => {
    for (let k = 0; k < parts.length; k++) {
      const c = parts[k](a, b);
      if (c !== 0) return c;
    }
    return 0;
  };
}

/**
 * Stable LSD radix sort of the permutation `order` by `values[order[p]]`, 16 bits per pass
 * (4 passes at most; a pass whose digit is the same for every row is skipped, such as the low
 * word of small integers). Each value maps to an unsigned 64-bit key with the same order:
 *   number  → its Float64 bits, all flipped if negative, else only the sign bit (-0 taken as 0)
 *   NaN     → 0xFFF8_0000_0000_0000 (above +Infinity's 0xFFF0_...)
 *   null    → 0xFFFF_FFFF_FFFF_FFFF (above everything)
 * Descending inverts every key, which keeps ties in input order.
 */
function radixSortBy(order: Int32Array, values: Float64Array, valid: Uint8Array | null, ascending: boolean): Int32Array {
  const m = order.length;
  let idx: Int32Array = order;
  let hi = new Uint32Array(m);
  let lo = new Uint32Array(m);
  const scratch = new Float64Array(1);
  const words = new Uint32Array(scratch.buffer); // little-endian: words[0] low, words[1] high
  const invert = ascending ? 0 : 0xffffffff;
  const counts = new Uint32Array(4 * 65536);
  for (let p = 0; p < m; p++) {
    const row = idx[p];
    const v = values[row];
    let h: number;
    let l: number;
    if (valid !== null && valid[row] === 0) {
      h = 0xffffffff;
      l = 0xffffffff;
    } else if (v !== v) { // eslint-disable-line no-self-compare
      h = 0xfff80000;
      l = 0;
    } else {
      scratch[0] = v === 0 ? 0 : v;
      h = words[1];
      l = words[0];
      if (h & 0x80000000) {
        h = ~h;
        l = ~l;
      } else h |= 0x80000000;
    }
    h = (h ^ invert) >>> 0;
    l = (l ^ invert) >>> 0;
    hi[p] = h;
    lo[p] = l;
    counts[l & 0xffff]++;
    counts[65536 + (l >>> 16)]++;
    counts[131072 + (h & 0xffff)]++;
    counts[196608 + (h >>> 16)]++;
  }
  let nextIdx: Int32Array = new Int32Array(m);
  let nextHi = new Uint32Array(m);
  let nextLo = new Uint32Array(m);
  const starts = new Uint32Array(65536);
  for (let pass = 0; pass < 4; pass++) {
    const base = pass * 65536;
    const shift = (pass & 1) * 16;
    const digits = pass >= 2 ? hi : lo;
    if (counts[base + ((digits[0] >>> shift) & 0xffff)] === m) continue; // one digit for all rows
    for (let d = 0, sum = 0; d < 65536; d++) {
      starts[d] = sum;
      sum += counts[base + d];
    }
    for (let p = 0; p < m; p++) {
      const q = starts[(digits[p] >>> shift) & 0xffff]++;
      nextIdx[q] = idx[p];
      nextHi[q] = hi[p];
      nextLo[q] = lo[p];
    }
    [idx, nextIdx] = [nextIdx, idx];
    [hi, nextHi] = [nextHi, hi];
    [lo, nextLo] = [nextLo, lo];
  }
  return idx;
}
