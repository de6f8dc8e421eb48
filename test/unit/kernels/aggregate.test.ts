// Tests of grouped aggregation: results, types, null handling, the partial → merge → finish
// split across map tasks, determinism of float sums, and the errors users see.

import { describe, expect, it } from 'vitest';
import { Field, Float64, Schema } from 'apache-arrow';
import {
  AggregateError, aggregateOnce, finishAggregate, mergePartials, partialAggregate, partialAggregateTables,
} from '../../../engine/kernels/aggregate.ts';
import type { Aggregations } from '../../../engine/kernels/aggregate.ts';
import { ColumnNotFoundError, tableFromColumns } from '../../../engine/kernels/columns.ts';
import { concatTables } from '../../../engine/kernels/concat-tables.ts';
import { columnFromValues } from '../../../engine/kernels/rows.ts';
import { sliceRows } from '../../../engine/kernels/take.ts';
import { T, batched, columnTypes, prng, rows, table } from './relational-fixtures.ts';

const all: Aggregations = {
  n: { fn: 'count' },
  total: { fn: 'sum', column: 'x' },
  avg: { fn: 'mean', column: 'x' },
  lo: { fn: 'min', column: 'x' },
  hi: { fn: 'max', column: 'x' },
};

describe('aggregateOnce', () => {
  it('computes count, sum, mean, min and max per Int32 key, groups in first-appearance order', () => {
    const t = table({ k: T.i32(), x: T.i32() }, [
      { k: 7, x: 1 }, { k: 3, x: 10 }, { k: 7, x: 5 }, { k: 3, x: -2 }, { k: 9, x: 4 },
    ]);
    const out = aggregateOnce(t, ['k'], all);
    expect(columnTypes(out)).toEqual(['k: Int32', 'n: Int32', 'total: Float64', 'avg: Float64', 'lo: Float64', 'hi: Float64']);
    expect(rows(out)).toEqual([
      { k: 7, n: 2, total: 6, avg: 3, lo: 1, hi: 5 },
      { k: 3, n: 2, total: 8, avg: 4, lo: -2, hi: 10 },
      { k: 9, n: 1, total: 4, avg: 4, lo: 4, hi: 4 },
    ]);
  });

  it('ignores null values, gives null for a group with only nulls, and counts every row', () => {
    const t = table({ k: T.str(), x: T.f64() }, [
      { k: 'a', x: 1.5 }, { k: 'b', x: null }, { k: 'a', x: null }, { k: 'b', x: null }, { k: 'a', x: 2.5 },
    ]);
    expect(rows(aggregateOnce(t, ['k'], all))).toEqual([
      { k: 'a', n: 3, total: 4, avg: 2, lo: 1.5, hi: 2.5 },
      { k: 'b', n: 2, total: null, avg: null, lo: null, hi: null },
    ]);
  });

  it('groups by several key columns, null being a key value like any other', () => {
    const t = table({ a: T.str(), b: T.i32(), x: T.f32() }, [
      { a: 'u', b: 1, x: 1 }, { a: 'u', b: 2, x: 2 }, { a: null, b: 1, x: 3 }, { a: 'u', b: 1, x: 4 }, { a: null, b: 1, x: 5 },
      { a: 'u', b: null, x: 6 },
    ]);
    expect(rows(aggregateOnce(t, ['a', 'b'], { n: { fn: 'count' }, s: { fn: 'sum', column: 'x' } }))).toEqual([
      { a: 'u', b: 1, n: 2, s: 5 },
      { a: 'u', b: 2, n: 1, s: 2 },
      { a: null, b: 1, n: 2, s: 8 },
      { a: 'u', b: null, n: 1, s: 6 },
    ]);
  });

  it('gives the same result for a multi-batch table as for one batch', () => {
    const random = prng(11);
    const data = Array.from({ length: 500 }, () => ({ k: Math.floor(random() * 17), x: random() < 0.1 ? null : Math.floor(random() * 100) / 4 }));
    const types = { k: T.i32(), x: T.f64() };
    const one = aggregateOnce(table(types, data), ['k'], all);
    const many = batched(types, data, 37);
    expect(many.batches.length).toBeGreaterThan(10);
    expect(rows(aggregateOnce(many, ['k'], all))).toEqual(rows(one));
  });

  it('sums Int64 columns and follows the NaN rule for min and max (NaN above every number)', () => {
    const t = table({ k: T.i32(), big: T.i64(), f: T.f64() }, [
      { k: 1, big: 5n, f: NaN }, { k: 1, big: 7n, f: 2 }, { k: 2, big: -1n, f: 3 }, { k: 2, big: null, f: NaN },
    ]);
    const out = rows(aggregateOnce(t, ['k'], { s: { fn: 'sum', column: 'big' }, lo: { fn: 'min', column: 'f' }, hi: { fn: 'max', column: 'f' } }));
    expect(out).toEqual([{ k: 1, s: 12, lo: 2, hi: NaN }, { k: 2, s: -1, lo: 3, hi: NaN }]);
  });

  it('adds floating-point values in row order within a group', () => {
    // (1e16 + 1) rounds back to 1e16, so the row-order sum ((1e16 + 1) - 1e16) + 1 is exactly 1;
    // adding the two 1s first would give 2.
    const t = table({ k: T.i32(), x: T.f64() }, [{ k: 1, x: 1e16 }, { k: 1, x: 1 }, { k: 1, x: -1e16 }, { k: 1, x: 1 }]);
    expect(rows(aggregateOnce(t, ['k'], { s: { fn: 'sum', column: 'x' } }))).toEqual([{ k: 1, s: 1 }]);
  });

  it('returns an empty table with the output schema for an empty input', () => {
    const t = table({ k: T.str(), x: T.f64() }, []);
    const out = aggregateOnce(t, ['k'], all);
    expect(out.numRows).toBe(0);
    expect(columnTypes(out)).toEqual(['k: Utf8', 'n: Int32', 'total: Float64', 'avg: Float64', 'lo: Float64', 'hi: Float64']);
  });

  it('without keys aggregates the whole table into one row, even an empty one', () => {
    const t = table({ x: T.f64() }, [{ x: 1 }, { x: 2 }, { x: null }]);
    expect(rows(aggregateOnce(t, [], all))).toEqual([{ n: 3, total: 3, avg: 1.5, lo: 1, hi: 2 }]);
    const empty = table({ x: T.f64() }, []);
    expect(rows(aggregateOnce(empty, [], all))).toEqual([{ n: 0, total: null, avg: null, lo: null, hi: null }]);
  });
});

