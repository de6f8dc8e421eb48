// Dense group numbers for the rows of a table by exact key equality: the first step of every
// grouped aggregation, distinct and hash join build. Groups are numbered 0, 1, 2, ... in the order
// their first row appears, so results are deterministic for a given input order.
//
// Worked example, key column k = [7, 3, 7, null, 3]:
//   groupOf  = [0, 1, 0, 2, 1]   (7 → 0, 3 → 1, null → 2: null is a key like any other)
//   numGroups = 3, firstRow = [0, 1, 3]
//
// The hash table is open addressing with linear probing over an Int32Array of slots (each holds
// group id + 1, 0 = empty); a group remembers its hash and its first row, and a probe compares
// the candidate row with that first row column by column, so hash collisions never merge groups.

import { Type, makeVector } from 'apache-arrow';
import type { Data, Table } from 'apache-arrow';
import { columnData } from './columns.ts';
import { isFixedWidth, isVarBinary } from './data-layout.ts';
import { toPlainValue } from './plain-values.ts';
import { hashColumnInto, KEY_HASH_SEED } from './key-hash.ts';

/** Result of {@link groupIds}. `firstRow[g]` is the first row of group g (length numGroups). */
export interface GroupIds {
  groupOf: Int32Array;
  numGroups: number;
  firstRow: Int32Array;
}

/**
 * Number the distinct key tuples of `keyColumns` in first-appearance order.
 * Numbers compare by value within a column (-0 equals 0, NaN equals NaN); nulls form one group.
 *
 * @example
 * const { groupOf, numGroups, firstRow } = groupIds(table, ['userId']);
 * // sums[groupOf[i]] += rating[i] for every row i
 */
export function groupIds(table: Table, keyColumns: readonly string[]): GroupIds {
  const n = table.numRows;
  if (keyColumns.length === 0) {
    return { groupOf: new Int32Array(n), numGroups: n > 0 ? 1 : 0, firstRow: n > 0 ? Int32Array.of(0) : new Int32Array(0) };
  }
  const columns = keyColumns.map((name) => columnData(table, name, 'as a grouping key'));
  if (columns.length === 1) {
    const words = keyWords(columns[0]);
    if (words) return groupByWords(words.lo, words.hi, columns[0]);
  }
  const hashes = new Uint32Array(n).fill(KEY_HASH_SEED);
  for (const data of columns) hashColumnInto(data, hashes);
  const equals = columns.map(rowEquality);
  const sameKey = (a: number, b: number): boolean => {
    for (let c = 0; c < equals.length; c++) if (!equals[c](a, b)) return false;
    return true;
  };
  return groupByHash(hashes, sameKey);
}

/** Grows the dense arrays of a group table. */
function grow(a: Int32Array, size: number): Int32Array {
  const out = new Int32Array(Math.max(size, a.length * 2));
  out.set(a);
  return out;
}

/** The general loop: `hashes[i]` decides the probe start, `sameKey(row, firstRowOfGroup)` decides equality. */
function groupByHash(hashes: Uint32Array, sameKey: (a: number, b: number) => boolean): GroupIds {
  const n = hashes.length;
  const groupOf = new Int32Array(n);
  let firstRow: Int32Array = new Int32Array(64);
  let groupHash: Int32Array = new Int32Array(64);
  let capacity = 128;
  let mask = capacity - 1;
  let slots = new Int32Array(capacity);
  let numGroups = 0;
  for (let i = 0; i < n; i++) {
    const h = hashes[i] | 0;
    let s = h & mask;
    let g = -1;
    for (;;) {
      const entry = slots[s];
      if (entry === 0) break;
      const candidate = entry - 1;
      if (groupHash[candidate] === h && sameKey(i, firstRow[candidate])) {
        g = candidate;
        break;
      }
      s = (s + 1) & mask;
    }
    if (g < 0) {
      g = numGroups++;
      if (g >= firstRow.length) {
        firstRow = grow(firstRow, g + 1);
        groupHash = grow(groupHash, g + 1);
      }
      firstRow[g] = i;
      groupHash[g] = h;
      slots[s] = g + 1;
      if (numGroups * 2 > capacity) {
        capacity *= 2;
        mask = capacity - 1;
        slots = new Int32Array(capacity);
        for (let k = 0; k < numGroups; k++) {
          let t = groupHash[k] & mask;
          while (slots[t] !== 0) t = (t + 1) & mask;
          slots[t] = k + 1;
        }
      }
    }
    groupOf[i] = g;
  }
  return { groupOf, numGroups, firstRow: firstRow.slice(0, numGroups) };
}

