// Tests of groupRows (groupByKey): one row per key with a List<Struct> of the other columns,
// real nested Arrow data that survives an IPC round trip, in first-appearance and row order.

import { describe, expect, it } from 'vitest';
import { tableFromIPC, tableToIPC } from 'apache-arrow';
import { groupRows } from '../../../engine/kernels/group-rows.ts';
import { T, batched, columnTypes, rows, table } from './relational-fixtures.ts';

describe('groupRows', () => {
  const types = { k: T.str(), a: T.i32(), b: T.f64() };
  const data = [
    { k: 'x', a: 1, b: 0.5 }, { k: 'y', a: 2, b: null }, { k: 'x', a: 3, b: 1.5 }, { k: null, a: null, b: 2 }, { k: 'x', a: 5, b: 3 },
  ];

  it('gives the keys and a values list of structs, keys in first-appearance order, rows in input order', () => {
    const out = groupRows(table(types, data), ['k']);
    expect(columnTypes(out)).toEqual(['k: Utf8', 'values: List<Struct<{a:Int32, b:Float64}>>']);
    expect(rows(out)).toEqual([
      { k: 'x', values: [{ a: 1, b: 0.5 }, { a: 3, b: 1.5 }, { a: 5, b: 3 }] },
      { k: 'y', values: [{ a: 2, b: null }] },
      { k: null, values: [{ a: null, b: 2 }] },
    ]);
  });

  it('builds real nested Arrow data: list offsets, struct children, IPC round trip', () => {
    const out = groupRows(table(types, data), ['k']);
    const list = out.getChild('values')!.data[0];
    expect(Array.from(list.valueOffsets)).toEqual([0, 3, 4, 5]);
    expect(list.children[0].children.map((c) => c.length)).toEqual([5, 5]);
    const back = tableFromIPC(tableToIPC(out));
    expect(rows(back)).toEqual(rows(out));
  });

  it('groups by several keys and across batches', () => {
    const t2 = { g: T.i32(), h: T.str(), v: T.i64() };
    const d2 = Array.from({ length: 40 }, (_, i) => ({ g: i % 3, h: i % 2 === 0 ? 'e' : 'o', v: BigInt(i) }));
    const out = groupRows(batched(t2, d2, 7), ['g', 'h']);
    expect(out.numRows).toBe(6);
    const got = rows(out);
    expect(got[0]).toEqual({ g: 0, h: 'e', values: [0, 6, 12, 18, 24, 30, 36].map((v) => ({ v: BigInt(v) })) });
    expect(got.map((r) => [r.g, r.h])).toEqual([[0, 'e'], [1, 'o'], [2, 'e'], [0, 'o'], [1, 'e'], [2, 'o']]);
    expect(rows(out)).toEqual(rows(groupRows(batched(t2, d2, 40), ['g', 'h'])));
  });

  it('handles an empty table and rejects a key named values', () => {
    const out = groupRows(table(types, []), ['k']);
    expect(out.numRows).toBe(0);
    expect(columnTypes(out)).toEqual(['k: Utf8', 'values: List<Struct<{a:Int32, b:Float64}>>']);
    expect(() => groupRows(table({ values: T.i32(), a: T.i32() }, []), ['values'])).toThrow(/named 'values'/);
  });
});
