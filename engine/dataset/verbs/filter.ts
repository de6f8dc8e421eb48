// filter: keeps the rows for which a shipped predicate returns a truthy value.

import type { Row } from '../../kernels/rows.ts';
import type { Dataset } from '../dataset.ts';
import { narrowNode } from './narrow.ts';

/**
 * @example
 *   ds.filter((r) => r.rating >= min, { min: 4 })
 */
export function filter<T extends Row>(ds: Dataset<T>, fn: (row: T) => unknown, captures?: Record<string, unknown>): Dataset<T> {
  return ds.derive<T>(narrowNode(ds.session, ds.node, { op: 'filter', fn: ds.session.ship(fn, captures, 'filter') }));
}
