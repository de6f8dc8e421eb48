// Column type inference from sampled text values, the narrowest type that holds every non-empty
// value: bool (true/false) → int32 → int64 → float64 → utf8. Empty values are nulls and say
// nothing; a column with no values at all is utf8. Values parse later by the same rules (values.ts).
//
//   ['1', '', '-7']        → int32        ['3000000000'] → int64      ['4.0', '3']  → float64
//   ['true', 'FALSE', '']  → bool         ['1e5', '2']   → float64    ['4.0', 'x']  → utf8

import type { CsvColumnType } from './column-types.ts';
import { BOOL_TEXT, FLOAT_TEXT, INTEGER_TEXT, parseFloatText } from './values.ts';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * @example inferColumnType(['1', '2', '']) // → 'int32'
 */
export function inferColumnType(values: ReadonlyArray<string | undefined>): CsvColumnType {
  let seen = false;
  let allBool = true;
  let allInt = true;
  let fits32 = true;
  let fits64 = true;
  let allFloat = true;
  let anyDecimal = false;
  for (const value of values) {
    if (value === undefined) continue;
    const t = value.trim();
    if (t === '') continue;
    seen = true;
    if (allBool && !BOOL_TEXT.test(t)) allBool = false;
    if (allInt) {
      if (INTEGER_TEXT.test(t)) {
        const big = BigInt(t);
        if (big > 2147483647n || big < -2147483648n) fits32 = false;
        if (big > INT64_MAX || big < INT64_MIN) fits64 = false;
      } else allInt = false;
    }
    if (allFloat) {
      if (FLOAT_TEXT.test(t)) anyDecimal = true;
      else if (parseFloatText(t) === undefined) allFloat = false;
    }
    if (!allBool && !allInt && !allFloat) return 'utf8';
  }
  if (!seen) return 'utf8';
  if (allBool) return 'bool';
  if (allInt) return fits32 ? 'int32' : fits64 ? 'int64' : 'float64';
  if (allFloat && anyDecimal) return 'float64';
  return 'utf8';
}
