// sortBy: a total order across partitions. Rows are range-partitioned on split points sampled from
// the input (a small job run before the first action, as Spark's RangePartitioner does), then each
// partition is sorted; partition i holds keys before partition i+1. Without a partition count, the
// map side writes dataflow.shuffle.maxPartitions ranges and adjacent ones are grouped by size after
// it ran: grouping contiguous ranges keeps the order.

import type { SortKey } from '../../plan/nodes.ts';
import type { Row } from '../../kernels/rows.ts';
import { InvalidInputError } from '../../errors.ts';
import type { Dataset } from '../dataset.ts';
import { shuffledNode, shufflePartitions } from './shuffle.ts';

/**
 * @example
 *   stats.sortBy([{ column: 'count', ascending: false }, { column: 'itemId', ascending: true }])
 */
export function sortBy<T extends Row>(ds: Dataset<T>, keys: Array<SortKey | string>, options: { numPartitions?: number } = {}): Dataset<T> {
  const sortKeys: SortKey[] = keys.map((k) => (typeof k === 'string' ? { column: k, ascending: true } : k));
  if (sortKeys.length === 0 || sortKeys.some((k) => typeof k.column !== 'string')) {
    throw new InvalidInputError(`sortBy: give at least one column, as a name or { column, ascending }; got ${JSON.stringify(keys)}`);
  }
  const partitioning = shufflePartitions(ds.session, options.numPartitions, 'sortBy');
  const n = partitioning.numPartitions;
  const dep = {
    shuffleId: ds.session.id(),
    parent: ds.node,
    // No bounds: the session samples them before the shuffle's first job (plans stay immutable).
    partitioner: { kind: 'range' as const, keys: sortKeys.map((k) => k.column), ascending: sortKeys.map((k) => k.ascending), numPartitions: n },
  };
  return ds.derive<T>(shuffledNode(ds.session, [dep], { op: 'sort', keys: sortKeys }, partitioning));
}
