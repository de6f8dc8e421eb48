// takeRows / filterRows / sliceRows on every canonical column type, with nulls and multi-batch inputs.

import { describe, expect, it } from 'vitest';
import { Float64, Int32, Table, Utf8, makeVector, vectorFromArray } from 'apache-arrow';
import { filterRows, sliceRows, takeRows } from '../../../engine/kernels/take.ts';
import { concatTables } from '../../../engine/kernels/concat-tables.ts';
import { canonicalTable, plainColumns } from './canonical-table.ts';

function pick<T>(values: T[], indices: number[]): (T | null)[] {
  return indices.map((i) => (i < 0 ? null : values[i]));
}

describe('takeRows', () => {
  it('gathers every canonical type (and List/Struct/Dictionary) preserving schema and nulls', () => {
    const table = canonicalTable();
    const expected = plainColumns(table);
    const indices = [4, 0, 3, 2, 0, 1];
    const out = takeRows(table, Int32Array.from(indices));
    expect(out.numRows).toBe(6);
    expect(out.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(table.schema.fields.map((f) => `${f.name}:${f.type}`));
    const got = plainColumns(out);
    for (const name of Object.keys(expected)) {
      expect(got[name], name).toEqual(pick(expected[name], indices));
      expect(out.getChild(name)!.nullCount, name).toBe(pick(expected[name], indices).filter((v) => v === null).length);
    }
  });

  it('turns a negative index into an all-null row', () => {
    const table = canonicalTable();
    const out = takeRows(table, Int32Array.of(0, -1));
    for (const [name, values] of Object.entries(plainColumns(out))) {
      expect(values[1], name).toBeNull();
      expect(values[0], name).not.toBeNull();
    }
  });

  it('gathers across batches of a multi-batch table', () => {
    const a = canonicalTable();
    const b = takeRows(canonicalTable(), Int32Array.of(4, 3, 2, 1, 0));
    const both = concatTables([a, b]);
    expect(both.batches.length).toBe(2);
    const indices = [9, 0, 5, 4, 7];
    const out = takeRows(both, Int32Array.from(indices));
    const all = plainColumns(both);
    const got = plainColumns(out);
    for (const name of Object.keys(all)) expect(got[name], name).toEqual(pick(all[name], indices));
  });

  it('reads sliced (offset) inputs correctly', () => {
    const table = canonicalTable().slice(1, 5);
    const out = takeRows(table, Int32Array.of(3, 0, 2));
    const src = plainColumns(table);
    const got = plainColumns(out);
    for (const name of Object.keys(src)) expect(got[name], name).toEqual(pick(src[name], [3, 0, 2]));
  });

  it('names the bad index when one is out of range', () => {
    expect(() => takeRows(canonicalTable(), Int32Array.of(0, 5))).toThrow(/index 5 at position 1 .* 5 rows/);
  });

  it('handles an empty index list', () => {
    const out = takeRows(canonicalTable(), new Int32Array(0));
    expect(out.numRows).toBe(0);
    expect(out.numCols).toBe(canonicalTable().numCols);
  });
});

describe('filterRows', () => {
  it('keeps rows whose mask byte is non-zero', () => {
    const t = new Table({ x: vectorFromArray([1, 2, 3, null], new Int32()), s: vectorFromArray(['a', 'b', null, 'd'], new Utf8()) });
    const out = filterRows(t, Uint8Array.of(0, 1, 1, 1));
    expect([...out.getChild('x')!]).toEqual([2, 3, null]);
    expect([...out.getChild('s')!]).toEqual(['b', null, 'd']);
  });

  it('rejects a mask of the wrong length', () => {
    const t = new Table({ x: vectorFromArray([1, 2], new Float64()) });
    expect(() => filterRows(t, Uint8Array.of(1))).toThrow(/mask has 1 entries but the table has 2 rows/);
  });
});

describe('sliceRows', () => {
  it('slices across batches and clamps the bounds', () => {
    const a = new Table({ x: vectorFromArray([1, 2, 3], new Int32()) });
    const b = new Table({ x: vectorFromArray([4, 5], new Int32()) });
    const both = concatTables([a, b]);
    expect([...sliceRows(both, 2, 4).getChild('x')!]).toEqual([3, 4]);
    expect(sliceRows(both, 3, 99).numRows).toBe(2);
    expect(sliceRows(both, 4, 1).numRows).toBe(0);
  });
});

describe('zero-length columns without buffers', () => {
  it('takes from a table built with makeVector on empty typed arrays', () => {
    const empty = new Table({ a: makeVector(new Int32Array(0)), b: makeVector(new Float64Array(0)) });
    expect(takeRows(empty, new Int32Array(0)).numRows).toBe(0);
    const nulls = takeRows(empty, new Int32Array([-1, -1]));
    expect(nulls.numRows).toBe(2);
    expect(nulls.getChild('a')!.get(1)).toBeNull();
  });
});

describe('identity take', () => {
  it('0..n-1 returns the same rows and shares the column buffers (no copy)', () => {
    const blobs = ['a', 'bb', 'ccc'];
    const t = new Table({ s: vectorFromArray(blobs, new Utf8()), x: makeVector(Int32Array.of(1, 2, 3)) });
    const out = takeRows(t, Int32Array.of(0, 1, 2));
    expect(out.toArray().map((r) => r.toJSON())).toEqual(t.toArray().map((r) => r.toJSON()));
    expect(out.getChild('s')!.data[0].values).toBe(t.getChild('s')!.data[0].values);
    const moved = takeRows(t, Int32Array.of(0, 2, 1));
    expect(moved.getChild('s')!.data[0].values).not.toBe(t.getChild('s')!.data[0].values);
    expect(moved.getChild('x')!.toArray()).toEqual(Int32Array.of(1, 3, 2));
  });
});
