// The simple predicates `readParquet(path, { filter })` understands, checked against the schema at
// plan time, and the question the planner asks for each row group: "could any row here match?".
//
// A filter is an AND of comparisons, each `[column, op, value]`:
//
//   filter: [['rating', '>=', 4], ['itemId', 'in', [1, 2, 3]], ['genre', 'is not null']]
//
// Row-group pruning from statistics (min, max, null count) works like Spark's and DataFusion's:
// a row group is skipped only when its statistics PROVE that no row matches; when in doubt (no
// statistics, a type we do not decode) it is read. Skipping is only an optimization: the same
// filter is applied to every row that is read (row-filter.ts), so results are exact either way.
//
// Comparisons follow SQL: a null never matches a comparison (not even `!=`), only `is null`.
// Strings compare by Unicode code point (= UTF-8 byte order, the order Parquet's statistics use).

import * as arrow from 'apache-arrow';
import { ParquetFilterError } from './errors.ts';
import type { ColumnStatistics, StatisticValue } from './statistics.ts';

export type ComparisonOp = '=' | '!=' | '<' | '<=' | '>' | '>=';
export type FilterValue = number | bigint | string | boolean;

/** One condition on one column. */
export type ParquetPredicate =
  | readonly [column: string, op: ComparisonOp, value: FilterValue]
  | readonly [column: string, op: 'in', values: readonly FilterValue[]]
  | readonly [column: string, op: 'is null' | 'is not null'];

/** All predicates must hold (AND). */
export type ParquetFilter = readonly ParquetPredicate[];

/** How a column's values compare: which literal types a predicate on it may use. */
export type ValueKind = 'number' | 'bigint' | 'string' | 'bool' | 'other';

const COMPARISONS: readonly string[] = ['=', '!=', '<', '<=', '>', '>='];

/** The comparison family of an Arrow type. */
export function valueKind(type: arrow.DataType): ValueKind {
  if (arrow.DataType.isInt(type)) return type.bitWidth === 64 ? 'bigint' : 'number';
  if (arrow.DataType.isFloat(type)) return type.precision === arrow.Precision.HALF ? 'other' : 'number';
  if (arrow.DataType.isUtf8(type)) return 'string';
  if (arrow.DataType.isBool(type)) return 'bool';
  return 'other';
}

/**
 * Checks a filter against the scan's schema (file columns and partition columns): every column
 * exists, every operator is known, every literal fits the column's type. Throws ParquetFilterError.
 *
 * @example
 * checkFilter([['rating', '>=', 4]], schema, '/data/ratings'); // ok
 * checkFilter([['rating', '>=', '4']], schema, '/data/ratings'); // throws: 'rating' is Float32, compare it with a number
 */
export function checkFilter(filter: unknown, schema: arrow.Schema, input: string): ParquetFilter {
  if (!Array.isArray(filter)) throw new ParquetFilterError(`filter for ${input} must be an array of [column, op, value] predicates, got ${typeof filter}`);
  for (const [i, p] of filter.entries()) {
    const at = `filter[${i}] ${JSON.stringify(p, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))}`;
    if (!Array.isArray(p) || typeof p[0] !== 'string' || typeof p[1] !== 'string') {
      throw new ParquetFilterError(`${at} must be [column, op, value] or [column, 'is null'], e.g. ['rating', '>=', 4]`);
    }
    const [column, op] = p as [string, string];
    const field = schema.fields.find((f) => f.name === column);
    if (field === undefined) {
      throw new ParquetFilterError(`${at}: column '${column}' is not in ${input}; available columns: ${schema.fields.map((f) => f.name).join(', ')}`);
    }
    const kind = valueKind(field.type);
    if (op === 'is null' || op === 'is not null') {
      if (p.length !== 2) throw new ParquetFilterError(`${at}: '${op}' takes no value; write ['${column}', '${op}']`);
      continue;
    }
    if (op !== 'in' && !COMPARISONS.includes(op)) {
      throw new ParquetFilterError(`${at}: unknown operator '${op}'; use one of ${[...COMPARISONS, 'in', 'is null', 'is not null'].join(', ')}`);
    }
    if (p.length !== 3) throw new ParquetFilterError(`${at}: '${op}' needs exactly one value`);
    if (kind === 'other') {
      throw new ParquetFilterError(
        `${at}: column '${column}' is ${String(field.type)}, which filters only support with 'is null' / 'is not null'; filter it with Dataset.filter after reading`,
      );
    }
    const values: unknown[] = op === 'in' ? (Array.isArray(p[2]) ? p[2] : [Symbol('not an array')]) : [p[2]];
    if (op === 'in' && !Array.isArray(p[2])) throw new ParquetFilterError(`${at}: 'in' needs an array of values, e.g. ['${column}', 'in', [1, 2]]`);
    for (const v of values) {
      if (!literalFits(v, kind)) {
        const want = kind === 'bigint' ? 'a number or bigint' : kind === 'bool' ? 'a boolean' : `a ${kind}`;
        throw new ParquetFilterError(`${at}: column '${column}' is ${String(field.type)}; compare it with ${want}, got ${describe(v)}`);
      }
    }
    if (kind === 'bool' && op !== '=' && op !== '!=' && op !== 'in') {
      throw new ParquetFilterError(`${at}: column '${column}' is Bool; use '=', '!=' or 'in'`);
    }
  }
  return filter as ParquetFilter;
}

