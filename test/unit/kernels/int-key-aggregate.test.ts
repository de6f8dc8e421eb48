// IntKeyPartialAggregate (the map side's aggregation by one integer key, fed row group by row
// group) must give partialAggregate of the concatenation bit for bit: every narrow integer key
// type, null keys, value columns of several types with nulls, NaN and -0, tables of several
// batches, keys whose range moves from the direct lookup to hashing.

import { describe, expect, it } from 'vitest';
import { Int16, Int8, Uint32, Float16 } from 'apache-arrow';
import type { DataType, Table } from 'apache-arrow';
import { partialAggregate } from '../../../engine/kernels/aggregate.ts';
import type { Aggregations } from '../../../engine/kernels/aggregate.ts';
import { IntKeyPartialAggregate } from '../../../engine/kernels/int-key-aggregate.ts';
import { concatTables } from '../../../engine/kernels/concat-tables.ts';
import { T, batched, columnTypes, prng, rows, table } from './relational-fixtures.ts';

const all: Aggregations = {
  n: { fn: 'count' },
  total: { fn: 'sum', column: 'x' },
  avg: { fn: 'mean', column: 'x' },
  lo: { fn: 'min', column: 'x' },
  hi: { fn: 'max', column: 'x' },
  yAvg: { fn: 'mean', column: 'y' },
  yMax: { fn: 'max', column: 'y' },
};

/** Streams `tables` through the aggregator; undefined when it does not take the key. */
function streamed(tables: Table[], aggs: Aggregations = all): Table | undefined {
  const agg = IntKeyPartialAggregate.for(tables[0]!, ['k'], aggs);
  if (!agg) return undefined;
  for (const t of tables) agg.add(t);
  return agg.result();
}

function expectSame(got: Table | undefined, expected: Table): void {
  expect(got).toBeDefined();
  expect(columnTypes(got!)).toEqual(columnTypes(expected));
  expect(rows(got!)).toEqual(rows(expected));
  for (const f of expected.schema.fields.slice(1)) {
    // Bits of every state, nulls' slots included (0 in both).
    expect(got!.getChild(f.name)!.data[0]!.values, f.name).toEqual(expected.getChild(f.name)!.data[0]!.values);
    expect(got!.getChild(f.name)!.nullCount, f.name).toBe(expected.getChild(f.name)!.nullCount);
  }
}

/** `n` random rows as tables of 1..max rows, each table of up to 3 batches. */
function pieces(seed: number, n: number, keyType: () => DataType, key: (r: () => number) => unknown, xType: () => DataType, x: (r: () => number) => unknown, max: number): Table[] {
  const r = prng(seed);
  const data = Array.from({ length: n }, () => ({ k: key(r), x: x(r), y: r() < 0.3 ? null : Math.floor(r() * 9) }));
  const types = { k: keyType(), x: xType(), y: T.i32() };
  const tables: Table[] = [];
  for (let i = 0; i < n;) {
    const size = 1 + Math.floor(r() * max);
    const slice = data.slice(i, i + size);
    tables.push(size > 3 ? batched(types, slice, Math.ceil(size / 3)) : table(types, slice));
    i += size;
  }
  return tables;
}

