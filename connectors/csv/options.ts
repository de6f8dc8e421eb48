// What a caller can ask of the CSV reader (CsvOptions), checked once on the driver, and the byte
// syntax the tokenizer and parser work with. Every option error names the option and the fix.

import { InvalidInputError } from '../../engine/errors.ts';
import { shippableStorageOptions } from '../storage/shipping.ts';
import { CSV_COLUMN_TYPES, type CsvColumnType } from './column-types.ts';
import type { StorageOptions } from '../storage/resolve.ts';

export interface CsvOptions {
  /** Field separator, one or more characters: ',' (default), '\t', '|', '::' (MovieLens 1M). */
  delimiter?: string;
  /** Quote character around fields that hold delimiters, newlines or quotes ('""' is an escaped quote). Default '"'; null disables quoting. */
  quote?: string | null;
  /** Whether the first line of each file names the columns. Default true. */
  header?: boolean;
  /** Column names: required without a header (else `_c0`, `_c1`, ...), or to rename the header's columns. */
  columnNames?: string[];
  /** Types of some or all columns, by name; the others are inferred from a sample of the first file. */
  schema?: Record<string, CsvColumnType>;
  /** Columns to return, in this order (the others are skipped while parsing). Default: all. */
  select?: string[];
  /** Text encoding of the files. Default 'utf8'; 'latin1' is transcoded to UTF-8 strings. */
  encoding?: 'utf8' | 'latin1';
  /** A row with the wrong number of fields or an unparsable value: fail (default) or skip and count it. */
  badRows?: 'error' | 'skip';
  /**
   * Whether quoted fields may span lines across the whole file. Files are split into byte ranges at
   * line starts, which is only correct when no quoted field holds a newline; true reads each file
   * as one partition. Default: true for a file whose sample contains a quoted newline, else false.
   */
  multiLine?: boolean;
  /** Target bytes per partition (each file is split into ranges of about this size). Default 64 MiB. */
  partitionBytes?: number;
  /** Rows sampled from the first file to infer column types. Default 10,000. */
  inferRows?: number;
  /**
   * Options of the storage backend, e.g. `{ endpoint: 'http://127.0.0.1:9000' }` for files on an
   * S3-compatible server. They travel with the plan to the executors, so no credentials: those
   * come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).
   */
  storage?: StorageOptions;
}

/** The textual syntax of a file: what separates fields, what quotes them, how bytes become text. */
export interface CsvSyntax {
  delimiter: string;
  quote: string | null;
  encoding: 'utf8' | 'latin1';
}

/** CsvSyntax as bytes, for the tokenizer and the parser. `quote` is -1 when quoting is off. */
export interface ByteSyntax {
  delimiter: Uint8Array;
  quote: number;
  latin1: boolean;
}

export const DEFAULT_PARTITION_BYTES = 64 * 1024 * 1024;
export const DEFAULT_INFER_ROWS = 10_000;

const KNOWN_OPTIONS = new Set([
  'delimiter', 'quote', 'header', 'columnNames', 'schema', 'select', 'encoding', 'badRows', 'multiLine', 'partitionBytes', 'inferRows', 'storage',
]);

/** Checks every option and fills in the defaults. */
export function resolveCsvOptions(options: CsvOptions): Required<Omit<CsvOptions, 'columnNames' | 'schema' | 'select' | 'multiLine' | 'storage'>> &
  Pick<CsvOptions, 'columnNames' | 'schema' | 'select' | 'multiLine' | 'storage'> {
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) throw new InvalidInputError(`unknown CSV option '${key}'; known options: ${[...KNOWN_OPTIONS].join(', ')}`);
  }
  const delimiter = options.delimiter ?? ',';
  const quote = options.quote === undefined ? '"' : options.quote;
  if (typeof delimiter !== 'string' || delimiter.length === 0 || /[\r\n]/.test(delimiter)) {
    throw new InvalidInputError(`CSV option delimiter must be a non-empty string without newlines, got ${JSON.stringify(delimiter)}`);
  }
  if (quote !== null && (typeof quote !== 'string' || quote.length !== 1 || quote.charCodeAt(0) > 0x7f || /[\r\n]/.test(quote))) {
    throw new InvalidInputError(`CSV option quote must be one ASCII character or null (no quoting), got ${JSON.stringify(quote)}`);
  }
  if (quote !== null && delimiter.includes(quote)) {
    throw new InvalidInputError(`CSV option delimiter ${JSON.stringify(delimiter)} contains the quote character ${JSON.stringify(quote)}; set quote: null or another quote`);
  }
  const encoding = options.encoding ?? 'utf8';
  if (encoding !== 'utf8' && encoding !== 'latin1') throw new InvalidInputError(`CSV option encoding must be 'utf8' or 'latin1', got ${JSON.stringify(encoding)}`);
  const badRows = options.badRows ?? 'error';
  if (badRows !== 'error' && badRows !== 'skip') throw new InvalidInputError(`CSV option badRows must be 'error' or 'skip', got ${JSON.stringify(badRows)}`);
  const partitionBytes = options.partitionBytes ?? DEFAULT_PARTITION_BYTES;
  if (!Number.isInteger(partitionBytes) || partitionBytes < 1) {
    throw new InvalidInputError(`CSV option partitionBytes must be a positive integer, got ${partitionBytes}`);
  }
  const inferRows = options.inferRows ?? DEFAULT_INFER_ROWS;
  if (!Number.isInteger(inferRows) || inferRows < 1) throw new InvalidInputError(`CSV option inferRows must be a positive integer, got ${inferRows}`);
  for (const [column, type] of Object.entries(options.schema ?? {})) {
    if (!CSV_COLUMN_TYPES.includes(type)) {
      throw new InvalidInputError(`CSV option schema: column '${column}' has type ${JSON.stringify(type)}; use one of ${CSV_COLUMN_TYPES.join(', ')}`);
    }
  }
  for (const [option, names] of [['columnNames', options.columnNames], ['select', options.select]] as const) {
    if (names === undefined) continue;
    if (!Array.isArray(names) || names.length === 0 || names.some((n) => typeof n !== 'string' || n.length === 0)) {
      throw new InvalidInputError(`CSV option ${option} must be a non-empty array of non-empty column names`);
    }
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup !== undefined) throw new InvalidInputError(`CSV option ${option} names column '${dup}' twice; list each column once`);
  }
  return {
    delimiter, quote, header: options.header ?? true, encoding, badRows, partitionBytes, inferRows,
    columnNames: options.columnNames, schema: options.schema, select: options.select, multiLine: options.multiLine,
    storage: shippableStorageOptions(options.storage, 'readCsv'),
  };
}

/** The byte form of a syntax (the delimiter in the file's encoding). */
export function byteSyntax(syntax: CsvSyntax): ByteSyntax {
  return {
    delimiter: new Uint8Array(Buffer.from(syntax.delimiter, syntax.encoding)),
    quote: syntax.quote === null ? -1 : syntax.quote.charCodeAt(0),
    latin1: syntax.encoding === 'latin1',
  };
}
