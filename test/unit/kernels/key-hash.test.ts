// hashKeys: value-based, type-independent, pinned to fixed outputs so a change in the function
// (which would break cross-process / cross-version partitioning) is caught.

import { describe, expect, it } from 'vitest';
import {
  Bool, Dictionary, Float32, Float64, Int16, Int32, Int64, Table, TimestampMillisecond, Uint64, Utf8, makeVector, vectorFromArray,
} from 'apache-arrow';
import type { DataType } from 'apache-arrow';
import { hashKeys, hashValue, murmur3Bytes } from '../../../engine/kernels/key-hash.ts';
import { concatTables } from '../../../engine/kernels/concat-tables.ts';

const col = (values: unknown[], type: DataType, name = 'k'): Table => new Table({ [name]: vectorFromArray(values, type) });
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('murmur3Bytes', () => {
  it('matches the reference MurmurHash3_x86_32 test vectors', () => {
    expect(murmur3Bytes(utf8(''), 0, 0, 0)).toBe(0);
    expect(murmur3Bytes(utf8(''), 0, 0, 1)).toBe(0x514e28b7);
    expect(murmur3Bytes(utf8('hello'), 0, 5, 0)).toBe(0x248bfa47);
    const fox = utf8('The quick brown fox jumps over the lazy dog');
    expect(murmur3Bytes(fox, 0, fox.length, 0)).toBe(0x2e4ff723);
    expect(murmur3Bytes(utf8('a'), 0, 1, 0x9747b28c)).toBe(0x7fa09ea6);
  });
});

