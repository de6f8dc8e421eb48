// Text → typed value, the general (slow) way: used for quoted fields, numbers the fast byte path
// does not take (exponents, more than 15 digits, surrounding spaces) and by type inference, so
// that inference and parsing accept exactly the same spellings.

import type { ColumnBuilder } from './column-builder.ts';
import { KIND_BOOL, KIND_FLOAT32, KIND_FLOAT64, KIND_INT32, KIND_INT64, KIND_SKIP, KIND_UTF8 } from './column-builder.ts';

export const INTEGER_TEXT = /^[+-]?\d+$/;
export const FLOAT_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const SPECIAL_FLOAT = /^([+-]?)(inf|infinity|nan)$/i;
const TRUE_TEXT = /^(true|t|yes|1)$/i;
const FALSE_TEXT = /^(false|f|no|0)$/i;
/** Spellings inferred as bool (1/0 are inferred as numbers). */
export const BOOL_TEXT = /^(true|false)$/i;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A float's value, or undefined when `text` is not a decimal number, inf/infinity or nan. */
export function parseFloatText(text: string): number | undefined {
  if (FLOAT_TEXT.test(text)) return Number(text);
  const special = SPECIAL_FLOAT.exec(text);
  if (!special) return undefined;
  if (special[2]!.toLowerCase() === 'nan') return Number.NaN;
  return special[1] === '-' ? -Infinity : Infinity;
}

/**
 * Stores `text` (already unquoted) as the value of `row` in `col`; false when it does not parse.
 * Numbers and bools may carry surrounding spaces; blank text is null for every type but utf8.
 *
 * @example storeText(int32Column, 5, ' 42 ') // → true, row 5 = 42
 */
export function storeText(col: ColumnBuilder, row: number, text: string): boolean {
  if (col.kind === KIND_UTF8) { col.setString(row, text); return true; }
  if (col.kind === KIND_SKIP) return true;
  const t = text.trim();
  if (t === '') { col.setNull(row); return true; }
  switch (col.kind) {
    case KIND_INT32: {
      if (!INTEGER_TEXT.test(t)) return false;
      const v = Number(t);
      if (v > 2147483647 || v < -2147483648) return false;
      col.i32[row] = v;
      return true;
    }
    case KIND_INT64: {
      if (!INTEGER_TEXT.test(t)) return false;
      const v = BigInt(t);
      if (v > INT64_MAX || v < INT64_MIN) return false;
      col.setBigInt64(row, v);
      return true;
    }
    case KIND_FLOAT32: case KIND_FLOAT64: {
      const v = parseFloatText(t);
      if (v === undefined) return false;
      if (col.kind === KIND_FLOAT32) col.f32[row] = v; else col.f64[row] = v;
      return true;
    }
    case KIND_BOOL: {
      if (TRUE_TEXT.test(t)) col.u8[row] = 1;
      else if (FALSE_TEXT.test(t)) col.u8[row] = 0;
      else return false;
      return true;
    }
  }
  return false;
}
