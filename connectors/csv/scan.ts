// Plans a CSV scan on the driver: resolves the input to files, reads each file's header (and a
// sample of the first file, to infer types and spot quoted newlines), checks the headers agree,
// and cuts every file into byte-range partitions (see partition.ts for the ownership rule).
// Only a few KiB per file are read here; the data is read by the tasks. Files may be local or on
// s3:// / http(s):// (read by ranges, see byte-source.ts).
//
//   planCsvScan('ratings.csv', { partitionBytes: 1 << 20 })  (2.4 MB file)
//   → schema userId: Int32, movieId: Int32, rating: Float64, timestamp: Int32
//   → partitions [0, 0.8M) [0.8M, 1.6M) [1.6M, 2.4M)

import type * as arrow from 'apache-arrow';
import { InvalidInputError } from '../../engine/errors.ts';
import type { StorageOptions } from '../storage/resolve.ts';
import { openByteSource } from './byte-source.ts';
import type { CsvColumnType } from './column-types.ts';
import { CsvHeaderError } from './errors.ts';
import { type CsvFile, listCsvFiles } from './files.ts';
import { inferColumnType } from './infer.ts';
import { type ByteSyntax, type CsvOptions, byteSyntax, resolveCsvOptions } from './options.ts';
import type { CsvPartition, CsvReadPlan } from './partition.ts';
import { csvOutputSchema } from './read.ts';
import { skipByteOrderMark, tokenizeRecord } from './tokenize.ts';

/** The plan of a CSV read. */
export interface CsvScan {
  /** The output schema (selected columns, in order). */
  schema: arrow.Schema;
  files: string[];
  partitions: CsvPartition[];
  /** What each task needs (plain data). */
  plan: CsvReadPlan;
  /** The first file's header as written (before columnNames renamed it); undefined without header. */
  headerNames: string[] | undefined;
  /** Whether files are read whole (quoted fields may span lines). */
  multiLine: boolean;
}

const SAMPLE_BYTES = 1 << 20;
const MAX_HEADER_BYTES = 16 << 20;

/**
 * Plans reading `input` (a file, a directory of files, or a list of them).
 *
 * @example
 * const scan = await planCsvScan('/data/ml-latest-small/ratings.csv', { schema: { rating: 'float32' } });
 * scan.schema.fields.map((f) => `${f.name}: ${f.type}`); // ['userId: Int32', 'movieId: Int32', 'rating: Float32', 'timestamp: Int32']
 */
export async function planCsvScan(input: string | readonly string[], options: CsvOptions = {}): Promise<CsvScan> {
  const opts = resolveCsvOptions(options);
  const syntax = byteSyntax(opts);
  const files = await listCsvFiles(input, opts.storage);
  const nonEmpty = files.filter((f) => f.size > 0);
  const first = nonEmpty[0];

  // The first file: header and sample rows.
  const sample = first ? await sampleRecords(first, syntax, opts.header, opts.inferRows, opts.storage) : { header: undefined, rows: [], quotedNewline: false };
  if (opts.header && first && sample.header === undefined) {
    throw new CsvHeaderError(`${first.file} has no header line (the file is blank, or its first record is longer than 16 MiB); pass header: false with columnNames, or fix the file`);
  }
  if (opts.header && !first && opts.columnNames === undefined) {
    throw new CsvHeaderError(`every CSV input file is empty (${files.map((f) => f.file).join(', ')}), so there is no header to name the columns; pass columnNames and schema`);
  }
  const headerNames = sample.header;
  const names = columnNames(headerNames, opts.columnNames, sample.rows, first?.file);

  // Every other file must have the same header.
  if (opts.header && headerNames) {
    for (const f of nonEmpty.slice(1)) {
      const other = (await sampleRecords(f, syntax, true, 0, opts.storage)).header;
      if (other === undefined || other.length !== headerNames.length || other.some((n, i) => n !== headerNames[i])) {
        throw new CsvHeaderError(
          `${f.file} has header (${other?.join(', ') ?? 'none'}) but ${first!.file} has (${headerNames.join(', ')}); ` +
          'all files of one CSV input must share a header: read them separately or fix the files',
        );
      }
    }
  }

  // Types: given, else inferred from the sample.
  const given = opts.schema ?? {};
  for (const column of Object.keys(given)) {
    if (!names.includes(column)) throw new InvalidInputError(`CSV option schema names column '${column}', which is not in ${first?.file ?? 'the input'}; columns: ${names.join(', ')}`);
  }
  const types: CsvColumnType[] = names.map((name, i) => given[name] ?? inferColumnType(sample.rows.map((r) => r[i])));

  // Projection.
  const select = opts.select ?? names;
  for (const column of select) {
    if (!names.includes(column)) throw new InvalidInputError(`CSV option select names column '${column}', which is not in ${first?.file ?? 'the input'}; columns: ${names.join(', ')}`);
  }
  const output = select.map((column) => names.indexOf(column));
  const plan: CsvReadPlan = {
    delimiter: opts.delimiter, quote: opts.quote, encoding: opts.encoding, header: opts.header, badRows: opts.badRows,
    fields: names.map((name, i) => ({ name, type: output.includes(i) ? types[i]! : 'skip' })),
    output,
  };
  if (opts.storage !== undefined) plan.storage = opts.storage;

  const multiLine = opts.multiLine ?? sample.quotedNewline;
  const partitions = splitFiles(nonEmpty.length > 0 ? nonEmpty : files.slice(0, 1), multiLine ? Infinity : opts.partitionBytes);
  return { schema: csvOutputSchema(plan), files: files.map((f) => f.file), partitions, plan, headerNames, multiLine };
}

