// select: keeps the named columns, in that order (columnar, no copy).

import type { Row } from '../../kernels/rows.ts';
import type { Dataset } from '../dataset.ts';
import { narrowNode } from './narrow.ts';

/**
 * @example
 *   ratings.select('userId', 'itemId')
 */
export function select<T extends Row, K extends keyof T & string>(ds: Dataset<T>, columns: K[]): Dataset<Pick<T, K>> {
  return ds.derive<Pick<T, K>>(narrowNode(ds.session, ds.node, { op: 'select', columns }));
}
