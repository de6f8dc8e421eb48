// Growable typed-array columns that the parser fills row by row, turned into Arrow data at the end
// of a batch. One class for every type (fields for each kind, only one used) keeps the parser's
// accesses monomorphic. Nulls are recorded as a list of row indices, not a bitmap, so a value costs
// nothing extra and rolling back a rejected row is popping the list.
//
//   int32 column after rows 7, null, -2:   i32 = [7, ?, -2, ...capacity]   nullRows = [1]
//   utf8 column after 'ab', null, 'c':     bytes = 'abc'  offsets = [0, 2, 2, 3]   nullRows = [1]

import * as arrow from 'apache-arrow';
import type { CsvColumnType } from './column-types.ts';
import { arrowTypeOf } from './column-types.ts';
import { InternalError } from '../../engine/errors.ts';

/** Kind codes used by the parser's switch (small integers compare fastest). */
export const KIND_SKIP = 0;
export const KIND_INT32 = 1;
export const KIND_INT64 = 2;
export const KIND_FLOAT32 = 3;
export const KIND_FLOAT64 = 4;
export const KIND_BOOL = 5;
export const KIND_UTF8 = 6;

const KIND_OF: Record<CsvColumnType | 'skip', number> = {
  skip: KIND_SKIP, int32: KIND_INT32, int64: KIND_INT64, float32: KIND_FLOAT32, float64: KIND_FLOAT64, bool: KIND_BOOL, utf8: KIND_UTF8,
};

const EMPTY_I32 = new Int32Array(0);

export class ColumnBuilder {
  readonly kind: number;
  /** int32 values; for int64, the little-endian (low, high) words of each value. */
  i32: Int32Array = EMPTY_I32;
  f32: Float32Array = new Float32Array(0);
  f64: Float64Array = new Float64Array(0);
  /** bool values (0/1), one byte per row, packed at the end. */
  u8: Uint8Array = new Uint8Array(0);
  /** utf8: value bytes, and offsets[row + 1] = end of row's bytes. */
  bytes: Uint8Array = new Uint8Array(0);
  byteLength = 0;
  offsets: Int32Array = EMPTY_I32;
  nullRows: Int32Array = new Int32Array(16);
  nullCount = 0;

  constructor(readonly type: CsvColumnType | 'skip', capacity: number) {
    this.kind = KIND_OF[type];
    this.allocate(capacity);
  }

  private allocate(capacity: number): void {
    switch (this.kind) {
      case KIND_INT32: this.i32 = new Int32Array(capacity); break;
      case KIND_INT64: this.i32 = new Int32Array(capacity * 2); break;
      case KIND_FLOAT32: this.f32 = new Float32Array(capacity); break;
      case KIND_FLOAT64: this.f64 = new Float64Array(capacity); break;
      case KIND_BOOL: this.u8 = new Uint8Array(capacity); break;
      case KIND_UTF8: this.offsets = new Int32Array(capacity + 1); this.bytes = new Uint8Array(Math.max(64, capacity * 8)); break;
    }
  }

  /** Makes room for `capacity` rows, keeping the first `rows`. */
  grow(capacity: number, rows: number): void {
    switch (this.kind) {
      case KIND_INT32: this.i32 = copyInto(new Int32Array(capacity), this.i32, rows); break;
      case KIND_INT64: this.i32 = copyInto(new Int32Array(capacity * 2), this.i32, rows * 2); break;
      case KIND_FLOAT32: this.f32 = copyInto(new Float32Array(capacity), this.f32, rows); break;
      case KIND_FLOAT64: this.f64 = copyInto(new Float64Array(capacity), this.f64, rows); break;
      case KIND_BOOL: this.u8 = copyInto(new Uint8Array(capacity), this.u8, rows); break;
      case KIND_UTF8: this.offsets = copyInto(new Int32Array(capacity + 1), this.offsets, rows + 1); break;
    }
  }

  /** Makes room for `extra` more utf8 bytes. */
  reserveBytes(extra: number): void {
    const need = this.byteLength + extra;
    if (need <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < need) size *= 2;
    if (size > 0x7fffffff) throw new RangeError('a CSV string column exceeds 2 GiB in one batch; use a smaller partitionBytes');
    this.bytes = copyInto(new Uint8Array(size), this.bytes, this.byteLength);
  }

