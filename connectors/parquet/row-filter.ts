// Applies a readParquet filter to the rows of a decoded row group, on the executor. Pruning by
// statistics only skips whole row groups that cannot match; the rows of the groups that are read
// go through this filter, so `readParquet(path, { filter })` returns exactly the matching rows.
//
// Each predicate sets bits in one mask over the rows, working on the column's typed arrays and
// validity bitmap (no row objects). Strings are compared as UTF-8 bytes against the literal's bytes.

import type * as arrow from 'apache-arrow';
import { Type } from 'apache-arrow';
import { columnData } from '../../engine/kernels/columns.ts';
import { filterRows } from '../../engine/kernels/take.ts';
import type { ComparisonOp, FilterValue, ParquetFilter, ParquetPredicate } from './predicate.ts';

/**
 * The rows of `table` for which every predicate holds (SQL semantics: null matches no comparison).
 *
 * @example
 * applyFilter(table, [['rating', '>=', 4], ['itemId', 'in', [1, 2]]]);
 */
export function applyFilter(table: arrow.Table, filter: ParquetFilter): arrow.Table {
  if (filter.length === 0 || table.numRows === 0) return table;
  const mask = new Uint8Array(table.numRows).fill(1);
  for (const p of filter) andPredicate(mask, columnData(table, p[0], 'by the readParquet filter'), p);
  return filterRows(table, mask);
}

function andPredicate(mask: Uint8Array, data: arrow.Data, p: ParquetPredicate): void {
  const n = data.length;
  const valid = validityOf(data);
  const op = p[1];
  if (op === 'is null' || op === 'is not null') {
    const want = op === 'is not null';
    for (let i = 0; i < n; i++) if (valid(i) !== want) mask[i] = 0;
    return;
  }
  const test = rowTest(data, p);
  for (let i = 0; i < n; i++) {
    if (mask[i] === 0) continue;
    if (!valid(i) || !test(i)) mask[i] = 0;
  }
}

function validityOf(data: arrow.Data): (i: number) => boolean {
  const bitmap = data.nullBitmap;
  if (!bitmap || bitmap.length === 0 || data.nullCount === 0) return () => true;
  const offset = data.offset;
  return (i) => {
    const bit = offset + i;
    return (bitmap[bit >> 3]! & (1 << (bit & 7))) !== 0;
  };
}

/** A test of row i (assumed valid) against the predicate's literal(s). */
function rowTest(data: arrow.Data, p: ParquetPredicate): (i: number) => boolean {
  const op = p[1] as ComparisonOp | 'in';
  const literals = (op === 'in' ? p[2] : [p[2]]) as readonly FilterValue[];
  switch (data.type.typeId) {
    case Type.Utf8: return stringTest(data as arrow.Data<arrow.Utf8>, op, literals as readonly string[]);
    case Type.Bool: {
      const bits = data.values as Uint8Array;
      const offset = data.offset;
      const value = (i: number) => (bits[(offset + i) >> 3]! & (1 << ((offset + i) & 7))) !== 0;
      const wanted = new Set(literals as readonly boolean[]);
      if (op === '!=') return (i) => value(i) !== literals[0];
      return (i) => wanted.has(value(i));
    }
    default: {
      const values = data.values as ArrayLike<number | bigint>;
      if (op === 'in') {
        // Numbers and bigints compare exactly with `==` (3n == 3); a Set would not mix them.
        const bigint = typeof values[0] === 'bigint' || data.type.typeId === Type.Int && (data.type as arrow.Int).bitWidth === 64;
        const set = new Set<number | bigint>();
        for (const v of literals as readonly (number | bigint)[]) {
          if (!bigint) {
            if (!Number.isNaN(Number(v))) set.add(Number(v)); // NaN matches no comparison
          }
          else if (typeof v === 'bigint') set.add(v);
          else if (Number.isInteger(v)) set.add(BigInt(v));
        }
        return (i) => set.has(values[i]!);
      }
      const v = literals[0] as number | bigint;
      return numericTest(values, op, v);
    }
  }
}

function numericTest(values: ArrayLike<number | bigint>, op: ComparisonOp, v: number | bigint): (i: number) => boolean {
  switch (op) {
    // eslint-disable-next-line eqeqeq
    case '=': return (i) => values[i]! == v;
    // eslint-disable-next-line eqeqeq
    case '!=': return (i) => values[i]! != v && !Number.isNaN(values[i]);
    case '<': return (i) => values[i]! < v;
    case '<=': return (i) => values[i]! <= v;
    case '>': return (i) => values[i]! > v;
    case '>=': return (i) => values[i]! >= v;
  }
}

function stringTest(data: arrow.Data<arrow.Utf8>, op: ComparisonOp | 'in', literals: readonly string[]): (i: number) => boolean {
  const offsets = data.valueOffsets;
  const bytes = data.values;
  const encoder = new TextEncoder();
  const encoded = literals.map((s) => encoder.encode(s));
  const cmp = (i: number, lit: Uint8Array): number => {
    const start = offsets[i]!;
    const len = offsets[i + 1]! - start;
    const n = Math.min(len, lit.length);
    for (let k = 0; k < n; k++) {
      const d = bytes[start + k]! - lit[k]!;
      if (d !== 0) return d;
    }
    return len - lit.length;
  };
  const lit = encoded[0]!;
  switch (op) {
    case 'in': return (i) => encoded.some((e) => cmp(i, e) === 0);
    case '=': return (i) => cmp(i, lit) === 0;
    case '!=': return (i) => cmp(i, lit) !== 0;
    case '<': return (i) => cmp(i, lit) < 0;
    case '<=': return (i) => cmp(i, lit) <= 0;
    case '>': return (i) => cmp(i, lit) > 0;
    case '>=': return (i) => cmp(i, lit) >= 0;
  }
}
