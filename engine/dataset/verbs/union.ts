// union: the partitions of several datasets side by side (narrow: nothing moves).

import type { Row } from '../../kernels/rows.ts';
import { InvalidInputError } from '../../errors.ts';
import type { Dataset } from '../dataset.ts';

/**
 * @example
 *   train.union(extra)
 */
export function union<T extends Row>(first: Dataset<T>, others: Dataset<T>[]): Dataset<T> {
  const all = [first, ...others];
  if (all.some((d) => d.session !== first.session)) throw new InvalidInputError('union: all datasets must belong to the same session');
  const parents = all.map((d) => d.node);
  return first.derive<T>({ kind: 'union', id: first.session.id(), numPartitions: parents.reduce((s, p) => s + p.numPartitions, 0), parents });
}
