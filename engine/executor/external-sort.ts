// sortBy's reduce side, exact whatever the memory: a partition that fits the task's budget is
// sorted in memory in one piece; a larger one is cut into runs that fit, each sorted and written
// to the spill folder as Arrow IPC, then merged k ways while streaming the output (merge-runs.ts).
// Both give the same rows in the same order: runs are consecutive input chunks sorted stably, and
// the merge breaks ties by run order, which is the stable sort of the whole partition.

import type { Table } from 'apache-arrow';
import { concatTables } from '../kernels/concat-tables.ts';
import { sortTable } from '../kernels/sort.ts';
import type { SortKey } from '../kernels/sort.ts';
import { tableBytes } from './memory-budget.ts';
import { mergeSortedRuns } from './merge-runs.ts';
import { MAX_MERGE_FAN_IN, batchBytesFor, chunks, collectTables } from './operator-memory.ts';
import type { OperatorMemory } from './operator-memory.ts';
import type { SpillRun } from './spill-files.ts';

/**
 * The rows of `input` sorted by `keys` (stable). `inputBytes` (the blocks' size as shuffled)
 * decides up front whether the partition is sorted in memory.
 *
 * @example
 * for await (const batch of externalSort(blocks, blocks.bytes, [{ column: 'v', ascending: false }], memory)) emit(batch);
 */
export async function* externalSort(input: AsyncIterable<Table>, inputBytes: number, keys: readonly SortKey[], memory: OperatorMemory): AsyncGenerator<Table> {
  const { budget, spill } = memory;
  if (inputBytes <= budget.limitBytes) {
    yield sortTable(await collectTables(input), keys);
    return;
  }
  // A run holds a third of the budget: its blocks, the sort's permutation and the sorted copy fit.
  const runBytes = Math.max(1, Math.floor(budget.limitBytes / 3));
  const expectedRuns = Math.ceil(inputBytes / runBytes);
  const ioBytes = batchBytesFor(budget, Math.min(expectedRuns, MAX_MERGE_FAN_IN));
  let runs: SpillRun[] = [];
  let buffered: Table[] = [];
  let bufferedBytes = 0;
  const spillBuffered = (): void => {
    const sorted = sortTable(concatTables(buffered), keys);
    runs.push(spill.writeRun('sort-run', chunks(sorted, ioBytes)));
    budget.release(bufferedBytes);
    buffered = [];
    bufferedBytes = 0;
  };
  let schemaOnly: Table | undefined;
  for await (const block of input) {
    if (block.numRows === 0) { schemaOnly ??= block; continue; }
    const bytes = tableBytes(block);
    budget.acquire(bytes);
    buffered.push(block);
    bufferedBytes += bytes;
    if (bufferedBytes >= runBytes) spillBuffered();
  }
  if (runs.length === 0) {
    // It fit after all (the blocks decoded smaller than they were shuffled).
    const all = buffered.length > 0 ? concatTables(buffered) : (schemaOnly ?? concatTables([]));
    budget.release(bufferedBytes);
    yield sortTable(all, keys);
    return;
  }
  if (buffered.length > 0) spillBuffered();
  // Too many runs for one merge: merge groups of them into longer runs first.
  while (runs.length > MAX_MERGE_FAN_IN) {
    const merged: SpillRun[] = [];
    for (let i = 0; i < runs.length; i += MAX_MERGE_FAN_IN) {
      const group = runs.slice(i, i + MAX_MERGE_FAN_IN);
      const rows = rowsPerBatch(group, ioBytes);
      merged.push(spill.writeRun('sort-merge', mergeSortedRuns(group.map((r) => spill.readRun(r)), keys, rows)));
    }
    runs = merged;
  }
  yield* mergeSortedRuns(runs.map((r) => spill.readRun(r)), keys, rowsPerBatch(runs, ioBytes));
}

/** Output rows per merged batch: about `bytes` bytes, judged from the runs' average row size. */
function rowsPerBatch(runs: SpillRun[], bytes: number): number {
  const totalBytes = runs.reduce((s, r) => s + r.bytes, 0);
  const totalRows = runs.reduce((s, r) => s + r.rows, 0);
  return Math.max(1024, Math.floor((bytes * totalRows) / Math.max(1, totalBytes)));
}
