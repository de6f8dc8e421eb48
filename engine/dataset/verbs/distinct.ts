// distinct: removes duplicate rows, first within each map task, then after a hash shuffle on every
// column (a hash partitioner with no key columns means "all columns", resolved by the map task).

import type { Row } from '../../kernels/rows.ts';
import type { Dataset } from '../dataset.ts';
import { hashDependency, shuffledNode, shufflePartitions } from './shuffle.ts';

/**
 * @example
 *   ratings.select('userId').distinct()
 */
export function distinct<T extends Row>(ds: Dataset<T>, options: { numPartitions?: number } = {}): Dataset<T> {
  const partitioning = shufflePartitions(ds.session, options.numPartitions, 'distinct');
  const n = partitioning.numPartitions;
  const dep = hashDependency(ds.session, ds.node, [], n, { op: 'distinct' });
  return ds.derive<T>(shuffledNode(ds.session, [dep], { op: 'distinct' }, partitioning));
}
