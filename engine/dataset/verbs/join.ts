// join: inner or left equi-join on key columns. Both sides are hash-partitioned the same way, so
// reduce partition p of the left meets reduce partition p of the right. A side that is already
// hash-partitioned on the join keys (the output of `repartition(keys, { numPartitions })`) is not
// shuffled again: the join reads that side's shuffle files directly and only the other side moves —
// Spark's co-partitioned join. Joining a partitioned dataset repeatedly (an iterative job such as
// ALS) therefore writes its shuffle once and reuses it in every job.

import type { Row } from '../../kernels/rows.ts';
import type { ShuffleDependency } from '../../plan/nodes.ts';
import { InvalidInputError } from '../../errors.ts';
import type { Dataset } from '../dataset.ts';
import { checkKeys, hashDependency, hashPartitioning, shuffledNode, shufflePartitions } from './shuffle.ts';

/**
 * @example
 *   ratings.join(movies, ['itemId'], { how: 'left' })
 *   // co-partitioned: `blocks` is shuffled once; each iteration shuffles only `state`
 *   const blocks = ratings.repartition(['key'], { numPartitions: 8 });
 *   for (...) state = blocks.join(state, ['key'], { how: 'left' }).mapPartitionTables(step);
 */
export function join<T extends Row, U extends Row>(
  left: Dataset<T>, right: Dataset<U>, keys: string[], options: { how?: 'inner' | 'left'; numPartitions?: number } = {},
): Dataset<Row> {
  checkKeys(keys, 'join');
  if (left.session !== right.session) throw new InvalidInputError('join: both datasets must belong to the same session');
  const how = options.how ?? 'inner';
  if (how !== 'inner' && how !== 'left') throw new InvalidInputError(`join: how must be 'inner' or 'left', got '${String(how)}'`);
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
