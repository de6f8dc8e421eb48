// The first n rows of a table in sort order without sorting all of it: a bounded heap of row
// indices, as Spark's takeOrdered keeps per partition. The order is sort.ts's exactly (same value
// order, nulls last ascending and first descending, ties in input order), so topRows(t, keys, n)
// is the first n rows of sortTable(t, keys), and topRows over the concatenated tops of consecutive
// chunks gives the top of their concatenation.

import type { Table } from 'apache-arrow';
import { readKeyColumn } from './key-columns.ts';
import { rowComparator, sortIndices } from './sort.ts';
import type { SortKey } from './sort.ts';
import { takeRows } from './take.ts';

/**
 * The first `n` rows of `table` sorted by `keys` (stable), as a single-batch table.
 *
 * @example
 * topRows(stats, [{ column: 'count', ascending: false }, { column: 'itemId', ascending: true }], 10);
 */
export function topRows(table: Table, keys: readonly SortKey[], n: number): Table {
  const rows = table.numRows;
  if (rows <= n || n * HEAP_MAX_FRACTION >= rows) return takeRows(table, sortIndices(table, keys).subarray(0, Math.min(n, rows)));
  return takeRows(table, topIndices(table, keys, n));
}

/** Past rows / 8, a full sort's linear radix passes beat a heap's log n comparisons per row. */
const HEAP_MAX_FRACTION = 8;

/** The indices of the first `n` rows in `keys` order (0 < n < numRows), in that order. */
function topIndices(table: Table, keys: readonly SortKey[], n: number): Int32Array {
  const columns = keys.map((k) => readKeyColumn(table, k.column, 'as a sort key'));
  const compareRows = rowComparator(columns, keys.map((k) => k.ascending));
  // Row a comes after row b in the stable order.
  const after = (a: number, b: number): boolean => {
    const c = compareRows(a, b);
    return c > 0 || (c === 0 && a > b);
  };
  // A max-heap of the n best rows so far: its root is the last of them, the one a better row evicts.
  const heap = new Int32Array(n);
  const siftDown = (from: number, size: number): void => {
    let i = from;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= size) return;
      const r = l + 1;
      const worst = r < size && after(heap[r]!, heap[l]!) ? r : l;
      if (!after(heap[worst]!, heap[i]!)) return;
      const t = heap[i]!;
      heap[i] = heap[worst]!;
      heap[worst] = t;
      i = worst;
    }
  };
  for (let i = 0; i < n; i++) heap[i] = i;
  for (let i = (n >> 1) - 1; i >= 0; i--) siftDown(i, n);
  const rows = table.numRows;
  for (let row = n; row < rows; row++) {
    if (!after(heap[0]!, row)) continue; // row is not better than the last kept (ties keep the earlier)
    heap[0] = row;
    siftDown(0, n);
  }
  // Pop the worst to the end: the heap array ends in ascending order.
  for (let size = n - 1; size > 0; size--) {
    const t = heap[0]!;
    heap[0] = heap[size]!;
    heap[size] = t;
    siftDown(0, size);
  }
  return heap;
}
