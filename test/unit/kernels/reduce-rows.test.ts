// Tests of reduceRowsByKey: folding value rows per key with a user function, the output schema
// (kept when the reduced rows fit it, inferred otherwise), map-side + reduce-side composition.

import { describe, expect, it } from 'vitest';
import { reduceRowsByKey } from '../../../engine/kernels/reduce-rows.ts';
import { concatTables } from '../../../engine/kernels/concat-tables.ts';
import { sliceRows } from '../../../engine/kernels/take.ts';
import type { Row } from '../../../engine/kernels/rows.ts';
import { T, batched, columnTypes, rows, table } from './relational-fixtures.ts';

const add = (a: Row, b: Row): Row => ({ n: (a.n as number) + (b.n as number), w: (a.w as string) + (b.w as string) });

describe('reduceRowsByKey', () => {
  const types = { k: T.str(), n: T.i32(), w: T.str() };
  const data = [
    { k: 'x', n: 1, w: 'a' }, { k: 'y', n: 2, w: 'b' }, { k: 'x', n: 3, w: 'c' }, { k: null, n: 4, w: 'd' }, { k: 'x', n: 5, w: 'e' },
  ];

  it('folds the value columns per key in row order, keys in first-appearance order, schema kept', () => {
    const out = reduceRowsByKey(table(types, data), ['k'], add);
    expect(columnTypes(out)).toEqual(['k: Utf8', 'n: Int32', 'w: Utf8']);
    expect(rows(out)).toEqual([{ k: 'x', n: 9, w: 'ace' }, { k: 'y', n: 2, w: 'b' }, { k: null, n: 4, w: 'd' }]);
  });

  it('infers the schema when the reduced rows do not fit the input value columns', () => {
    const halves = reduceRowsByKey(table(types, data), ['k'], (a, b) => ({ n: ((a.n as number) + (b.n as number)) / 2, w: a.w }));
    expect(columnTypes(halves)).toEqual(['k: Utf8', 'n: Float64', 'w: Utf8']);
    expect(rows(halves)[0]).toEqual({ k: 'x', n: 3.5, w: 'a' });
    const reshaped = reduceRowsByKey(table(types, data), ['k'], (a, b) => ({ total: Number(a.total ?? a.n) + (b.n as number) }));
    // A key with a single row never goes through fn, so its row keeps the input fields: the
    // inferred schema is the union (as in Spark, fn should return rows shaped like its inputs).
    expect(columnTypes(reshaped)).toEqual(['k: Utf8', 'total: Float64', 'n: Float64', 'w: Utf8']);
    expect(rows(reshaped)).toEqual([
      { k: 'x', total: 9, n: null, w: null },
      { k: 'y', total: null, n: 2, w: 'b' },
      { k: null, total: null, n: 4, w: 'd' },
    ]);
  });

  it('works on several keys and many batches; combining per map task then merging gives the same result', () => {
    const t2 = { a: T.i32(), b: T.str(), n: T.i32(), w: T.str() };
    const d2 = Array.from({ length: 90 }, (_, i) => ({ a: i % 4, b: i % 3 === 0 ? 'p' : 'q', n: i, w: String.fromCharCode(97 + (i % 26)) }));
    const whole = reduceRowsByKey(batched(t2, d2, 11), ['a', 'b'], add);
    expect(whole.numRows).toBe(8);
    const t = table(t2, d2);
    const mapSide = [sliceRows(t, 0, 30), sliceRows(t, 30, 60), sliceRows(t, 60, 90)].map((p) => reduceRowsByKey(p, ['a', 'b'], add));
    expect(rows(reduceRowsByKey(concatTables(mapSide), ['a', 'b'], add))).toEqual(rows(whole));
  });

  it('returns an empty table with the input schema for empty input', () => {
    const out = reduceRowsByKey(table(types, []), ['k'], add);
    expect(out.numRows).toBe(0);
    expect(columnTypes(out)).toEqual(['k: Utf8', 'n: Int32', 'w: Utf8']);
  });

  it('errors when the function returns a key column or not a row', () => {
    expect(() => reduceRowsByKey(table(types, data), ['k'], (a) => ({ ...a, k: 'z' }))).toThrow(/key column 'k'/);
    expect(() => reduceRowsByKey(table(types, data), ['k'], () => 5 as unknown as Row)).toThrow(/must return a row object/);
    expect(() => reduceRowsByKey(table(types, data), ['key'], add)).toThrow(/'key'.*k: Utf8/);
  });
});
