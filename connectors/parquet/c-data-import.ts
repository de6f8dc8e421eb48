// Decoded Parquet columns leave parquet-wasm through the Arrow C Data Interface instead of an IPC
// stream: each column's buffers are copied once from wasm memory into a JS buffer, where
// `intoIPCStream` first serialised the whole table in wasm and then copied the stream out (two
// copies and a flatbuffer; 70% of the time of decoding a ratings file).
//
// The structs, as laid out in wasm32 memory (pointers are 4 bytes, int64 fields 8-aligned):
//   ArrowArray:  length i64 @0 | null_count i64 @8 | offset i64 @16 | n_buffers i64 @24 | n_children i64 @32
//                buffers ptr @40 | children ptr @44 | dictionary ptr @48 | release @52 | private @56
//   ArrowSchema: format ptr @0 | name ptr @4 | metadata ptr @8 | flags i64 @16 | n_children i64 @24 | children ptr @32 ...
// A record batch is a struct array whose children are its columns.
//
// Only flat columns of the layouts below are imported (numbers, booleans, dates and times,
// decimals, strings and binaries, at offset 0); for anything else `importColumns` returns undefined
// and the caller takes the IPC path, so both paths give the same Data: the same types (taken from
// the schema the IPC path reads), buffers of the same bytes, an empty validity bitmap when a column
// has no nulls (as apache-arrow's IPC reader gives).

import * as arrow from 'apache-arrow';

/** The C structs of one exported table: its schema and one struct array per record batch. */
export interface CDataTable {
  memory: ArrayBuffer;
  schemaAddr: number;
  batchAddrs: ArrayLike<number>;
}

/**
 * The record batches of `exported` as apache-arrow batches of `schema` (the table's schema as the
 * IPC path reads it), every buffer copied out of wasm memory; undefined when a column has a type or
 * layout this importer does not take, or the C schema does not match `schema`.
 *
 * @example
 * const ffi = wasmTable.intoFFI();
 * const batches = importColumns({ memory: wasmMemory().buffer, schemaAddr: ffi.schemaAddr(), batchAddrs: ffi.arrayAddrs() }, schema);
 * ffi.free();
 */
export function importColumns(exported: CDataTable, schema: arrow.Schema): arrow.RecordBatch[] | undefined {
  const view = new DataView(exported.memory);
  const bytes = new Uint8Array(exported.memory);
  const fields = schema.fields;
  const schemaAddr = exported.schemaAddr;
  if (readI64(view, schemaAddr + 24) !== fields.length) return undefined;
  const childSchemas = view.getUint32(schemaAddr + 32, true);
  const widths: number[] = [];
  for (let c = 0; c < fields.length; c++) {
    const child = view.getUint32(childSchemas + 4 * c, true);
    const format = readCString(bytes, view.getUint32(child, true));
    const width = layoutWidth(fields[c]!.type, format);
    if (width === undefined) return undefined;
    widths.push(width);
  }
  const batches: arrow.RecordBatch[] = [];
  for (let b = 0; b < exported.batchAddrs.length; b++) {
    const batch = exported.batchAddrs[b]!;
    const length = readI64(view, batch);
    if (readI64(view, batch + 16) !== 0 || readI64(view, batch + 8) !== 0 || readI64(view, batch + 32) !== fields.length) return undefined;
    const childArrays = view.getUint32(batch + 44, true);
    const children: arrow.Data[] = [];
    for (let c = 0; c < fields.length; c++) {
      const data = importArray(view, bytes, view.getUint32(childArrays + 4 * c, true), fields[c]!.type, widths[c]!);
      if (data === undefined || data.length !== length) return undefined;
      children.push(data);
    }
    const struct = arrow.makeData({ type: new arrow.Struct(fields), length, nullCount: 0, children });
    batches.push(new arrow.RecordBatch(schema, struct));
  }
  return batches;
}

/** Bytes per value of a fixed-width column, VARIABLE for offsets + data, BITS for booleans; undefined for other types or a format that does not match the type. */
function layoutWidth(type: arrow.DataType, format: string): number | undefined {
  const expected = expectedFormat(type);
  if (expected === undefined) return undefined;
  if (typeof expected.format === 'string' ? format !== expected.format : !expected.format.test(format)) return undefined;
  return expected.width;
}

const BITS = -1;
const VARIABLE = -4;
const LARGE_VARIABLE = -8;

