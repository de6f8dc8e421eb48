// Hash equi-join of two co-partitioned tables (the reduce side of a shuffle join): build a hash
// table on the right side's keys, probe it with every left row, then gather both sides by index.
//
// Worked example, keys ['k'], left = k:[1, 2, 1] a:[x, y, z], right = k:[1, 1, 3] b:[p, q, r]:
//   matched pairs (left row, right row), in left order then right order:
//     (0,0) (0,1) (2,0) (2,1)          inner → k:[1,1,1,1] a:[x,x,z,z] b:[p,q,p,q]
//   a left join also keeps left row 1 with right row -1 (nulls): (0,0) (0,1) (1,-1) (2,0) (2,1)

import { Field, Schema, Type } from 'apache-arrow';
import type { DataType, Table } from 'apache-arrow';
import { DataflowError } from '../errors.ts';
import { columnData, requireColumnIndex, tableFromColumns } from './columns.ts';
import { hashKeys } from './key-hash.ts';
import { isNullAt, keyValueAt, readKeyColumn } from './key-columns.ts';
import type { KeyColumn } from './key-columns.ts';
import { takeData } from './take.ts';

/** The key columns of the two sides cannot be compared (e.g. a number with a string). */
export class JoinKeyTypeError extends DataflowError {
  constructor(message: string) {
    super('JOIN_KEY_TYPE', message);
  }
}

/**
 * Join `left` and `right` on equal `keys` (present on both sides).
 *
 * - Keys compare by value: Int32 5 matches Float64 5.0 and Int64 5; NaN matches NaN (as Spark);
 *   a null key never matches anything (SQL), but a left join keeps that left row.
 * - Output columns: the keys (values and types from the left), the left non-key columns, then the
 *   right non-key columns; a right column whose name is already taken gets the suffix `_right`.
 * - Output rows: in left row order; each left row's matches in right row order. A left join
 *   adds unmatched left rows with nulls in every right column.
 * - A right side with no columns and no rows (an empty partition of unknown schema) is an empty
 *   table with no non-key columns.
 *
 * @example
 * hashJoin(ratings, movies, ['movieId'], 'left'); // movieId, user, rating, title, year
 */
export function hashJoin(left: Table, right: Table, keys: readonly string[], how: 'inner' | 'left'): Table {
  if (how !== 'inner' && how !== 'left') {
    throw new DataflowError('INVALID_INPUT', `hashJoin: 'how' must be 'inner' or 'left', got '${String(how)}'.`);
  }
  const rightBlank = right.numRows === 0 && right.numCols === 0;
  const leftKeys = keys.map((k) => readKeyColumn(left, k, 'as a join key (left side)'));
  const rightKeys = rightBlank ? [] : keys.map((k) => readKeyColumn(right, k, 'as a join key (right side)'));
  if (!rightBlank) checkComparable(left, right, keys);

  const { leftRows, rightRows } = rightBlank
    ? unmatched(left.numRows, how)
    : matchRows(hashKeys(left, keys), leftKeys, hashKeys(right, keys), rightKeys, how);

  const leftNonKey = left.schema.fields.filter((f) => !keys.includes(f.name));
  const rightNonKey = rightBlank ? [] : right.schema.fields.filter((f) => !keys.includes(f.name));
  const fields: Field[] = [];
  const columns = [];
  for (const k of keys) {
    fields.push(left.schema.fields[requireColumnIndex(left, k)]);
    columns.push(takeData(columnData(left, k), leftRows));
  }
  for (const f of leftNonKey) {
    fields.push(f);
    columns.push(takeData(columnData(left, f.name), leftRows));
  }
  const taken = new Set(fields.map((f) => f.name));
  for (const f of rightNonKey) {
    let name = f.name;
    while (taken.has(name)) name += '_right';
    taken.add(name);
    fields.push(new Field(name, f.type, how === 'left' ? true : f.nullable, f.metadata));
    columns.push(takeData(columnData(right, f.name), rightRows));
  }
  return tableFromColumns(new Schema(fields), columns, leftRows.length);
}

/** Pairs for a right side with no rows: none (inner) or every left row with -1 (left). */
function unmatched(n: number, how: 'inner' | 'left'): { leftRows: Int32Array; rightRows: Int32Array } {
  if (how === 'inner') return { leftRows: new Int32Array(0), rightRows: new Int32Array(0) };
  const leftRows = new Int32Array(n);
  for (let i = 0; i < n; i++) leftRows[i] = i;
  return { leftRows, rightRows: new Int32Array(n).fill(-1) };
}

/**
 * Build on the right, probe with the left. The table is open addressing over the 32-bit hash:
 * each slot holds one distinct hash and the chain of right rows with that hash (in right order,
 * via `next`); equal hashes with different keys share a chain and are told apart by `sameKey`.
 */
