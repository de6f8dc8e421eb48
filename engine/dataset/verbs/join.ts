// join: equi-join on key columns, of any kind users expect (inner, left, right, full, semi, anti). Both sides are hash-partitioned the same way, so
// reduce partition p of the left meets reduce partition p of the right. A side that is already
// hash-partitioned on the join keys (the output of `repartition(keys, { numPartitions })`) is not
// shuffled again: the join reads that side's shuffle files directly and only the other side moves —
// Spark's co-partitioned join. Joining a partitioned dataset repeatedly (an iterative job such as
// ALS) therefore writes its shuffle once and reuses it in every job.

import type { Row } from '../../kernels/rows.ts';
import type { ShuffleDependency } from '../../plan/nodes.ts';
import { InvalidInputError } from '../../errors.ts';
import { checkJoinHow } from '../../kernels/join.ts';
import type { JoinHow } from '../../kernels/join.ts';
import type { Dataset } from '../dataset.ts';
import { broadcastJoin, chooseBroadcast } from './broadcast-join.ts';
import type { BroadcastSide } from './broadcast-join.ts';
import { checkKeys, hashDependency, hashPartitioning, shuffledNode, shufflePartitions } from './shuffle.ts';

export interface JoinOptions {
  /**
   * 'inner' (default): matching pairs; 'left' / 'right': also the rows of that side without a match,
   * null-filled on the other; 'full': both; 'semi': the left rows with a match, left columns only;
   * 'anti': the left rows without one (a null key never matches), left columns only.
   */
  how?: JoinHow;
  /** Reduce partitions of the shuffled join (then never broadcast automatically). */
  numPartitions?: number;
  /**
   * Broadcast this side instead of shuffling both (see broadcast-join.ts): 'right' for inner, left,
   * semi and anti joins, 'left' for inner and right joins; false never broadcasts. Unset: a side
   * known to be at most `dataflow.join.broadcastThreshold` (10m) before it runs is broadcast.
   */
  broadcast?: BroadcastSide | false;
}

/**
 * Output: the keys, the left's other columns, then the right's (a clashing right name gets
 * `_right`); in each partition, left row order with each row's matches in right order, and the
 * unmatched right rows of a right or full join last (see kernels/join.ts). A broadcast join keeps
 * the partitions of the side not broadcast, in its row order.
 *
 * @example
 *   ratings.join(movies, ['itemId'], { how: 'left' })
 *   ratings.join(banned, ['userId'], { how: 'anti' })     // ratings of users not banned
 *   users.join(orders, ['userId'], { how: 'full' })       // every user and every order, paired where they match
 *   events.join(countries, ['code'], { broadcast: 'right' }) // countries shipped to every task; events not shuffled
 *   // co-partitioned: `blocks` is shuffled once; each iteration shuffles only `state`
 *   const blocks = ratings.repartition(['key'], { numPartitions: 8 });
 *   for (...) state = blocks.join(state, ['key'], { how: 'left' }).mapPartitionTables(step);
 */
export function join<T extends Row, U extends Row>(
  left: Dataset<T>, right: Dataset<U>, keys: string[], options: JoinOptions = {},
): Dataset<Row> {
  checkKeys(keys, 'join');
  if (left.session !== right.session) throw new InvalidInputError('join: both datasets must belong to the same session');
  const how = checkJoinHow(options.how ?? 'inner', 'join');
  const broadcast = chooseBroadcast(left as Dataset<Row>, right as Dataset<Row>, how, options);
  if (broadcast) return broadcastJoin(left as Dataset<Row>, right as Dataset<Row>, keys, how, broadcast);
  // A side partitioned on exactly these keys decides the partitioning unless the caller does: its
  // count (a count fixed by the user first), or, for a side whose count is chosen from the data, its
  // buckets, cut by both sides' sizes.
  const partitioned = [hashPartitioning(left.node), hashPartitioning(right.node)]
    .map((p) => (p && sameKeys(p.keys, keys) ? p : undefined));
  const given = partitioned.find((p) => p !== undefined && !p.coalesce) ?? partitioned.find((p) => p !== undefined);
  const partitioning = options.numPartitions === undefined && given !== undefined
    ? { numPartitions: given.numPartitions, ...(given.coalesce ? { coalesce: given.coalesce } : {}) }
    : shufflePartitions(left.session, options.numPartitions, 'join');
  const n = partitioning.numPartitions;
  const side = (ds: Dataset<Row>, p: (typeof partitioned)[number]): ShuffleDependency =>
    p !== undefined && p.numPartitions === n ? p.dep : hashDependency(ds.session, ds.node, keys, n);
  const deps = [side(left as Dataset<Row>, partitioned[0]), side(right as Dataset<Row>, partitioned[1])];
  return left.derive<Row>(shuffledNode(left.session, deps, { op: 'join', keys, how }, partitioning));
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((k, i) => k === b[i]);
}
