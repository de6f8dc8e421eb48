// groupByKey's reduce side, exact whatever the memory. A partition that fits the task's budget is
// grouped in memory (groupRows). A larger one is laid out on disk group after group:
//  1. rows, tagged with their input position, go to spill partitions by a hash of the key;
//  2. each partition is rewritten with its groups in first-appearance order, a group's rows
//     consecutive and in input order, every row tagged with its group's first position: in memory
//     when the partition fits the budget, else (a hot key) by an external sort on the key, which is
//     stable (a key's rows stay in input order, its first row carries its first position), and a
//     second external sort on that first position;
//  3. the partitions' runs are merged on the first position: every group of the reduce partition
//     in first-appearance order, each one's rows consecutive;
//  4. consecutive rows of one group become its output row (groupedRuns: no row is moved).
// That is groupRows's output exactly: the same groups in the same order, each with its values in
// input order, so results do not depend on the budget.
//
// The API returns each key as one row holding all its values, so step 4 holds one group whole,
// and only one: a group may hold at most `maxGroupBytes` (groupByKey's option; by default the
// task's memory share). A larger one fails the job with GroupTooLargeError, an input error
// naming the key and its size, before anything is held beyond the limit.

import { Field, Schema, TimeUnit, Type, Utf8, makeVector, vectorFromArray } from 'apache-arrow';
import type { DataType, Dictionary, Table, Timestamp } from 'apache-arrow';
import { DataflowError } from '../errors.ts';
import { columnData, tableFromColumns } from '../kernels/columns.ts';
import { toPlainValue } from '../kernels/plain-values.ts';
import { concatTables } from '../kernels/concat-tables.ts';
import { canonicalText, groupIds, keyWords } from '../kernels/group-ids.ts';
import { GROUP_VALUES_COLUMN, groupRows, groupedRuns } from '../kernels/group-rows.ts';
import { readKeyColumn } from '../kernels/key-columns.ts';
import type { KeyColumn } from '../kernels/key-columns.ts';
import { compareValues } from '../kernels/sort.ts';
import { sliceRows, takeRows } from '../kernels/take.ts';
import { tableBytes } from './memory-budget.ts';
import type { MemoryBudget } from './memory-budget.ts';
import { externalSort } from './external-sort.ts';
import { mergeSortedRuns } from './merge-runs.ts';
import { MIN_FRAME_BYTES, batchBytesFor, inputBatchBytesFor, batchesOf, chunks, collectTables, isBlank } from './operator-memory.ts';
import type { OperatorMemory } from './operator-memory.ts';
import { FIRST, splitFirst, withFirst, writePartitioned } from './spilling-group-by.ts';
import type { SpillRun } from './spill-files.ts';

/** A group larger than groupByKey may hold: an input error (the same on every attempt), never retried. */
export class GroupTooLargeError extends DataflowError {
  constructor(message: string) {
    super('GROUP_TOO_LARGE', message);
  }
}

/** The most bytes one group may hold, and whether that is the default (for the error's advice). */
export interface GroupLimit {
  bytes: number;
  isDefault: boolean;
}

/** Spill partitions of the first step (each one is then laid out alone). */
const MAX_PARTITIONS = 16;

/**
 * groupRows(all rows of `input`, keys), as one table when the partition fits the budget, else as
 * a stream of tables of whole groups.
 *
 * @example
 * for await (const t of spillingGroupRows(blocks, blocks.bytes, ['user'], { bytes: 64 << 20, isDefault: false }, memory)) emit(t);
 */
