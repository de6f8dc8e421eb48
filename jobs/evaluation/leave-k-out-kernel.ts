// Executor-side kernels of leaveKOut. Before the shuffle, `withGroupKey` copies the user column
// to GROUP_KEY so that groupByKey keeps every original column (in order) inside its struct; after
// it, `heldOutSide` picks each user's k held-out rows and returns the train or the test side.
//
// Worked example, k = 1, by 'latest', user 7 has rows (item, ts): (1, 100) (5, 300) (9, 200):
//   order by ts descending (ties: smaller hash first) → (5, 300) (9, 200) (1, 100)
//   test = [(5, 300)], train = [(1, 100), (9, 200)] (train keeps the input order)
// A user with <= k rows is all train.

import { Field, Schema } from 'apache-arrow';
import type { Table } from 'apache-arrow';
import { columnData, tableFromColumns, numericView, readValidity, takeRows, libraryFunctions } from '../../engine/extend.ts';
import { EvaluationError } from './errors.ts';
import { readGroups } from './grouped.ts';
import { pairUniforms } from './row-hash.ts';

/** The grouping key column leaveKOut adds (a copy of the user column). */
export const GROUP_KEY = '__evaluation_user';

export interface HeldOutSpec {
  userColumn: string;
  itemColumn: string;
  timestampColumn: string;
  seed: number;
  k: number;
  by: 'random' | 'latest';
  side: 'train' | 'test';
}

/**
 * `batch` plus a copy of its user column named GROUP_KEY (zero-copy: the same Data).
 *
 * @example
 * withGroupKey(batch, 'userId'); // columns: userId, itemId, rating, __evaluation_user
 */
export function withGroupKey(batch: Table, userColumn: string): Table {
  const user = columnData(batch, userColumn, 'as the user column of leaveKOut');
  const fields = [...batch.schema.fields, new Field(GROUP_KEY, user.type, true)];
  const columns = [...batch.schema.fields.map((f) => columnData(batch, f.name)), user];
  return tableFromColumns(new Schema(fields), columns, batch.numRows);
}

/**
 * One side of the leave-k-out split of a groupByKey(GROUP_KEY) output batch: the original rows
 * (columns as before grouping), train or test, in group order.
 *
 * @example
 * heldOutSide(grouped, { userColumn: 'userId', itemColumn: 'itemId', timestampColumn: 'timestamp', seed: 1, k: 1, by: 'random', side: 'test' });
 */
export function heldOutSide(batch: Table, spec: HeldOutSpec): Table {
  if (batch.numRows === 0 && batch.schema.fields.length === 0) return batch;
  const { numGroups, starts, rows } = readGroups(batch, 'leaveKOut');
  const n = rows.numRows;
  const u = pairUniforms(rows, spec.userColumn, spec.itemColumn, spec.seed);
  const time = spec.by === 'latest' ? readTimes(rows, spec.timestampColumn) : null;
  // Rows of each group in held-out order: for 'latest' newest first, then by hash; else by hash.
  const compare = time
    ? (a: number, b: number) => time[b] - time[a] || u[a] - u[b] || a - b
    : (a: number, b: number) => u[a] - u[b] || a - b;
  const isTest = new Uint8Array(n);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const { k } = spec;
  for (let g = 0; g < numGroups; g++) {
    const s = starts[g];
    const e = starts[g + 1];
    if (e - s <= k) continue;
    const rowsOfUser = order.subarray(s, e).sort(compare);
    for (let j = 0; j < k; j++) isTest[rowsOfUser[j]] = 1;
  }
  const want = spec.side === 'test' ? 1 : 0;
  let kept = 0;
  for (let i = 0; i < n; i++) if (isTest[i] === want) kept++;
  const indices = new Int32Array(kept);
  for (let i = 0, j = 0; i < n; i++) if (isTest[i] === want) indices[j++] = i;
  return takeRows(rows, indices);
}

/** The timestamp column as numbers; nulls become -Infinity (the oldest). */
function readTimes(rows: Table, column: string): Float64Array {
  const data = columnData(rows, column, "as the timestamp column of leaveKOut (by: 'latest')");
  const values = numericView(data);
  if (!values) {
    throw new EvaluationError(
      'EVAL_COLUMN',
      `leaveKOut (by: 'latest'): timestamp column '${column}' is ${String(data.type)}; expected a number, Timestamp or Date column. ` +
        `Set timestampColumn to the right column, or use by: 'random'.`,
    );
  }
  const valid = readValidity(data);
  if (valid) for (let i = 0; i < values.length; i++) if (!valid[i]) values[i] = -Infinity;
  return values;
}

export const leaveKOutKernels = libraryFunctions(import.meta.url, { withGroupKey, heldOutSide });