function matchRows(
  leftHash: Uint32Array, leftKeys: KeyColumn[], rightHash: Uint32Array, rightKeys: KeyColumn[], how: 'inner' | 'left',
): { leftRows: Int32Array; rightRows: Int32Array } {
  const nRight = rightHash.length;
  let capacity = 16;
  while (capacity < nRight * 2) capacity *= 2;
  const mask = capacity - 1;
  const slotHead = new Int32Array(capacity).fill(-1);
  const slotTail = new Int32Array(capacity);
  const slotHash = new Int32Array(capacity);
  const next = new Int32Array(nRight).fill(-1);
  const hasNullKey = (cols: KeyColumn[], i: number): boolean => {
    for (let k = 0; k < cols.length; k++) if (isNullAt(cols[k], i)) return true;
    return false;
  };
  for (let r = 0; r < nRight; r++) {
    if (hasNullKey(rightKeys, r)) continue; // null never matches
    const h = rightHash[r] | 0;
    let s = h & mask;
    while (slotHead[s] !== -1 && slotHash[s] !== h) s = (s + 1) & mask;
    if (slotHead[s] === -1) {
      slotHead[s] = r;
      slotHash[s] = h;
    } else next[slotTail[s]] = r;
    slotTail[s] = r;
  }

  const equals = leftKeys.map((l, k) => keyEquality(l, rightKeys[k]));
  const out = new PairBuffer(leftHash.length);
  for (let l = 0; l < leftHash.length; l++) {
    let matched = false;
    if (!hasNullKey(leftKeys, l)) {
      const h = leftHash[l] | 0;
      let s = h & mask;
      while (slotHead[s] !== -1 && slotHash[s] !== h) s = (s + 1) & mask;
      for (let r = slotHead[s]; r !== -1; r = next[r]) {
        let same = true;
        for (let k = 0; k < equals.length && same; k++) same = equals[k](l, r);
        if (same) {
          out.push(l, r);
          matched = true;
        }
      }
    }
    if (!matched && how === 'left') out.push(l, -1);
  }
  return out.finish();
}

/** Value equality of non-null keys across the two sides (numbers by value; NaN equals NaN). */
function keyEquality(l: KeyColumn, r: KeyColumn): (a: number, b: number) => boolean {
  if (l.kind === 'number' && r.kind === 'number') {
    const lv = l.values;
    const rv = r.values;
    return (a, b) => lv[a] === rv[b] || (lv[a] !== lv[a] && rv[b] !== rv[b]); // eslint-disable-line no-self-compare
  }
  return (a, b) => sameValue(keyValueAt(l, a), keyValueAt(r, b));
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const ta = typeof a;
  const tb = typeof b;
  if ((ta === 'number' || ta === 'bigint') && (tb === 'number' || tb === 'bigint')) {
    if (a !== a && b !== b) return true; // eslint-disable-line no-self-compare
    return (a as number) == (b as number); // eslint-disable-line eqeqeq -- exact number/bigint comparison
  }
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  return false;
}

/** The family a key type compares within: numbers with numbers, times with times, ... */
function keyFamily(type: DataType): string {
  switch (type.typeId) {
    case Type.Int:
    case Type.Float:
      return 'number';
    case Type.Date:
    case Type.Timestamp:
      return 'date/timestamp';
    case Type.Utf8:
    case Type.LargeUtf8:
      return 'string';
    default:
      return String(type);
  }
}

function checkComparable(left: Table, right: Table, keys: readonly string[]): void {
  for (const k of keys) {
    const lt = left.schema.fields[requireColumnIndex(left, k)].type;
    const rt = right.schema.fields[requireColumnIndex(right, k)].type;
    if (keyFamily(lt) !== keyFamily(rt)) {
      throw new JoinKeyTypeError(
        `join key '${k}' is ${String(lt)} on the left but ${String(rt)} on the right; these never compare equal. ` +
          `Convert one side (e.g. with a map) so both are numbers, strings or timestamps.`,
      );
    }
  }
}

/** Growable pair of Int32 index arrays. */
class PairBuffer {
  private left: Int32Array;
  private right: Int32Array;
  private size = 0;
  constructor(initial: number) {
    this.left = new Int32Array(Math.max(16, initial));
    this.right = new Int32Array(Math.max(16, initial));
  }
  push(l: number, r: number): void {
    if (this.size === this.left.length) {
      const grownLeft = new Int32Array(this.size * 2);
      grownLeft.set(this.left);
      this.left = grownLeft;
      const grownRight = new Int32Array(this.size * 2);
      grownRight.set(this.right);
      this.right = grownRight;
    }
    this.left[this.size] = l;
    this.right[this.size++] = r;
  }
  finish(): { leftRows: Int32Array; rightRows: Int32Array } {
    return { leftRows: this.left.slice(0, this.size), rightRows: this.right.slice(0, this.size) };
  }
}
