// Converting between Arrow tables and plain row objects (the row-wise `map`/`filter`/`collect`
// sugar), with schema inference for rows that come without one. Numeric paths never use this.
//
// Value mapping (both directions):
//   Int8..Int32, Uint8..Uint32, Float32/64 ⇄ number
//   Int64 / Uint64                        ⇄ bigint (kept exact; never silently rounded to number)
//   Bool ⇄ boolean, Utf8 ⇄ string, Timestamp / Date ⇄ Date object, null ⇄ null
//   List<numeric> ⇄ typed array (List<Float32> ⇄ Float32Array, ...), other lists ⇄ JS arrays
//   Struct ⇄ plain object

import {
  Bool, DataType, DateUnit, Field, Float32, Float64, Int32, Int64, List, Schema, Struct, Table,
  TimeUnit, TimestampMillisecond, Type, Utf8, Vector, makeData,
} from 'apache-arrow';
import type { Data, Date_, Int, Timestamp } from 'apache-arrow';
import { dataFromValues } from './plain-values.ts';
import { tableFromColumns } from './columns.ts';
import { DataflowError } from '../errors.ts';

/** One row as user code sees it. */
export type Row = Record<string, unknown>;

/** A row value does not fit its column's type. */
export class RowTypeError extends DataflowError {
  constructor(message: string) {
    super('ROW_TYPE_MISMATCH', message);
  }
}

/**
 * All rows of `table` as plain objects (see the value mapping at the top of this file).
 *
 * @example
 * tableToRows(table); // [{ user: 1, item: 7n, rating: 4.5 }, ...]
 */
export function tableToRows(table: Table): Row[] {
  const n = table.numRows;
  const rows: Row[] = new Array(n);
  for (let i = 0; i < n; i++) rows[i] = {};
  for (const field of table.schema.fields) {
    const vector = table.getChild(field.name)!;
    const convert = toJsConverter(field.type);
    let i = 0;
    for (const v of vector) {
      rows[i++][field.name] = v === null || v === undefined ? null : convert(v);
    }
  }
  return rows;
}

function toJsConverter(type: DataType): (v: unknown) => unknown {
  switch (type.typeId) {
    case Type.Timestamp:
    case Type.Date:
      return (v) => new Date(v as number);
    case Type.List:
    case Type.FixedSizeList: {
      const child = (type as List).children[0].type;
      const numeric = child.typeId === Type.Int || child.typeId === Type.Float;
      const inner = toJsConverter(child);
      return (v) => {
        const vec = v as Vector;
        if (numeric && vec.nullCount === 0) return vec.toArray();
        return Array.from(vec, (x) => (x === null || x === undefined ? null : inner(x)));
      };
    }
    case Type.Struct: {
      const fields = (type as Struct).children.map((f) => ({ name: f.name, convert: toJsConverter(f.type) }));
      return (v) => {
        const src = v as Record<string, unknown>;
        const out: Row = {};
        for (const f of fields) {
          const x = src[f.name];
          out[f.name] = x === null || x === undefined ? null : f.convert(x);
        }
        return out;
      };
    }
    default:
      return (v) => v;
  }
}

/**
 * The schema `rowsToTable` would use for `rows`: fields in first-seen key order, each typed by its
 * first non-null value: number → Float64, bigint → Int64, string → Utf8, boolean → Bool,
 * Date → Timestamp(ms), Float32Array → List<Float32>, Float64Array / number[] → List<Float64>,
 * Int32Array → List<Int32>, plain object → Struct (inferred the same way). A column that is
 * null everywhere is Float64. Every field is nullable.
 *
 * @example
 * inferSchema([{ id: 1, name: 'a' }]); // Schema<{ id: Float64, name: Utf8 }>
 */
export function inferSchema(rows: readonly Row[]): Schema {
  const firstValue = new Map<string, unknown>();
  const objectsByKey = new Map<string, Row[]>();
  for (const row of rows) {
    for (const key of Object.keys(row)) {
      const v = row[key];
      if (!firstValue.has(key)) firstValue.set(key, undefined);
      if (v === null || v === undefined) continue;
      if (firstValue.get(key) === undefined) firstValue.set(key, v);
      if (isPlainObject(v)) {
        let list = objectsByKey.get(key);
        if (!list) objectsByKey.set(key, (list = []));
        list.push(v);
      }
    }
  }
  const fields = [...firstValue.entries()].map(([key, v]) => new Field(key, inferType(key, v, objectsByKey.get(key)), true));
  return new Schema(fields);
}

