// Gathering rows by index ("take"), and the two operations built on it: filtering by a mask and
// slicing. Every other row-rearranging kernel (sort, join, shuffle split) ends in a take.

import { Type, makeData, makeVector } from 'apache-arrow';
import type { Data, Table } from 'apache-arrow';
import { columnData, tableFromColumns } from './columns.ts';
import { dataFromValues } from './plain-values.ts';
import { isFixedWidth, isVarBinary } from './data-layout.ts';
import { DataflowError } from '../errors.ts';

/**
 * A new single-batch Table whose row i is row `indices[i]` of `table` (indices may repeat and come
 * in any order). A negative index produces an all-null row, which outer joins use for the missing
 * side. Schema, types and nulls are preserved; multi-batch inputs are combined first.
 *
 * @example
 * takeRows(table, Int32Array.of(2, 0, 0)); // rows 2, 0, 0
 * takeRows(table, Int32Array.of(1, -1));   // row 1, then a row of nulls
 */
export function takeRows(table: Table, indices: Int32Array): Table {
  const n = table.numRows;
  for (let i = 0; i < indices.length; i++) {
    if (indices[i] >= n) {
      throw new DataflowError(
        'INDEX_OUT_OF_RANGE',
        `takeRows: index ${indices[i]} at position ${i} is out of range for a table of ${n} rows (valid: 0..${n - 1}, or -1 for a null row).`,
      );
    }
  }
  const columns = table.schema.fields.map((f) => takeData(columnData(table, f.name), indices));
  return tableFromColumns(table.schema, columns, indices.length);
}

/**
 * Gather `indices` (negative → null) from one contiguous column. Indices must be in range.
 *
 * @example
 * const out = takeData(columnData(table, 'rating'), perm);
 */
export function takeData(data: Data, indices: Int32Array): Data {
  // Identity take (a join whose every left row matches once, in order): share the input, no copy.
  if (isIdentity(indices, data.length)) return data;
  const { type } = data;
  const length = indices.length;
  const { nullBitmap, nullCount } = gatherValidity(data, indices);
  if (isFixedWidth(type)) {
    return makeData({ type, length, nullCount, nullBitmap, data: gatherFixedWidth(data, indices) } as never);
  }
  if (type.typeId === Type.Bool) {
    const src = data.values as Uint8Array;
    const out = new Uint8Array((length + 7) >> 3);
    const off = data.offset;
    for (let i = 0; i < length; i++) {
      const r = indices[i];
      if (r < 0) continue;
      const bit = off + r;
      if (src[bit >> 3] & (1 << (bit & 7))) out[i >> 3] |= 1 << (i & 7);
    }
    return makeData({ type, length, nullCount, nullBitmap, data: out } as never);
  }
  if (isVarBinary(type)) {
    const { values, valueOffsets } = gatherVarBinary(data, indices);
    return makeData({ type, length, nullCount, nullBitmap, data: values, valueOffsets } as never);
  }
  // Generic path (List, Struct, Dictionary, LargeUtf8, ...): read values, rebuild with builders.
  const vector = makeVector(data);
  const values: unknown[] = new Array(length);
  for (let i = 0; i < length; i++) values[i] = indices[i] < 0 ? null : vector.get(indices[i]);
  return dataFromValues(type, values);
}

function gatherValidity(data: Data, indices: Int32Array): { nullBitmap: Uint8Array | undefined; nullCount: number } {
  const length = indices.length;
  const srcHasNulls = data.nullCount > 0 && data.nullBitmap !== undefined && data.nullBitmap.length > 0;
  let anyNegative = false;
  if (!srcHasNulls) {
    for (let i = 0; i < length; i++) {
      if (indices[i] < 0) {
        anyNegative = true;
        break;
      }
    }
    if (!anyNegative) return { nullBitmap: undefined, nullCount: 0 };
  }
  const out = new Uint8Array((length + 7) >> 3);
  let nullCount = 0;
  const src = data.nullBitmap;
  const off = data.offset;
  for (let i = 0; i < length; i++) {
    const r = indices[i];
    let valid = r >= 0;
    if (valid && srcHasNulls) {
      const bit = off + r;
      valid = (src![bit >> 3] & (1 << (bit & 7))) !== 0;
    }
    if (valid) out[i >> 3] |= 1 << (i & 7);
    else nullCount++;
  }
  return nullCount === 0 ? { nullBitmap: undefined, nullCount: 0 } : { nullBitmap: out, nullCount };
}

type TypedArrayCtor = new (n: number) => ArrayBufferView & { length: number };

/**
 * Fixed-width gather. Values of 1, 2 or 4 bytes are copied element-wise; 8- and 16-byte values
 * (Int64, Timestamp, Decimal, ...) are copied as 32-bit words so BigInt64Array elements are never
 * boxed into bigints.
 */
