// The k-way merge of sorted runs: the second half of an external sort, and how a spilled
// aggregation puts its groups back in first-appearance order. Each run is a sequence of batches
// already sorted by the keys; the merge holds one batch per run and streams its output.
//
// Ties go to the run with the lower index, so merging the stably sorted runs of consecutive
// input chunks gives exactly the stable sort of the whole input (sortIndices's order).

import type { Table } from 'apache-arrow';
import { concatTables } from '../kernels/concat-tables.ts';
import { readKeyColumn } from '../kernels/key-columns.ts';
import type { KeyColumn } from '../kernels/key-columns.ts';
import { compareNumbers, compareValues } from '../kernels/sort.ts';
import type { SortKey } from '../kernels/sort.ts';
import { sliceRows, takeRows } from '../kernels/take.ts';

interface Cursor {
  index: number;
  batches: Iterator<Table>;
  batch: Table;
  row: number;
  columns: KeyColumn[];
  /** Where this cursor's rows for the output batch being built begin, and slices of earlier batches. */
  start: number;
  pending: Table[];
  picked: number;
  /** The first key at `row` when it is a number that is neither null nor NaN (`plain`): compared inline. */
  head: number;
  plain: boolean;
}

/**
 * The rows of all `runs` in `keys` order (see compareValues; ties by run order), in batches of at
 * most `batchRows` rows. Reads each run lazily, one batch at a time.
 *
 * @example
 * for (const batch of mergeSortedRuns([runA, runB], [{ column: 'v', ascending: true }], 65536)) write(batch);
 */
export function* mergeSortedRuns(runs: Array<Iterable<Table>>, keys: readonly SortKey[], batchRows: number): Generator<Table> {
  const signs = keys.map((k) => (k.ascending ? 1 : -1));
  const value = (c: Cursor, k: number): unknown => {
    const col = c.columns[k]!;
    if (col.kind === 'value') return col.values[c.row];
    return col.valid !== null && col.valid[c.row] === 0 ? null : col.values[c.row];
  };
  const sign0 = signs[0] ?? 1;
  const less = (a: Cursor, b: Cursor): boolean => {
    let k = 0;
    if (a.plain && b.plain) {
      // The common case (a numeric first key) without a call: most rows differ in it.
      if (a.head !== b.head) return (a.head < b.head) === (sign0 > 0);
      k = 1;
    }
    for (; k < keys.length; k++) {
      const ca = a.columns[k]!;
      const cb = b.columns[k]!;
      // Numbers without nulls (the common case) skip the general comparator.
      const c = ca.kind === 'number' && cb.kind === 'number' && ca.valid === null && cb.valid === null
        ? compareNumbers(ca.values[a.row]!, cb.values[b.row]!)
        : compareValues(value(a, k), value(b, k));
      if (c !== 0) return c * signs[k]! < 0;
    }
    return a.index < b.index;
  };
  const readHead = (c: Cursor): void => {
    const col = c.columns[0];
    if (col === undefined || col.kind !== 'number' || (col.valid !== null && col.valid[c.row] === 0)) { c.plain = false; return; }
    const v = col.values[c.row]!;
    c.head = v;
    c.plain = v === v; // eslint-disable-line no-self-compare
  };
  const nextBatch = (c: Cursor): boolean => {
    for (;;) {
      const step = c.batches.next();
      if (step.done) return false;
      if (step.value.numRows === 0) continue;
      c.batch = step.value;
      c.row = 0;
      c.start = 0;
      c.columns = keys.map((k) => readKeyColumn(step.value, k.column, 'as a sort key'));
      readHead(c);
      return true;
    }
  };

  const heap: Cursor[] = [];
  const cursors: Cursor[] = [];
  runs.forEach((run, index) => {
    const c = { index, batches: run[Symbol.iterator](), row: 0, start: 0, pending: [], picked: 0, head: 0, plain: false } as unknown as Cursor;
    cursors.push(c);
    if (nextBatch(c)) heap.push(c);
  });
  const siftDown = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
      if (m === i) return;
      const t = heap[i]!;
      heap[i] = heap[m]!;
      heap[m] = t;
      i = m;
    }
  };
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(i);

  const picks = new Int32Array(batchRows);
  let count = 0;
  const flush = (): Table => {
    // Each cursor's picks are consecutive rows of its batches: gather them as slices, lay the
    // slices end to end, then one take puts the rows in merge order.
    const parts: Table[] = [];
    const offset = new Int32Array(cursors.length);
    let total = 0;
    for (const c of cursors) {
      if (c.row > c.start) c.pending.push(sliceRows(c.batch, c.start, c.row));
      c.start = c.row;
      offset[c.index] = total;
      for (const p of c.pending) { parts.push(p); total += p.numRows; }
      c.pending = [];
      c.picked = 0;
    }
    const order = new Int32Array(count);
    const seen = new Int32Array(cursors.length);
    for (let j = 0; j < count; j++) {
      const c = picks[j]!;
      order[j] = offset[c]! + seen[c]!++;
    }
    count = 0;
    return takeRows(concatTables(parts), order);
  };

  while (heap.length > 0) {
    const top = heap[0]!;
    picks[count++] = top.index;
    top.row++;
    if (top.row === top.batch.numRows) {
      top.pending.push(sliceRows(top.batch, top.start, top.row));
      if (!nextBatch(top)) {
        top.start = top.row;
        const last = heap.pop()!;
        if (heap.length > 0) heap[0] = last;
      }
    } else {
      readHead(top);
    }
    if (heap.length > 0) siftDown(0);
    if (count === batchRows) yield flush();
  }
  if (count > 0) yield flush();
}
