// Reads a Parquet file's footer (and nothing else): row-group sizes and byte ranges, and the Arrow
// schema. Planning a scan touches only footers; data pages are read later, one row group per task.
//
// A Parquet file, end to end:
//
//   "PAR1" | row group 0: column chunk a, column chunk b | row group 1: ... | FileMetaData | len | "PAR1"
//                                                                            (thrift)      (u32 LE)
//
// FileMetaData lists, for each row group, its row count and for each column chunk where its pages
// start (dictionary page, else first data page) and how many compressed bytes it spans. The union
// of a row group's chunks is the byte range a task needs to read. The file may live on any storage
// backend (storage/): the footer is found with range reads from the end, as every Parquet reader does.

import type * as arrow from 'apache-arrow';
import { StorageError } from '../storage/errors.ts';
import { readRangeFromUrl, readTailFromUrl, type StorageOptions } from '../storage/resolve.ts';
import { ParquetInvalidError, ParquetNotFoundError } from './errors.ts';
import { CompactReader, CType, ThriftDecodeError } from './thrift-compact.ts';
import { schemaFromFooter } from './wasm.ts';

/**
 * A column chunk's statistics as stored: raw little-endian / byte-array bounds, decoded later by
 * statistics.ts with the column's type. `min`/`max` are the format's min_value/max_value (sorted
 * by the column's logical order); `legacyMin`/`legacyMax` are the deprecated min/max fields, which
 * old writers filled using signed byte order (unreliable for strings and unsigned integers).
 */
export interface RawStatistics {
  min?: Uint8Array;
  max?: Uint8Array;
  legacyMin?: Uint8Array;
  legacyMax?: Uint8Array;
  nullCount?: number;
}

/** One column chunk of a row group: which top-level column, its physical type, its statistics. */
export interface ColumnChunkFooter {
  /** path_in_schema joined by '.'; for a flat schema, the column name. */
  path: string;
  /** Parquet physical type: 0 BOOLEAN, 1 INT32, 2 INT64, 3 INT96, 4 FLOAT, 5 DOUBLE, 6 BYTE_ARRAY, 7 FIXED_LEN_BYTE_ARRAY. */
  physicalType: number;
  statistics?: RawStatistics;
  /** The chunk's byte range in the file: [start, start + length) (dictionary page, else first data page). */
  start: number;
  length: number;
}

/** One row group: how many rows, the byte range [start, end) of its column chunks, and the chunks. */
export interface RowGroupFooter {
  numRows: number;
  start: number;
  end: number;
  columns: ColumnChunkFooter[];
}

/** What a footer tells us about a file. `tail` is the raw FileMetaData + length + magic. */
export interface ParquetFooter {
  file: string;
  fileSize: number;
  rowGroups: RowGroupFooter[];
  /** Arrow schema as stored (dictionary columns still dictionary-typed). */
  schema: arrow.Schema;
  tail: Uint8Array;
}

const MAGIC = 0x31524150; // "PAR1" read as a little-endian u32
const MAGIC_ENCRYPTED = 0x45524150; // "PARE": encrypted footer

/** Bytes read from the end of a file first: the trailer plus, for nearly every file, all its metadata. */
export const FOOTER_GUESS_BYTES = 64 * 1024;

/**
 * Reads and decodes the footer of `file` (a local path or a file://, http(s):// or s3:// URL).
 * Requests: the size and the last 64 KiB (which usually hold the whole footer), the 4 leading
 * magic bytes unless those 64 KiB already include them, and one more range only for a footer
 * longer than that.
 *
 * @example
 * const footer = await readParquetFooter('/data/ratings.parquet');
 * footer.rowGroups.map((g) => g.numRows); // [1048576, 1048576, 512]
 * await readParquetFooter('s3://bucket/ratings/part-00000.parquet', { endpoint: 'http://127.0.0.1:9000' });
 */
export async function readParquetFooter(file: string, storage?: StorageOptions): Promise<ParquetFooter> {
  const missing = (err: unknown): unknown =>
    err instanceof StorageError && err.code === 'STORAGE_NOT_FOUND' ? new ParquetNotFoundError(`parquet file ${file} does not exist`, { cause: err }) : err;
  const { bytes: last, size } = await readTailFromUrl(file, FOOTER_GUESS_BYTES, storage).catch((err: unknown) => {
    throw missing(err);
  });
  const invalid = (reason: string, cause?: unknown) =>
    new ParquetInvalidError(`${file} is not a Parquet file: ${reason}`, cause === undefined ? undefined : { cause });
  if (size < 12) throw invalid(`it is ${size} bytes long, and the smallest Parquet file is 12 bytes`);

  const end = new DataView(last.buffer, last.byteOffset + last.length - 8, 8);
  const tailMagic = end.getUint32(4, true);
  if (tailMagic === MAGIC_ENCRYPTED) throw invalid('it uses an encrypted footer, which is not supported');
  const head = last.length === size ? last.subarray(0, 4) : await readRangeFromUrl(file, 0, 4, storage).catch((err: unknown) => {
    throw missing(err);
  });
  if (new DataView(head.buffer, head.byteOffset, 4).getUint32(0, true) !== MAGIC) throw invalid('it does not start with the magic bytes "PAR1"');
  if (tailMagic !== MAGIC) throw invalid('it does not end with the magic bytes "PAR1" (truncated, or still being written?)');
  const metaLength = end.getUint32(0, true);
  if (metaLength + 12 > size) {
    throw invalid(`its footer claims ${metaLength} bytes of metadata but the file is only ${size} bytes (truncated?)`);
  }

  let tail: Uint8Array;
  if (metaLength + 8 <= last.length) {
    tail = last.slice(last.length - 8 - metaLength); // a copy: the footer outlives the 64 KiB read (it is cached)
  } else {
    // A footer longer than the guess: read the part before it and join the two.
    tail = new Uint8Array(metaLength + 8);
    const before = await readRangeFromUrl(file, size - 8 - metaLength, metaLength + 8 - last.length, storage).catch((err: unknown) => {
      throw missing(err);
    });
    tail.set(before, 0);
    tail.set(last, before.length);
  }
  let rowGroups: RowGroupFooter[];
  try {
    rowGroups = decodeRowGroups(tail.subarray(0, metaLength), file);
  } catch (err) {
    if (err instanceof ThriftDecodeError) throw invalid(`its footer metadata is corrupt (${err.message})`, err);
    throw err;
  }
  for (const [i, g] of rowGroups.entries()) {
    if (g.end > size - 8 - metaLength) throw invalid(`row group ${i} ends at byte ${g.end}, past the start of the footer (truncated?)`);
  }
  let schema: arrow.Schema;
  try {
    schema = schemaFromFooter(tail);
  } catch (err) {
    throw invalid(`its schema could not be read (${err instanceof Error ? err.message : String(err)})`, err);
  }
  return { file, fileSize: size, rowGroups, schema, tail };
}

