// aggregateByKey: built-in aggregations per key on typed arrays, with map-side combine: each map
// task shuffles one partial state per key it saw, not its rows.

import type { Aggregations } from '../../kernels/aggregate.ts';
import type { Row } from '../../kernels/rows.ts';
import type { Dataset } from '../dataset.ts';
import { checkKeys, hashDependency, shuffledNode, shufflePartitions } from './shuffle.ts';

/**
 * @example
 *   ratings.aggregateByKey(['itemId'], { n: count(), avg: mean('rating') })
 */
export function aggregateByKey<T extends Row>(ds: Dataset<T>, keys: string[], aggs: Aggregations, options: { numPartitions?: number } = {}): Dataset<Row> {
  checkKeys(keys, 'aggregateByKey');
  const partitioning = shufflePartitions(ds.session, options.numPartitions, 'aggregateByKey');
  const n = partitioning.numPartitions;
  const dep = hashDependency(ds.session, ds.node, keys, n, { op: 'partialAggregate', keys, aggs });
  return ds.derive<Row>(shuffledNode(ds.session, [dep], { op: 'mergeAggregate', keys, aggs }, partitioning));
}