function inferType(key: string, v: unknown, objects: Row[] | undefined): DataType {
  if (v === undefined || v === null) return new Float64();
  if (typeof v === 'number') return new Float64();
  if (typeof v === 'bigint') return new Int64();
  if (typeof v === 'string') return new Utf8();
  if (typeof v === 'boolean') return new Bool();
  if (v instanceof Date) return new TimestampMillisecond();
  if (v instanceof Float32Array) return new List(new Field('item', new Float32(), true));
  if (v instanceof Float64Array) return new List(new Field('item', new Float64(), true));
  if (v instanceof Int32Array) return new List(new Field('item', new Int32(), true));
  if (Array.isArray(v)) {
    const first = v.find((x) => x !== null && x !== undefined);
    const inner = isPlainObject(first) ? inferSchema(v.filter(isPlainObject)).fields : undefined;
    const itemType = inner ? new Struct(inner) : inferType(key, first, undefined);
    return new List(new Field('item', itemType, true));
  }
  if (isPlainObject(v)) return new Struct(inferSchema(objects ?? [v]).fields);
  throw new RowTypeError(
    `cannot infer a column type for '${key}' from the value ${describeValue(v)}; ` +
      `use numbers, bigints, strings, booleans, Dates, arrays, typed arrays or plain objects, or pass a schema.`,
  );
}

