// mapBatches: the columnar fast path. The function gets each Arrow record batch as a Table and
// returns a Table (or RecordBatch); no row objects are made.

import type { Table } from 'apache-arrow';
import type { Row } from '../../kernels/rows.ts';
import type { Dataset } from '../dataset.ts';
import { narrowNode } from './narrow.ts';

/**
 * @example
 *   // exported from the job module so that it can use apache-arrow's imports on executors
 *   export function addDouble(batch: Table) { ... return new Table({ ...cols, double: makeVector(d) }); }
 *   ds.mapBatches(addDouble)
 */
export function mapBatches<T extends Row, U extends Row = Row>(ds: Dataset<T>, fn: (batch: Table) => Table, captures?: Record<string, unknown>): Dataset<U> {
  return ds.derive<U>(narrowNode(ds.session, ds.node, { op: 'mapBatches', fn: ds.session.ship(fn, captures, 'mapBatches') }));
}
