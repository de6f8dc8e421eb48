// repartition: moves rows so that equal keys land in the same partition (hash of the key columns).
// The result knows its partitioning: joining it on the same keys reuses this shuffle (verbs/join.ts).

import type { Row } from '../../kernels/rows.ts';
import type { Dataset } from '../dataset.ts';
import { checkKeys, hashDependency, shuffledNode, shufflePartitions } from './shuffle.ts';

/**
 * @example
 *   ratings.repartition(['userId'], { numPartitions: 8 })
 *   // co-partitioned with it: only `other` is shuffled
 *   ratings.repartition(['userId'], { numPartitions: 8 }).join(other, ['userId'])
 */
export function repartition<T extends Row>(ds: Dataset<T>, keys: string[], options: { numPartitions?: number } = {}): Dataset<T> {
  const partitioning = shufflePartitions(ds.session, options.numPartitions, 'repartition');
  const n = partitioning.numPartitions;
  const dep = hashDependency(ds.session, ds.node, checkKeys(keys, 'repartition'), n);
  return ds.derive<T>(shuffledNode(ds.session, [dep], { op: 'concat' }, partitioning));
}