/** FileMetaData field 4 is `list<RowGroup>`; everything else is skipped. */
function decodeRowGroups(meta: Uint8Array, file: string): RowGroupFooter[] {
  const r = new CompactReader(meta);
  const groups: RowGroupFooter[] = [];
  r.struct((id, type) => {
    if (id !== 4 || type !== CType.List) return false;
    const { size } = r.listHeader();
    for (let i = 0; i < size; i++) groups.push(decodeRowGroup(r, file, i));
    return true;
  });
  return groups;
}

/** RowGroup: 1 columns list<ColumnChunk>, 3 num_rows i64. */
function decodeRowGroup(r: CompactReader, file: string, index: number): RowGroupFooter {
  let numRows = 0;
  let start = Number.POSITIVE_INFINITY;
  let end = 0;
  const columns: ColumnChunkFooter[] = [];
  r.struct((id, type) => {
    if (id === 3 && type === CType.I64) {
      numRows = r.int();
      return true;
    }
    if (id === 1 && type === CType.List) {
      const { size } = r.listHeader();
      for (let c = 0; c < size; c++) {
        const chunk = decodeColumnChunk(r, file, index);
        columns.push(chunk.column);
        start = Math.min(start, chunk.start);
        end = Math.max(end, chunk.start + chunk.length);
      }
      return true;
    }
    return false;
  });
  if (end === 0) start = end = 4; // a row group without columns spans no bytes
  return { numRows, start, end, columns };
}

/**
 * ColumnChunk: 1 file_path, 3 meta_data. ColumnMetaData: 1 type, 3 path_in_schema, 7
 * total_compressed_size, 9 data_page_offset, 11 dictionary_page_offset, 12 statistics.
 */
function decodeColumnChunk(
  r: CompactReader,
  file: string,
  rowGroup: number,
): { start: number; length: number; column: ColumnChunkFooter } {
  let dataOffset = -1;
  let dictOffset = -1;
  let length = 0;
  const column: ColumnChunkFooter = { path: '', physicalType: -1, start: 0, length: 0 };
  r.struct((id, type) => {
    if (id === 1 && type === CType.Binary) {
      const path = new TextDecoder().decode(r.binary());
      throw new ParquetInvalidError(
        `${file} row group ${rowGroup} stores a column chunk in another file (${path}); external column chunks are not supported`,
      );
    }
    if (id !== 3 || type !== CType.Struct) return false;
    r.struct((mid, mtype) => {
      if (mid === 1 && mtype === CType.I32) column.physicalType = r.int();
      else if (mid === 3 && mtype === CType.List) column.path = decodePath(r);
      else if (mid === 12 && mtype === CType.Struct) column.statistics = decodeStatistics(r);
      else if (mtype !== CType.I64) return false;
      else if (mid === 7) length = r.int();
      else if (mid === 9) dataOffset = r.int();
      else if (mid === 11) dictOffset = r.int();
      else return false;
      return true;
    });
    return true;
  });
  if (dataOffset < 0) throw new ThriftDecodeError(`row group ${rowGroup} has a column chunk without a data page offset`);
  // Some old writers store dictionary_page_offset = 0 to mean "none".
  const start = dictOffset > 0 && dictOffset < dataOffset ? dictOffset : dataOffset;
  column.start = start;
  column.length = length;
  return { start, length, column };
}

/** path_in_schema: list<string>, joined with '.'. */
function decodePath(r: CompactReader): string {
  const { size } = r.listHeader();
  const parts: string[] = [];
  for (let i = 0; i < size; i++) parts.push(new TextDecoder().decode(r.binary()));
  return parts.join('.');
}

/** Statistics: 1 max, 2 min (deprecated), 3 null_count, 5 max_value, 6 min_value. */
function decodeStatistics(r: CompactReader): RawStatistics {
  const stats: RawStatistics = {};
  r.struct((id, type) => {
    if (type === CType.Binary) {
      if (id === 1) stats.legacyMax = r.binary();
      else if (id === 2) stats.legacyMin = r.binary();
      else if (id === 5) stats.max = r.binary();
      else if (id === 6) stats.min = r.binary();
      else return false;
      return true;
    }
    if (id === 3 && type === CType.I64) {
      stats.nullCount = r.int();
      return true;
    }
    return false;
  });
  return stats;
}