describe('IntKeyPartialAggregate', () => {
  const floats = (r: () => number): unknown => {
    const u = r();
    return u < 0.1 ? null : u < 0.13 ? NaN : u < 0.16 ? -0 : Math.round(r() * 1000) / 8 - 60;
  };

  it('gives partialAggregate of the concatenation, bit for bit, for every narrow integer key and value type', () => {
    const cases: Array<[() => DataType, (r: () => number) => unknown, () => DataType, (r: () => number) => unknown]> = [
      [T.i32, (r) => Math.floor(r() * 50) - 25, T.f64, floats],
      [T.i32, (r) => Math.floor(r() * 50), T.f32, floats],
      [T.i32, (r) => (r() < 0.05 ? null : Math.floor(r() * 40)), T.f64, floats],
      [() => new Int8(), (r) => Math.floor(r() * 200) - 100, T.i32, (r) => (r() < 0.1 ? null : Math.floor(r() * 100) - 50)],
      [() => new Int16(), (r) => (r() < 0.02 ? null : Math.floor(r() * 3000) - 1500), T.i64, (r) => (r() < 0.1 ? null : BigInt(Math.floor(r() * 1e6)))],
      [() => new Uint32(), (r) => [0, 1, 2 ** 31, 2 ** 32 - 1, 77][Math.floor(r() * 5)], () => new Float16(), (r) => (r() < 0.1 ? null : Math.floor(r() * 16) / 4)],
    ];
    cases.forEach(([keyType, key, xType, x], c) => {
      const tables = pieces(200 + c, 3000, keyType, key, xType, x, 400);
      expect(tables.length).toBeGreaterThan(3);
      expectSame(streamed(tables), partialAggregate(concatTables(tables), ['k'], all));
    });
  });

  it('keeps numbering as key ranges move and widen until only hashing fits, and for a null key met late', () => {
    const i32 = (keys: Array<number | null>) => table({ k: T.i32(), x: T.f64(), y: T.i32() }, keys.map((k, i) => ({ k, x: i + 0.5, y: i })));
    // The direct lookup widens in the middle of a table (at 0, then at 300) and gives way to hashing in the middle of one (at 2 ** 30).
    const tables = [i32([100, 120, 100]), i32([110, 0, 5, 120]), i32([5, 300, 0]), i32([7, 2 ** 30, 0, -(2 ** 30)]), i32([5, null, 100, 2 ** 30, null])];
    const expected = partialAggregate(concatTables(tables), ['k'], all);
    expectSame(streamed(tables), expected);
    expectSame(streamed(tables, { n: { fn: 'count' }, s: { fn: 'sum', column: 'x' }, m: { fn: 'mean', column: 'y' } }),
      partialAggregate(concatTables(tables), ['k'], { n: { fn: 'count' }, s: { fn: 'sum', column: 'x' }, m: { fn: 'mean', column: 'y' } }));
    expect(rows(expected).map((r) => r.k)).toEqual([100, 120, 110, 0, 5, 300, 7, 2 ** 30, -(2 ** 30), null]);
  });

  it('takes count alone, and leaves other keys (several, wide, strings) to partialAggregate', () => {
    const tables = pieces(9, 500, T.i32, (r) => Math.floor(r() * 7), T.f64, floats, 100);
    expectSame(streamed(tables, { n: { fn: 'count' } }), partialAggregate(concatTables(tables), ['k'], { n: { fn: 'count' } }));
    expect(streamed([table({ k: T.i64(), x: T.f64(), y: T.i32() }, [])])).toBeUndefined();
    expect(streamed([table({ k: T.str(), x: T.f64(), y: T.i32() }, [])])).toBeUndefined();
    expect(IntKeyPartialAggregate.for(tables[0]!, ['k', 'y'], all)).toBeUndefined();
  });

  it('gives partialAggregate\'s errors for a bad aggregation, and refuses a table whose types changed', () => {
    const t = table({ k: T.i32(), x: T.str(), y: T.i32() }, [{ k: 1, x: 'a', y: 2 }]);
    expect(() => IntKeyPartialAggregate.for(t, ['k'], { s: { fn: 'sum', column: 'x' } })).toThrow(/needs a numeric column but 'x' is Utf8/);
    expect(() => IntKeyPartialAggregate.for(t, ['k'], { s: { fn: 'sum', column: 'nope' } })).toThrow(/column 'nope' is needed by aggregation 's'/);
    const agg = IntKeyPartialAggregate.for(table({ k: T.i32(), x: T.f64(), y: T.i32() }, []), ['k'], all)!;
    expect(() => agg.add(table({ k: T.i32(), x: T.f32(), y: T.i32() }, [{ k: 1, x: 2, y: 3 }]))).toThrow(/same schema/);
  });
});
