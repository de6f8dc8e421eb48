// The grace hash join's last resort: a piece of the build (right) side that is still larger than
// the task's memory after the deepest re-split holds one hot key, whose right rows a hash join must
// hold at once. Instead of holding them anyway (an executor killed by the OOM killer, a job lost to
// "connection closed"), the join fails with JoinKeyTooLargeError, an input error naming the key,
// its rows and bytes on each side, and the ways out, as groupByKey's GroupTooLargeError does.

import { makeVector } from 'apache-arrow';
import type { Table } from 'apache-arrow';
import { DataflowError } from '../errors.ts';
import { columnData } from '../kernels/columns.ts';
import { concatTables } from '../kernels/concat-tables.ts';
import { groupIds } from '../kernels/group-ids.ts';
import { HashJoiner } from '../kernels/join.ts';
import type { JoinHow } from '../kernels/join.ts';

/** A join key whose build-side rows do not fit the task's memory: the same on every attempt, never retried. */
export class JoinKeyTooLargeError extends DataflowError {
  constructor(message: string) {
    super('JOIN_KEY_TOO_LARGE', message);
  }
}

/** One side of the piece that does not fit: its rows (batch by batch, read again from its spill run) and its size. */
export interface JoinPieceSide {
  batches: () => Iterable<Table>;
  rows: number;
  bytes: number;
}

/**
 * The error for a piece whose right side (`pieceBytes`) exceeds `limitBytes` after `splits`
 * re-splits: names the key with the most right rows in it, and that key's rows and approximate
 * bytes on both sides (rows × the side's average row size).
 *
 * @example throw joinKeyTooLarge(['k'], 'inner', leftPiece, rightPiece, budget.limitBytes, 3);
 */
export function joinKeyTooLarge(keys: readonly string[], how: JoinHow, left: JoinPieceSide, right: JoinPieceSide, limitBytes: number, splits: number): JoinKeyTooLargeError {
  const rightKeys = concatTables([...right.batches()].map((t) => t.select([...keys])));
  const { groupOf, numGroups, firstRow } = groupIds(rightKeys, keys);
  const counts = new Float64Array(numGroups);
  for (let i = 0; i < groupOf.length; i++) counts[groupOf[i]!]!++;
  let hot = 0;
  for (let g = 1; g < numGroups; g++) if (counts[g]! > counts[hot]!) hot = g;
  const hotRow = rightKeys.slice(firstRow[hot]!, firstRow[hot]! + 1);
  const rightRows = counts[hot] ?? 0;
  // The left rows of that key, by the join's own key equality (a semi join against that one key).
  const probe = new HashJoiner(hotRow, keys, 'semi');
  let leftRows = 0;
  for (const batch of left.batches()) if (batch.numRows > 0) leftRows += probe.join(batch.select([...keys])).numRows;
  const rightBytes = right.rows > 0 ? (right.bytes * rightRows) / right.rows : 0;
  const leftBytes = left.rows > 0 ? (left.bytes * leftRows) / left.rows : 0;
  const mb = (b: number): string => (b < 2 ** 20 ? `${Math.ceil(b / 1024)} KB` : `${(b / 2 ** 20).toFixed(1)} MB`);
  const count = (n: number): string => n.toLocaleString('en-US');
  // The piece must fit the budget: 0.75 of a task's share (the rest is the fetch window), a share 0.6 of an executor's memory per core.
  const suggest = `${Math.ceil((right.bytes * 1.25) / 0.75 / 0.6 / 2 ** 20)}m`;
  return new JoinKeyTooLargeError(
    `join on [${keys.map((k) => `'${k}'`).join(', ')}] (${how}): key ${keyText(hotRow, keys)} has ${count(rightRows)} rows (about ${mb(rightBytes)}) on the right side ` +
      `and ${count(leftRows)} rows (about ${mb(leftBytes)}) on the left. A hash join holds the right side of each key in memory, and after ${splits} re-splits by hash ` +
      `the piece holding this key is still ${mb(right.bytes)}, more than the task's memory share (${mb(limitBytes)}: dataflow.executor.memory × 0.6 / executor cores, less the fetch window). ` +
      `Ways out: raise dataflow.executor.memory (e.g. --conf dataflow.executor.memory=${suggest} per executor core, on executors with the memory for it); ` +
      "broadcast the other side if it is small (join(other, keys, { broadcast: 'left' }) for inner and right joins: the right side then streams), or swap the two sides of an inner join if the left holds fewer rows of this key; " +
      'or pre-aggregate the right side per key (aggregateByKey / reduceByKey) before the join, or filter out this key if it is a placeholder value.',
  );
}

/** `k=7`, `(k=7, day="mon")`: the key of row 0 of `table` as the error names it. */
function keyText(table: Table, keys: readonly string[]): string {
  const parts = keys.map((k) => {
    const value: unknown = makeVector(columnData(table, k)).get(0);
    return `${k}=${typeof value === 'string' ? JSON.stringify(value) : typeof value === 'bigint' ? value.toString() : String(value)}`;
  });
  return parts.length === 1 ? parts[0]! : `(${parts.join(', ')})`;
}
