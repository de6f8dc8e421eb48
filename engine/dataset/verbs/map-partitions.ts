// mapPartitions: a function over all rows of a partition at once (for per-partition setup).

import type { Row } from '../../kernels/rows.ts';
import type { Dataset } from '../dataset.ts';
import { narrowNode } from './narrow.ts';

/**
 * @example
 *   ds.mapPartitions((rows) => [{ n: rows.length }])
 */
export function mapPartitions<T extends Row, U extends Row>(ds: Dataset<T>, fn: (rows: T[]) => Iterable<U>, captures?: Record<string, unknown>): Dataset<U> {
  return ds.derive<U>(narrowNode(ds.session, ds.node, { op: 'mapPartitions', fn: ds.session.ship(fn, captures, 'mapPartitions') }));
}
