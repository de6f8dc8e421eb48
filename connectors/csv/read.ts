// Reads one CSV partition (a byte range of a file, see partition.ts) into Arrow record batches,
// streaming: the range is read in chunks (a file handle locally, ranged GETs on s3:// and
// http(s)://, see byte-source.ts), so neither the file nor the range needs to fit in memory; only
// the current chunk and the rows of the current batch do.
//
//   chunk bytes  [carry from last chunk | new bytes ....... last LF | tail]
//                 └──────── parsed now ──────────────────────────┘   └ carried to the next chunk
//
// The parser is given bytes ending at the chunk's last line feed; a record cut by the chunk end
// (or a quoted field holding a newline) is carried over and parsed with the next chunk.

import * as arrow from 'apache-arrow';
import { openByteSource } from './byte-source.ts';
import { arrowSchemaOf } from './column-types.ts';
import type { CsvColumnType } from './column-types.ts';
import { CsvBadRowError } from './errors.ts';
import { lineNumberAt } from './line-number.ts';
import { byteSyntax } from './options.ts';
import type { ByteSyntax } from './options.ts';
import { type BadRecord, CsvRecordParser } from './parser.ts';
import type { CsvPartition, CsvReadPlan } from './partition.ts';
import { skipByteOrderMark, tokenizeRecord } from './tokenize.ts';

const LF = 10;
const DEFAULT_CHUNK_BYTES = 4 << 20;

/** What reading some partitions found: rows returned, rows skipped (badRows: 'skip'). */
export interface CsvReadStats {
  rows: number;
  skippedRows: number;
  /** `file:line: reason` of the first skipped row. */
  firstSkipped?: string;
}

export interface CsvReadOptions {
  /** Rows per record batch (default: the whole partition in one batch). */
  batchRows?: number;
  /** Bytes read per I/O call. Default 4 MiB. */
  chunkBytes?: number;
  /** Counters to add this partition's figures to. */
  stats?: CsvReadStats;
}

/** Fresh counters. */
export function emptyCsvStats(): CsvReadStats {
  return { rows: 0, skippedRows: 0 };
}

/** The Arrow schema of a plan's output columns. */
export function csvOutputSchema(plan: CsvReadPlan): arrow.Schema {
  return arrowSchemaOf(plan.output.map((i) => plan.fields[i] as { name: string; type: CsvColumnType }));
}

/**
 * Streams the rows of partition `part` as record batches of at most `batchRows` rows; at least one
 * batch (maybe empty, with the schema) is yielded.
 *
 * @example
 * for await (const batch of readCsvBatches(scan.partitions[0], scan.plan, { batchRows: 1_000_000 })) write(batch);
 */
export async function* readCsvBatches(part: CsvPartition, plan: CsvReadPlan, options: CsvReadOptions = {}): AsyncGenerator<arrow.RecordBatch> {
  const batchRows = options.batchRows ?? Infinity;
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const stats = options.stats ?? emptyCsvStats();
  const syntax = byteSyntax(plan);
  const schema = csvOutputSchema(plan);
  const parser = new CsvRecordParser(plan.fields.map((f) => f.type), syntax);
  let yielded = 0;
  const batch = (): arrow.RecordBatch => {
    const { rows, columns } = parser.takeColumns();
    stats.rows += rows;
    yielded++;
    const children = plan.output.map((i) => columns[i]!.finish(rows));
    return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: rows, nullCount: 0, children }));
  };

  const source = await openByteSource(part.file, plan.storage);
  try {
    // Where to start: a partition at byte 0 starts there (after a byte order mark and the header);
    // any other starts after the first line feed at or after start - 1.
    let phase: 'seek' | 'header' | 'rows' = part.start > 0 ? 'seek' : plan.header ? 'header' : 'rows';
    let readPos = part.start > 0 ? part.start - 1 : 0;
    let carry = Buffer.alloc(0);
    let carryStart = readPos;
    for (let finished = false; !finished;) {
      const buf = Buffer.allocUnsafe(carry.length + chunkBytes + 1);
      carry.copy(buf, 0);
      let len = carry.length;
      const dataStart = carryStart;
      let eof = false;
      while (len < carry.length + chunkBytes) {
        const bytesRead = await source.read(buf, len, carry.length + chunkBytes - len, readPos);
        if (bytesRead === 0) { eof = true; break; }
        len += bytesRead;
        readPos += bytesRead;
      }
      let windowEnd: number;
      if (eof) {
        if (len > 0 && buf[len - 1] !== LF) buf[len++] = LF; // the parser wants bytes that end a line
        windowEnd = len;
      } else {
        windowEnd = buf.lastIndexOf(LF, len - 1) + 1;
        if (windowEnd === 0) { carry = buf.subarray(0, len); continue; } // no line end yet: read more
      }
      const data = buf.subarray(0, len);
      const window = data.subarray(0, windowEnd);
      let p = 0;
      if (phase === 'seek') {
        p = window.indexOf(LF) + 1;
        if (p === 0) break; // empty window at end of file: nothing starts in this range
        phase = 'rows';
      }
      if (phase === 'header') {
        p = skipByteOrderMark(window, 0);
        let header = tokenizeRecord(window, p, windowEnd, syntax, eof);
        while (header.complete && header.fields.length === 0 && header.next < windowEnd) {
          p = header.next;
          header = tokenizeRecord(window, p, windowEnd, syntax, eof);
        }
        if (!header.complete) { carry = data; carryStart = dataStart; continue; }
        p = header.next;
        phase = 'rows';
      }
      if (phase === 'rows') {
        if (dataStart + p === 0) p = skipByteOrderMark(window, 0); // a headerless file may still start with one
        const limit = part.end - dataStart;
        for (;;) {
          const out = parser.parse(window, p, limit, eof, batchRows);
          p = out.next;
          if (out.status === 'full') { yield batch(); continue; }
          if (out.status === 'limit') { finished = true; break; }
          if (out.status === 'more') break;
          if (out.status === 'done') { finished = eof; break; }
          // A bad record: fail, or skip past it and count it.
          const bad = parser.bad!;
          if (plan.badRows === 'error') throw await badRowError(part, plan, syntax, window, dataStart, bad, eof);
          const record = tokenizeRecord(window, bad.recordStart, windowEnd, syntax, eof);
          if (!record.complete) break; // the bad record continues in the next chunk: carry it
          stats.skippedRows++;
          if (stats.firstSkipped === undefined) {
            stats.firstSkipped = (await badRowError(part, plan, syntax, window, dataStart, bad, eof)).message;
          }
          p = record.next;
        }
        carry = data.subarray(p);
        carryStart = dataStart + p;
        if (eof) finished = true;
      }
    }
    if (parser.rows > 0 || yielded === 0) yield batch();
  } finally {
    await source.close();
  }
}