/** The C Data format string a column of `type` has, and its layout width. */
function expectedFormat(type: arrow.DataType): { format: string | RegExp; width: number } | undefined {
  switch (type.typeId) {
    case arrow.Type.Int: {
      const t = type as arrow.Int;
      const code = { 8: 'c', 16: 's', 32: 'i', 64: 'l' }[t.bitWidth as 8 | 16 | 32 | 64];
      return code === undefined ? undefined : { format: t.isSigned ? code : code.toUpperCase(), width: t.bitWidth / 8 };
    }
    case arrow.Type.Float: {
      const p = (type as arrow.Float).precision;
      return p === arrow.Precision.HALF ? { format: 'e', width: 2 } : p === arrow.Precision.SINGLE ? { format: 'f', width: 4 } : { format: 'g', width: 8 };
    }
    case arrow.Type.Bool: return { format: 'b', width: BITS };
    case arrow.Type.Utf8: return { format: 'u', width: VARIABLE };
    case arrow.Type.Binary: return { format: 'z', width: VARIABLE };
    case arrow.Type.LargeUtf8: return { format: 'U', width: LARGE_VARIABLE };
    case arrow.Type.LargeBinary: return { format: 'Z', width: LARGE_VARIABLE };
    case arrow.Type.Date: return (type as arrow.Date_).unit === arrow.DateUnit.DAY ? { format: 'tdD', width: 4 } : { format: 'tdm', width: 8 };
    case arrow.Type.Timestamp: return { format: /^ts[smun]:/, width: 8 };
    case arrow.Type.Time: {
      const t = type as arrow.Time;
      return { format: t.bitWidth === 32 ? /^tt[sm]$/ : /^tt[un]$/, width: t.bitWidth / 8 };
    }
    case arrow.Type.Decimal: {
      const t = type as arrow.Decimal;
      const prefix = t.bitWidth === 128 ? '' : `,${t.bitWidth}`;
      return { format: `d:${t.precision},${t.scale}${prefix}`, width: t.bitWidth / 8 };
    }
    case arrow.Type.FixedSizeBinary: {
      const w = (type as arrow.FixedSizeBinary).byteWidth;
      return { format: `w:${w}`, width: w };
    }
    default: return undefined;
  }
}

/** One flat column: its validity (empty without nulls), offsets and values copied from wasm memory. */
function importArray(view: DataView, bytes: Uint8Array, addr: number, type: arrow.DataType, width: number): arrow.Data | undefined {
  const length = readI64(view, addr);
  const nullCount = readI64(view, addr + 8);
  const nBuffers = readI64(view, addr + 24);
  if (readI64(view, addr + 16) !== 0 || readI64(view, addr + 32) !== 0 || length < 0 || nullCount < 0) return undefined;
  const variable = width === VARIABLE || width === LARGE_VARIABLE;
  if (nBuffers !== (variable ? 3 : 2)) return undefined;
  const buffers = view.getUint32(addr + 40, true);
  const buffer = (i: number): number => view.getUint32(buffers + 4 * i, true);
  const copy = (ptr: number, n: number): Uint8Array => (n === 0 ? new Uint8Array(0) : bytes.slice(ptr, ptr + n));
  const validityAddr = buffer(0);
  if (nullCount > 0 && validityAddr === 0) return undefined;
  const nullBitmap = nullCount > 0 ? copy(validityAddr, (length + 7) >> 3) : new Uint8Array(0);
  if (!variable) {
    const size = width === BITS ? (length + 7) >> 3 : length * width;
    if (size > 0 && buffer(1) === 0) return undefined;
    return arrow.makeData({ type, length, nullCount, nullBitmap, data: copy(buffer(1), size) } as never);
  }
  const offsetsAddr = buffer(1);
  if (offsetsAddr === 0) return undefined;
  const offsetWidth = width === VARIABLE ? 4 : 8;
  const first = offsetWidth === 4 ? view.getInt32(offsetsAddr, true) : readI64(view, offsetsAddr);
  const end = offsetWidth === 4 ? view.getInt32(offsetsAddr + 4 * length, true) : readI64(view, offsetsAddr + 8 * length);
  if (first !== 0 || end < 0 || (end > 0 && buffer(2) === 0)) return undefined;
  return arrow.makeData({ type, length, nullCount, nullBitmap, valueOffsets: copy(offsetsAddr, (length + 1) * offsetWidth), data: copy(buffer(2), end) } as never);
}

/** An int64 field as a number (the lengths and counts here are far below 2^53). */
function readI64(view: DataView, at: number): number {
  return Number(view.getBigInt64(at, true));
}

function readCString(bytes: Uint8Array, at: number): string {
  let end = at;
  while (bytes[end] !== 0) end++;
  return new TextDecoder().decode(bytes.subarray(at, end));
}
