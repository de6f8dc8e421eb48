// The Parquet connector: plan a scan (footers only), read a partition (one row group), write a
// file, and commit a directory of part files atomically. See each module for the details.

export { planParquetScan, type ParquetScan, type ParquetPartition } from './scan.ts';
export { readParquetPartition } from './read.ts';
export { decodeDictionaries, plainSchema } from './dictionary.ts';
export {
  writeParquetFile,
  writeParquetBatches,
  DEFAULT_ROW_GROUP_SIZE,
  type ParquetCompression,
  type ParquetWriteOptions,
} from './write.ts';
export { listParquetFiles } from './files.ts';
export { readParquetFooter, type ParquetFooter, type RowGroupFooter } from './footer.ts';
export * from './errors.ts';
export {
  prepareOutputDir,
  taskAttemptPath,
  commitTask,
  commitJob,
  abortJob,
  partFileName,
  type OutputMode,
} from './commit.ts';
