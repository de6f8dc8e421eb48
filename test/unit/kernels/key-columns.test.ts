// Tests of reading key columns as comparable JS values: numbers as Float64 with validity, Int64
// kept exact, strings and timestamps as values, across batches.

import { describe, expect, it } from 'vitest';
import { TimestampMillisecond } from 'apache-arrow';
import { isNullAt, keyValueAt, readKeyColumn, readNumbers } from '../../../engine/kernels/key-columns.ts';
import { columnData } from '../../../engine/kernels/columns.ts';
import { T, batched, table } from './relational-fixtures.ts';

describe('readKeyColumn', () => {
  it('reads numeric columns as Float64 with a validity byte per row, across batches', () => {
    const t = batched({ x: T.f32() }, [{ x: 1.5 }, { x: null }, { x: -2 }, { x: 4 }, { x: null }], 2);
    const col = readKeyColumn(t, 'x');
    expect(col.kind).toBe('number');
    if (col.kind !== 'number') return;
    expect(Array.from(col.values)).toEqual([1.5, 0, -2, 4, 0]);
    expect(Array.from(col.valid!)).toEqual([1, 0, 1, 1, 0]);
    expect([0, 1, 2].map((i) => keyValueAt(col, i))).toEqual([1.5, null, -2]);
    expect(isNullAt(col, 4)).toBe(true);
  });

  it('keeps Int64 exact: numbers when all are safe integers, bigints otherwise', () => {
    const safe = readKeyColumn(table({ v: T.i64() }, [{ v: 5n }, { v: -(2n ** 53n) + 1n }]), 'v');
    expect(safe.kind).toBe('number');
    const big = readKeyColumn(table({ v: T.i64() }, [{ v: 5n }, { v: 2n ** 60n + 1n }, { v: null }]), 'v');
    expect(big).toEqual({ kind: 'value', values: [5n, 2n ** 60n + 1n, null] });
  });

  it('reads strings and timestamps (as epoch milliseconds) as values', () => {
    const t = table({ s: T.str(), ts: new TimestampMillisecond() }, [{ s: 'é', ts: new Date(1000) }, { s: null, ts: null }]);
    expect(readKeyColumn(t, 's')).toEqual({ kind: 'value', values: ['é', null] });
    expect(readKeyColumn(t, 'ts')).toEqual({ kind: 'value', values: [1000, null] });
  });

  it('readNumbers converts Int64 approximately when exactness is not asked for', () => {
    const data = columnData(table({ v: T.i64() }, [{ v: 2n ** 60n + 1n }]), 'v');
    expect(readNumbers(data, true)).toBeNull();
    expect(readNumbers(data, false)!.values[0]).toBe(2 ** 60);
  });
});
