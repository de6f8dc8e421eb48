import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { applyFilter } from '../../../../connectors/parquet/row-filter.ts';
import type { ParquetFilter } from '../../../../connectors/parquet/predicate.ts';

const table = new arrow.Table({
  id: arrow.vectorFromArray([1, 2, 3, 4, null, 6], new arrow.Int32()),
  big: arrow.vectorFromArray([10n, 20n, null, 40n, 50n, 60n], new arrow.Int64()),
  x: arrow.vectorFromArray([0.5, NaN, 2.5, null, 4.5, 5.5], new arrow.Float64()),
  s: arrow.vectorFromArray(['apple', 'b', null, 'été', '😀', ''], new arrow.Utf8()),
  ok: arrow.vectorFromArray([true, false, true, null, false, true], new arrow.Bool()),
});
const ids = (filter: ParquetFilter) => [...applyFilter(table, filter).getChild('big')!].map((v) => (v === null ? null : Number(v)));

describe('applyFilter', () => {
  it('keeps the rows where every predicate holds; nulls match no comparison', () => {
    expect(ids([['id', '>=', 3]])).toEqual([null, 40, 60]);
    expect(ids([['id', '!=', 2]])).toEqual([10, null, 40, 60]);
    expect(ids([['id', 'in', [1, 6, 99]]])).toEqual([10, 60]);
    expect(ids([['id', '>', 1], ['big', '<', 45]])).toEqual([20, 40]);
    expect(ids([['id', 'is null']])).toEqual([50]);
    expect(ids([['big', 'is not null'], ['id', '<=', 3]])).toEqual([10, 20]);
  });

  it('compares Int64 columns with numbers and bigints, and floats treat NaN as matching nothing', () => {
    expect(ids([['big', '>=', 40]])).toEqual([40, 50, 60]);
    expect(ids([['big', 'in', [20n, 50, 2.5]]])).toEqual([20, 50]);
    expect(ids([['x', '!=', 0.5]])).toEqual([null, 50, 60]);
    expect(ids([['x', '<', 3]])).toEqual([10, null]);
  });

  it('compares strings by UTF-8 bytes (code points) and booleans by value', () => {
    expect(ids([['s', '>', 'b']])).toEqual([40, 50]);
    expect(ids([['s', '<', 'b']])).toEqual([10, 60]);
    expect(ids([['s', 'in', ['b', '']]])).toEqual([20, 60]);
    expect(ids([['s', '=', '😀']])).toEqual([50]);
    expect(ids([['ok', '=', true]])).toEqual([10, null, 60]);
    expect(ids([['ok', '!=', true]])).toEqual([20, 50]);
  });

  it('returns the same table for an empty filter and keeps the schema when nothing matches', () => {
    expect(applyFilter(table, [])).toBe(table);
    const none = applyFilter(table, [['id', '>', 100]]);
    expect(none.numRows).toBe(0);
    expect(none.schema.fields.map((f) => f.name)).toEqual(['id', 'big', 'x', 's', 'ok']);
  });
});
