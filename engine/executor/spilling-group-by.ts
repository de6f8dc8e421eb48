// Hash aggregation's reduce side (aggregateByKey, reduceByKey, distinct), exact whatever the
// memory, as DuckDB and Spark do it: groups are merged in memory while they fit; past the
// budget the groups so far and every row after them go to spill partitions by a hash of the key,
// and each spill partition is then merged alone (split again if it is still too big).
//
// Why the results are identical to merging everything at once:
//  - values fold in row order: a group's rows all land in one spill partition, in input order,
//    after the state the group had when spilling began (raw rows are spilled, never pre-merged
//    from zero, so a floating-point sum adds exactly the same values in the same order);
//  - groups come out in first-appearance order: every row carries the input position of its
//    group's first row, each partition's groups come out ascending in it, and the partitions'
//    outputs are merged on it (merge-runs.ts), which is the order of the one-shot merge.

import { Field, Float64, Schema, Table, makeData } from 'apache-arrow';
import { columnData, tableFromColumns } from '../kernels/columns.ts';
import { concatTables } from '../kernels/concat-tables.ts';
import { groupIds } from '../kernels/group-ids.ts';
import type { GroupIds } from '../kernels/group-ids.ts';
import { tableBytes } from './memory-budget.ts';
import { writeHashPartitioned } from './hash-partitions.ts';
import { mergeSortedRuns } from './merge-runs.ts';
import { isBlank } from './operator-memory.ts';
import { MIN_FRAME_BYTES, batchBytesFor, inputBatchBytesFor, batchesOf, chunks, collectTables } from './operator-memory.ts';
import type { OperatorMemory } from './operator-memory.ts';
import type { SpillRun, SpillWriter } from './spill-files.ts';

/** One grouping operator, as the spilling driver needs it. */
export interface GroupedOp {
  /** The key columns, for a table of the operator's input schema. */
  keys(table: Table): string[];
  /** One row per group of `groups` (= groupIds(table, keys)), in group order, folding rows in row order. */
  merge(table: Table, groups: GroupIds): Table;
  /** Merged groups → output rows, row for row. */
  finish(merged: Table): Table;
  /** The whole operator on a table held in memory (merge then finish, as one call). */
  once(table: Table): Table;
}

/** Rows with, for each, the input position of its group's first row (the output order). */
export interface Tagged { table: Table; first: Float64Array }

/** The column a spilled row carries its position (or its group's first position) in. */
export const FIRST = '__dataflow_first$';
/** Spill partitions of one level: each is merged alone, so it should fit the budget. */
const MAX_PARTITIONS = 16;
/** Levels of re-partitioning before a partition is merged in memory whatever its size. */
const MAX_LEVEL = 3;

/**
 * The grouped result of `input` (the reduce partition's blocks, `inputBytes` as shuffled): one
 * table when merged in memory, a stream of batches when spilled.
 *
 * @example
 * for await (const t of spillingGroupBy(blocks, blocks.bytes, distinctOp, memory)) emit(t);
 */
export async function* spillingGroupBy(input: AsyncIterable<Table>, inputBytes: number, op: GroupedOp, memory: OperatorMemory): AsyncGenerator<Table> {
  const { budget } = memory;
  if (inputBytes <= budget.limitBytes) {
    const table = await collectTables(input);
    yield isBlank(table) ? table : op.once(table);
    return;
  }
  let position = 0;
  async function* tagged(): AsyncGenerator<Tagged> {
    for await (const table of batchesOf(input, inputBatchBytesFor(budget))) {
      const first = new Float64Array(table.numRows);
      for (let i = 0; i < first.length; i++) first[i] = position + i;
      position += table.numRows;
      yield { table, first };
    }
  }
  for await (const out of groupTagged(tagged(), inputBytes, op, memory, 0)) yield out.table;
}

