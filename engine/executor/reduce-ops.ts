// Wide operators, both sides of a shuffle: the map-side combine run before shuffle files are
// written, and the reduce-side operator run on the blocks a reduce task streams in. Sort and the
// grouping operators (groupByKey too) and join spill past the task's memory budget; the others hold their partition.

import type { Table } from 'apache-arrow';
import type { CombineOp, ReduceOp } from '../plan/nodes.ts';
import { concatTables } from '../kernels/concat-tables.ts';
import { partialAggregate, partialAggregateTables, mergePartials, finishAggregate } from '../kernels/aggregate.ts';
import { IntKeyPartialAggregate } from '../kernels/int-key-aggregate.ts';
import { reduceRowsByKey } from '../kernels/reduce-rows.ts';
import { distinctRows } from '../kernels/distinct.ts';
import { takeRows } from '../kernels/take.ts';
import type { Row } from '../kernels/rows.ts';
import type { UserCode } from './user-code.ts';
import type { ReduceInput } from './reduce-input.ts';
import { externalSort } from './external-sort.ts';
import { spillingGroupBy } from './spilling-group-by.ts';
import { spillingGroupRows } from './spilling-group-rows.ts';
import { spillingJoin } from './spilling-join.ts';
import type { GroupedOp } from './spilling-group-by.ts';
import { collectTables, isBlank } from './operator-memory.ts';

export { isBlank };
import type { OperatorMemory } from './operator-memory.ts';

type RowReducer = (a: Row, b: Row) => Row;

/** Map-side combine: shrinks a map task's output before it is written and shuffled. */
export function applyCombine(op: CombineOp, table: Table, code: UserCode): Table {
  if (isBlank(table)) return table;
  switch (op.op) {
    case 'partialAggregate': return partialAggregate(table, op.keys, op.aggs);
    case 'reduceRows': return reduceRowsByKey(table, op.keys, code.callable(op.fn) as RowReducer);
    case 'distinct': return distinctRows(table);
  }
}

/**
 * Map-side combine over a task's output stream (one table per Parquet row group, say). An
 * aggregation by one integer key folds each table into its groups as it comes and drops it
 * (IntKeyPartialAggregate); other aggregations group the tables in turn into one growing table of
 * groups (partialAggregateTables); both give the result of aggregating the concatenation, without
 * the copy. The other combines run on each table as it comes and merge the partials once. Groups
 * keep their first-appearance order.
 */
export async function combineStream(op: CombineOp, tables: AsyncIterable<Table>, code: UserCode): Promise<Table> {
  if (op.op === 'partialAggregate') {
    const inputs: Table[] = [];
    let streaming: IntKeyPartialAggregate | undefined;
    for await (const table of tables) {
      if (isBlank(table)) continue;
      if (inputs.length === 0 && streaming === undefined) streaming = IntKeyPartialAggregate.for(table, op.keys, op.aggs);
      if (streaming) streaming.add(table);
      else inputs.push(table);
    }
    if (streaming) return streaming.result();
    return inputs.length === 0 ? concatTables([]) : partialAggregateTables(inputs, op.keys, op.aggs);
  }
  const partials: Table[] = [];
  for await (const table of tables) partials.push(applyCombine(op, table, code));
  if (partials.length === 1) return partials[0]!;
  const all = concatTables(partials);
  if (isBlank(all)) return all;
  switch (op.op) {
    case 'reduceRows': return reduceRowsByKey(all, op.keys, code.callable(op.fn) as RowReducer);
    case 'distinct': return distinctRows(all);
  }
}

/** What a reduce operator runs with. */
export interface ReduceContext extends OperatorMemory {
  code: UserCode;
  /** The task's share of its executor's memory (budget and fetch window): what groupByKey's groups may hold by default. */
  taskMemoryBytes: number;
}

type Reducer<K extends ReduceOp['op']> = (op: Extract<ReduceOp, { op: K }>, inputs: ReduceInput[], ctx: ReduceContext) => AsyncIterable<Table>;

/** Operators that need their whole partition at once: the input is collected, then the kernel runs. */
async function* whole(inputs: ReduceInput[], kernel: (tables: Table[]) => Table): AsyncGenerator<Table> {
  const tables: Table[] = [];
  for (const input of inputs) tables.push(await collectTables(input));
  yield kernel(tables);
}

const reducers: { [K in ReduceOp['op']]: Reducer<K> } = {
  concat: (_op, inputs) => whole(inputs, ([t]) => t!),
  groupRows: (op, [input], ctx) => spillingGroupRows(input!, input!.bytes, op.keys, {
    bytes: op.maxGroupBytes ?? ctx.taskMemoryBytes, isDefault: op.maxGroupBytes === undefined,
  }, ctx),
  join: (op, [left, right], ctx) => spillingJoin(left!, right!, op.keys, op.how, ctx),
  sort: (op, [input], ctx) => externalSort(input!, input!.bytes, op.keys, ctx),
  mergeAggregate: (op, [input], ctx) => spillingGroupBy(input!, input!.bytes, {
    keys: () => op.keys,
    merge: (table, groups) => mergePartials(table, op.keys, op.aggs, groups),
    finish: (merged) => finishAggregate(merged, op.keys, op.aggs),
    once: (table) => finishAggregate(mergePartials(table, op.keys, op.aggs), op.keys, op.aggs),
  }, ctx),
  reduceRows: (op, [input], ctx) => {
    const fn = ctx.code.callable(op.fn) as RowReducer;
    return spillingGroupBy(input!, input!.bytes, {
      keys: () => op.keys,
      merge: (table, groups) => reduceRowsByKey(table, op.keys, fn, groups),
      finish: (merged) => merged,
      once: (table) => reduceRowsByKey(table, op.keys, fn),
    }, ctx);
  },
  distinct: (_op, [input], ctx) => spillingGroupBy(input!, input!.bytes, distinctOp, ctx),
};

/** distinct(): the first row of every distinct tuple of all columns. */
const distinctOp: GroupedOp = {
  keys: (table) => table.schema.fields.map((f) => f.name),
  merge: (table, groups) => (groups.numGroups === table.numRows ? table : takeRows(table, groups.firstRow)),
  finish: (merged) => merged,
  once: (table) => distinctRows(table),
};

/**
 * Reduce side: `inputs[d]` streams the blocks read for dependency d, in map-partition order (so
 * the result does not depend on which map task finished first). The output is one table when
 * the operator held its partition in memory, a stream of batches when it spilled.
 */
export function applyReduce(op: ReduceOp, inputs: ReduceInput[], ctx: ReduceContext): AsyncIterable<Table> {
  return (reducers[op.op] as Reducer<ReduceOp['op']>)(op, inputs, ctx);
}
