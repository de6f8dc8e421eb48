// flatMap: zero or more output rows per input row.

import type { Row } from '../../kernels/rows.ts';
import type { Dataset } from '../dataset.ts';
import { narrowNode } from './narrow.ts';

/**
 * @example
 *   lines.flatMap((r) => r.text.split(' ').map((word) => ({ word })))
 */
export function flatMap<T extends Row, U extends Row>(ds: Dataset<T>, fn: (row: T) => Iterable<U>, captures?: Record<string, unknown>): Dataset<U> {
  return ds.derive<U>(narrowNode(ds.session, ds.node, { op: 'flatMap', fn: ds.session.ship(fn, captures, 'flatMap') }));
}
