// join: inner or left equi-join on key columns. Both sides are hash-partitioned the same way, so
// reduce partition p of the left meets reduce partition p of the right.

import type { Row } from '../../kernels/rows.ts';
import { InvalidInputError } from '../../errors.ts';
import type { Dataset } from '../dataset.ts';
import { checkKeys, hashDependency, shuffledNode, shufflePartitions } from './shuffle.ts';

/**
 * @example
 *   ratings.join(movies, ['itemId'], { how: 'left' })
 */
export function join<T extends Row, U extends Row>(
  left: Dataset<T>, right: Dataset<U>, keys: string[], options: { how?: 'inner' | 'left'; numPartitions?: number } = {},
): Dataset<Row> {
  checkKeys(keys, 'join');
  if (left.session !== right.session) throw new InvalidInputError('join: both datasets must belong to the same session');
  const how = options.how ?? 'inner';
  if (how !== 'inner' && how !== 'left') throw new InvalidInputError(`join: how must be 'inner' or 'left', got '${String(how)}'`);
  const n = shufflePartitions(left.session, options.numPartitions, [left.node, right.node], 'join');
  const deps = [hashDependency(left.session, left.node, keys, n), hashDependency(left.session, right.node, keys, n)];
  return left.derive<Row>(shuffledNode(left.session, deps, { op: 'join', keys, how }, n));
}