function literalFits(v: unknown, kind: ValueKind): boolean {
  switch (kind) {
    case 'number': return typeof v === 'number' || typeof v === 'bigint';
    case 'bigint': return typeof v === 'number' || typeof v === 'bigint';
    case 'string': return typeof v === 'string';
    case 'bool': return typeof v === 'boolean';
    default: return false;
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null (use \'is null\')';
  return `${typeof v} ${typeof v === 'bigint' ? `${v}n` : JSON.stringify(v)}`;
}

/**
 * Could a row group with these statistics hold a row matching `p`? False only when proven not.
 *
 * @example
 * mayMatch(['rating', '>=', 4], { min: 0.5, max: 3.5, nullCount: 0 }, 1000); // false: skip it
 * mayMatch(['rating', '>=', 4], { nullCount: 0 }, 1000);                       // true: no bounds
 */
export function mayMatch(p: ParquetPredicate, stats: ColumnStatistics, numRows: number): boolean {
  const op = p[1];
  const { min, max, nullCount } = stats;
  if (op === 'is null') return nullCount === undefined || nullCount > 0;
  const allNull = nullCount !== undefined && nullCount >= numRows;
  if (op === 'is not null') return !allNull;
  if (allNull) return false; // nulls match no comparison
  if (min === undefined || max === undefined) return true;
  const within = (v: FilterValue): boolean => {
    const lo = compareValues(v, min);
    const hi = compareValues(v, max);
    return lo === undefined || hi === undefined || (lo >= 0 && hi <= 0);
  };
  if (op === 'in') return (p[2] as readonly FilterValue[]).some(within);
  const v = p[2] as FilterValue;
  const vsMin = compareValues(v, min);
  const vsMax = compareValues(v, max);
  if (vsMin === undefined || vsMax === undefined) return true;
  switch (op) {
    case '=': return vsMin >= 0 && vsMax <= 0;
    case '!=': return !(vsMin === 0 && vsMax === 0); // every row equals v
    case '<': return vsMin > 0; // some row < v  <=>  min < v
    case '<=': return vsMin >= 0;
    case '>': return vsMax < 0; // some row > v  <=>  max > v
    case '>=': return vsMax <= 0;
  }
}

/**
 * Orders a literal against a statistics bound: negative, zero or positive; undefined when they
 * cannot be compared (NaN, or mismatched kinds, which checkFilter prevents).
 */
export function compareValues(a: FilterValue, b: StatisticValue): number | undefined {
  if (typeof a === 'string' || typeof b === 'string') {
    return typeof a === 'string' && typeof b === 'string' ? compareCodePoints(a, b) : undefined;
  }
  if (typeof a === 'boolean') return undefined;
  if (a < b) return -1; // JS compares number with bigint exactly
  if (a > b) return 1;
  // eslint-disable-next-line eqeqeq
  return a == b ? 0 : undefined;
}

/**
 * Compares strings by Unicode code point, which is the order of their UTF-8 bytes (JS `<` compares
 * UTF-16 code units, which puts U+E000..U+FFFF after supplementary characters).
 *
 * @example
 * compareCodePoints('\uffff', '😀'); // -1 (U+FFFF < U+1F600), while '\uffff' < '😀' is false in JS
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return fixup(x) - fixup(y);
  }
  return a.length - b.length;
}

/** Moves surrogates (U+D800..DFFF) above U+E000..FFFF so code-unit order becomes code-point order. */
function fixup(c: number): number {
  if (c >= 0xe000) return c - 0x800;
  if (c >= 0xd800) return c + 0x2000;
  return c;
}
