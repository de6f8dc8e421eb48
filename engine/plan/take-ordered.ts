// take(n) on a sorted dataset is a top-n, not a sort (Spark's TakeOrderedAndProject): every partition
// of the sort's input keeps its first n rows in the sort's order and the driver merges them, so
// neither the sampling job for the range bounds nor the sort's shuffle runs.
//
//   sortBy(keys).take(10):   shuffled#5 (reduce: sort keys, range-partitioned)
//                              └─ dep shuffle 4 ── aggregate#3 ...
//   runs as:                 aggregate#3 ... with the action { takeOrdered, n: 10, keys }
//
// Same rows in the same order as sorting everything: the sort's partitions hold equal keys in
// the order of the input's partitions and rows (stable sort, blocks read in map order), and the
// top n of each partition, concatenated in partition order and cut to n by the same stable order,
// are the first n rows of that.

import type { PlanNode, SortKey } from './nodes.ts';

/** Above this n, take on a sorted dataset sorts everything: n rows per task would be a partition's worth. */
export const TAKE_ORDERED_MAX_ROWS = 100_000;

/** What take(n) on `node` runs instead of the sort: its input and the sort's keys. */
export interface TakeOrderedPlan { input: PlanNode; keys: SortKey[] }

/**
 * The top-n plan for take(n) on `node`, when `node` is a sort and n is small enough; undefined to
 * take from the sorted partitions as they are. `sortPrepared(shuffleId)` tells whether an earlier
 * job already sampled (and so ran, or is about to reuse) that sort's shuffle: then reading its
 * sorted partitions is cheaper than recomputing the input.
 *
 * @example
 *   takeOrderedPlan(ds.sortBy([{ column: 'count', ascending: false }]).node, 10, () => false); // { input: ds.node, keys }
 */
export function takeOrderedPlan(node: PlanNode, n: number, sortPrepared: (shuffleId: number) => boolean): TakeOrderedPlan | undefined {
  if (n > TAKE_ORDERED_MAX_ROWS || node.kind !== 'shuffled' || node.reduce.op !== 'sort') return undefined;
  const dep = node.deps[0];
  if (dep?.parent === undefined || sortPrepared(dep.shuffleId)) return undefined;
  return { input: dep.parent, keys: node.reduce.keys };
}