async function* groupTagged(input: AsyncIterable<Tagged>, inputBytes: number, op: GroupedOp, memory: OperatorMemory, level: number): AsyncGenerator<Tagged> {
  const { budget, spill } = memory;
  let state: Tagged | undefined;
  let held = 0;
  let partitions: SpillWriter[] | undefined;
  let empty: Table | undefined;
  const numPartitions = Math.min(MAX_PARTITIONS, Math.max(2, Math.ceil((2 * inputBytes) / budget.limitBytes)));
  for await (const batch of input) {
    if (batch.table.numRows === 0) { empty ??= batch.table; continue; }
    if (partitions) { writePartitioned(batch, partitions, op.keys(batch.table), level); continue; }
    const table = state ? concatTables([state.table, batch.table]) : batch.table;
    const first = state ? concatFloats(state.first, batch.first) : batch.first;
    const groups = groupIds(table, op.keys(table));
    state = { table: op.merge(table, groups), first: takeFloats(first, groups.firstRow) };
    budget.release(held);
    held = tableBytes(state.table);
    budget.acquire(held);
    if (held > budget.limitBytes / 2) {
      // Rows wait in memory per partition (a quarter of the budget in all) to be written in frames.
      const frameBytes = Math.max(MIN_FRAME_BYTES, Math.floor(budget.limitBytes / (4 * numPartitions)));
      partitions = Array.from({ length: numPartitions }, (_, p) => spill.openRun(`group-l${level}-p${p}`, frameBytes));
      writePartitioned(state, partitions, op.keys(state.table), level);
      state = undefined;
      budget.release(held);
      held = 0;
    }
  }
  if (!partitions) {
    budget.release(held);
    if (state) yield { table: op.finish(state.table), first: state.first };
    else yield { table: empty ?? new Table(), first: new Float64Array(0) };
    return;
  }
  // Each partition's finished groups, ascending in `first`, as a run; then all runs merged on it.
  const ioBytes = batchBytesFor(budget, numPartitions);
  const runs: SpillRun[] = [];
  for (const writer of partitions) {
    const written = writer.close();
    if (written.rows === 0) continue;
    const rows = readTagged(spill.readRun(written));
    const out = spill.openRun(`grouped-l${level}`);
    if (written.bytes <= budget.limitBytes || level >= MAX_LEVEL) {
      const parts = [...rows];
      const table = concatTables(parts.map((p) => p.table));
      const groups = groupIds(table, op.keys(table));
      const finished = op.finish(op.merge(table, groups));
      const first = takeFloats(concatFloats(...parts.map((p) => p.first)), groups.firstRow);
      for (const chunk of chunks(withFirst({ table: finished, first }), ioBytes)) out.append(chunk);
    } else {
      for await (const part of groupTagged(asAsync(rows), written.bytes, op, memory, level + 1)) out.append(withFirst(part));
    }
    runs.push(out.close());
  }
  const batchRows = Math.max(1024, Math.floor((ioBytes * runs.reduce((s, r) => s + r.rows, 0)) / Math.max(1, runs.reduce((s, r) => s + r.bytes, 0))));
  for (const merged of mergeSortedRuns(runs.map((r) => spill.readRun(r)), [{ column: FIRST, ascending: true }], batchRows)) {
    yield splitFirst(merged);
  }
}

/** Appends `rows` (with their FIRST column) to the partitions by a hash of `keys`, each partition keeping input order. */
export function writePartitioned(rows: Tagged, partitions: SpillWriter[], keys: string[], level: number): void {
  writeHashPartitioned(withFirst(rows), keys, partitions, level);
}

export function withFirst(rows: Tagged): Table {
  const { table, first } = rows;
  const schema = new Schema([...table.schema.fields, new Field(FIRST, new Float64(), false)]);
  const columns = table.schema.fields.map((f) => columnData(table, f.name));
  columns.push(makeData({ type: new Float64(), length: first.length, nullCount: 0, data: first }));
  return tableFromColumns(schema, columns, table.numRows);
}

export function splitFirst(table: Table): Tagged {
  const data = columnData(table, FIRST);
  const first = (data.values as Float64Array).slice(data.offset, data.offset + data.length);
  return { table: table.select(table.schema.fields.map((f) => f.name).filter((n) => n !== FIRST)), first };
}

function* readTagged(batches: Iterable<Table>): Generator<Tagged> {
  for (const batch of batches) yield splitFirst(batch);
}

export async function* asAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}

function concatFloats(...arrays: Float64Array[]): Float64Array {
  if (arrays.length === 1) return arrays[0]!;
  const out = new Float64Array(arrays.reduce((s, a) => s + a.length, 0));
  let at = 0;
  for (const a of arrays) { out.set(a, at); at += a.length; }
  return out;
}

function takeFloats(values: Float64Array, indices: Int32Array): Float64Array {
  const out = new Float64Array(indices.length);
  for (let i = 0; i < indices.length; i++) out[i] = values[indices[i]!]!;
  return out;
}
