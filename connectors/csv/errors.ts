// Errors raised by the CSV connector. Each names the file (and line, column and value) at fault
// and says how to fix it; `code` is stable so callers and tests can branch on it.

import { DataflowError } from '../../engine/errors.ts';

/** The input path does not exist, or a directory holds no data files. */
export class CsvNotFoundError extends DataflowError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CSV_NOT_FOUND', message, options);
  }
}

/** A file has no header where one is expected, or its header differs from the first file's. */
export class CsvHeaderError extends DataflowError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CSV_HEADER', message, options);
  }
}

/**
 * A row cannot be read: wrong number of fields, a value that does not parse as its column's type,
 * or an unterminated quote. `line` is 1-based, counted as an editor counts lines.
 */
export class CsvBadRowError extends DataflowError {
  readonly file: string;
  readonly line: number;
  readonly column: string | undefined;
  constructor(file: string, line: number, column: string | undefined, message: string) {
    super('CSV_BAD_ROW', message);
    this.file = file;
    this.line = line;
    this.column = column;
  }
}
