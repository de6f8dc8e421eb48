// map: one output row per input row, computed by a function shipped to the executors.

import type { Row } from '../../kernels/rows.ts';
import type { Dataset } from '../dataset.ts';
import { narrowNode } from './narrow.ts';

/**
 * @example
 *   ds.map((r) => ({ user: r.userId, scaled: r.rating * factor }), { factor })
 */
export function map<T extends Row, U extends Row>(ds: Dataset<T>, fn: (row: T) => U, captures?: Record<string, unknown>): Dataset<U> {
  return ds.derive<U>(narrowNode(ds.session, ds.node, { op: 'map', fn: ds.session.ship(fn, captures, 'map') }));
}
