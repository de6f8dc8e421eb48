// Wide operators, both sides of a shuffle: the map-side combine run before shuffle files are
// written, and the reduce-side operator run on the blocks a reduce task fetched.

import type { Table } from 'apache-arrow';
import type { CombineOp, ReduceOp } from '../plan/nodes.ts';
import { concatTables } from '../kernels/concat-tables.ts';
import { partialAggregate, mergePartials, finishAggregate } from '../kernels/aggregate.ts';
import { reduceRowsByKey } from '../kernels/reduce-rows.ts';
import { groupRows } from '../kernels/group-rows.ts';
import { hashJoin } from '../kernels/join.ts';
import { sortTable } from '../kernels/sort.ts';
import { distinctRows } from '../kernels/distinct.ts';
import type { Row } from '../kernels/rows.ts';
import type { UserCode } from './user-code.ts';

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
 * Reduce side: `inputs[d]` holds the blocks read for dependency d, in map-partition order (so the
 * result does not depend on which map task finished first).
 */
export function applyReduce(op: ReduceOp, inputs: Table[][], code: UserCode): Table {
  if (op.op === 'join') {
    const left = concatTables(inputs[0] ?? []);
    const right = concatTables(inputs[1] ?? []);
    if (isBlank(left)) return left;
    return hashJoin(left, right, op.keys, op.how);
  }
  const table = concatTables(inputs[0] ?? []);
  if (isBlank(table)) return table;
  switch (op.op) {
    case 'concat': return table;
    case 'mergeAggregate': return finishAggregate(mergePartials(table, op.keys, op.aggs), op.keys, op.aggs);
    case 'reduceRows': return reduceRowsByKey(table, op.keys, code.callable(op.fn) as RowReducer);
    case 'groupRows': return groupRows(table, op.keys);
    case 'sort': return sortTable(table, op.keys);
    case 'distinct': return distinctRows(table);
  }
}

/** A table with no rows and no columns: what an empty partition of unknown schema looks like. */
export function isBlank(table: Table): boolean {
  return table.numRows === 0 && table.numCols === 0;
}
