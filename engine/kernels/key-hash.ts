// Per-row hashes of key columns, stable across processes and across physical types: the hash
// partitioner sends a row to reducer `hash % n`, so two sides of a join (or two executors) must
// hash the same key VALUE to the same number even if one side stores it as Int32 and the other
// as Float64 or Int64.
//
// The function is MurmurHash3 (x86, 32-bit), written out below so it never depends on the
// platform. What is hashed for each kind of value:
//   numbers (every Int*/Uint*/Float* type, Int64 as its nearest float64): the 8 little-endian
//     bytes of the float64 value, with -0 → +0 and every NaN → the canonical NaN 0x7ff8000000000000
//   Timestamp / Date: their value in epoch milliseconds, as a number (so Date(ms) == Timestamp(ms))
//   strings: their UTF-8 bytes (read straight from the Arrow buffer, never decoded)
//   booleans: one byte, 0 or 1;   null: a fixed constant (see `hashNull`)
// Several key columns are combined in order by using each column's running hash as the seed
// for the next column: h = murmur(col2, seed = murmur(col1, seed = 0)).

import { Type, makeVector } from 'apache-arrow';
import type { Data, Date_, Table, Timestamp } from 'apache-arrow';
import { columnData } from './columns.ts';
import { isFixedWidth, isVarBinary } from './data-layout.ts';
import { toPlainValue } from './plain-values.ts';
import { hashBytesWasm, hashNumbersWasm } from './shuffle-wasm.ts';
import type { NumericKeys } from './shuffle-wasm.ts';

/** The seed of the first key column. Changing it changes every shuffle's partitioning. */
export const KEY_HASH_SEED = 0;

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

function mixK(k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, C2);
}

