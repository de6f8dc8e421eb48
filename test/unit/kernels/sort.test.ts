// Tests of sorting: the value order (numbers, NaN, nulls, strings by code units), stability in
// both directions, several keys, multi-batch and empty tables, and the radix path for large
// tables checked against a plain comparator sort of the same rows.

import { describe, expect, it } from 'vitest';
import { compareValues, sortIndices, sortTable } from '../../../engine/kernels/sort.ts';
import type { SortKey } from '../../../engine/kernels/sort.ts';
import { ColumnNotFoundError } from '../../../engine/kernels/columns.ts';
import type { Row } from '../../../engine/kernels/rows.ts';
import { T, batched, prng, rows, table } from './relational-fixtures.ts';

const asc = (column: string): SortKey => ({ column, ascending: true });
const desc = (column: string): SortKey => ({ column, ascending: false });

/** Reference: a stable JS sort of row objects with compareValues. */
function referenceSort(data: Row[], keys: SortKey[]): Row[] {
  return data
    .map((row, i) => ({ row, i }))
    .sort((a, b) => {
      for (const k of keys) {
        const c = compareValues(a.row[k.column], b.row[k.column]);
        if (c !== 0) return k.ascending ? c : -c;
      }
      return a.i - b.i;
    })
    .map((x) => x.row);
}

describe('compareValues', () => {
  it('orders numbers, NaN above numbers, null above everything, strings by code units', () => {
    expect([3, null, NaN, -Infinity, 1, Infinity].sort(compareValues)).toEqual([-Infinity, 1, 3, Infinity, NaN, null]);
    expect(['é', 'a', 'B', 'ab', '😀', 'ﬀ'].sort(compareValues)).toEqual(['B', 'a', 'ab', 'é', '😀', 'ﬀ']);
    expect(compareValues(-0, 0)).toBe(0);
    expect(compareValues(2n, 3)).toBe(-1);
    expect(compareValues(false, true)).toBe(-1);
  });
});

describe('sortIndices / sortTable', () => {
  it('sorts Int32 ascending and descending, stable for ties', () => {
    const t = table({ k: T.i32(), tag: T.str() }, [
      { k: 3, tag: 'a' }, { k: 1, tag: 'b' }, { k: 3, tag: 'c' }, { k: -2, tag: 'd' }, { k: 1, tag: 'e' },
    ]);
    expect(Array.from(sortIndices(t, [asc('k')]))).toEqual([3, 1, 4, 0, 2]);
    expect(Array.from(sortIndices(t, [desc('k')]))).toEqual([0, 2, 1, 4, 3]);
    expect(rows(sortTable(t, [desc('k')])).map((r) => r.tag)).toEqual(['a', 'c', 'b', 'e', 'd']);
  });

  it('puts NaN above numbers and nulls last when ascending, first when descending', () => {
    const t = table({ x: T.f64() }, [{ x: 2 }, { x: null }, { x: NaN }, { x: -1 }, { x: null }, { x: Infinity }]);
    expect(Array.from(sortIndices(t, [asc('x')]))).toEqual([3, 0, 5, 2, 1, 4]);
    expect(Array.from(sortIndices(t, [desc('x')]))).toEqual([1, 4, 2, 5, 0, 3]);
  });

  it('sorts strings by UTF-16 code units with nulls last', () => {
    const t = table({ s: T.str() }, [{ s: 'b' }, { s: null }, { s: 'B' }, { s: 'é' }, { s: 'a' }]);
    expect(rows(sortTable(t, [asc('s')])).map((r) => r.s)).toEqual(['B', 'a', 'b', 'é', null]);
    expect(rows(sortTable(t, [desc('s')])).map((r) => r.s)).toEqual([null, 'é', 'b', 'a', 'B']);
  });

  it('sorts by several keys with mixed directions', () => {
    const data = [
      { g: 'x', v: 1, i: 0 }, { g: 'y', v: 5, i: 1 }, { g: 'x', v: 3, i: 2 }, { g: 'y', v: 5, i: 3 }, { g: 'x', v: 1, i: 4 },
    ];
    const t = table({ g: T.str(), v: T.f32(), i: T.i32() }, data);
    expect(rows(sortTable(t, [asc('g'), desc('v')])).map((r) => r.i)).toEqual([2, 0, 4, 1, 3]);
  });

  it('sorts multi-batch tables into one batch and leaves empty tables alone', () => {
    const data = Array.from({ length: 100 }, (_, i) => ({ k: (i * 37) % 101 }));
    const t = batched({ k: T.i32() }, data, 9);
    const sorted = sortTable(t, [asc('k')]);
    expect(sorted.batches.length).toBe(1);
    expect(rows(sorted).map((r) => r.k)).toEqual(data.map((r) => r.k).sort((a, b) => a - b));
    const empty = table({ k: T.i32() }, []);
    expect(sortIndices(empty, [asc('k')]).length).toBe(0);
    expect(sortTable(empty, [asc('k')]).numRows).toBe(0);
  });

  it('radix path (large tables) agrees with a comparator sort: floats with NaN, ±0, ±Infinity and nulls', () => {
    const random = prng(3);
    const specials = [NaN, 0, -0, Infinity, -Infinity, null, 1e-310, -1e-310];
    const data = Array.from({ length: 6000 }, (_, i) => ({
      x: random() < 0.1 ? specials[Math.floor(random() * specials.length)] : Math.round((random() - 0.5) * 2000) / 16,
      i,
    }));
    const t = table({ x: T.f64(), i: T.i32() }, data);
    for (const key of [asc('x'), desc('x')]) {
      // -0 and 0 are equal: compare the row ids, which also checks stability.
      expect(rows(sortTable(t, [key])).map((r) => r.i)).toEqual(referenceSort(data, [key]).map((r) => r.i));
    }
  });

  it('radix path agrees with a comparator sort on several keys: strings, Int32, Int64 with nulls', () => {
    const random = prng(9);
    const words = ['pear', 'Apple', 'apple', 'Éclair', 'zebra', null];
    const data = Array.from({ length: 5000 }, (_, i) => ({
      s: words[Math.floor(random() * words.length)],
      n: random() < 0.05 ? null : Math.floor(random() * 20) - 10,
      big: random() < 0.05 ? null : 9_000_000_000_000_000_000n + BigInt(Math.floor(random() * 5)), // beyond 2^53: ranked exactly
      i,
    }));
    const t = table({ s: T.str(), n: T.i32(), big: T.i64(), i: T.i32() }, data);
    for (const keys of [[asc('s'), desc('n')], [desc('big'), asc('s'), asc('n')], [desc('n'), desc('s')]]) {
      expect(rows(sortTable(t, keys)).map((r) => r.i)).toEqual(referenceSort(data, keys).map((r) => r.i));
    }
  });

  it('names a missing sort column', () => {
    const t = table({ k: T.i32() }, [{ k: 1 }, { k: 2 }]);
    expect(() => sortIndices(t, [asc('key')])).toThrow(ColumnNotFoundError);
    expect(() => sortIndices(t, [asc('key')])).toThrow(/'key'.*sort key.*k: Int32/);
  });
});
