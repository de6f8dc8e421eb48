// Tests of distinctRows: first occurrence kept, on all columns or a subset, with nulls, NaN,
// strings, several batches and empty tables.

import { describe, expect, it } from 'vitest';
import { distinctRows } from '../../../engine/kernels/distinct.ts';
import { concatTables } from '../../../engine/kernels/concat-tables.ts';
import { T, batched, rows, table } from './relational-fixtures.ts';

describe('distinctRows', () => {
  const types = { a: T.i32(), b: T.str(), c: T.f64() };
  const data = [
    { a: 1, b: 'x', c: 0.5 }, { a: 1, b: 'x', c: 0.5 }, { a: 1, b: 'y', c: 0.5 }, { a: null, b: 'x', c: NaN },
    { a: null, b: 'x', c: NaN }, { a: 2, b: null, c: 1 }, { a: 1, b: 'x', c: 0.75 }, { a: 2, b: null, c: 1 },
  ];

  it('keeps the first occurrence of each distinct row over all columns (null = null, NaN = NaN)', () => {
    expect(rows(distinctRows(table(types, data)))).toEqual([
      { a: 1, b: 'x', c: 0.5 }, { a: 1, b: 'y', c: 0.5 }, { a: null, b: 'x', c: NaN }, { a: 2, b: null, c: 1 }, { a: 1, b: 'x', c: 0.75 },
    ]);
  });

  it('on a subset of columns keeps the whole first row of each distinct subset', () => {
    expect(rows(distinctRows(table(types, data), ['b']))).toEqual([
      { a: 1, b: 'x', c: 0.5 }, { a: 1, b: 'y', c: 0.5 }, { a: 2, b: null, c: 1 },
    ]);
    expect(rows(distinctRows(table(types, data), ['a', 'c'])).map((r) => [r.a, r.c])).toEqual([[1, 0.5], [null, NaN], [2, 1], [1, 0.75]]);
  });

  it('removes duplicates that span batches (as after concatenating map outputs)', () => {
    const many = batched(types, [...data, ...data], 3);
    expect(many.batches.length).toBeGreaterThan(3);
    expect(rows(distinctRows(many))).toEqual(rows(distinctRows(table(types, data))));
    const twice = concatTables([distinctRows(table(types, data)), distinctRows(table(types, data))]);
    expect(distinctRows(twice).numRows).toBe(5);
  });

  it('returns a table without duplicates unchanged, and handles empty tables', () => {
    const unique = table(types, data.slice(1, 4));
    expect(distinctRows(unique)).toBe(unique);
    expect(distinctRows(table(types, [])).numRows).toBe(0);
  });

  it('names a missing column', () => {
    expect(() => distinctRows(table(types, data), ['z'])).toThrow(/'z'.*a: Int32, b: Utf8, c: Float64/);
  });
});
