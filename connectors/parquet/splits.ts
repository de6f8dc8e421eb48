// Cuts a Parquet scan's row groups into read tasks: consecutive row groups of one file, packed up to
// a target of bytes to decode (the compressed chunks of the columns read), as Spark packs file
// splits up to spark.sql.files.maxPartitionBytes. A row group is never split; one larger than the
// target is a task of its own. The cut depends on the files and the columns only, never on the
// executors, so a job reads the same partitions on local, local[N] and a cluster.
//
//   row groups of a.parquet: 10, 10, 10, 30 MB; b.parquet: 5 MB; target 24 MB
//   -> [a#0, a#1], [a#2], [a#3], [b#0]

import type { ParquetPartition } from './scan.ts';
import { InvalidInputError } from '../../engine/errors.ts';

/**
 * Bytes of column chunks one read task aims at: big enough that a task's fixed costs (scheduling,
 * a shuffle output and the blocks reducers fetch from it) are small beside its decoding, small
 * enough that 20M ratings still make a dozen tasks for two cores to share.
 */
export const DEFAULT_PARQUET_PARTITION_BYTES = 8 * 1024 * 1024;

/**
 * Packs `rowGroups` (in scan order) into read tasks of consecutive row groups of one file, each
 * up to `targetBytes` of `bytes` (one entry per row group) unless a single group is larger.
 *
 * @example
 * packRowGroups(groups, [10, 10, 10, 30], 24); // [[g0, g1], [g2], [g3]]
 */
export function packRowGroups(rowGroups: readonly ParquetPartition[], bytes: readonly number[], targetBytes: number): ParquetPartition[][] {
  if (!Number.isInteger(targetBytes) || targetBytes < 1) {
    throw new InvalidInputError(`readParquet option partitionBytes must be a positive integer, got ${targetBytes}`);
  }
  const tasks: ParquetPartition[][] = [];
  let current: ParquetPartition[] = [];
  let size = 0;
  rowGroups.forEach((group, i) => {
    const b = bytes[i] ?? 0;
    const previous = current[current.length - 1];
    const adjacent = previous !== undefined && previous.file === group.file && previous.rowGroup + 1 === group.rowGroup;
    if (current.length > 0 && (!adjacent || size + b > targetBytes)) {
      tasks.push(current);
      current = [];
      size = 0;
    }
    current.push(group);
    size += b;
  });
  if (current.length > 0) tasks.push(current);
  return tasks;
}
