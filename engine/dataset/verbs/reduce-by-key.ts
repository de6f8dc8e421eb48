// reduceByKey: merges the value columns of rows with equal keys with a user function, applied
// map-side first (combine) and again after the shuffle. The function must be associative.

import type { Row } from '../../kernels/rows.ts';
import type { Dataset } from '../dataset.ts';
import { checkKeys, hashDependency, shuffledNode, shufflePartitions } from './shuffle.ts';

/**
 * @example
 *   ratings.select('itemId', 'rating').reduceByKey(['itemId'], (a, b) => ({ rating: Math.max(a.rating, b.rating) }))
 */
export function reduceByKey<T extends Row>(
  ds: Dataset<T>, keys: string[], fn: (a: Row, b: Row) => Row, captures?: Record<string, unknown>, options: { numPartitions?: number } = {},
): Dataset<Row> {
  checkKeys(keys, 'reduceByKey');
  const shipped = ds.session.ship(fn, captures, 'reduceByKey');
  const partitioning = shufflePartitions(ds.session, options.numPartitions, 'reduceByKey');
  const n = partitioning.numPartitions;
  const dep = hashDependency(ds.session, ds.node, keys, n, { op: 'reduceRows', keys, fn: shipped });
  return ds.derive<Row>(shuffledNode(ds.session, [dep], { op: 'reduceRows', keys, fn: shipped }, partitioning));
}