function gatherFixedWidth(data: Data, indices: Int32Array): ArrayBufferView {
  // A zero-length column built by makeVector(new Int32Array(0)) may carry no values buffer at all.
  const values = (data.values ?? new (data.type.ArrayType as TypedArrayCtor)(0)) as unknown;
  const src = values as ArrayBufferView & { length: number; BYTES_PER_ELEMENT: number };
  const stride = data.stride;
  const Ctor = src.constructor as TypedArrayCtor;
  const length = indices.length;
  const out = new Ctor(length * stride);
  const rowBytes = src.BYTES_PER_ELEMENT * stride;
  if (stride === 1) {
    // One loop per element type: a single loop over several typed-array kinds is megamorphic and
    // several times slower (the shuffle split runs through here for every column).
    if (src instanceof Float64Array) return gatherF64(src, out as Float64Array, indices);
    if (src instanceof Int32Array) return gatherI32(src, out as Int32Array, indices);
    if (src instanceof Float32Array) return gatherF32(src, out as Float32Array, indices);
    if (src.BYTES_PER_ELEMENT <= 4) return gatherAny(src as unknown as Uint32Array, out as unknown as Uint32Array, indices);
  }
  const aligned = rowBytes % 4 === 0 && src.byteOffset % 4 === 0;
  const words = aligned ? rowBytes / 4 : rowBytes;
  const s = aligned
    ? new Int32Array(src.buffer, src.byteOffset, src.length * (src.BYTES_PER_ELEMENT / 4))
    : new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
  const o = aligned ? new Int32Array(out.buffer, out.byteOffset, length * words) : new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  if (words === 2) {
    for (let i = 0; i < length; i++) {
      const r = indices[i];
      if (r < 0) continue;
      o[2 * i] = s[2 * r];
      o[2 * i + 1] = s[2 * r + 1];
    }
    return out;
  }
  for (let i = 0; i < length; i++) {
    const r = indices[i];
    if (r < 0) continue;
    for (let w = 0; w < words; w++) o[i * words + w] = s[r * words + w];
  }
  return out;
}

function gatherF64(s: Float64Array, o: Float64Array, indices: Int32Array): Float64Array {
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i]!;
    if (r >= 0) o[i] = s[r]!;
  }
  return o;
}

function gatherI32(s: Int32Array, o: Int32Array, indices: Int32Array): Int32Array {
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i]!;
    if (r >= 0) o[i] = s[r]!;
  }
  return o;
}

function gatherF32(s: Float32Array, o: Float32Array, indices: Int32Array): Float32Array {
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i]!;
    if (r >= 0) o[i] = s[r]!;
  }
  return o;
}

function gatherAny(s: Uint32Array, o: Uint32Array, indices: Int32Array): Uint32Array {
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i]!;
    if (r >= 0) o[i] = s[r]!;
  }
  return o;
}

/** Whether `indices` is exactly 0, 1, …, n−1. */
function isIdentity(indices: Int32Array, n: number): boolean {
  if (n === 0 || indices.length !== n) return false;
  for (let i = 0; i < n; i++) if (indices[i] !== i) return false;
  return true;
}

function gatherVarBinary(data: Data, indices: Int32Array): { values: Uint8Array; valueOffsets: Int32Array } {
  const srcOffsets = data.valueOffsets as Int32Array;
  const src = data.values as Uint8Array;
  const length = indices.length;
  const valueOffsets = new Int32Array(length + 1);
  let total = 0;
  for (let i = 0; i < length; i++) {
    const r = indices[i];
    if (r >= 0) total += srcOffsets[r + 1] - srcOffsets[r];
    valueOffsets[i + 1] = total;
  }
  const values = new Uint8Array(total);
  for (let i = 0; i < length; i++) {
    const r = indices[i];
    if (r < 0) continue;
    const start = srcOffsets[r];
    const end = srcOffsets[r + 1];
    let at = valueOffsets[i];
    if (end - start > 32) values.set(src.subarray(start, end), at);
    else for (let b = start; b < end; b++) values[at++] = src[b];
  }
  return { values, valueOffsets };
}

/**
 * The rows where `mask[i] !== 0` (mask.length must equal table.numRows).
 *
 * @example
 * filterRows(table, Uint8Array.of(1, 0, 1)); // rows 0 and 2
 */
export function filterRows(table: Table, mask: Uint8Array): Table {
  if (mask.length !== table.numRows) {
    throw new DataflowError(
      'INVALID_INPUT',
      `filterRows: the mask has ${mask.length} entries but the table has ${table.numRows} rows; they must be equal.`,
    );
  }
  let count = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) count++;
  if (count === mask.length) return table;
  const indices = new Int32Array(count);
  for (let i = 0, j = 0; i < mask.length; i++) if (mask[i] !== 0) indices[j++] = i;
  return takeRows(table, indices);
}

/**
 * Rows [start, end) without copying (may keep several batches); bounds are clamped to the table.
 *
 * @example
 * sliceRows(table, 10, 20).numRows; // 10 (if the table has at least 20 rows)
 */
export function sliceRows(table: Table, start: number, end: number): Table {
  const s = Math.max(0, Math.min(start, table.numRows));
  const e = Math.max(s, Math.min(end, table.numRows));
  return table.slice(s, e);
}
