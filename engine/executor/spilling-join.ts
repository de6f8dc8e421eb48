// The reduce side of a shuffle join, exact whatever the memory. Three ways, chosen up front from
// the sizes of the two sides' blocks (known before any is fetched):
//  - both fit the task's budget: joined in memory in one piece (kernels/join.ts);
//  - the right (build) side fits half the budget: it is hashed once and the left side streams
//    through it batch by batch (nothing is spilled);
//  - otherwise a grace hash join: both sides are written to spill partitions by a hash of the key,
//    each partition pair is joined alone (split again if its right side still does not fit), and
//    the partitions' outputs are merged back into the one-piece join's order. A pair whose right
//    side exceeds the whole budget after the last split holds one hot key: JoinKeyTooLargeError
//    (join-key-too-large.ts) names it rather than holding it past the budget.
//
// Why the output is identical to the one-piece join: that join emits rows in order of (left row
// position, right row position), unmatched right rows last in right order. Every row carries its
// input position on its side as a tag column; partitions keep input order, so each partition's
// join output is ascending in (left tag, right tag) with unmatched right rows last (their missing
// left tag written as +Infinity, a missing right tag as -1), and merging the partitions on the
// tags (merge-runs.ts) gives the whole order back.

import { Field, Float64, Schema, Table, makeData } from 'apache-arrow';
import { columnData, tableFromColumns } from '../kernels/columns.ts';
import { concatTables } from '../kernels/concat-tables.ts';
import { HashJoiner, hashJoin, keepsUnmatchedRight } from '../kernels/join.ts';
import type { SortKey } from '../kernels/sort.ts';
import type { JoinHow } from '../kernels/join.ts';
import { tableBytes } from './memory-budget.ts';
import { mergeSortedRuns } from './merge-runs.ts';
import { writeHashPartitioned } from './hash-partitions.ts';
import { joinKeyTooLarge } from './join-key-too-large.ts';
import type { JoinPieceSide } from './join-key-too-large.ts';
import { MIN_FRAME_BYTES, batchBytesFor, inputBatchBytesFor, batchesOf, collectTables, isBlank } from './operator-memory.ts';
import type { OperatorMemory } from './operator-memory.ts';
import type { ReduceInput } from './reduce-input.ts';
import type { SpillRun, SpillWriter, TaskSpill } from './spill-files.ts';

const LEFT_POS = '__dataflow_left_pos$';
const RIGHT_POS = '__dataflow_right_pos$';
/** Spill partitions of one level, each joined alone. */
const MAX_PARTITIONS = 16;
/**
 * Levels of re-partitioning. Past the last, a partition's right side is held if it fits the
 * task's budget; a larger one is one hot key's rows, and fails the job (JoinKeyTooLargeError).
 */
const MAX_LEVEL = 3;

/**
 * `left` joined with `right` on `keys` (both the blocks of one reduce partition): one table when
 * joined in memory, a stream of batches otherwise; the same rows in the same order either way.
 *
 * @example
 * for await (const t of spillingJoin(leftBlocks, rightBlocks, ['k'], 'full', memory)) emit(t);
 */
export async function* spillingJoin(left: ReduceInput, right: ReduceInput, keys: readonly string[], how: JoinHow, memory: OperatorMemory): AsyncGenerator<Table> {
  const { budget } = memory;
  if (left.bytes + right.bytes <= budget.limitBytes) {
    yield hashJoin(await collectTables(left), await collectTables(right), keys, how);
    return;
  }
  const batchBytes = inputBatchBytesFor(budget);
  if (right.bytes <= budget.limitBytes / 2) {
    const built = await collectTables(right);
    const held = tableBytes(built);
    budget.acquire(held);
    try {
      const joiner = new HashJoiner(built, keys, how);
      for await (const batch of batchesOf(left, batchBytes)) yield joiner.join(batch);
      const rest = joiner.rest();
      if (rest && rest.numRows > 0) yield rest;
    } finally {
      budget.release(held);
    }
    return;
  }
  yield* graceJoin(left, right, keys, how, memory, batchBytes);
}

/** One side written to spill partitions: the runs, and a row-less table of its schema (tag included). */
interface Partitioned { runs: SpillRun[]; empty: Table }