function isPlainObject(v: unknown): v is Row {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * A one-batch Table from row objects. Without a schema one is inferred (see {@link inferSchema});
 * with one, values are converted to it (number → Int32, Date → Timestamp, ...) and a value that
 * does not fit errors naming the column, the row index and the value. Missing keys are null;
 * keys not in the schema are ignored.
 *
 * @example
 * rowsToTable([{ id: 1 }, { id: 2 }]);
 * rowsToTable([{ id: 1 }], new Schema([new Field('id', new Int32(), true)]));
 */
export function rowsToTable(rows: readonly Row[], schema?: Schema): Table {
  const target = schema ?? inferSchema(rows);
  const values: unknown[] = new Array(rows.length);
  const columns = target.fields.map((field) => {
    for (let i = 0; i < rows.length; i++) values[i] = rows[i][field.name];
    return columnFromValues(field, values);
  });
  return tableFromColumns(target, columns, rows.length);
}

/**
 * One column (`Data` of `field.type`) from JS values, with the conversions of {@link rowsToTable}.
 * Errors name `field.name` and the offending row index.
 */
export function columnFromValues(field: Field, values: readonly unknown[]): Data {
  const { type, name } = field;
  const n = values.length;
  const fail = (i: number, why: string): never => {
    throw new RowTypeError(
      `row ${i}, column '${name}': the value ${describeValue(values[i])} ${why} (column type ${String(type)}). ` +
        `Fix the value, or pass a schema whose type for '${name}' matches it.`,
    );
  };
  let nullCount = 0;
  const bitmap = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) {
    if (values[i] === null || values[i] === undefined) {
      nullCount++;
      if (!field.nullable) fail(i, 'is null but the field is not nullable');
    } else bitmap[i >> 3] |= 1 << (i & 7);
  }
  const nullBitmap = nullCount > 0 ? bitmap : undefined;
  const make = (data: ArrayBufferView, valueOffsets?: Int32Array): Data =>
    makeData({ type, length: n, nullCount, nullBitmap, data, valueOffsets } as never);

  switch (type.typeId) {
    case Type.Int: {
      const { bitWidth, isSigned } = type as Int;
      const out = new (type as Int).ArrayType(n) as unknown as { [i: number]: number | bigint };
      const wide = bitWidth === 64;
      const min = isSigned ? -(1n << BigInt(bitWidth - 1)) : 0n;
      const max = isSigned ? (1n << BigInt(bitWidth - 1)) - 1n : (1n << BigInt(bitWidth)) - 1n;
      const minNumber = Number(min);
      const maxNumber = Number(max);
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (v === null || v === undefined) continue;
        if (typeof v === 'number') {
          if (!Number.isInteger(v)) fail(i, 'is not an integer');
          if (wide) {
            const big = BigInt(v);
            if (big < min || big > max) fail(i, `is outside the range ${min}..${max}`);
            out[i] = big;
          } else {
            if (v < minNumber || v > maxNumber) fail(i, `is outside the range ${min}..${max}`);
            out[i] = v;
          }
        } else if (typeof v === 'bigint') {
          if (v < min || v > max) fail(i, `is outside the range ${min}..${max}`);
          out[i] = wide ? v : Number(v);
        } else fail(i, 'is not a number or bigint');
      }
      return make(out as unknown as ArrayBufferView);
    }
    case Type.Float: {
      const out = new (type as Float64).ArrayType(n) as Float64Array;
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (v === null || v === undefined) continue;
        if (typeof v === 'number') out[i] = v;
        else if (typeof v === 'bigint') out[i] = Number(v);
        else fail(i, 'is not a number');
      }
      return make(out);
    }
    case Type.Bool: {
      const out = new Uint8Array((n + 7) >> 3);
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (v === null || v === undefined) continue;
        if (typeof v !== 'boolean') fail(i, 'is not a boolean');
        if (v) out[i >> 3] |= 1 << (i & 7);
      }
      return make(out);
    }
    case Type.Utf8: {
      const encoder = new TextEncoder();
      const offsets = new Int32Array(n + 1);
      let capacity = 0;
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (v === null || v === undefined) continue;
        if (typeof v !== 'string') fail(i, 'is not a string');
        capacity += (v as string).length * 3;
      }
      const bytes = new Uint8Array(capacity);
      let at = 0;
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (typeof v === 'string') at += encoder.encodeInto(v, bytes.subarray(at)).written;
        offsets[i + 1] = at;
      }
      return make(bytes.slice(0, at), offsets);
    }
    case Type.Timestamp:
    case Type.Date: {
      const asDays = type.typeId === Type.Date && (type as Date_).unit === DateUnit.DAY;
      const perMs = type.typeId === Type.Date ? (asDays ? 1 / 86_400_000 : 1) : msScale((type as Timestamp).unit);
      const out = new (type as Date_ | Timestamp).ArrayType(n) as unknown as { [i: number]: number | bigint };
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (v === null || v === undefined) continue;
        let ms: number;
        if (v instanceof Date) ms = v.getTime();
        else if (typeof v === 'number') ms = v;
        else if (typeof v === 'bigint') ms = Number(v);
        else return fail(i, 'is not a Date or epoch milliseconds');
        if (!Number.isFinite(ms)) fail(i, 'is not a valid date');
        const scaled = Math.floor(ms * perMs);
        out[i] = asDays ? scaled : BigInt(scaled);
      }
      return make(out as unknown as ArrayBufferView);
    }
    default: {
      const converted = values.map((v) => (v instanceof Date ? v.getTime() : v));
      try {
        return dataFromValues(type, converted);
      } catch (cause) {
        throw new RowTypeError(
          `column '${name}' (type ${String(type)}): could not convert the row values (${(cause as Error).message}). ` +
            `Check that every row's '${name}' matches the column type.`,
        );
      }
    }
  }
}

function msScale(unit: TimeUnit): number {
  switch (unit) {
    case TimeUnit.SECOND:
      return 1 / 1000;
    case TimeUnit.MILLISECOND:
      return 1;
    case TimeUnit.MICROSECOND:
      return 1000;
    default:
      return 1_000_000;
  }
}

/** A short, quoted rendering of a value for error messages. */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? v.slice(0, 60) + '…' : v);
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'Invalid Date' : `Date(${v.toISOString()})`;
  if (v === null || v === undefined || typeof v !== 'object') return String(v);
  const name = (v as object).constructor?.name ?? 'Object';
  try {
    const text = JSON.stringify(v);
    return `${name} ${text && text.length > 60 ? text.slice(0, 60) + '…' : text}`;
  } catch {
    return name;
  }
}
