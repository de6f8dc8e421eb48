// hashKeys: value-based, type-independent, pinned to fixed outputs so a change in the function
// (which would break cross-process / cross-version partitioning) is caught.

import { describe, expect, it } from 'vitest';
import {
  Bool, Dictionary, Float32, Float64, Int16, Int32, Int64, Table, TimestampMillisecond, Uint64, Utf8, vectorFromArray,
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