/**
 * The whole partition as one Arrow table (the engine's unit of a partition), plus its statistics.
 *
 * @example const { table, stats } = await readCsvPartition(scan.partitions[2], scan.plan);
 */
export async function readCsvPartition(part: CsvPartition, plan: CsvReadPlan): Promise<{ table: arrow.Table; stats: CsvReadStats }> {
  const stats = emptyCsvStats();
  const batches: arrow.RecordBatch[] = [];
  for await (const b of readCsvBatches(part, plan, { stats })) batches.push(b);
  return { table: new arrow.Table(csvOutputSchema(plan), batches), stats };
}

/**
 * The engine's source reader (task-runner readSource): the partition as a table; skipped bad rows
 * are reported once per partition on stderr, with the first one's file:line and reason.
 */
export async function readCsvPartitionTable(part: CsvPartition, plan: CsvReadPlan): Promise<arrow.Table> {
  const { table, stats } = await readCsvPartition(part, plan);
  if (stats.skippedRows > 0) {
    process.stderr.write(
      `dataflow: skipped ${stats.skippedRows} bad row${stats.skippedRows === 1 ? '' : 's'} in ${part.file} bytes ${part.start}-${part.end} (badRows: 'skip'); first: ${stats.firstSkipped}\n`,
    );
  }
  return table;
}

/** The error for a bad record: file:line, the column, the value, and how to fix it. */
async function badRowError(
  part: CsvPartition, plan: CsvReadPlan, syntax: ByteSyntax, window: Buffer, dataStart: number, bad: BadRecord, eof: boolean,
): Promise<CsvBadRowError> {
  const line = await lineNumberAt(part.file, dataStart + bad.fieldStart, plan.storage);
  const where = `${part.file}:${line}`;
  const field = plan.fields[bad.field];
  const column = field ? `column '${field.name}' (field ${bad.field + 1})` : '';
  const skip = "pass badRows: 'skip' to skip and count such rows";
  let message: string;
  switch (bad.problem) {
    case 'too-few-fields': case 'too-many-fields': {
      const found = tokenizeRecord(window, bad.recordStart, window.length, syntax, eof).fields.length;
      const names = plan.fields.map((f) => f.name);
      const multiLine = part.start > 0 && plan.quote !== null ? '; if quoted fields of this file span lines, pass multiLine: true' : '';
      message = `${where}: the row has ${found} field${found === 1 ? '' : 's'} but ${names.length} are expected (${names.join(', ')}); fix the row or ${skip}${multiLine}`;
      break;
    }
    case 'value':
      message = `${where}: ${column} has value ${JSON.stringify(bad.text)}, which is not a valid ${field?.type}; fix the value, declare the column with another type in schema (e.g. 'utf8'), or ${skip}`;
      break;
    case 'unterminated-quote':
      message = `${where}: the quoted field of ${column} is never closed (the file ends inside it); close the quote or ${skip}`;
      break;
    case 'after-quote':
      message = `${where}: ${column} has characters after its closing quote; a quote inside a quoted field is written "" — fix the row or ${skip}`;
      break;
  }
  return new CsvBadRowError(part.file, line, field?.name, message);
}