describe('hashKeys', () => {
  it('hashes equal numbers equally across Int16/Int32/Int64/Uint64/Float32/Float64', () => {
    const values = [5, 0, -3, null, 12345];
    const tables = [
      col(values, new Int16()),
      col(values, new Int32()),
      col(values.map((v) => (v === null ? null : BigInt(v))), new Int64()),
      col(values, new Float32()),
      col(values, new Float64()),
    ];
    const expected = Array.from(hashKeys(tables[4], ['k']));
    for (const t of tables) expect(Array.from(hashKeys(t, ['k'])), String(t.schema.fields[0].type)).toEqual(expected);
    expect(hashKeys(col([5n], new Uint64()), ['k'])[0]).toBe(expected[0]);
  });

  it('pins known outputs (cross-process stability)', () => {
    expect(hashKeys(col([5, 0, null], new Int32()), ['k'])).toEqual(Uint32Array.of(2988975741, 1669671676, 2578158840));
    expect(hashKeys(col(['x', 'héllo'], new Utf8()), ['k'])).toEqual(Uint32Array.of(1050319643, 3164577896));
    expect(hashValue(5, 0)).toBe(2988975741);
    expect(hashValue(2, hashValue('héllo', 0))).toBe(2667266260);
  });

  it('hashes long Int32/Uint32/Int64/Uint64/Float64 columns (the wasm kernels) exactly as hashValue does, row by row', () => {
    const n = 40_000; // more than one of the kernels' chunks (32,768 rows)
    const i32 = Int32Array.from({ length: n }, (_, i) => (Math.imul(i, 2654435761) | 0) >> (i % 32));
    i32.set([-2147483648, 2147483647, 0, -1, 1], 0);
    const i64 = BigInt64Array.from({ length: n }, (_, i) => (BigInt(i32[i]!) << BigInt(i % 33)) * (i % 3 === 0 ? -1n : 1n) + BigInt(i));
    i64.set([-(2n ** 63n), 2n ** 63n - 1n, 2n ** 53n + 1n, -(2n ** 53n) - 3n], 0); // the last two round to even as float64
    const f64 = Float64Array.from({ length: n }, (_, i) => (i % 7 === 0 ? -0 : i % 11 === 0 ? NaN : i32[i]! / 7));
    new Uint32Array(f64.buffer)[2 * 22 + 1] = 0xfff12345; // a NaN with a payload and the sign bit
    const table = new Table({
      a: makeVector(i32), b: makeVector(Uint32Array.from(i32, (x) => x >>> 0)), c: makeVector(i64),
      d: makeVector(BigUint64Array.from(i64, (x) => BigInt.asUintN(64, x))), e: makeVector(f64),
    });
    const column = (name: string): unknown[] => [...(table as Table).getChild(name)!];
    // The first row that differs (-1: none): toEqual on 40,000-element arrays takes seconds.
    const firstDiff = (got: Uint32Array, expected: Uint32Array): number => got.length !== expected.length ? -2 : got.findIndex((h, i) => h !== expected[i]);
    for (const name of ['a', 'b', 'c', 'd', 'e']) {
      const values = column(name);
      const expected = Uint32Array.from(values, (v) => hashValue(v, 0));
      expect(firstDiff(hashKeys(table, [name]), expected), name).toBe(-1);
      expect(firstDiff(hashKeys(table.slice(123), [name]), expected.subarray(123)), `${name} sliced`).toBe(-1);
    }
    const [a, e, c] = [column('a'), column('e'), column('c')];
    expect(firstDiff(hashKeys(table, ['a', 'e', 'c']), Uint32Array.from({ length: n }, (_, i) => hashValue(c[i], hashValue(e[i], hashValue(a[i], 0)))))).toBe(-1);
  });

  it('hashes long string columns (the wasm kernel, with rows longer than its memory) exactly as hashValue does', () => {
    const n = 40_000;
    const words = ['', 'a', 'ab', 'abc', 'abcd', 'héllo', '日本語テキスト', 'The quick brown fox jumps over the lazy dog'];
    const strings = Array.from({ length: n }, (_, i) => `${words[i % words.length]}${i % 3 === 0 ? '' : i}`.repeat(1 + (i % 4)));
    strings[7] = 'x'.repeat(3 << 20); // 3 MB: more than the kernels' staging memory holds
    strings[39_999] = 'y'.repeat(600_000); // fits alone, not with its neighbours
    const table = new Table({ s: vectorFromArray(strings, new Utf8()) });
    const expected = Uint32Array.from(strings, (v) => hashValue(v, 0));
    const firstDiff = (got: Uint32Array, want: Uint32Array): number => got.length !== want.length ? -2 : got.findIndex((h, i) => h !== want[i]);
    expect(firstDiff(hashKeys(table, ['s']), expected)).toBe(-1);
    expect(firstDiff(hashKeys(table.slice(5), ['s']), expected.subarray(5))).toBe(-1);
    const two = new Table({ s: table.getChild('s')!, k: vectorFromArray(Array.from({ length: n }, (_, i) => i), new Int32()) });
    expect(firstDiff(hashKeys(two, ['k', 's']), Uint32Array.from(strings, (v, i) => hashValue(v, hashValue(i, 0))))).toBe(-1);
  });

  it('hashes long columns with nulls (wasm, then the null rows) exactly as hashValue does', () => {
    const n = 40_000;
    const isNull = (i: number): boolean => i % 7 === 0 || (i >= 1000 && i < 1100);
    const ints = Array.from({ length: n }, (_, i) => (isNull(i) ? null : (i * 2654435761) % 100_003));
    const table = new Table({
      i: vectorFromArray(ints, new Int32()),
      f: vectorFromArray(ints.map((v) => (v === null ? null : v / 3)), new Float64()),
      l: vectorFromArray(ints.map((v) => (v === null ? null : BigInt(v) * 3_000_000_007n)), new Int64()),
      s: vectorFromArray(ints.map((v) => (v === null ? null : `k${v}`)), new Utf8()),
    });
    const firstDiff = (got: Uint32Array, want: Uint32Array): number => got.length !== want.length ? -2 : got.findIndex((h, i) => h !== want[i]);
    for (const name of ['i', 'f', 'l', 's']) {
      const values = [...(table as Table).getChild(name)!];
      const expected = Uint32Array.from(values, (v) => hashValue(v, 0));
      expect(firstDiff(hashKeys(table, [name]), expected), name).toBe(-1);
      expect(firstDiff(hashKeys(table.slice(3), [name]), expected.subarray(3)), `${name} sliced`).toBe(-1);
    }
  });

  it('treats -0 as 0 and every NaN as one value', () => {
    const h = hashKeys(col([0, -0, NaN, -NaN, Number('x')], new Float64()), ['k']);
    expect(h[1]).toBe(h[0]);
    expect(h[3]).toBe(h[2]);
    expect(h[4]).toBe(h[2]);
    expect(h[2]).not.toBe(h[0]);
  });

  it('is the same for separately built tables, and across batches', () => {
    const a = hashKeys(col(['a', 'bb', 'ccc'], new Utf8()), ['k']);
    const b = hashKeys(concatTables([col(['a'], new Utf8()), col(['bb', 'ccc'], new Utf8())]), ['k']);
    expect(b).toEqual(a);
    const d = hashKeys(col(['a', 'bb', 'ccc'], new Utf8()).slice(1), ['k']);
    expect(Array.from(d)).toEqual([a[1], a[2]]);
  });

  it('differs for different values', () => {
    const ints = hashKeys(col(Array.from({ length: 1000 }, (_, i) => i), new Int32()), ['k']);
    expect(new Set(ints).size).toBe(1000);
    const strs = hashKeys(col(['a', 'b', '', null, 'ab', 'ba'], new Utf8()), ['k']);
    expect(new Set(strs).size).toBe(6);
    const bools = hashKeys(col([true, false, null], new Bool()), ['k']);
    expect(new Set(bools).size).toBe(3);
  });

  it('combines several columns in order', () => {
    const t = new Table({ a: vectorFromArray(['x', 'y'], new Utf8()), b: vectorFromArray([1, 2], new Int32()) });
    const ab = hashKeys(t, ['a', 'b']);
    const ba = hashKeys(t, ['b', 'a']);
    expect(ab[0]).toBe(hashValue(1, hashValue('x', 0)));
    expect(ab[0]).not.toBe(ba[0]);
  });

  it('hashes a Timestamp like the same instant as a Date value', () => {
    const h = hashKeys(col([1_700_000_000_000], new TimestampMillisecond()), ['k']);
    expect(h[0]).toBe(hashValue(new Date(1_700_000_000_000), 0));
  });

  it('hashes a dictionary-encoded string column like plain Utf8 (generic path)', () => {
    const values = ['red', null, 'green', 'red'];
    const dict = hashKeys(col(values, new Dictionary(new Utf8(), new Int32())), ['k']);
    expect(dict).toEqual(hashKeys(col(values, new Utf8()), ['k']));
  });

  it('names the missing column and lists the schema', () => {
    const t = col([1], new Int32(), 'userId');
    expect(() => hashKeys(t, ['user'])).toThrow(/column 'user' is needed as a key column .* schema is \[userId: Int32\]/);
  });
});
