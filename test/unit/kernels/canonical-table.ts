// Test fixture: a table with one column of every canonical engine type (plus List, Struct and
// Dictionary for the generic paths), nulls in every column, built with Arrow's own builders so the
// kernels under test are not used to make their own inputs.

import {
  Bool, DateDay, DateMillisecond, Dictionary, Field, Float32, Float64, Int16, Int32, Int64, Int8, List, Struct, Table,
  TimestampMillisecond, Uint16, Uint32, Uint64, Uint8, Utf8, vectorFromArray,
} from 'apache-arrow';
import type { DataType, Vector } from 'apache-arrow';

/** Column name → [type, values for rows 0..4]; row 3 (and some others) are null. */
export const canonicalColumns: Record<string, [DataType, unknown[]]> = {
  i8: [new Int8(), [1, -2, 3, null, 127]],
  i16: [new Int16(), [1000, -2, null, null, -32768]],
  i32: [new Int32(), [7, null, -9, null, 2147483647]],
  i64: [new Int64(), [5n, -6n, null, null, 9007199254740993n]],
  u8: [new Uint8(), [0, 255, 3, null, 4]],
  u16: [new Uint16(), [65535, null, 2, null, 1]],
  u32: [new Uint32(), [4294967295, 1, 2, null, 0]],
  u64: [new Uint64(), [18446744073709551615n, 1n, null, null, 0n]],
  f32: [new Float32(), [1.5, -0.25, null, null, 3]],
  f64: [new Float64(), [Math.PI, NaN, -0, null, 1e300]],
  bool: [new Bool(), [true, false, null, null, true]],
  utf8: [new Utf8(), ['alpha', '', 'héllo wörld, a string longer than thirty-two bytes', null, 'z']],
  ts: [new TimestampMillisecond(), [1_700_000_000_000, 0, null, null, -1000]],
  dateDay: [new DateDay(), [new Date(86_400_000 * 3), new Date(0), null, null, new Date(86_400_000 * 400)]],
  dateMs: [new DateMillisecond(), [new Date(5000), new Date(0), null, null, new Date(123456)]],
  list: [new List(new Field('item', new Float32(), true)), [[1, 2], [], null, null, [3]]],
  struct: [new Struct([new Field('a', new Int32(), true), new Field('b', new Utf8(), true)]), [{ a: 1, b: 'x' }, { a: null, b: 'y' }, null, null, { a: 3, b: null }]],
  dict: [new Dictionary(new Utf8(), new Int32()), ['red', 'green', 'red', null, 'blue']],
};

/** The fixture table (5 rows, one batch). */
export function canonicalTable(): Table {
  const vectors: Record<string, Vector> = {};
  for (const [name, [type, values]] of Object.entries(canonicalColumns)) vectors[name] = vectorFromArray(values, type);
  return new Table(vectors);
}

/** Every column's values as plain JS (numbers, bigints, strings, arrays, objects) for comparisons. */
export function plainColumns(table: Table): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const field of table.schema.fields) {
    out[field.name] = [...table.getChild(field.name)!].map(plain);
  }
  return out;
}

function plain(v: unknown): unknown {
  if (v === null || v === undefined || typeof v !== 'object') return v;
  if (Symbol.iterator in (v as object) && typeof (v as { toArray?: unknown }).toArray === 'function') {
    return [...(v as Iterable<unknown>)].map(plain);
  }
  const json = (v as { toJSON?: () => unknown }).toJSON?.() ?? v;
  return Object.fromEntries(Object.entries(json as object).map(([k, x]) => [k, plain(x)]));
}