describe('partialAggregate / mergePartials / finishAggregate', () => {
  it('lays out Float64 state columns named output$state', () => {
    const t = table({ k: T.i32(), x: T.f32() }, [{ k: 1, x: 2 }, { k: 1, x: null }]);
    const partial = partialAggregate(t, ['k'], all);
    expect(columnTypes(partial)).toEqual([
      'k: Int32', 'n$count: Float64', 'total$sum: Float64', 'avg$sum: Float64', 'avg$count: Float64', 'lo$min: Float64', 'hi$max: Float64',
    ]);
    expect(rows(partial)).toEqual([{ k: 1, n$count: 2, total$sum: 2, avg$sum: 2, avg$count: 1, lo$min: 2, hi$max: 2 }]);
  });

  it('split into 3 map tasks → concat → merge → finish equals aggregateOnce on the whole', () => {
    const random = prng(5);
    const data = Array.from({ length: 900 }, () => ({
      k: Math.floor(random() * 40),
      s: ['x', 'y', null][Math.floor(random() * 3)],
      v: random() < 0.05 ? null : Math.floor(random() * 1000) / 8, // exact in binary: sums are exact
    }));
    const whole = table({ k: T.i32(), s: T.str(), v: T.f64() }, data);
    const aggs: Aggregations = { ...all, total: { fn: 'sum', column: 'v' }, avg: { fn: 'mean', column: 'v' }, lo: { fn: 'min', column: 'v' }, hi: { fn: 'max', column: 'v' } };
    const pieces = [sliceRows(whole, 0, 250), sliceRows(whole, 250, 700), sliceRows(whole, 700, 900)];
    const partials = concatTables(pieces.map((p) => partialAggregate(p, ['k', 's'], aggs)));
    const split = finishAggregate(mergePartials(partials, ['k', 's'], aggs), ['k', 's'], aggs);
    const once = aggregateOnce(whole, ['k', 's'], aggs);
    expect(split.numRows).toBeGreaterThan(60);
    expect(rows(split)).toEqual(rows(once));
  });

  it('merges merged partials again (a second level of combining)', () => {
    const t = table({ k: T.str(), x: T.f64() }, [{ k: 'a', x: 1 }, { k: 'b', x: 2 }, { k: 'a', x: 3 }, { k: 'a', x: null }]);
    const p = partialAggregate(t, ['k'], all);
    const twice = mergePartials(concatTables([mergePartials(concatTables([p, p]), ['k'], all), p]), ['k'], all);
    expect(rows(finishAggregate(twice, ['k'], all))).toEqual([
      { k: 'a', n: 9, total: 12, avg: 2, lo: 1, hi: 3 },
      { k: 'b', n: 3, total: 6, avg: 2, lo: 2, hi: 2 },
    ]);
  });

  it('errors when a count does not fit Int32', () => {
    const schema = new Schema([new Field('n$count', new Float64(), true)]);
    const merged = tableFromColumns(schema, [columnFromValues(schema.fields[0], [3e9])]);
    expect(() => finishAggregate(merged, [], { n: { fn: 'count' } })).toThrow(AggregateError);
    expect(() => finishAggregate(merged, [], { n: { fn: 'count' } })).toThrow(/3000000000.*2147483647/);
  });

  it('names the missing state column when merge gets the wrong table', () => {
    const t = table({ k: T.i32(), x: T.f64() }, [{ k: 1, x: 1 }]);
    expect(() => mergePartials(t, ['k'], all)).toThrow(/n\$count.*partialAggregate/);
  });
});

