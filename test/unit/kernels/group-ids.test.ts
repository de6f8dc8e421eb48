// groupIds: exact key equality, first-appearance numbering, nulls as a group, every key path.

import { describe, expect, it } from 'vitest';
import { Bool, Float64, Int32, Int64, Table, Utf8, vectorFromArray } from 'apache-arrow';
import type { DataType } from 'apache-arrow';
import { groupIds } from '../../../engine/kernels/group-ids.ts';
import { concatTables } from '../../../engine/kernels/concat-tables.ts';

const col = (values: unknown[], type: DataType): Table => new Table({ k: vectorFromArray(values, type) });

describe('groupIds', () => {
  it('numbers int groups in first-appearance order, null being its own group', () => {
    const g = groupIds(col([7, 3, 7, null, 3, null], new Int32()), ['k']);
    expect(Array.from(g.groupOf)).toEqual([0, 1, 0, 2, 1, 2]);
    expect(g.numGroups).toBe(3);
    expect(Array.from(g.firstRow)).toEqual([0, 1, 3]);
  });

  it('groups floats by value (-0 with 0, NaN with NaN)', () => {
    const g = groupIds(col([0, -0, NaN, 1.5, NaN, 1.5000001], new Float64()), ['k']);
    expect(Array.from(g.groupOf)).toEqual([0, 0, 1, 2, 1, 3]);
  });

  it('keeps Int64 values distinct even where float64 would round them together', () => {
    const g = groupIds(col([9007199254740992n, 9007199254740993n, 9007199254740992n], new Int64()), ['k']);
    expect(Array.from(g.groupOf)).toEqual([0, 1, 0]);
  });

  it('groups strings and booleans', () => {
    const s = groupIds(col(['b', 'a', '', 'b', null, ''], new Utf8()), ['k']);
    expect(Array.from(s.groupOf)).toEqual([0, 1, 2, 0, 3, 2]);
    const b = groupIds(col([true, false, null, false], new Bool()), ['k']);
    expect(Array.from(b.groupOf)).toEqual([0, 1, 2, 1]);
  });

  it('groups by several columns, including nulls in one of them', () => {
    const t = new Table({
      a: vectorFromArray(['x', 'x', 'y', 'x', null, null], new Utf8()),
      b: vectorFromArray([1, 2, 1, 1, 1, 1], new Int32()),
    });
    const g = groupIds(t, ['a', 'b']);
    expect(Array.from(g.groupOf)).toEqual([0, 1, 2, 0, 3, 3]);
    expect(Array.from(g.firstRow)).toEqual([0, 1, 2, 4]);
  });

  it('works across batches and with many groups (table growth)', () => {
    const n = 50_000;
    const values = Array.from({ length: n }, (_, i) => (i * 7) % 10_007);
    const t = concatTables([col(values.slice(0, 20_000), new Int32()), col(values.slice(20_000), new Int32())]);
    const g = groupIds(t, ['k']);
    expect(g.numGroups).toBe(10_007);
    for (let i = 0; i < n; i += 997) expect(values[g.firstRow[g.groupOf[i]]]).toBe(values[i]);
    const strings = groupIds(col(values.map((v) => `key-${v}`), new Utf8()), ['k']);
    expect(Array.from(strings.groupOf)).toEqual(Array.from(g.groupOf));
  });

  it('puts every row in one group when there are no key columns', () => {
    const g = groupIds(col([1, 2, 3], new Int32()), []);
    expect(g.numGroups).toBe(1);
    expect(Array.from(g.groupOf)).toEqual([0, 0, 0]);
  });

  it('names a missing key column', () => {
    expect(() => groupIds(col([1], new Int32()), ['nope'])).toThrow(/column 'nope' is needed as a grouping key/);
  });
});