function mixH(h: number, k: number): number {
  h ^= mixK(k);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function fmix(h: number, length: number): number {
  return murmurFinalize(h ^ length);
}

/** MurmurHash3's 32-bit finalizer: mixes every input bit into every output bit (unsigned result). */
export function murmurFinalize(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * MurmurHash3_x86_32 of `bytes[start, end)` with `seed` (an unsigned 32-bit result).
 *
 * @example
 * murmur3Bytes(new TextEncoder().encode('hello'), 0, 5, 0); // 0x248bfa47
 */
export function murmur3Bytes(bytes: Uint8Array, start: number, end: number, seed: number): number {
  let h = seed | 0;
  const blocksEnd = start + ((end - start) & ~3);
  let i = start;
  for (; i < blocksEnd; i += 4) {
    h = mixH(h, bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24));
  }
  const tail = end - i;
  if (tail > 0) {
    let k = bytes[i];
    if (tail > 1) k ^= bytes[i + 1] << 8;
    if (tail > 2) k ^= bytes[i + 2] << 16;
    h ^= mixK(k);
  }
  return fmix(h, end - start);
}

/** The hash of the 64-bit pattern (lo, hi): murmur3 of its 8 little-endian bytes. */
function hashWords(lo: number, hi: number, seed: number): number {
  return fmix(mixH(mixH(seed | 0, lo), hi), 8);
}

const scratch = new Float64Array(1);
const scratchWords = new Uint32Array(scratch.buffer);

/**
 * Hash of a number by its float64 value (-0 and +0 equal, all NaNs equal).
 *
 * @example
 * hashNumber(5, 0) === hashNumber(5.0, 0); // and === the hash of Int64 5n in a column
 */
export function hashNumber(x: number, seed: number): number {
  if (x !== x) return hashWords(0, 0x7ff80000, seed);
  scratch[0] = x === 0 ? 0 : x;
  return hashWords(scratchWords[0], scratchWords[1], seed);
}

/** Hash of a boolean: murmur3 of one byte (0 or 1). */
export function hashBool(b: boolean, seed: number): number {
  return fmix((seed | 0) ^ mixK(b ? 1 : 0), 1);
}

/** Hash of a null key: a constant per seed, distinct from the empty string and from false. */
export function hashNull(seed: number): number {
  return fmix((seed ^ 0x6e756c6c) | 0, 0);
}

const encoder = new TextEncoder();

/**
 * Hash of a JS value with the same rules as {@link hashKeys} (so driver-side code can compute
 * the partition of a key without building a table). Arrays and objects hash their elements in order.
 *
 * @example
 * hashValue('a', 0) === hashKeys(tableWithColumnAEqualTo('a'), ['a'])[0];
 */
export function hashValue(v: unknown, seed: number): number {
  if (v === null || v === undefined) return hashNull(seed);
  switch (typeof v) {
    case 'number':
      return hashNumber(v, seed);
    case 'bigint':
      return hashNumber(Number(v), seed);
    case 'boolean':
      return hashBool(v, seed);
    case 'string': {
      const bytes = encoder.encode(v);
      return murmur3Bytes(bytes, 0, bytes.length, seed);
    }
  }
  if (v instanceof Date) return hashNumber(v.getTime(), seed);
  if (v instanceof Uint8Array) return murmur3Bytes(v, 0, v.length, seed);
  if (Array.isArray(v) || ArrayBuffer.isView(v)) {
    let h = seed;
    for (const x of v as ArrayLike<unknown> as unknown[]) h = hashValue(x, h);
    return fmix(h, (v as ArrayLike<unknown>).length);
  }
  if (v instanceof Map) {
    let h = seed;
    for (const [k, x] of v) h = hashValue(x, hashValue(k, h));
    return fmix(h, v.size);
  }
  const plain = toPlainValue(v);
  if (plain !== v) return hashValue(plain, seed);
  let h = seed;
  const obj = v as Record<string, unknown>;
  for (const k of Object.keys(obj)) h = hashValue(obj[k], hashValue(k, h));
  return h >>> 0;
}

/**
 * One unsigned 32-bit hash per row of the key tuple `keyColumns`, identical in every process and
 * for equal key values whatever their physical type (see the top of this file).
 *
 * @example
 * const h = hashKeys(table, ['userId']);
 * const reducer = h[i] % numPartitions;
 */
export function hashKeys(table: Table, keyColumns: readonly string[]): Uint32Array {
  const n = table.numRows;
  const hashes = new Uint32Array(n).fill(KEY_HASH_SEED);
  for (const name of keyColumns) {
    hashColumnInto(columnData(table, name, 'as a key column'), hashes);
  }
  return hashes;
}

/** Replace `hashes[i]` by the hash of row i of `data` seeded with the old `hashes[i]`. */
export function hashColumnInto(data: Data, hashes: Uint32Array): void {
  const n = data.length;
  const { type } = data;
  const hasNulls = data.nullCount > 0 && data.nullBitmap !== undefined && data.nullBitmap.length > 0;
  const bitmap = data.nullBitmap;
  const off = data.offset;
  const isNull = (i: number): boolean => hasNulls && (bitmap![(off + i) >> 3] & (1 << ((off + i) & 7))) === 0;

  if (n >= WASM_MIN_ROWS && withNullsPatched(data, hashes, hasNulls, () => hashInWasm(data, hashes))) return;
  if (type.typeId === Type.Int && data.values instanceof Int32Array) {
    // The commonest key (Int32 ids): each value's float64 words through one scratch slot, with no
    // column-sized copy; an int is never -0 or NaN, so nothing to canonicalize.
    const values = data.values;
    for (let i = 0; i < n; i++) {
      if (isNull(i)) hashes[i] = hashNull(hashes[i]);
      else {
        scratch[0] = values[i];
        hashes[i] = hashWords(scratchWords[0], scratchWords[1], hashes[i]);
      }
    }
    return;
  }
  const asNumbers = numericView(data);
  if (asNumbers) {
    // Canonicalize in place (-0 → 0, NaN → one NaN pattern), then hash the raw words.
    const words = new Int32Array(asNumbers.buffer, asNumbers.byteOffset, 2 * n);
    for (let i = 0; i < n; i++) {
      const x = asNumbers[i];
      if (x === 0) asNumbers[i] = 0;
      else if (x !== x) {
        words[2 * i] = 0;
        words[2 * i + 1] = 0x7ff80000;
      }
    }
    if (!hasNulls) {
      for (let i = 0; i < n; i++) hashes[i] = hashWords(words[2 * i], words[2 * i + 1], hashes[i]);
      return;
    }
    for (let i = 0; i < n; i++) {
      hashes[i] = isNull(i) ? hashNull(hashes[i]) : hashWords(words[2 * i], words[2 * i + 1], hashes[i]);
    }
    return;
  }
  if (type.typeId === Type.Bool) {
    const values = data.values as Uint8Array;
    for (let i = 0; i < n; i++) {
      if (isNull(i)) hashes[i] = hashNull(hashes[i]);
      else hashes[i] = hashBool((values[(off + i) >> 3] & (1 << ((off + i) & 7))) !== 0, hashes[i]);
    }
    return;
  }
  if (isVarBinary(type)) {
    const values = data.values as Uint8Array;
    const offsets = data.valueOffsets as Int32Array;
    const one = (i: number): void => { hashes[i] = murmur3Bytes(values, offsets[i], offsets[i + 1], hashes[i]); };
    if (n >= WASM_MIN_ROWS && offsets instanceof Int32Array && withNullsPatched(data, hashes, hasNulls, () => hashBytesWasm(values, offsets, hashes, one))) return;
    for (let i = 0; i < n; i++) {
      if (isNull(i)) hashes[i] = hashNull(hashes[i]);
      else hashes[i] = murmur3Bytes(values, offsets[i], offsets[i + 1], hashes[i]);
    }
    return;
  }
  const vector = makeVector(data);
  for (let i = 0; i < n; i++) hashes[i] = hashValue(vector.get(i), hashes[i]);
}

/** Fewest rows for which a column is hashed in wasm (shuffle-wasm.ts: the same bits, fewer ns a row). */
export const WASM_MIN_ROWS = 1024;

/** Int32/Uint32/Int64/Uint64/Float64 columns, hashed by the wasm twin of the loops below (null slots hashed as whatever they hold). */
function hashInWasm(data: Data, hashes: Uint32Array): boolean {
  const keys = wasmHashable(data, true);
  return keys !== undefined && hashNumbersWasm(keys.values, keys.kind, hashes);
}

/**
 * Runs `hashAll` (which hashes every row, null slots included, or returns false having done
 * nothing), then gives each null row hashNull of its seed, as the loops below do.
 */
function withNullsPatched(data: Data, hashes: Uint32Array, hasNulls: boolean, hashAll: () => boolean): boolean {
  if (!hasNulls) return hashAll();
  const bitmap = data.nullBitmap!;
  const off = data.offset;
  const n = hashes.length;
  const rows: number[] = [];
  const seeds: number[] = [];
  for (let i = 0; i < n; i++) {
    const bit = off + i;
    const byte = bitmap[bit >> 3]!;
    if (byte === 0xff && (bit & 7) === 0 && i + 8 <= n) { i += 7; continue; } // 8 valid rows
    if ((byte & (1 << (bit & 7))) === 0) {
      rows.push(i);
      seeds.push(hashes[i]!);
    }
  }
  if (!hashAll()) return false;
  for (let j = 0; j < rows.length; j++) hashes[rows[j]!] = hashNull(seeds[j]!);
  return true;
}

/**
 * A key column the wasm kernels hash like hashColumnInto (shuffle-wasm.ts): Int32, Uint32, Int64,
 * Uint64 or Float64 values without nulls (or with them, `withNulls`: the caller then hashes its null
 * rows itself); undefined for every other column.
 */
export function wasmHashable(data: Data, withNulls = false): NumericKeys | undefined {
  if (!withNulls && data.nullCount > 0 && data.nullBitmap !== undefined && data.nullBitmap.length > 0) return undefined;
  const { typeId } = data.type;
  const values = data.values as unknown;
  const kind = typeId === Type.Int
    ? values instanceof Int32Array ? 'i32' : values instanceof Uint32Array ? 'u32' : values instanceof BigInt64Array ? 'i64' : values instanceof BigUint64Array ? 'u64' : undefined
    : typeId === Type.Float && values instanceof Float64Array ? 'f64' : undefined;
  if (kind === undefined) return undefined;
  const view = values as Int32Array | Uint32Array | BigInt64Array | BigUint64Array | Float64Array;
  return view.length < data.length ? undefined : { values: view.subarray(0, data.length), kind };
}

/**
 * The column as float64 numbers (a fresh Float64Array), for every number-like type: Int*, Uint*,
 * Float*, Date and Timestamp (in epoch ms). Undefined for other types. Null slots hold garbage.
 */
export function numericView(data: Data): Float64Array | undefined {
  const { type } = data;
  if (!isFixedWidth(type)) return undefined;
  const n = data.length;
  const out = new Float64Array(n);
  const values = data.values as ArrayBufferView & ArrayLike<number>;
  const is64 = values instanceof BigInt64Array || values instanceof BigUint64Array;
  // Timestamp/Date → epoch ms: multiply by `scale` or divide by `divisor` (exact for whole ms).
  let scale = 1;
  let divisor = 1;
  switch (type.typeId) {
    case Type.Int:
    case Type.Float:
      break;
    case Type.Date:
      scale = (type as Date_).unit === 0 ? 86_400_000 : 1;
      break;
    case Type.Timestamp:
      scale = (type as Timestamp).unit === 0 ? 1000 : 1;
      divisor = [1, 1, 1000, 1_000_000][(type as Timestamp).unit];
      break;
    default:
      return undefined;
  }
  if (is64) {
    const w = new Int32Array(values.buffer, values.byteOffset, 2 * n);
    const unsigned = values instanceof BigUint64Array;
    for (let i = 0; i < n; i++) {
      const hi = unsigned ? w[2 * i + 1] >>> 0 : w[2 * i + 1];
      out[i] = hi * 4294967296 + (w[2 * i] >>> 0);
    }
  } else if (type.typeId === Type.Float && (values as unknown as Uint16Array) instanceof Uint16Array) {
    const vector = makeVector(data); // Float16: let Arrow decode the half floats
    for (let i = 0; i < n; i++) out[i] = (vector.get(i) as number | null) ?? 0;
  } else {
    for (let i = 0; i < n; i++) out[i] = values[i];
  }
  if (scale !== 1) for (let i = 0; i < n; i++) out[i] *= scale;
  if (divisor !== 1) for (let i = 0; i < n; i++) out[i] /= divisor;
  return out;
}
