// The CSV connector: plan a scan (headers, types, byte-range partitions), read a partition into
// typed Arrow columns, and convert CSV to Parquet. See each module for the details.

export { planCsvScan, splitFiles, type CsvScan } from './scan.ts';
export { readCsvBatches, readCsvPartition, readCsvPartitionTable, csvOutputSchema, emptyCsvStats, type CsvReadStats, type CsvReadOptions } from './read.ts';
export type { CsvPartition, CsvReadPlan } from './partition.ts';
export type { CsvOptions, CsvSyntax } from './options.ts';
export type { CsvColumnType } from './column-types.ts';
export { inferColumnType } from './infer.ts';
export { tokenizeAll, tokenizeRecord } from './tokenize.ts';
export { listCsvFiles } from './files.ts';
export * from './errors.ts';
