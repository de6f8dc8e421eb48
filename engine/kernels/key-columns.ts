// Reading a column as values JS can compare: numeric columns as one Float64Array (+ validity),
// every other type as an array of plain values. Shared by sort, join, aggregate and range-bounds
// so they all agree on what a key value is (Int32 5 and Float64 5.0 are the same number).

import { Precision, Type, makeVector } from 'apache-arrow';
import type { Data, DataType, Float, Int, Table } from 'apache-arrow';
import { columnData } from './columns.ts';

/**
 * A column read for comparisons. Example for an Int32 column [3, null, 7]:
 *
 *   { kind: 'number', values: Float64Array [3, 0, 7], valid: Uint8Array [1, 0, 1] }
 *
 * and for a Utf8 column ['b', null]:  { kind: 'value', values: ['b', null] }.
 * `valid` is null when the column has no nulls. In the 'value' form nulls are `null`.
 */
export type KeyColumn =
  | { kind: 'number'; values: Float64Array; valid: Uint8Array | null }
  | { kind: 'value'; values: unknown[] };

/** Int and Float columns (Float16 included): the types sum/mean/min/max accept. */
export function isNumericType(type: DataType): boolean {
  return type.typeId === Type.Int || type.typeId === Type.Float;
}

/**
 * Column `name` of `table` as a {@link KeyColumn}. Numeric columns become Float64 numbers; an
 * Int64/Uint64 column stays exact: it is read as numbers only when every value is a safe integer
 * (|v| <= 2^53 - 1), otherwise as bigints. Dates and timestamps become epoch milliseconds,
 * Utf8 strings, Bool booleans; other types whatever Arrow's `get` returns.
 *
 * @example
 * const col = readKeyColumn(table, 'userId', 'as a join key');
 * if (col.kind === 'number') col.values[0]; // first user id as a number
 */
export function readKeyColumn(table: Table, name: string, purpose?: string): KeyColumn {
  const data = columnData(table, name, purpose);
  if (isNumericType(data.type)) {
    const numbers = readNumbers(data, true);
    if (numbers) return { kind: 'number', values: numbers.values, valid: numbers.valid };
  }
  const vector = makeVector(data);
  const n = data.length;
  const values: unknown[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const v = vector.get(i);
    values[i] = v === undefined ? null : v;
  }
  return { kind: 'value', values };
}

/**
 * A numeric Data as Float64 numbers plus a byte-per-row validity (null when there are no nulls).
 * Returns null when `exact` is set and an Int64/Uint64 value cannot be represented exactly.
 * Null rows hold 0 in `values`.
 *
 * @example
 * readNumbers(columnData(table, 'rating'), false)!.values; // Float64Array
 */
export function readNumbers(data: Data, exact: boolean): { values: Float64Array; valid: Uint8Array | null } | null {
  const n = data.length;
  const out = new Float64Array(n);
  const type = data.type as Int | Float;
  const raw = data.values as ArrayLike<number | bigint> & { subarray(a: number, b: number): ArrayLike<number | bigint> };
  if (type.typeId === Type.Int && (type as Int).bitWidth === 64) {
    const big = raw as unknown as BigInt64Array;
    for (let i = 0; i < n; i++) {
      const v = Number(big[i]);
      if (exact && !Number.isSafeInteger(v)) return null;
      out[i] = v;
    }
  } else if (type.typeId === Type.Float && (type as Float).precision === Precision.HALF) {
    const vector = makeVector(data);
    for (let i = 0; i < n; i++) out[i] = (vector.get(i) as number | null) ?? 0;
  } else {
    out.set(raw.subarray(0, n) as ArrayLike<number>);
  }
  const valid = readValidity(data);
  if (valid) for (let i = 0; i < n; i++) if (valid[i] === 0) out[i] = 0;
  return { values: out, valid };
}

/** A byte per row, 1 = non-null, for a Data with nulls; null when it has none. */
export function readValidity(data: Data): Uint8Array | null {
  const bitmap = data.nullBitmap;
  if (data.nullCount === 0 || !bitmap || bitmap.length === 0) return null;
  const n = data.length;
  const off = data.offset;
  const valid = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const bit = off + i;
    valid[i] = (bitmap[bit >> 3] >> (bit & 7)) & 1;
  }
  return valid;
}

/** Row `i` of a key column as a plain value (null for null). */
export function keyValueAt(column: KeyColumn, i: number): unknown {
  if (column.kind === 'value') return column.values[i];
  return column.valid !== null && column.valid[i] === 0 ? null : column.values[i];
}

/** Is row `i` of the key column null? */
export function isNullAt(column: KeyColumn, i: number): boolean {
  if (column.kind === 'number') return column.valid !== null && column.valid[i] === 0;
  const v = column.values[i];
  return v === null || v === undefined;
}