async function* graceJoin(
  left: ReduceInput, right: ReduceInput, keys: readonly string[], how: JoinHow, memory: OperatorMemory, batchBytes: number,
): AsyncGenerator<Table> {
  const { budget, spill } = memory;
  const count = partitionCount(right.bytes, budget.limitBytes);
  const rightParts = await partition(tagged(batchesOf(right, batchBytes), RIGHT_POS), keys, count, 0, 'right', memory);
  let leftParts = await partition(tagged(batchesOf(left, batchBytes), LEFT_POS), keys, count, 0, 'left', memory);
  if (leftParts.empty.numCols === 0) {
    // The left side is blank (no rows, unknown schema), as in hashJoin: no output, or (right and
    // full joins) the right rows beside the key columns only.
    if (!keepsUnmatchedRight(how)) { yield new Table(); return; }
    leftParts = { ...leftParts, empty: withPositions(rightParts.empty.select([...keys]), new Float64Array(0), LEFT_POS) };
  }
  const runs = joinPartitions(leftParts, rightParts, keys, how, memory, 0);
  let yielded = false;
  for (const merged of mergeSortedRuns(runs.map((r) => spill.readRun(r)), tagOrder(how), rowsPer(runs, batchBytesFor(budget, runs.length)))) {
    yielded = true;
    yield withoutPositions(merged);
  }
  if (!yielded) yield withoutPositions(new HashJoiner(rightParts.empty, keys, how).join(leftParts.empty));
}

/** Each partition pair joined alone, its output written as one run ascending in the tags. */
function joinPartitions(left: Partitioned, right: Partitioned, keys: readonly string[], how: JoinHow, memory: OperatorMemory, level: number): SpillRun[] {
  const { budget, spill } = memory;
  const out: SpillRun[] = [];
  for (let p = 0; p < right.runs.length; p++) {
    const rightRun = right.runs[p]!;
    const leftRun = left.runs[p]!;
    if (rightRun.rows === 0 && leftRun.rows === 0) continue;
    if (rightRun.bytes > budget.limitBytes && level === MAX_LEVEL) {
      // Split as far as it goes and still more than the task may hold: one key is that big.
      throw joinKeyTooLarge(keys, how, sideOf(leftRun, spill), sideOf(rightRun, spill), budget.limitBytes, MAX_LEVEL);
    }
    // (Opened only once the pieces below are joined: no file stays open while they are, or if they fail.)
    let writer: SpillWriter;
    if (rightRun.bytes > budget.limitBytes / 2 && level < MAX_LEVEL) {
      // Still too big to hold: split this pair again, join the pieces, merge them into this run.
      const count = partitionCount(rightRun.bytes, budget.limitBytes);
      const r = repartition(spill.readRun(rightRun), right.empty, keys, count, level + 1, 'right', memory);
      const l = repartition(spill.readRun(leftRun), left.empty, keys, count, level + 1, 'left', memory);
      const runs = joinPartitions(l, r, keys, how, memory, level + 1);
      writer = spill.openRun(`joined-l${level}`, batchBytesFor(budget, 1));
      for (const batch of mergeSortedRuns(runs.map((run) => spill.readRun(run)), tagOrder(how), rowsPer(runs, batchBytesFor(budget, runs.length)))) writer.append(batch);
    } else {
      writer = spill.openRun(`joined-l${level}`, batchBytesFor(budget, 1));
      const built = rightRun.rows === 0 ? right.empty : concatTables([...spill.readRun(rightRun)]);
      const held = tableBytes(built);
      budget.acquire(held);
      try {
        const joiner = new HashJoiner(built, keys, how);
        writer.append(joiner.join(left.empty));
        for (const batch of spill.readRun(leftRun)) writer.append(withoutNullTags(joiner.join(batch)));
        const rest = joiner.rest();
        if (rest) writer.append(withoutNullTags(rest));
      } finally {
        budget.release(held);
      }
    }
    out.push(writer.close());
  }
  return out;
}

function sideOf(run: SpillRun, spill: TaskSpill): JoinPieceSide {
  return { batches: () => spill.readRun(run), rows: run.rows, bytes: run.bytes };
}