/**
 * Byte ranges of about `partitionBytes` covering each file (one range per empty file).
 *
 * @example splitFiles([{ file: 'a.csv', size: 100 }], 40) // → a.csv [0, 33) [33, 66) [66, 100)
 */
export function splitFiles(files: readonly CsvFile[], partitionBytes: number): CsvPartition[] {
  const out: CsvPartition[] = [];
  for (const { file, size } of files) {
    const n = Number.isFinite(partitionBytes) ? Math.max(1, Math.ceil(size / partitionBytes)) : 1;
    for (let i = 0; i < n; i++) out.push({ file, start: Math.floor((size * i) / n), end: Math.floor((size * (i + 1)) / n) });
  }
  return out;
}

/** Names of the columns: from columnNames (renaming the header's), the header, or _c0, _c1, ... */
function columnNames(header: string[] | undefined, given: string[] | undefined, rows: string[][], file: string | undefined): string[] {
  if (given !== undefined) {
    if (header !== undefined && header.length !== given.length) {
      throw new InvalidInputError(`CSV option columnNames has ${given.length} names but the header of ${file} has ${header.length} columns (${header.join(', ')}); give one name per column`);
    }
    return given;
  }
  if (header !== undefined) {
    const names = header.map((n, i) => (n.trim() === '' ? `_c${i}` : n));
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup !== undefined) throw new CsvHeaderError(`the header of ${file} names column '${dup}' twice; pass columnNames to name the columns uniquely`);
    return names;
  }
  const width = rows[0]?.length;
  if (width === undefined) throw new InvalidInputError('the CSV input has no rows to count its columns; pass columnNames (and schema)');
  return Array.from({ length: width }, (_, i) => `_c${i}`);
}

/** The header and the first `maxRows` complete records of a file's first bytes. */
async function sampleRecords(
  f: CsvFile, syntax: ByteSyntax, header: boolean, maxRows: number, storage: StorageOptions | undefined,
): Promise<{ header: string[] | undefined; rows: string[][]; quotedNewline: boolean }> {
  for (let bytes = SAMPLE_BYTES; ; bytes *= 4) {
    const { buf, eof } = await readPrefix(f.file, Math.min(bytes, f.size), storage);
    const rows: string[][] = [];
    let quotedNewline = false;
    let headerFields: string[] | undefined;
    let p = skipByteOrderMark(buf, 0);
    let headerDone = !header;
    while (p < buf.length && (!headerDone || rows.length < maxRows)) {
      const record = tokenizeRecord(buf, p, buf.length, syntax, eof);
      if (!record.complete) break;
      quotedNewline ||= record.quotedNewline;
      p = record.next;
      if (record.fields.length === 0) continue;
      if (!headerDone) { headerFields = record.fields; headerDone = true; } else rows.push(record.fields);
    }
    if (headerDone || eof || bytes >= MAX_HEADER_BYTES) return { header: headerFields, rows, quotedNewline };
  }
}

/** The first `bytes` bytes of a file (fewer if it is shorter), and whether they reach its end. */
async function readPrefix(file: string, bytes: number, storage: StorageOptions | undefined): Promise<{ buf: Buffer; eof: boolean }> {
  const source = await openByteSource(file, storage);
  try {
    const buf = Buffer.allocUnsafe(Math.min(bytes, source.size));
    let len = 0;
    while (len < buf.length) {
      const bytesRead = await source.read(buf, len, buf.length - len, len);
      if (bytesRead === 0) break;
      len += bytesRead;
    }
    return { buf: buf.subarray(0, len), eof: len >= source.size };
  } finally {
    await source.close();
  }
}
