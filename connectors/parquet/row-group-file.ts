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
//
// Column projection (projectedRowGroupFile) goes one step further, because parquet-wasm 0.8 ignores
// its `columns` option and decodes every column: the small file holds only the chunks of the
// columns a task reads, and its footer only their schema elements, column chunks, column orders and
// (when the writer embedded one) the matching fields of the Arrow schema:
//
//   task 1, columns [itemId, rating]:  PAR1 | itemId chunk | rating chunk | FileMetaData'' | len | PAR1

import * as arrow from 'apache-arrow';
import { encodeIpc } from '../../engine/kernels/ipc.ts';
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
  rewriteStruct(r, w, (id, type) => rowCountAndGroups(r, w, id, type, numRows, new Set([keep]), () => rewriteRowGroup(r, w, delta)));
  return w.finish();
}

/**
 * FileMetaData's fields 3 (num_rows, written as `numRows`) and 4 (row_groups: only the groups in
 * `keep`, in file order, each written by `writeKept(group)`); false for any other field, which the
 * caller handles.
 */
function rowCountAndGroups(r: CompactReader, w: CompactWriter, id: number, type: number, numRows: number, keep: ReadonlySet<number>, writeKept: (group: number) => void): boolean {
  if (id === 3 && type === CType.I64) {
    r.int();
    w.field(3, CType.I64);
    w.int(numRows);
    return true;
  }
  if (id === 4 && type === CType.List) {
    const { size } = r.listHeader();
    w.field(4, CType.List);
    let kept = 0;
    for (const g of keep) if (g < size) kept++;
    w.listHeader(CType.Struct, kept);
    for (let i = 0; i < size; i++) {
      if (keep.has(i)) writeKept(i);
      else r.skip(CType.Struct);
    }
    return true;
  }
  return false;
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

/** The kept leaf columns of a flat file, by index in the file's columns (ascending). */
export interface ColumnProjection {
  /** Indices into the row group's column chunks (= the schema's leaves, for a flat schema). */
  keep: number[];
  /** Byte range in the file of every column chunk of the row group, in column order. */
  chunks: ReadonlyArray<{ start: number; length: number }>;
}

/**
 * A standalone Parquet file holding row group `rowGroup` with only the columns `projection.keep`
 * of a flat schema (every top-level column one leaf). `groupBytes` are the file's bytes
 * [groupStart, ...) of that row group. Throws if the footer is not one it can project (nested
 * columns, an Arrow schema that does not match); callers then read every column.
 *
 * @example
 * const bytes = projectedRowGroupFile(meta, 3, groupBytes, group.start, group.numRows,
 *   { keep: [1, 2], chunks: group.columns });
 */
export function projectedRowGroupFile(
  meta: Uint8Array, rowGroup: number, groupBytes: Uint8Array, groupStart: number, numRows: number, projection: ColumnProjection,
): Uint8Array {
  return projectedRowGroupsFile(meta, [{ rowGroup, bytes: groupBytes, bytesStart: groupStart, numRows, chunks: projection.chunks }], projection.keep);
}

/** One row group for projectedRowGroupsFile: the file's bytes [bytesStart, ...) covering its kept chunks. */
export interface RowGroupBytes {
  rowGroup: number;
  bytes: Uint8Array;
  bytesStart: number;
  numRows: number;
  /** Byte range in the file of every column chunk of the row group, in column order. */
  chunks: ReadonlyArray<{ start: number; length: number }>;
}

/**
 * projectedRowGroupFile for several row groups (ascending) at once: one footer rewrite for all,
 * and one file the decoder reads in one call. `allocate(size)` gives the buffer the file is built
 * in (a new one by default; a reader may pass a scratch buffer it reuses).
 *
 *   PAR1 | rg3 itemId | rg3 rating | rg4 itemId | rg4 rating | FileMetaData''(groups 3, 4) | len | PAR1
 *
 * @example
 * projectedRowGroupsFile(meta, [{ rowGroup: 3, bytes, bytesStart, numRows, chunks }, ...], [1, 2]);
 */
export function projectedRowGroupsFile(meta: Uint8Array, groups: readonly RowGroupBytes[], keep: number[], allocate: (size: number) => Uint8Array = (size) => new Uint8Array(size)): Uint8Array {
  const deltas = new Map<number, Map<number, number>>();
  let size = 4;
  let numRows = 0;
  for (const g of groups) {
    const moved = new Map<number, number>();
    for (const c of keep) {
      moved.set(c, size - g.chunks[c]!.start);
      size += g.chunks[c]!.length;
    }
    deltas.set(g.rowGroup, moved);
    numRows += g.numRows;
  }
  const footer = projectedMetadata(meta, deltas, numRows, keep);
  const out = allocate(size + footer.length + 8); // every byte is written below
  out.set(MAGIC, 0);
  let at = 4;
  for (const g of groups) {
    for (const c of keep) {
      const from = g.chunks[c]!.start - g.bytesStart;
      out.set(g.bytes.subarray(from, from + g.chunks[c]!.length), at);
      at += g.chunks[c]!.length;
    }
  }
  out.set(footer, at);
  new DataView(out.buffer).setUint32(at + footer.length, footer.length, true);
  out.set(MAGIC, at + footer.length + 4);
  return out;
}

/** FileMetaData: 2 schema, 3 num_rows, 4 row_groups (those in `deltas`), 5 key_value_metadata, 7 column_orders, projected. */
function projectedMetadata(meta: Uint8Array, deltas: ReadonlyMap<number, ReadonlyMap<number, number>>, numRows: number, columns: number[]): Uint8Array {
  const r = new CompactReader(meta);
  const w = new CompactWriter();
  const kept = new Set(columns);
  const names: string[] = [];
  rewriteStruct(r, w, (id, type) => {
    if (id === 2 && type === CType.List) {
      const { size } = r.listHeader();
      w.field(2, CType.List);
      w.listHeader(CType.Struct, 1 + columns.length);
      // The root, then one leaf per column: a nested schema (a group below the root) is refused.
      rewriteStruct(r, w, (fid, ftype) => {
        if (fid !== 5 || ftype !== CType.I32) return false;
        if (r.int() !== size - 1) throw new Error('the schema is nested; only flat schemas are projected');
        w.field(5, CType.I32);
        w.int(columns.length);
        return true;
      });
      for (let i = 0; i < size - 1; i++) {
        const from = r.position;
        let name = '';
        r.struct((fid, ftype) => {
          if (fid === 5) throw new Error('the schema is nested; only flat schemas are projected');
          if (fid === 4 && ftype === CType.Binary) {
            name = new TextDecoder().decode(r.binary());
            return true;
          }
          return false;
        });
        if (kept.has(i)) {
          w.raw(r.bytesBetween(from, r.position));
          names.push(name);
        }
      }
      return true;
    }
    if (rowCountAndGroups(r, w, id, type, numRows, new Set(deltas.keys()), (group) => projectRowGroup(r, w, kept, deltas.get(group)!))) return true;
    if (id === 5 && type === CType.List) {
      projectKeyValues(r, w, names);
      return true;
    }
    if (id === 7 && type === CType.List) {
      const { elementType, size } = r.listHeader();
      w.field(7, CType.List);
      w.listHeader(elementType, columns.length);
      for (let i = 0; i < size; i++) {
        const from = r.position;
        r.skip(elementType);
        if (kept.has(i)) w.raw(r.bytesBetween(from, r.position));
      }
      return true;
    }
    return false;
  });
  return w.finish();
}

/** RowGroup: 1 columns (the kept ones, each moved by its own delta); 5 file_offset, 6 total_compressed_size, 7 ordinal dropped. */
function projectRowGroup(r: CompactReader, w: CompactWriter, kept: Set<number>, deltas: ReadonlyMap<number, number>): void {
  rewriteStruct(r, w, (id, type) => {
    if (id === 1 && type === CType.List) {
      const { elementType, size } = r.listHeader();
      w.field(1, CType.List);
      w.listHeader(elementType, kept.size);
      for (let i = 0; i < size; i++) {
        if (kept.has(i)) rewriteColumnChunk(r, w, deltas.get(i)!);
        else r.skip(CType.Struct);
      }
      return true;
    }
    if (id === 5 || id === 6 || id === 7) return drop(r, type);
    return false;
  });
}

/** key_value_metadata: the embedded Arrow schema (ARROW:schema) cut to the kept columns, the rest as is. */
function projectKeyValues(r: CompactReader, w: CompactWriter, names: string[]): void {
  const { elementType, size } = r.listHeader();
  w.field(5, CType.List);
  w.listHeader(elementType, size);
  for (let i = 0; i < size; i++) {
    const from = r.position;
    let key = '';
    let value: Uint8Array | undefined;
    r.struct((id, type) => {
      if (id === 1 && type === CType.Binary) key = new TextDecoder().decode(r.binary());
      else if (id === 2 && type === CType.Binary) value = r.binary();
      else return false;
      return true;
    });
    if (key !== 'ARROW:schema' || value === undefined) {
      w.raw(r.bytesBetween(from, r.position));
      continue;
    }
    const projected = new TextEncoder().encode(projectArrowSchema(new TextDecoder().decode(value), names));
    w.beginStruct();
    w.field(1, CType.Binary);
    const keyBytes = new TextEncoder().encode(key);
    w.varint(keyBytes.length);
    w.raw(keyBytes);
    w.field(2, CType.Binary);
    w.varint(projected.length);
    w.raw(projected);
    w.endStruct();
  }
}

/** A base64 Arrow IPC schema message with only the fields `names`, in that order. */
function projectArrowSchema(base64: string, names: string[]): string {
  const message = Buffer.from(base64, 'base64');
  const stream = new Uint8Array(message.length + 8);
  stream.set(message, 0);
  stream.set([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0], message.length);
  const schema = arrow.tableFromIPC(stream).schema;
  const fields = names.map((name) => {
    const field = schema.fields.find((f) => f.name === name);
    if (!field) throw new Error(`the embedded Arrow schema has no field ${name}`);
    return field;
  });
  const bytes = encodeIpc(new arrow.Table(new arrow.Schema(fields, schema.metadata)));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = view.getInt32(0, true) === -1 ? 8 + view.getInt32(4, true) : 4 + view.getInt32(0, true);
  return Buffer.from(bytes.subarray(0, end)).toString('base64');
}