export async function* spillingGroupRows(input: AsyncIterable<Table>, inputBytes: number, keys: string[], limit: GroupLimit, memory: OperatorMemory): AsyncGenerator<Table> {
  const { budget, spill } = memory;
  if (inputBytes <= budget.limitBytes) {
    const table = await collectTables(input);
    if (isBlank(table)) { yield table; return; }
    const grouped = groupRows(table, keys);
    checkGroups(grouped, table.numRows > 0 ? tableBytes(table) / table.numRows : 0, keys, limit);
    yield grouped;
    return;
  }

  // 1. Rows with their input positions, to spill partitions by a hash of the key.
  const numPartitions = Math.min(MAX_PARTITIONS, Math.max(2, Math.ceil((2 * inputBytes) / budget.limitBytes)));
  const frameBytes = Math.max(MIN_FRAME_BYTES, Math.floor(budget.limitBytes / (4 * numPartitions)));
  const partitions = Array.from({ length: numPartitions }, (_, p) => spill.openRun(`rows-p${p}`, frameBytes));
  let position = 0;
  let empty: Table | undefined;
  for await (const table of batchesOf(input, inputBatchBytesFor(budget))) {
    if (table.numRows === 0) { empty ??= table; continue; }
    const first = new Float64Array(table.numRows);
    for (let i = 0; i < first.length; i++) first[i] = position + i;
    position += table.numRows;
    writePartitioned({ table, first }, partitions, keys, 0);
  }

  // 2. Each partition laid out group after group.
  const ioBytes = batchBytesFor(budget, numPartitions);
  const runs: SpillRun[] = [];
  for (const writer of partitions) {
    const written = writer.close();
    if (written.rows === 0) continue;
    runs.push(written.bytes <= budget.limitBytes ? layOutInMemory(written, keys, ioBytes, memory) : await layOutBySorting(written, keys, ioBytes, memory));
  }
  if (runs.length === 0) {
    yield empty ? groupRows(empty, keys) : concatTables([]);
    return;
  }

  // 3 and 4. Merged on the groups' first positions, then cut into groups.
  const totalRows = runs.reduce((s, r) => s + r.rows, 0);
  const totalBytes = runs.reduce((s, r) => s + r.bytes, 0);
  const batchRows = Math.max(1024, Math.floor((ioBytes * totalRows) / Math.max(1, totalBytes)));
  yield* assembleGroups(mergeSortedRuns(runs.map((r) => spill.readRun(r)), [{ column: FIRST, ascending: true }], batchRows), keys, limit, budget);
}

/** A partition that fits the budget: grouped by a counting sort, as groupRows does. */
function layOutInMemory(run: SpillRun, keys: string[], ioBytes: number, memory: OperatorMemory): SpillRun {
  const { budget, spill } = memory;
  const { table, first } = splitFirst(concatTables([...spill.readRun(run)]));
  const held = tableBytes(table);
  budget.acquire(held);
  const { groupOf, numGroups, firstRow } = groupIds(table, keys);
  const n = table.numRows;
  const offsets = new Int32Array(numGroups + 1);
  for (let i = 0; i < n; i++) offsets[groupOf[i]! + 1]!++;
  for (let g = 0; g < numGroups; g++) offsets[g + 1]! += offsets[g]!;
  const order = new Int32Array(n);
  const groupFirst = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const g = groupOf[i]!;
    const at = offsets[g]!++;
    order[at] = i;
    groupFirst[at] = first[firstRow[g]!]!;
  }
  const laidOut = withFirst({ table: takeRows(table, order), first: groupFirst });
  const out = spill.writeRun('rows-grouped', chunks(laidOut, ioBytes));
  budget.release(held);
  return out;
}

/** A partition larger than the budget (it holds a hot key): sorted on the key, tagged, sorted on the tags. */
async function layOutBySorting(run: SpillRun, keys: string[], ioBytes: number, memory: OperatorMemory): Promise<SpillRun> {
  const { spill } = memory;
  const batches = spill.readRun(run);
  const head = batches.next();
  const types = head.done ? [] : keys.map((key) => columnData(head.value, key, 'as a groupByKey key').type);
  const sortKeys = keys.map((key, k) => (sortsExactly(types[k]!) ? key : `__dataflow_sort_key${k}$`));
  const rows = async function* (): AsyncGenerator<Table> {
    if (!head.done) yield withTextKeys(head.value, keys, sortKeys);
    for (const batch of batches) yield withTextKeys(batch, keys, sortKeys);
  };
  const byKey = externalSort(rows(), run.bytes, sortKeys.map((column) => ({ column, ascending: true })), memory);
  const byFirst = externalSort(tagGroupFirst(byKey, sortKeys, sortKeys.filter((name) => !keys.includes(name))), run.bytes, [{ column: FIRST, ascending: true }], memory);
  const out = spill.openRun('rows-sorted');
  for await (const table of byFirst) for (const chunk of chunks(table, ioBytes)) out.append(chunk);
  return out.close();
}

/**
 * Whether the sort tells a key type's values apart exactly as groupIds does (numbers, strings,
 * booleans, dates, timestamps to the millisecond). Other keys (nested types, finer timestamps,
 * decimals) are sorted by their canonical text, the text groupIds compares them by, so that equal
 * sort keys are exactly equal grouping keys.
 */
