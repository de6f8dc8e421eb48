// Reads one partition (a row group of a file) into an Arrow table: only that row group's bytes are
// read from disk, its columns decoded, projected in the order asked for, dictionaries decoded.
//
// How bytes reach the decoder: parquet-wasm's synchronous reader wants the whole file as one
// buffer, with pages at their file offsets. We hand it a "sparse" copy instead:
//
//   file:    PAR1 | rg0 ......... | rg1 ......... | rg2 ... | footer
//   buffer:  0000 | 0000 (zeros)  | rg1 (read)    | footer           <- reading row group 1
//
// The buffer ends right after the row group we need (offsets of later groups point past its end,
// which is fine because they are never touched). Disk I/O is the row group plus the footer; the
// price is a zero-filled prefix that is copied into wasm memory (a memcpy, no disk reads), and wasm
// memory sized like the file up to that row group. We do not use parquet-wasm's async byte-range
// reader: its 0.8 release turns corrupt data into an uncatchable panic (see wasm.ts).
//
// Projection happens after decoding (the sync reader ignores its `columns` option in 0.8), so a
// projected read saves memory downstream but not decode time.

import { open } from 'node:fs/promises';
import type * as arrow from 'apache-arrow';
import { decodeDictionaries, plainSchema } from './dictionary.ts';
import { ParquetCorruptError } from './errors.ts';
import { readParquetFooter } from './footer.ts';
import { type ParquetPartition, validateColumns } from './scan.ts';
import { decodeParquetBytes } from './wasm.ts';

/**
 * Reads the row group `part` points at, with `columns` (all when omitted) in that order.
 * Dictionary-encoded columns come back as plain columns (Utf8 for strings). One record batch.
 *
 * @example
 * const scan = await planParquetScan('/data/ratings');
 * const table = await readParquetPartition(scan.partitions[3], ['userId', 'itemId', 'rating']);
 */
export async function readParquetPartition(part: ParquetPartition, columns?: string[]): Promise<arrow.Table> {
  const footer = await readParquetFooter(part.file);
  const where = `${part.file} row group ${part.rowGroup}`;
  const group = footer.rowGroups[part.rowGroup];
  if (group === undefined || group.numRows !== part.numRows) {
    const found = group === undefined ? `the file has ${footer.rowGroups.length} row groups` : `it has ${group.numRows} rows`;
    throw new ParquetCorruptError(`${where} was planned with ${part.numRows} rows but ${found}; the file changed after planning, re-run the job`);
  }
  const schema = plainSchema(footer.schema);
  const wanted = columns ?? schema.fields.map((f) => f.name);
  validateColumns(wanted, schema, part.file);

  const bytes = await readSparse(part.file, group.start, group.end, footer.tail);
  let table: arrow.Table;
  try {
    table = decodeParquetBytes(bytes, [part.rowGroup], group.numRows);
  } catch (err) {
    const reason =
      err instanceof WebAssembly.RuntimeError
        ? `the decoder aborted (wasm ${err.message})`
        : err instanceof Error
          ? err.message
          : String(err);
    throw new ParquetCorruptError(`${where} cannot be decoded: ${reason}; the file is corrupt or was modified after planning`, { cause: err });
  }
  if (table.numRows !== group.numRows) {
    throw new ParquetCorruptError(`${where} decoded to ${table.numRows} rows but its footer says ${group.numRows}; the file is corrupt`);
  }
  const indices = wanted.map((name) => table.schema.fields.findIndex((f) => f.name === name));
  return decodeDictionaries(table.selectAt(indices));
}

/** A buffer of length `end + tail.length` holding file bytes [start, end) in place, then the footer. */
async function readSparse(file: string, start: number, end: number, tail: Uint8Array): Promise<Uint8Array> {
  const bytes = new Uint8Array(end + tail.length);
  const handle = await open(file, 'r');
  try {
    let pos = start;
    while (pos < end) {
      const { bytesRead } = await handle.read(bytes, pos, end - pos, pos);
      if (bytesRead === 0) throw new ParquetCorruptError(`${file} ended at byte ${pos} while reading a row group that ends at ${end}; the file was truncated`);
      pos += bytesRead;
    }
  } finally {
    await handle.close();
  }
  bytes.set(tail, end);
  return bytes;
}