/** The one-piece join's row order as tags: semi and anti joins give left columns (and tags) only. */
function tagOrder(how: JoinHow): SortKey[] {
  const byLeft = { column: LEFT_POS, ascending: true };
  return how === 'semi' || how === 'anti' ? [byLeft] : [byLeft, { column: RIGHT_POS, ascending: true }];
}

function partitionCount(bytes: number, budgetBytes: number): number {
  return Math.min(MAX_PARTITIONS, Math.max(2, Math.ceil((4 * bytes) / budgetBytes)));
}

async function* tagged(batches: AsyncIterable<Table>, column: string): AsyncGenerator<Table> {
  let position = 0;
  for await (const batch of batches) {
    if (isBlank(batch)) { yield batch; continue; }
    const positions = new Float64Array(batch.numRows);
    for (let i = 0; i < positions.length; i++) positions[i] = position + i;
    position += batch.numRows;
    yield withPositions(batch, positions, column);
  }
}

async function partition(batches: AsyncIterable<Table>, keys: readonly string[], count: number, level: number, side: string, memory: OperatorMemory): Promise<Partitioned> {
  const writers = openPartitions(count, level, side, memory);
  let empty: Table | undefined;
  for await (const batch of batches) {
    if (!isBlank(batch)) empty ??= batch.slice(0, 0);
    writeHashPartitioned(batch, keys, writers, level);
  }
  return { runs: writers.map((w) => w.close()), empty: empty ?? new Table() };
}

function repartition(batches: Iterable<Table>, empty: Table, keys: readonly string[], count: number, level: number, side: string, memory: OperatorMemory): Partitioned {
  const writers = openPartitions(count, level, side, memory);
  for (const batch of batches) writeHashPartitioned(batch, keys, writers, level);
  return { runs: writers.map((w) => w.close()), empty };
}

function openPartitions(count: number, level: number, side: string, memory: OperatorMemory): SpillWriter[] {
  // Rows wait in memory per partition (a quarter of the budget in all) to be written in frames.
  const frameBytes = Math.max(MIN_FRAME_BYTES, Math.floor(memory.budget.limitBytes / (4 * count)));
  return Array.from({ length: count }, (_, p) => memory.spill.openRun(`join-${side}-l${level}-p${p}`, frameBytes));
}

function withPositions(table: Table, positions: Float64Array, column: string): Table {
  const schema = new Schema([...table.schema.fields, new Field(column, new Float64(), true)]);
  const columns = table.schema.fields.map((f) => columnData(table, f.name));
  columns.push(makeData({ type: new Float64(), length: positions.length, nullCount: 0, data: positions }));
  return tableFromColumns(schema, columns, table.numRows);
}

/**
 * The join output with its missing tags filled (left: +Infinity, so unmatched right rows sort
 * last; right: -1, the only row of its left row), so the merge compares plain numbers.
 */
function withoutNullTags(table: Table): Table {
  const fill = { [LEFT_POS]: Infinity, [RIGHT_POS]: -1 } as Record<string, number>;
  let changed = false;
  const columns = table.schema.fields.map((f) => {
    const data = columnData(table, f.name);
    if (!(f.name in fill) || data.nullCount === 0) return data;
    changed = true;
    const values = (data.values as Float64Array).slice(data.offset, data.offset + data.length);
    for (let i = 0; i < values.length; i++) if (!data.getValid(i)) values[i] = fill[f.name]!;
    return makeData({ type: new Float64(), length: values.length, nullCount: 0, data: values });
  });
  return changed ? tableFromColumns(table.schema, columns, table.numRows) : table;
}

function withoutPositions(table: Table): Table {
  return table.select(table.schema.fields.map((f) => f.name).filter((n) => n !== LEFT_POS && n !== RIGHT_POS));
}

/** Output rows per merged batch: about `bytes` bytes, judged from the runs' average row size. */
function rowsPer(runs: SpillRun[], bytes: number): number {
  const totalBytes = runs.reduce((s, r) => s + r.bytes, 0);
  const totalRows = runs.reduce((s, r) => s + r.rows, 0);
  return Math.max(1024, Math.floor((bytes * totalRows) / Math.max(1, totalBytes)));
}