function sortsExactly(type: DataType): boolean {
  switch (type.typeId) {
    case Type.Int: case Type.Float: case Type.Utf8: case Type.LargeUtf8: case Type.Bool: case Type.Date: return true;
    case Type.Timestamp: return (type as Timestamp).unit <= TimeUnit.MILLISECOND;
    case Type.Dictionary: return sortsExactly((type as Dictionary).dictionary);
    default: return false;
  }
}

/**
 * `batch` plus, for every key whose sort key is not the key itself, the text groupIds tells its
 * values apart by: the canonical 64 bits of a fixed-width value (a nanosecond timestamp read as a
 * number would lose its last digits), else canonicalText.
 */
function withTextKeys(batch: Table, keys: string[], sortKeys: string[]): Table {
  const fields = [...batch.schema.fields];
  const columns = fields.map((f) => columnData(batch, f.name));
  keys.forEach((key, k) => {
    if (sortKeys[k] === key) return;
    const data = columnData(batch, key);
    const vector = makeVector(data);
    const words = keyWords(data);
    const texts: Array<string | null> = new Array(batch.numRows);
    for (let i = 0; i < texts.length; i++) {
      if (!vector.isValid(i)) texts[i] = null;
      else if (words) texts[i] = `${((words.hi?.[i] ?? 0) >>> 0).toString(16)}:${(words.lo[i]! >>> 0).toString(16)}`;
      else texts[i] = canonicalText(toPlainValue(vector.get(i)));
    }
    fields.push(new Field(sortKeys[k]!, new Utf8(), true));
    columns.push(vectorFromArray(texts, new Utf8()).data[0]!);
  });
  return fields.length === batch.numCols ? batch : tableFromColumns(new Schema(fields), columns, batch.numRows);
}

/**
 * Rows sorted stably by `keys` → the same rows, FIRST replaced by the FIRST of their key's first
 * row, and the columns `drop` (sort keys made for the sort) left out.
 */
async function* tagGroupFirst(sorted: AsyncIterable<Table>, keys: string[], drop: string[]): AsyncGenerator<Table> {
  let previous: { columns: KeyColumn[]; row: number } | undefined;
  let current = NaN;
  for await (const batch of sorted) {
    if (batch.numRows === 0) continue;
    const { table, first } = splitFirst(batch);
    const columns = keys.map((k) => readKeyColumn(table, k, 'as a groupByKey key'));
    const tagged = new Float64Array(table.numRows);
    for (let i = 0; i < tagged.length; i++) {
      const same = i > 0 ? sameKey(columns, i - 1, columns, i) : previous !== undefined && sameKey(previous.columns, previous.row, columns, 0);
      if (!same) current = first[i]!;
      tagged[i] = current;
    }
    previous = { columns, row: table.numRows - 1 };
    yield withFirst({ table: drop.length === 0 ? table : table.select(table.schema.fields.map((f) => f.name).filter((name) => !drop.includes(name))), first: tagged });
  }
}

/** Equal keys as the sort orders them (-0 = 0, NaN = NaN, null = null), which is groupIds's equality. */
function sameKey(a: KeyColumn[], i: number, b: KeyColumn[], j: number): boolean {
  for (let k = 0; k < a.length; k++) if (compareValues(keyValue(a[k]!, i), keyValue(b[k]!, j)) !== 0) return false;
  return true;
}

function keyValue(column: KeyColumn, row: number): unknown {
  if (column.kind === 'value') return column.values[row];
  return column.valid !== null && column.valid[row] === 0 ? null : column.values[row];
}

/**
 * Rows whose groups lie consecutively (tagged with the group's first position) → one output row
 * per group, in tables of whole groups. Holds the rows of the group in progress and no more
 * (taken from the budget even past it, so the task's peak memory shows a hot group); a group past
 * the limit is only counted from then on, and reported once its end is seen.
 */
