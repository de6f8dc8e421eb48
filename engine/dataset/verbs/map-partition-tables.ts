// mapPartitionTables: the per-partition columnar verb. The function gets a whole partition as one
// Arrow Table (all its record batches) and returns one Table; mapBatches, by contrast, is called
// once per record batch. Use it when a partition is a unit of work (a block of ALS, a CSR slice).

import type { Table } from 'apache-arrow';
import type { Row } from '../../kernels/rows.ts';
import type { Dataset } from '../dataset.ts';
import { narrowNode } from './narrow.ts';

/**
 * Called once per partition, also for a partition with no rows (its table has the columns); only
 * an empty partition whose schema is unknown (no columns) is passed over and stays empty.
 *
 * @example
 *   // one output row per partition: its row count, computed on the columns
 *   ds.mapPartitionTables((t) => tableFromArrays({ rows: Int32Array.of(t.numRows) }), { tableFromArrays })
 */
export function mapPartitionTables<T extends Row, U extends Row = Row>(ds: Dataset<T>, fn: (partition: Table) => Table, captures?: Record<string, unknown>): Dataset<U> {
  return ds.derive<U>(narrowNode(ds.session, ds.node, { op: 'mapPartitionTables', fn: ds.session.ship(fn, captures, 'mapPartitionTables') }));
}
