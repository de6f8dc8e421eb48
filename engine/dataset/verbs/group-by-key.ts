// groupByKey: one row per key with all its rows in a `values` list column. No map-side combine is
// possible, so prefer aggregateByKey or reduceByKey when a summary is all you need. A partition
// larger than the task's memory is grouped on disk; one group is held whole (the API returns it as
// one row), up to `maxGroupBytes`, past which the job fails naming the key and its size.

import { parseSize } from '../../config.ts';
import { InvalidInputError } from '../../errors.ts';
import type { Row } from '../../kernels/rows.ts';
import type { Dataset } from '../dataset.ts';
import { checkKeys, hashDependency, shuffledNode, shufflePartitions } from './shuffle.ts';

export interface GroupByKeyOptions {
  numPartitions?: number;
  /**
   * The most bytes of rows one key's group may hold (a number, or a size such as '256m').
   * Default: the task's memory share (dataflow.executor.memory × 0.6 / executor cores).
   */
  maxGroupBytes?: number | string;
}

/**
 * @example
 *   ratings.groupByKey(['userId'])   // rows like { userId: 7, values: [{ itemId, rating }, ...] }
 *   clicks.groupByKey(['page'], { maxGroupBytes: '512m' })  // a hot page's clicks may fill 512 MB
 */
export function groupByKey<T extends Row>(ds: Dataset<T>, keys: string[], options: GroupByKeyOptions = {}): Dataset<Row> {
  checkKeys(keys, 'groupByKey');
  const maxGroupBytes = groupLimit(options.maxGroupBytes);
  const partitioning = shufflePartitions(ds.session, options.numPartitions, 'groupByKey');
  const n = partitioning.numPartitions;
  const dep = hashDependency(ds.session, ds.node, keys, n);
  return ds.derive<Row>(shuffledNode(ds.session, [dep], { op: 'groupRows', keys, ...(maxGroupBytes === undefined ? {} : { maxGroupBytes }) }, partitioning));
}

function groupLimit(value: number | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return parseSize(value, 'groupByKey option maxGroupBytes');
  if (!Number.isFinite(value) || value < 1) {
    throw new InvalidInputError(`groupByKey option maxGroupBytes ${value} is not a positive number of bytes (e.g. 268435456, or '256m')`);
  }
  return Math.floor(value);
}
