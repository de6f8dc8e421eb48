// The Parquet connector: plan a scan (footers only; globs, Hive folders, pruning by statistics),
// read a partition (one row group, filtered), write a file or Hive-partitioned folders, and commit
// a directory of part files atomically. See each module for the details.

export { planParquetScan, type ParquetScan, type ParquetPartition, type ParquetReadOptions, type ParquetScanOptions } from './scan.ts';
export { readParquetPartition, onParquetPartitionRead } from './read.ts';
export { type ParquetFilter, type ParquetPredicate, checkFilter, mayMatch } from './predicate.ts';
export { applyFilter } from './row-filter.ts';
export { discoverPartitions, partitionFolder, HIVE_NULL, type PartitionColumn, type PartitionValue } from './hive.ts';
export { expandGlob } from './glob.ts';
export { writeTaskOutput } from './task-output.ts';
export { canonicalSchema, canonicalTable } from './decimal.ts';
export { decodeDictionaries, plainSchema } from './dictionary.ts';
export {
  writeParquetFile,
  writeParquetBatches,
  DEFAULT_ROW_GROUP_SIZE,
  type ParquetCompression,
  type ParquetWriteOptions,
} from './write.ts';
export { listParquetFiles, resolveParquetInput, type ResolveOptions } from './files.ts';
export { WRITING_MARKER, currentWriter, type OutputWriter } from './output-lock.ts';
export { readParquetFooter, type ParquetFooter, type RowGroupFooter } from './footer.ts';
export * from './errors.ts';
export {
  prepareOutputDir,
  taskAttemptPath,
  taskAttemptDir,
  commitTask,
  commitJob,
  abortJob,
  abortTask,
  partFileName,
  type CommitJobOptions,
  type OutputMode,
} from './commit.ts';