describe('aggregation errors', () => {
  const t = table({ k: T.i32(), name: T.str(), x: T.f64() }, [{ k: 1, name: 'a', x: 1 }]);

  it('names a missing value column and lists the schema', () => {
    const run = () => aggregateOnce(t, ['k'], { s: { fn: 'sum', column: 'y' } });
    expect(run).toThrow(ColumnNotFoundError);
    expect(run).toThrow(/'y'.*k: Int32, name: Utf8, x: Float64/);
  });

  it('names a missing key column', () => {
    expect(() => aggregateOnce(t, ['user'], { n: { fn: 'count' } })).toThrow(/'user'/);
  });

  it('rejects a non-numeric column for sum/mean/min/max, naming it and its type', () => {
    for (const fn of ['sum', 'mean', 'min', 'max'] as const) {
      const run = () => partialAggregate(t, ['k'], { s: { fn, column: 'name' } });
      expect(run).toThrow(AggregateError);
      expect(run).toThrow(/'name' is Utf8/);
    }
  });

  it('rejects an unknown fn and an output named like a key', () => {
    expect(() => partialAggregate(t, ['k'], { s: { fn: 'median', column: 'x' } as never })).toThrow(/median/);
    expect(() => partialAggregate(t, ['k'], { k: { fn: 'count' } })).toThrow(/same name as a grouping key/);
  });
});

describe('partialAggregateTables (a map task\'s row groups, one after the other)', () => {
  /** `n` random rows cut into tables of 1..`max` rows; keys over `keys` values, x with some nulls. */
  function pieces(seed: number, n: number, type: () => import('apache-arrow').DataType, key: (r: () => number) => unknown, max: number) {
    const r = prng(seed);
    const all = Array.from({ length: n }, () => ({ k: key(r), x: r() < 0.1 ? null : Math.round(r() * 1000) / 8 }));
    const tables = [];
    for (let i = 0; i < n;) {
      const size = 1 + Math.floor(r() * max);
      tables.push(table({ k: type(), x: T.f64() }, all.slice(i, i + size)));
      i += size;
    }
    return tables;
  }

  it('gives exactly partialAggregate of the concatenation, bit for bit, for every key type', () => {
    const cases = [
      { type: T.i32, key: (r: () => number) => Math.floor(r() * 50) - 25 },
      { type: T.i64, key: (r: () => number) => BigInt(Math.floor(r() * 50)) * 10_000_000_000n },
      { type: T.f64, key: (r: () => number) => [0, -0, NaN, 1.5, -2.25, 1e300][Math.floor(r() * 6)] },
      { type: T.f32, key: (r: () => number) => [0, -0, NaN, 0.5][Math.floor(r() * 4)] },
      { type: T.str, key: (r: () => number) => `k${Math.floor(r() * 30)}` },
      { type: T.i32, key: (r: () => number) => (r() < 0.05 ? null : Math.floor(r() * 40)) },
    ];
    cases.forEach(({ type, key }, c) => {
      const tables = pieces(100 + c, 3000, type, key, 400);
      expect(tables.length).toBeGreaterThan(3);
      const expected = partialAggregate(concatTables(tables), ['k'], all);
      const got = partialAggregateTables(tables, ['k'], all);
      expect(columnTypes(got)).toEqual(columnTypes(expected));
      expect(rows(got)).toEqual(rows(expected));
      for (const name of ['total$sum', 'avg$sum', 'lo$min', 'hi$max']) {
        expect(got.getChild(name)!.toArray()).toEqual(expected.getChild(name)!.toArray());
      }
    });
  });

  it('keeps numbering across tables whose key ranges move and widen until only hashing fits them', () => {
    const i32 = (keys: number[]) => table({ k: T.i32(), x: T.f64() }, keys.map((k, i) => ({ k, x: i + 0.5 })));
    const tables = [i32([100, 120, 100]), i32([0, 5, 120]), i32([7, 2 ** 30, 0, -(2 ** 30)]), i32([5, 100, 2 ** 30])];
    const expected = partialAggregate(concatTables(tables), ['k'], all);
    expect(rows(partialAggregateTables(tables, ['k'], all))).toEqual(rows(expected));
    expect(rows(expected).map((r) => r.k)).toEqual([100, 120, 0, 5, 7, 2 ** 30, -(2 ** 30)]);
  });

  it('takes empty tables and two keys (grouping their concatenation)', () => {
    const a = table({ k: T.i32(), j: T.str(), x: T.f64() }, [{ k: 1, j: 'a', x: 2 }, { k: 1, j: 'b', x: 3 }]);
    const empty = table({ k: T.i32(), j: T.str(), x: T.f64() }, []);
    const b = table({ k: T.i32(), j: T.str(), x: T.f64() }, [{ k: 1, j: 'a', x: 4 }]);
    expect(rows(partialAggregateTables([a, empty, b], ['k', 'j'], { s: { fn: 'sum', column: 'x' } }))).toEqual([
      { k: 1, j: 'a', s$sum: 6 }, { k: 1, j: 'b', s$sum: 3 },
    ]);
    expect(rows(partialAggregateTables([empty, a, empty], ['k'], { n: { fn: 'count' } }))).toEqual([{ k: 1, n$count: 2 }]);
  });
});