function* assembleGroups(batches: Iterable<Table>, keys: string[], limit: GroupLimit, budget: MemoryBudget): Generator<Table> {
  let held: Table[] = [];
  let heldRows = 0;
  let heldBytes = 0;
  let heldFirst = NaN;
  let over: { key: string; rows: number; bytes: number } | undefined;
  const holdOrCount = (rows: Table, rowBytes: number): void => {
    if (over) { over.rows += rows.numRows; over.bytes += rows.numRows * rowBytes; return; }
    held.push(rows);
    heldRows += rows.numRows;
    heldBytes += rows.numRows * rowBytes;
    budget.acquire(rows.numRows * rowBytes);
    if (heldBytes > limit.bytes) {
      over = { key: keyText(held[0]!, 0, keys), rows: heldRows, bytes: heldBytes };
      drop();
    }
  };
  const drop = (): void => {
    budget.release(heldBytes);
    held = [];
    heldRows = 0;
    heldBytes = 0;
  };
  for (const batch of batches) {
    const n = batch.numRows;
    if (n === 0) continue;
    const { table, first } = splitFirst(batch);
    const rowBytes = tableBytes(table) / n;
    const starts: number[] = [];
    for (let i = 0; i < n; i++) if (first[i] !== (i === 0 ? heldFirst : first[i - 1])) starts.push(i);
    heldFirst = first[n - 1]!;
    if (starts.length === 0) { holdOrCount(table, rowBytes); continue; }
    if (starts[0]! > 0) holdOrCount(sliceRows(table, 0, starts[0]!), rowBytes);
    if (over) throw tooLarge(over.key, over.rows, over.bytes, keys, limit);
    // The group held so far ends here, and so does every group that starts in this batch but the last.
    const last = starts[starts.length - 1]!;
    const offsets = [0];
    if (heldRows > 0) offsets.push(heldRows);
    for (let s = 1; s < starts.length; s++) {
      const rows = starts[s]! - starts[s - 1]!;
      if (rows * rowBytes > limit.bytes) throw tooLarge(keyText(table, starts[s - 1]!, keys), rows, rows * rowBytes, keys, limit);
      offsets.push(offsets[offsets.length - 1]! + rows);
    }
    const complete = offsets.length > 1 ? groupedRuns(concatTables([...held, sliceRows(table, starts[0]!, last)]), keys, Int32Array.from(offsets)) : undefined;
    drop();
    if (complete) yield complete;
    holdOrCount(sliceRows(table, last, n), rowBytes);
  }
  if (over) throw tooLarge(over.key, over.rows, over.bytes, keys, limit);
  if (heldRows > 0) {
    const last = groupedRuns(concatTables(held), keys, Int32Array.of(0, heldRows));
    drop();
    yield last;
  }
}

/** The in-memory path's check: every group of `grouped` (groupRows output) within the limit. */
function checkGroups(grouped: Table, rowBytes: number, keys: string[], limit: GroupLimit): void {
  if (grouped.numRows === 0) return;
  const offsets = columnData(grouped, GROUP_VALUES_COLUMN).valueOffsets as Int32Array;
  for (let g = 0; g < grouped.numRows; g++) {
    const rows = offsets[g + 1]! - offsets[g]!;
    if (rows * rowBytes > limit.bytes) throw tooLarge(keyText(grouped, g, keys), rows, rows * rowBytes, keys, limit);
  }
}

/** `user=7`, `(user=7, day="mon")`: row `row`'s key as the error names it. */
function keyText(table: Table, row: number, keys: string[]): string {
  const parts = keys.map((k) => {
    const value: unknown = makeVector(columnData(table, k)).get(row);
    return `${k}=${typeof value === 'string' ? JSON.stringify(value) : typeof value === 'bigint' ? value.toString() : String(value)}`;
  });
  return parts.length === 1 ? parts[0]! : `(${parts.join(', ')})`;
}

function tooLarge(key: string, rows: number, bytes: number, keys: string[], limit: GroupLimit): GroupTooLargeError {
  const mb = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MB`;
  const suggest = `${Math.ceil((bytes * 1.25) / 2 ** 20)}m`;
  return new GroupTooLargeError(
    `groupByKey([${keys.map((k) => `'${k}'`).join(', ')}]): key ${key} has ${rows.toLocaleString('en-US')} rows (about ${mb(bytes)}), more than one group may hold ` +
      `(${mb(limit.bytes)}: ${limit.isDefault ? "by default the task's memory share, dataflow.executor.memory × 0.6 / executor cores" : "groupByKey's maxGroupBytes"}). ` +
      'groupByKey returns each key as one row holding all its values, so a group is held in memory whole. ' +
      'If a summary per key is what you need, use aggregateByKey or reduceByKey (they combine values as they go, with no such limit); ' +
      `otherwise split the key (add a column to the keys) or raise the limit, e.g. groupByKey(keys, { maxGroupBytes: '${suggest}' }), on executors with the memory for it.`,
  );
}
