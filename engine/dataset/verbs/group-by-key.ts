// groupByKey: one row per key with all its rows in a `values` list column. No map-side combine is
// possible, so prefer aggregateByKey or reduceByKey when a summary is all you need.

import type { Row } from '../../kernels/rows.ts';
import type { Dataset } from '../dataset.ts';
import { checkKeys, hashDependency, shuffledNode, shufflePartitions } from './shuffle.ts';

/**
 * @example
 *   ratings.groupByKey(['userId'])   // rows like { userId: 7, values: [{ itemId, rating }, ...] }
 */
export function groupByKey<T extends Row>(ds: Dataset<T>, keys: string[], options: { numPartitions?: number } = {}): Dataset<Row> {
  checkKeys(keys, 'groupByKey');
  const n = shufflePartitions(ds.session, options.numPartitions, [ds.node], 'groupByKey');
  const dep = hashDependency(ds.session, ds.node, keys, n);
  return ds.derive<Row>(shuffledNode(ds.session, [dep], { op: 'groupRows', keys }, n));
}
