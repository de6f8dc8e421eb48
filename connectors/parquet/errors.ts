// Errors raised by the Parquet connector. Each names the file (and row group or column) at fault
// and says how to fix it; `code` is stable so callers and tests can branch on it.

import { DataflowError } from '../../engine/errors.ts';

/** The input path (file or directory) does not exist, or a directory holds no Parquet files. */
export class ParquetNotFoundError extends DataflowError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('PARQUET_NOT_FOUND', message, options);
  }
}

/** A file is not Parquet: wrong magic bytes, truncated, or an unreadable footer. */
export class ParquetInvalidError extends DataflowError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('PARQUET_INVALID', message, options);
  }
}

/** A requested column is not in the file's schema. */
export class ParquetColumnError extends DataflowError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('PARQUET_COLUMN', message, options);
  }
}

/** Two files of one dataset disagree on a column's presence or type. */
export class ParquetSchemaMismatchError extends DataflowError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('PARQUET_SCHEMA_MISMATCH', message, options);
  }
}

/** The footer was fine but the data pages of a row group could not be decoded. */
export class ParquetCorruptError extends DataflowError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('PARQUET_CORRUPT', message, options);
  }
}

/**
 * Writing or committing output failed: output exists, another job writes it (BUSY), a dead job's
 * unfinished write is there (INCOMPLETE), missing task output, I/O.
 */
export class ParquetOutputError extends DataflowError {
  constructor(code: 'PARQUET_OUTPUT_EXISTS' | 'PARQUET_OUTPUT_BUSY' | 'PARQUET_OUTPUT_INCOMPLETE' | 'PARQUET_COMMIT', message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** A directory dataflow did not finish writing (its `_dataflow_writing` mark is there) is read without { allowIncomplete: true }. */
export class ParquetIncompleteError extends DataflowError {
  constructor(message: string) {
    super('PARQUET_INCOMPLETE', message);
  }
}

/** A `filter` given to readParquet names an unknown column, an unknown operator or a value of the wrong type. */
export class ParquetFilterError extends DataflowError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('PARQUET_FILTER', message, options);
  }
}

/** Hive-style partition folders that disagree (different column names or order), or clash with a file column. */
export class ParquetPartitionError extends DataflowError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('PARQUET_PARTITION', message, options);
  }
}