  /** Records that `row` is null (its value slot, or empty string for utf8, is left as is). */
  setNull(row: number): void {
    if (this.nullCount === this.nullRows.length) this.nullRows = copyInto(new Int32Array(this.nullCount * 2), this.nullRows, this.nullCount);
    this.nullRows[this.nullCount++] = row;
    if (this.kind === KIND_UTF8) this.offsets[row + 1] = this.byteLength;
  }

  /** Stores an int64 value given as a JS number (exact below 2^53) at `row`. */
  setInt64(row: number, v: number): void {
    const hi = Math.floor(v / 4294967296);
    this.i32[2 * row] = (v - hi * 4294967296) | 0;
    this.i32[2 * row + 1] = hi | 0;
  }

  /** Stores an int64 value given as a bigint at `row`. */
  setBigInt64(row: number, v: bigint): void {
    this.i32[2 * row] = Number(BigInt.asIntN(32, v));
    this.i32[2 * row + 1] = Number(BigInt.asIntN(32, v >> 32n));
  }

  /** Appends a string value (slow path: quoted or escaped fields) at `row`. */
  setString(row: number, value: string): void {
    const encoded = Buffer.from(value, 'utf8');
    this.reserveBytes(encoded.length);
    this.bytes.set(encoded, this.byteLength);
    this.byteLength += encoded.length;
    this.offsets[row + 1] = this.byteLength;
  }

  /** Forgets everything written for rows >= `row` (a rejected row). */
  rollback(row: number): void {
    while (this.nullCount > 0 && this.nullRows[this.nullCount - 1]! >= row) this.nullCount--;
    if (this.kind === KIND_UTF8) this.byteLength = this.offsets[row]!;
  }

  /** The first `rows` rows as Arrow data (copied to exact size). */
  finish(rows: number): arrow.Data {
    const type = arrowTypeOf(this.type === 'skip' ? 'utf8' : this.type);
    const nullBitmap = this.nullCount > 0 ? this.validityBitmap(rows) : undefined;
    const base = { length: rows, nullCount: this.nullCount, nullBitmap };
    switch (this.kind) {
      case KIND_INT32: return arrow.makeData({ ...base, type: type as arrow.Int32, data: this.i32.slice(0, rows) });
      case KIND_INT64: return arrow.makeData({ ...base, type: type as arrow.Int64, data: new BigInt64Array(this.i32.slice(0, rows * 2).buffer) });
      case KIND_FLOAT32: return arrow.makeData({ ...base, type: type as arrow.Float32, data: this.f32.slice(0, rows) });
      case KIND_FLOAT64: return arrow.makeData({ ...base, type: type as arrow.Float64, data: this.f64.slice(0, rows) });
      case KIND_BOOL: return arrow.makeData({ ...base, type: type as arrow.Bool, data: packBits(this.u8, rows) });
      case KIND_UTF8: return arrow.makeData({
        ...base, type: type as arrow.Utf8, valueOffsets: this.offsets.slice(0, rows + 1), data: this.bytes.slice(0, this.byteLength),
      });
      default: throw new InternalError('CSV_SKIPPED_COLUMN', 'a column the CSV reader was told to skip was asked for its data');
    }
  }

  /** Starts a new batch: drops the rows, keeps nothing. */
  reset(capacity: number): void {
    this.byteLength = 0;
    this.nullCount = 0;
    this.allocate(capacity);
  }

  private validityBitmap(rows: number): Uint8Array {
    const bitmap = new Uint8Array((rows + 7) >> 3).fill(0xff);
    for (let i = 0; i < this.nullCount; i++) {
      const r = this.nullRows[i]!;
      bitmap[r >> 3]! &= ~(1 << (r & 7));
    }
    return bitmap;
  }
}

function copyInto<T extends Int32Array | Uint8Array | Float32Array | Float64Array>(target: T, source: T, count: number): T {
  target.set(source.subarray(0, count) as never);
  return target;
}

function packBits(values: Uint8Array, rows: number): Uint8Array {
  const out = new Uint8Array((rows + 7) >> 3);
  for (let i = 0; i < rows; i++) if (values[i]) out[i >> 3]! |= 1 << (i & 7);
  return out;
}
