// What a spilling operator works with: the task's memory budget, its spill folder, and the sizes
// derived from the budget that every such operator uses the same way.

import type { Table } from 'apache-arrow';
import { concatTables } from '../kernels/concat-tables.ts';
import type { MemoryBudget } from './memory-budget.ts';
import { tableBytes } from './memory-budget.ts';
import type { TaskSpill } from './spill-files.ts';

export interface OperatorMemory {
  budget: MemoryBudget;
  spill: TaskSpill;
}

/** Most runs merged in one pass (one batch of each is in memory, and one open file). */
export const MAX_MERGE_FAN_IN = 64;

/**
 * The smallest spill frame and streamed batch. Each frame costs an IPC schema written and decoded,
 * a write, a read and a few dozen JS objects whatever its size; below this those costs, and the
 * garbage they make, outweigh the memory saved (a budget of a few MB split over 16-64 runs gave
 * frames of 32-75 KB: 2-3k rows each). 16 partitions of it waiting to be written hold 4 MB.
 */
export const MIN_FRAME_BYTES = 256 * 1024;

/** The smallest batch of input an operator folds or partitions at once (same reasons, fewer objects per row). */
export const MIN_BATCH_BYTES = 1024 * 1024;

/** Batches of spill files and of streamed output: big enough to amortize, small beside the budget. */
export function batchBytesFor(budget: MemoryBudget, runs: number): number {
  return Math.max(MIN_FRAME_BYTES, Math.min(8 * 1024 * 1024, Math.floor(budget.limitBytes / (4 * Math.max(1, runs)))));
}

/** Input batches an operator folds or partitions at once: a quarter of the budget, at least MIN_BATCH_BYTES. */
export function inputBatchBytesFor(budget: MemoryBudget): number {
  return Math.max(MIN_BATCH_BYTES, Math.floor(budget.limitBytes / 4));
}

/** Rows of `table` that make about `bytes` bytes (at least 1). */
export function rowsForBytes(table: Table, bytes: number): number {
  const total = tableBytes(table);
  if (total === 0 || table.numRows === 0) return Math.max(1, table.numRows);
  return Math.max(1, Math.floor((table.numRows * bytes) / total));
}

/** `table` cut into consecutive slices of about `bytes` bytes (views, no copy). */
export function* chunks(table: Table, bytes: number): Generator<Table> {
  const rows = rowsForBytes(table, bytes);
  for (let start = 0; start < table.numRows; start += rows) yield table.slice(start, Math.min(table.numRows, start + rows));
}

/** Every table of a stream laid end to end; a single table comes back as itself (no copy). */
export async function collectTables(stream: AsyncIterable<Table>): Promise<Table> {
  const tables: Table[] = [];
  for await (const t of stream) tables.push(t);
  return tables.length === 1 ? tables[0]! : concatTables(tables);
}

/**
 * Consecutive tables of `stream` grouped into batches of about `bytes` bytes (by their IPC size
 * estimate `tableBytes`), each concatenated; a table larger than `bytes` is a batch of its own.
 */
export async function* batchesOf(stream: AsyncIterable<Table>, bytes: number): AsyncGenerator<Table> {
  let group: Table[] = [];
  let size = 0;
  for await (const t of stream) {
    const b = tableBytes(t);
    if (group.length > 0 && size + b > bytes) {
      yield group.length === 1 ? group[0]! : concatTables(group);
      group = [];
      size = 0;
    }
    group.push(t);
    size += b;
  }
  if (group.length > 0) yield group.length === 1 ? group[0]! : concatTables(group);
}

/** A table with no rows and no columns: what an empty partition of unknown schema looks like. */
export function isBlank(table: Table): boolean {
  return table.numRows === 0 && table.numCols === 0;
}
