// Turns one row group of a Parquet file into a small, valid Parquet file of its own, so that a
// reader task hands the decoder only the bytes it needs:
//
//   file:     PAR1 | rg0 | rg1 ......... | rg2 | FileMetaData(3 row groups) | len | PAR1
//   task 1:   PAR1 | rg1 ......... | FileMetaData'(row group 1 only, offsets shifted) | len' | PAR1
//
// FileMetaData' is the original footer re-encoded with: num_rows = the group's rows; row_groups =
// [the group], its page offsets shifted by (4 - group start); the page-index and bloom-filter
// offsets dropped (those structures live outside the row group's byte range). Every other field
// (schema, key-value metadata such as the embedded Arrow schema, created_by) is copied byte for
// byte, so the decoder sees the same columns and types.
//
// Why: parquet-wasm's synchronous reader wants the whole file in one buffer. Handing it the file's
// prefix up to the row group (zeros where other groups were) costs a copy into wasm memory that
// grows with the row group's position: over a file of N groups that is O(N^2) bytes copied.

import { CType, CompactReader, CompactWriter } from './thrift-compact.ts';

const MAGIC = Uint8Array.of(0x50, 0x41, 0x52, 0x31); // "PAR1"

/**
 * A standalone Parquet file holding row group `rowGroup` only.
 * `groupBytes` are the file's bytes [start, end) of that row group; `meta` is the FileMetaData.
 *
 * @example
 * const bytes = rowGroupFile(fileMeta, 3, groupBytes, group.start, group.numRows);
 * pw.readParquet(bytes); // the rows of row group 3
 */
export function rowGroupFile(meta: Uint8Array, rowGroup: number, groupBytes: Uint8Array, start: number, numRows: number): Uint8Array {
  const footer = singleRowGroupMetadata(meta, rowGroup, 4 - start, numRows);
  const out = new Uint8Array(4 + groupBytes.length + footer.length + 8);
  out.set(MAGIC, 0);
  out.set(groupBytes, 4);
  out.set(footer, 4 + groupBytes.length);
  const tail = 4 + groupBytes.length + footer.length;
  new DataView(out.buffer).setUint32(tail, footer.length, true);
  out.set(MAGIC, tail + 4);
  return out;
}

/** FileMetaData re-encoded with only row group `keep`, its offsets moved by `delta`. */
export function singleRowGroupMetadata(meta: Uint8Array, keep: number, delta: number, numRows: number): Uint8Array {
  const r = new CompactReader(meta);
  const w = new CompactWriter();
  // FileMetaData: 3 num_rows i64, 4 row_groups list<RowGroup>.
  rewriteStruct(r, w, (id, type) => {
    if (id === 3 && type === CType.I64) {
      r.int();
      w.field(3, CType.I64);
      w.int(numRows);
      return true;
    }
    if (id === 4 && type === CType.List) {
      const { size } = r.listHeader();
      w.field(4, CType.List);
      w.listHeader(CType.Struct, keep < size ? 1 : 0);
      for (let i = 0; i < size; i++) {
        if (i === keep) rewriteRowGroup(r, w, delta);
        else r.skip(CType.Struct);
      }
      return true;
    }
    return false;
  });
  return w.finish();
}

/** RowGroup: 1 columns, 5 file_offset (shifted), 7 ordinal (dropped). */
function rewriteRowGroup(r: CompactReader, w: CompactWriter, delta: number): void {
  rewriteStruct(r, w, (id, type) => {
    if (id === 1 && type === CType.List) {
      const { elementType, size } = r.listHeader();
      w.field(1, CType.List);
      w.listHeader(elementType, size);
      for (let i = 0; i < size; i++) rewriteColumnChunk(r, w, delta);
      return true;
    }
    if (id === 5 && type === CType.I64) return shift(r, w, id, delta);
    if (id === 7) return drop(r, type);
    return false;
  });
}

/** ColumnChunk: 2 file_offset (shifted), 3 meta_data, 4..7 page index offsets/lengths (dropped). */
function rewriteColumnChunk(r: CompactReader, w: CompactWriter, delta: number): void {
  rewriteStruct(r, w, (id, type) => {
    if (id === 2 && type === CType.I64) return shift(r, w, id, delta);
    if (id === 3 && type === CType.Struct) {
      w.field(3, CType.Struct);
      // ColumnMetaData: 9 data_page_offset, 10 index_page_offset, 11 dictionary_page_offset (shifted);
      // 14 bloom_filter_offset, 15 bloom_filter_length (dropped).
      rewriteStruct(r, w, (mid, mtype) => {
        if ((mid === 9 || mid === 10 || mid === 11) && mtype === CType.I64) return shift(r, w, mid, delta);
        if (mid === 14 || mid === 15) return drop(r, mtype);
        return false;
      });
      return true;
    }
    if (id >= 4 && id <= 7) return drop(r, type);
    return false;
  });
}

/**
 * Copies a struct field by field. `onField` may consume a field (writing whatever replaces it) and
 * return true; otherwise the field is copied unchanged.
 */
function rewriteStruct(r: CompactReader, w: CompactWriter, onField: (id: number, type: number) => boolean): void {
  w.beginStruct();
  let last = 0;
  for (;;) {
    const header = r.fieldHeader(last);
    if (header === undefined) break;
    last = header.id;
    if (onField(header.id, header.type)) continue;
    const from = r.position;
    r.skip(header.type);
    w.field(header.id, header.type);
    w.raw(r.bytesBetween(from, r.position));
  }
  w.endStruct();
}

/** An i64 offset moved by `delta`; 0 (the "none" some writers use) and offsets before the group stay 0. */
function shift(r: CompactReader, w: CompactWriter, id: number, delta: number): boolean {
  const offset = r.int();
  w.field(id, CType.I64);
  w.int(offset > 0 ? Math.max(0, offset + delta) : offset);
  return true;
}

function drop(r: CompactReader, type: number): boolean {
  r.skip(type);
  return true;
}
