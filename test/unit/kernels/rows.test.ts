// rowsToTable / tableToRows / inferSchema: inference rules, round trips, conversions and errors.

import { describe, expect, it } from 'vitest';
import { DateDay, Field, Float64, Int32, Int64, Schema, TimestampMicrosecond, Uint64, Utf8 } from 'apache-arrow';
import { inferSchema, rowsToTable, tableToRows } from '../../../engine/kernels/rows.ts';
import type { Row } from '../../../engine/kernels/rows.ts';
import { canonicalTable } from './canonical-table.ts';

const typeOf = (schema: Schema): Record<string, string> => Object.fromEntries(schema.fields.map((f) => [f.name, String(f.type)]));

describe('inferSchema', () => {
  it('maps JS values to column types in first-seen key order', () => {
    const schema = inferSchema([
      { n: 1, b: 2n, s: 'x' },
      { t: true, d: new Date(0), f32: Float32Array.of(1), f64: Float64Array.of(1), arr: [1, 2], obj: { p: 1, q: 'a' } },
    ]);
    expect(schema.fields.map((f) => f.name)).toEqual(['n', 'b', 's', 't', 'd', 'f32', 'f64', 'arr', 'obj']);
    expect(typeOf(schema)).toEqual({
      n: 'Float64', b: 'Int64', s: 'Utf8', t: 'Bool', d: 'Timestamp<MILLISECOND>',
      f32: 'List<Float32>', f64: 'List<Float64>', arr: 'List<Float64>', obj: 'Struct<{p:Float64, q:Utf8}>',
    });
    expect(schema.fields.every((f) => f.nullable)).toBe(true);
  });

  it('types a column by the first non-null value, and all-null columns as Float64', () => {
    const schema = inferSchema([{ a: null, z: undefined }, { a: 'late' }]);
    expect(typeOf(schema)).toEqual({ a: 'Utf8', z: 'Float64' });
  });

  it('rejects values it cannot type, naming the column', () => {
    expect(() => inferSchema([{ f: () => 1 }])).toThrow(/column type for 'f'/);
  });
});

describe('rowsToTable / tableToRows', () => {
  it('round-trips rows of every inferred type, with nulls', () => {
    const rows: Row[] = [
      { n: 1.5, b: 9007199254740993n, s: 'héllo', t: true, d: new Date(1_700_000_000_000), v: Float32Array.of(1, 2), o: { p: 1, q: 'a' } },
      { n: null, b: null, s: null, t: null, d: null, v: null, o: null },
      { n: -0, b: -1n, s: '', t: false, d: new Date(0), v: Float32Array.of(), o: { p: null, q: null } },
    ];
    const table = rowsToTable(rows);
    expect(table.numRows).toBe(3);
    expect(tableToRows(table)).toEqual(rows);
  });

  it('reads every canonical column type back as JS values', () => {
    const [first] = tableToRows(canonicalTable());
    expect(first).toMatchObject({ i8: 1, i64: 5n, u64: 18446744073709551615n, bool: true, utf8: 'alpha', f64: Math.PI });
    expect(first.ts).toEqual(new Date(1_700_000_000_000));
    expect(first.dateDay).toEqual(new Date(86_400_000 * 3));
    expect(first.list).toEqual(Float32Array.of(1, 2));
    expect(first.struct).toEqual({ a: 1, b: 'x' });
    expect(first.dict).toBe('red');
  });

  it('converts values to a given schema', () => {
    const schema = new Schema([
      new Field('id', new Int32(), true),
      new Field('big', new Int64(), true),
      new Field('day', new DateDay(), true),
      new Field('us', new TimestampMicrosecond(), true),
    ]);
    const table = rowsToTable([{ id: 3, big: 4, day: new Date(86_400_000 * 2 + 5), us: new Date(1500), extra: 'ignored' }, {}], schema);
    expect(typeOf(table.schema)).toEqual({ id: 'Int32', big: 'Int64', day: 'Date32<DAY>', us: 'Timestamp<MICROSECOND>' });
    expect(table.getChild('big')!.data[0].values[0]).toBe(4n);
    expect(table.getChild('us')!.data[0].values[0]).toBe(1_500_000n);
    expect(tableToRows(table)).toEqual([
      { id: 3, big: 4n, day: new Date(86_400_000 * 2), us: new Date(1500) },
      { id: null, big: null, day: null, us: null },
    ]);
  });

  it('names the column, row and value when a value does not fit', () => {
    const schema = new Schema([new Field('id', new Int32(), true)]);
    expect(() => rowsToTable([{ id: 1 }, { id: 'seven' }], schema)).toThrow(/row 1, column 'id': the value "seven" is not a number/);
    expect(() => rowsToTable([{ id: 1.5 }], schema)).toThrow(/row 0, column 'id': the value 1.5 is not an integer/);
    expect(() => rowsToTable([{ id: 2 ** 40 }], schema)).toThrow(/outside the range -2147483648..2147483647/);
    const u64 = new Schema([new Field('u', new Uint64(), true)]);
    expect(() => rowsToTable([{ u: -1 }], u64)).toThrow(/row 0, column 'u': the value -1 is outside the range 0..18446744073709551615/);
    const strict = new Schema([new Field('name', new Utf8(), false)]);
    expect(() => rowsToTable([{ name: 'a' }, { name: null }], strict)).toThrow(/row 1, column 'name'.*not nullable/);
  });

  it('errors on mixed types in an inferred column', () => {
    expect(() => rowsToTable([{ x: 1 }, { x: 2 }, { x: 'three' }])).toThrow(/row 2, column 'x': the value "three"/);
  });

  it('builds an empty table from no rows with a schema', () => {
    const schema = new Schema([new Field('x', new Float64(), true)]);
    const t = rowsToTable([], schema);
    expect(t.numRows).toBe(0);
    expect(t.schema.fields[0].name).toBe('x');
  });
});