/** Fast path for one fixed-width numeric key: rows are equal iff their canonical 64-bit words are. */
function groupByWords(lo: Int32Array, hi: Int32Array | undefined, data: Data): GroupIds {
  const n = lo.length;
  const hasNulls = data.nullCount > 0 && data.nullBitmap !== undefined && data.nullBitmap.length > 0;
  if (!hasNulls) return groupByWordPairs(lo, hi);
  const hashes = new Uint32Array(n);
  for (let i = 0; i < n; i++) hashes[i] = wordHash(lo[i]!, hi === undefined ? 0 : hi[i]!);
  const bitmap = data.nullBitmap!;
  const off = data.offset;
  const valid = (i: number): boolean => (bitmap[(off + i) >> 3] & (1 << ((off + i) & 7))) !== 0;
  for (let i = 0; i < n; i++) if (!valid(i)) hashes[i] = 0x6e756c6c;
  return groupByHash(hashes, (a, b) => {
    const va = valid(a);
    if (va !== valid(b)) return false;
    return !va || (lo[a] === lo[b] && (hi === undefined || hi[a] === hi[b]));
  });
}

/** The hash of a key's two words (a murmur3-style finalizer of their mix). */
function wordHash(l: number, u: number): number {
  let h = Math.imul(l ^ Math.imul(u, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * groupByHash for one integer-like key without nulls: IncrementalWordGroups on its one table (the
 * hash computed as the row is probed, each group's key words kept beside its hash, a direct lookup
 * while the keys are 32-bit and in a narrow range). The commonest grouping: one integer key, as in
 * per-item or per-user aggregates. `hi` undefined means every high word is 0 (keys of 32 bits).
 */
function groupByWordPairs(lo: Int32Array, hi: Int32Array | undefined): GroupIds {
  const groups = new IncrementalWordGroups();
  const groupOf = groups.addWords(lo, hi);
  return { groupOf, numGroups: groups.numGroups, firstRow: groups.firstRow.slice(0, groups.numGroups) };
}

/**
 * Each row's key as two canonical 32-bit words (lo, hi) for fixed-width numeric/temporal types of
 * up to 8 bytes; floats have -0 → 0 and NaN → one NaN so bitwise equality is value equality.
 * For keys of up to 32 bits `hi` is undefined (all zero), and an Int32 column is its own `lo` (no copy).
 * Undefined for other types, which groupIds tells apart by canonicalText.
 */
export function keyWords(data: Data): { lo: Int32Array; hi: Int32Array | undefined } | undefined {
  const { type } = data;
  if (!isFixedWidth(type) || data.stride !== 1) return undefined;
  if (type.typeId === Type.Decimal || type.typeId === Type.FixedSizeBinary || type.typeId === Type.Interval) return undefined;
  const n = data.length;
  const values = data.values as ArrayBufferView & ArrayLike<number> & { BYTES_PER_ELEMENT: number };
  if (values instanceof Int32Array) return { lo: values.length === n ? values : values.subarray(0, n), hi: undefined };
  const lo = new Int32Array(n);
  if (values instanceof Float64Array) {
    const hi = new Int32Array(n);
    const w = new Int32Array(values.buffer, values.byteOffset, 2 * n);
    for (let i = 0; i < n; i++) {
      const x = values[i];
      if (x !== x) hi[i] = 0x7ff80000;
      else if (x !== 0) {
        lo[i] = w[2 * i];
        hi[i] = w[2 * i + 1];
      }
    }
    return { lo, hi };
  }
  if (values instanceof Float32Array) {
    const w = new Int32Array(values.buffer, values.byteOffset, n);
    for (let i = 0; i < n; i++) {
      const x = values[i];
      lo[i] = x !== x ? 0x7fc00000 : x === 0 ? 0 : w[i];
    }
    return { lo, hi: undefined };
  }
  if (values.BYTES_PER_ELEMENT === 8) {
    const hi = new Int32Array(n);
    const w = new Int32Array(values.buffer, values.byteOffset, 2 * n);
    for (let i = 0; i < n; i++) {
      lo[i] = w[2 * i];
      hi[i] = w[2 * i + 1];
    }
    return { lo, hi };
  }
  for (let i = 0; i < n; i++) lo[i] = values[i]; // Int8..Int16, Uint8..Uint32 (Uint32 wraps, still 1:1)
  return { lo, hi: undefined };
}

/** `(a, b) => row a equals row b` in this column, nulls equal to nulls only. */
function rowEquality(data: Data): (a: number, b: number) => boolean {
  const hasNulls = data.nullCount > 0 && data.nullBitmap !== undefined && data.nullBitmap.length > 0;
  const bitmap = data.nullBitmap;
  const off = data.offset;
  const valueEq = valueEquality(data);
  if (!hasNulls) return valueEq;
  const valid = (i: number): boolean => (bitmap![(off + i) >> 3] & (1 << ((off + i) & 7))) !== 0;
  return (a, b) => {
    const va = valid(a);
    if (va !== valid(b)) return false;
    return !va || valueEq(a, b);
  };
}

function valueEquality(data: Data): (a: number, b: number) => boolean {
  const { type } = data;
  const words = keyWords(data);
  if (words) {
    const { lo, hi } = words;
    return hi === undefined ? (a, b) => lo[a] === lo[b] : (a, b) => lo[a] === lo[b] && hi[a] === hi[b];
  }
  if (type.typeId === Type.Bool) {
    const values = data.values as Uint8Array;
    const off = data.offset;
    const bit = (i: number): number => values[(off + i) >> 3] & (1 << ((off + i) & 7));
    return (a, b) => (bit(a) === 0) === (bit(b) === 0);
  }
  if (isVarBinary(type)) {
    const values = data.values as Uint8Array;
    const offsets = data.valueOffsets as Int32Array;
    return (a, b) => {
      const sa = offsets[a];
      const sb = offsets[b];
      const len = offsets[a + 1] - sa;
      if (offsets[b + 1] - sb !== len) return false;
      for (let k = 0; k < len; k++) if (values[sa + k] !== values[sb + k]) return false;
      return true;
    };
  }
  // Generic: compare a canonical text rendering of each value (List, Struct, Dictionary, ...).
  const vector = makeVector(data);
  const keys = new Array<string>(data.length);
  for (let i = 0; i < data.length; i++) keys[i] = canonicalText(toPlainValue(vector.get(i)));
  return (a, b) => keys[a] === keys[b];
}

/**
 * The text groupIds compares values of a generic type by (List, Struct, Dictionary, ...): equal
 * texts, equal keys. Also what the spilling groupByKey sorts such keys by.
 *
 * @example canonicalText(toPlainValue(structRow)); // '{"a":1,"b":"x"}'
 */
export function canonicalText(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (typeof x === 'bigint') return `${x}n`;
    if (ArrayBuffer.isView(x)) return Array.from(x as unknown as ArrayLike<number>);
    if (x instanceof Map) return [...x.entries()];
    return x;
  });
}

/**
 * Group numbers for one integer-like key column (no nulls) over several tables fed in order, such
 * as the row groups a map task reads: one hash table grows across all of them, so group g is the
 * g-th distinct key in arrival order, exactly as groupIds numbers the tables' concatenation, and
 * no table is concatenated or re-grouped. `add` returns undefined for a column it cannot take
 * (nulls, a type without canonical words); the caller then groups the concatenation instead.
 *
 * @example
 * const groups = new IncrementalWordGroups();
 * const g0 = groups.add(columnData(t0, 'itemId'))!; // groups of t0's rows
 * const g1 = groups.add(columnData(t1, 'itemId'))!; // t1's rows, numbered after t0's new keys
 * groups.numGroups; // distinct keys of t0 then t1
 */
export class IncrementalWordGroups {
  numGroups = 0;
  /** Row of each group's first appearance, within the table that brought it. */
  firstRow: Int32Array = new Int32Array(64);
  private groupHash: Int32Array = new Int32Array(64);
  private groupLo: Int32Array = new Int32Array(64);
  private groupHi: Int32Array = new Int32Array(64);
  private mask = 127;
  private slots = new Int32Array(128);
  /**
   * While every key so far is a 32-bit value in a narrow range (item or user ids): group id + 1 by
   * key - denseMin, one array read per row instead of a hash probe. Undefined once the keys are
   * wide; the hash table (kept in step from then on) takes over for good.
   */
  private dense: Int32Array | undefined = new Int32Array(0);
  private denseMin = 0;

  add(data: Data): Int32Array | undefined {
    if (data.nullCount > 0 && data.nullBitmap !== undefined && data.nullBitmap.length > 0) return undefined;
    const words = keyWords(data);
    return words && this.addWords(words.lo, words.hi);
  }

  /**
   * `add` for a key already as canonical words (keyWords), without nulls. The group of row i goes
   * to `into[i]` when given (a buffer reused batch after batch), else to a new array.
   */
  addWords(lo: Int32Array, hi: Int32Array | undefined, into?: Int32Array): Int32Array {
    const groupOf = into !== undefined && into.length >= lo.length ? into : new Int32Array(lo.length);
    let from = 0;
    // Dense rows until a key outside the map's range; the map widens to the rest's keys and goes
    // on, or (too wide) the hash table takes the rest. No pass over the keys before the first.
    while (hi === undefined && this.dense !== undefined) {
      if (this.dense.length > 0) from = this.addDense(lo, groupOf, from);
      if (from === lo.length) return groupOf;
      if (!this.fitDense(lo.subarray(from), lo.length)) break;
    }
    if (this.dense !== undefined) this.leaveDense();
    return this.addHashed(lo, hi, groupOf, from);
  }

  /** The key words of group g (its low word, and its high word: 0 for keys of 32 bits). */
  keyLo(g: number): number {
    return this.groupLo[g]!;
  }

  keyHi(g: number): number {
    return this.dense !== undefined ? 0 : this.groupHi[g]!;
  }

  /** Widens the dense map to cover `lo`'s keys if that stays small (at most 4 MiB, and a few slots per row of the `rows` in the batch). */
  private fitDense(lo: Int32Array, rows: number): boolean {
    let min = 2147483647;
    let max = -2147483648;
    for (let i = 0; i < lo.length; i++) {
      const v = lo[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (lo.length === 0) return true;
    const dense = this.dense!;
    const from = dense.length === 0 ? min : Math.min(min, this.denseMin);
    const to = dense.length === 0 ? max : Math.max(max, this.denseMin + dense.length - 1);
    const width = to - from + 1;
    if (width > DENSE_MAX_SLOTS || width > Math.max(1 << 16, 4 * (rows + this.numGroups))) return false;
    if (from !== this.denseMin || width !== dense.length) {
      const wider = new Int32Array(width);
      if (dense.length > 0) wider.set(dense, this.denseMin - from);
      this.dense = wider;
      this.denseMin = from;
    }
    return true;
  }

  /**
   * Groups rows from `from` on by the dense map, up to the first whose key lies outside its range;
   * returns that row (lo.length when every row was grouped).
   */
  private addDense(lo: Int32Array, groupOf: Int32Array, from: number): number {
    const n = lo.length;
    const dense = this.dense!;
    const base = this.denseMin;
    const width = dense.length;
    let { firstRow, groupLo, numGroups } = this;
    let i = from;
    for (; i < n; i++) {
      const l = lo[i]!;
      const slot = l - base;
      if (slot < 0 || slot >= width) break;
      const entry = dense[slot]!;
      let g: number;
      if (entry !== 0) g = entry - 1;
      else {
        g = numGroups++;
        if (g >= firstRow.length) {
          firstRow = grow(firstRow, g + 1);
          groupLo = grow(groupLo, g + 1);
        }
        firstRow[g] = i;
        groupLo[g] = l;
        dense[slot] = g + 1;
      }
      groupOf[i] = g;
    }
    this.firstRow = firstRow;
    this.groupLo = groupLo;
    this.numGroups = numGroups;
    return i;
  }

  /** From the dense map to the hash table: every group so far gets its hash and a slot. */
  private leaveDense(): void {
    this.dense = undefined;
    const n = this.numGroups;
    const size = Math.max(64, this.groupLo.length);
    const groupHash = new Int32Array(size);
    const groupHi = new Int32Array(size);
    for (let g = 0; g < n; g++) groupHash[g] = wordHash(this.groupLo[g]!, 0);
    let capacity = 128;
    while (n * 2 > capacity) capacity *= 2;
    const mask = capacity - 1;
    const slots = new Int32Array(capacity);
    for (let g = 0; g < n; g++) {
      let t = groupHash[g]! & mask;
      while (slots[t] !== 0) t = (t + 1) & mask;
      slots[t] = g + 1;
    }
    Object.assign(this, { groupHash, groupHi, mask, slots });
  }

  private addHashed(lo: Int32Array, hi: Int32Array | undefined, groupOf: Int32Array, from: number): Int32Array {
    const n = lo.length;
    let { firstRow, groupHash, groupLo, groupHi, mask, slots, numGroups } = this;
    for (let i = from; i < n; i++) {
      const l = lo[i]!;
      const u = hi === undefined ? 0 : hi[i]!;
      const h = wordHash(l, u);
      let s = h & mask;
      let g = -1;
      for (;;) {
        const entry = slots[s]!;
        if (entry === 0) break;
        const candidate = entry - 1;
        if (groupHash[candidate] === h && groupLo[candidate] === l && groupHi[candidate] === u) {
          g = candidate;
          break;
        }
        s = (s + 1) & mask;
      }
      if (g < 0) {
        g = numGroups++;
        if (g >= firstRow.length) {
          firstRow = grow(firstRow, g + 1);
          groupHash = grow(groupHash, g + 1);
          groupLo = grow(groupLo, g + 1);
          groupHi = grow(groupHi, g + 1);
        }
        firstRow[g] = i;
        groupHash[g] = h;
        groupLo[g] = l;
        groupHi[g] = u;
        slots[s] = g + 1;
        if (numGroups * 2 > mask + 1) {
          mask = 2 * (mask + 1) - 1;
          slots = new Int32Array(mask + 1);
          for (let k = 0; k < numGroups; k++) {
            let t = groupHash[k]! & mask;
            while (slots[t] !== 0) t = (t + 1) & mask;
            slots[t] = k + 1;
          }
        }
      }
      groupOf[i] = g;
    }
    Object.assign(this, { firstRow, groupHash, groupLo, groupHi, mask, slots, numGroups });
    return groupOf;
  }
}

/** Most slots of IncrementalWordGroups' dense map (4 MiB). */
const DENSE_MAX_SLOTS = 1 << 20;
