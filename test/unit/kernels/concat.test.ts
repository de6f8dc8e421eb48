// concatTables: schema checks and multi-batch results; columnData: contiguous copies of chunks.

import { describe, expect, it } from 'vitest';
import { Field, Float64, Int32, Schema, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { columnData, requireColumnIndex, tableFromColumns } from '../../../engine/kernels/columns.ts';
import { combineBatches, concatTables } from '../../../engine/kernels/concat-tables.ts';
import { canonicalTable, plainColumns } from './canonical-table.ts';
import { takeRows } from '../../../engine/kernels/take.ts';

describe('concatTables', () => {
  it('keeps every batch and every row', () => {
    const a = new Table({ x: vectorFromArray([1, 2], new Int32()) });
    const b = new Table({ x: vectorFromArray([3], new Int32()) });
    const out = concatTables([a, b]);
    expect(out.batches.length).toBe(2);
    expect([...out.getChild('x')!]).toEqual([1, 2, 3]);
  });

  it('ignores tables with no rows and no columns', () => {
    const a = new Table({ x: vectorFromArray(['p'], new Utf8()) });
    const out = concatTables([new Table(), a, new Table()]);
    expect([...out.getChild('x')!]).toEqual(['p']);
  });

  it('names the column and both types on a type mismatch', () => {
    const a = new Table({ id: vectorFromArray([1], new Int32()) });
    const b = new Table({ id: vectorFromArray([1.5], new Float64()) });
    expect(() => concatTables([a, b])).toThrow(/column 'id' is Int32 in table 0 but Float64 in table 1/);
  });

  it('lists both column sets when the names differ', () => {
    const a = new Table({ id: vectorFromArray([1], new Int32()) });
    const b = new Table({ key: vectorFromArray([1], new Int32()) });
    expect(() => concatTables([a, b])).toThrow(/table 0 has \[id\] but table 1 has \[key\]/);
  });

  it('widens nullability instead of failing', () => {
    const schemaA = new Schema([new Field('x', new Int32(), false)]);
    const a = tableFromColumns(schemaA, [vectorFromArray([1], new Int32()).data[0]]);
    expect(a.schema.fields[0].nullable).toBe(false);
    const b = new Table({ x: vectorFromArray([2, null], new Int32()) });
    const out = concatTables([b, a]);
    expect(out.schema.fields[0].nullable).toBe(true);
    expect([...out.getChild('x')!]).toEqual([2, null, 1]);
  });
});

describe('columnData / combineBatches', () => {
  it('combines chunks of every canonical type into one contiguous Data', () => {
    const a = canonicalTable();
    const b = takeRows(canonicalTable(), Int32Array.of(4, 3, 2, 1, 0));
    const both = concatTables([a, b.slice(1, 5)]);
    const combined = combineBatches(both);
    expect(combined.batches.length).toBe(1);
    expect(plainColumns(combined)).toEqual(plainColumns(both));
    for (const f of both.schema.fields) expect(columnData(both, f.name).length).toBe(9);
  });

  it('errors naming the missing column and listing the schema', () => {
    const t = new Table({ a: vectorFromArray([1], new Int32()), b: vectorFromArray(['x'], new Utf8()) });
    expect(() => requireColumnIndex(t, 'c', 'as a key')).toThrow("column 'c' is needed as a key but the table has no such column; its schema is [a: Int32, b: Utf8]");
  });
});
