// Hash equi-join of two co-partitioned tables (the reduce side of a shuffle join, and each
// partition of a grace join): hash the right side once (join-index.ts), probe it with the left
// rows — all at once, or batch after batch — then gather both sides by index.
//
// Worked example, keys ['k'], left = k:[1, 2, 1] a:[x, y, z], right = k:[1, 1, 3] b:[p, q, r]:
//   matched pairs (left row, right row), in left order then right order:
//     (0,0) (0,1) (2,0) (2,1)          inner → k:[1,1,1,1] a:[x,x,z,z] b:[p,q,p,q]
//   left  adds (1,-1) in its place:    (0,0) (0,1) (1,-1) (2,0) (2,1)
//   right adds the unmatched right rows after all pairs, in right order: (-1,2) → k:3 a:null b:r
//   full  does both; semi keeps left rows 0 and 2 (left columns only); anti keeps left row 1.

import { Field, Schema } from 'apache-arrow';
import type { Data, DataType, Table } from 'apache-arrow';
import { Type } from 'apache-arrow';
import { DataflowError, InvalidInputError } from '../errors.ts';
import { columnData, requireColumnIndex, tableFromColumns } from './columns.ts';
import { combineChunks } from './combine-chunks.ts';
import { concatTables } from './concat-tables.ts';
import { JoinIndex } from './join-index.ts';
import type { ProbeMode } from './join-index.ts';
import { takeData, takeRows } from './take.ts';

/** The join kinds, with Spark's meanings (`full` = full outer, `semi`/`anti` = left semi/anti). */
export const JOIN_KINDS = ['inner', 'left', 'right', 'full', 'semi', 'anti'] as const;
export type JoinHow = (typeof JOIN_KINDS)[number];

const PROBE_MODE: Record<JoinHow, ProbeMode> = { inner: 'matches', left: 'outer', right: 'matches', full: 'outer', semi: 'semi', anti: 'anti' };

/** The key columns of the two sides cannot be compared (e.g. a number with a string). */
export class JoinKeyTypeError extends DataflowError {
  constructor(message: string) {
    super('JOIN_KEY_TYPE', message);
  }
}

/** `how` as a JoinHow, or an error naming the value and the kinds there are. */
export function checkJoinHow(how: unknown, where: string): JoinHow {
  if (typeof how === 'string' && (JOIN_KINDS as readonly string[]).includes(how)) return how as JoinHow;
  throw new InvalidInputError(`${where}: how must be one of ${JOIN_KINDS.map((k) => `'${k}'`).join(', ')}; got '${String(how)}'`);
}

/** Whether right rows without a match are part of the output (right and full joins). */
export function keepsUnmatchedRight(how: JoinHow): boolean {
  return how === 'right' || how === 'full';
}

/**
 * Join `left` and `right` on equal `keys` (present on both sides).
 *
 * - Keys compare by value: Int32 5 matches Float64 5.0 and Int64 5; NaN matches NaN (as Spark);
 *   a null key never matches anything (SQL), but outer and anti joins keep that row.
 * - Output columns: the keys, the left non-key columns, then the right non-key columns; a right
 *   column whose name is already taken gets the suffix `_right`. Keys take values and types from
 *   the left, except in right and full joins, whose unmatched right rows take them from the right
 *   (both sides' key types must then be the same). The side that may be missing is null-filled
 *   and its columns become nullable. `semi` and `anti` give the left's own columns only.
 * - Output rows: in left row order, each left row's matches in right row order; unmatched left
 *   rows (left, full, anti) in their place; unmatched right rows (right, full) after all of them,
 *   in right row order.
 * - A side with no columns and no rows (an empty partition of unknown schema) has no rows and
 *   only the key columns.
 *
 * @example
 * hashJoin(ratings, movies, ['movieId'], 'left'); // movieId, user, rating, title, year
 * hashJoin(ratings, banned, ['userId'], 'anti');  // the ratings of users not banned
 */
export function hashJoin(left: Table, right: Table, keys: readonly string[], how: JoinHow): Table {
  const joiner = new HashJoiner(right, keys, checkJoinHow(how, 'hashJoin'));
  const joined = joiner.join(left);
  const rest = joiner.rest();
  return rest && rest.numRows > 0 ? concatTables([joined, rest]) : joined;
}

/**
 * A join whose right side is held (hashed once) while the left side streams through it in batches:
 * `join(batch)` for each left batch in order, then `rest()` for the unmatched right rows. The
 * batches' outputs laid end to end are `hashJoin(all left rows, right)`.
 *
 * @example
 * const joiner = new HashJoiner(dimension, ['k'], 'full');
 * for (const batch of facts) emit(joiner.join(batch));
 * emit(joiner.rest());
 */
export class HashJoiner {
  private index: JoinIndex | undefined;
  private readonly matched: Uint8Array | undefined;
  private template: Table | undefined;
  private checked = false;

  constructor(private readonly right: Table, private readonly keys: readonly string[], readonly how: JoinHow) {
    if (!isBlankTable(right)) {
      this.index = new JoinIndex(right, keys, 'right');
      if (keepsUnmatchedRight(how)) this.matched = new Uint8Array(right.numRows);
    }
  }

  /** The output rows of `left`'s rows (one batch of the left side, in order). */
  join(left: Table): Table {
    if (isBlankTable(left)) {
      if (!keepsUnmatchedRight(this.how) || !this.index) return left;
      left = emptyKeys(this.right, this.keys);
    }
    this.index ??= new JoinIndex(emptyKeys(left, this.keys), this.keys, 'right');
    if (!this.checked) {
      checkComparable(left, this.index.table, this.keys, this.how);
      this.checked = true;
    }
    this.template ??= left.slice(0, 0);
    const { probeRows, buildRows } = this.index.probe(left, this.keys, PROBE_MODE[this.how], 'left', this.matched);
    return joinedTable(left, this.index.table, this.keys, this.how, probeRows, buildRows);
  }

  /** The right rows no left row matched, null-filled on the left (right and full joins; else undefined). */
  rest(): Table | undefined {
    if (!this.matched || !this.index) return undefined;
    const left = this.template ?? emptyKeys(this.right, this.keys);
    let n = 0;
    for (let r = 0; r < this.matched.length; r++) if (this.matched[r] === 0) n++;
    const rightRows = new Int32Array(n);
    for (let r = 0, i = 0; r < this.matched.length; r++) if (this.matched[r] === 0) rightRows[i++] = r;
    return joinedTable(left, this.index.table, this.keys, this.how, new Int32Array(n).fill(-1), rightRows);
  }
}

/** Output row i is left row leftRows[i] beside right row rightRows[i] (-1: that side is null). */
export function joinedTable(
  left: Table, right: Table, keys: readonly string[], how: JoinHow, leftRows: Int32Array, rightRows: Int32Array,
): Table {
  if (how === 'semi' || how === 'anti') return takeRows(left, leftRows);
  const leftMayBeMissing = keepsUnmatchedRight(how);
  const rightMayBeMissing = how === 'left' || how === 'full';
  const fields: Field[] = [];
  const columns: Data[] = [];
  for (const k of keys) {
    const lf = left.schema.fields[requireColumnIndex(left, k)]!;
    if (leftMayBeMissing) {
      const rf = right.schema.fields[requireColumnIndex(right, k)]!;
      fields.push(new Field(k, lf.type, lf.nullable || rf.nullable, lf.metadata));
      columns.push(coalesced(columnData(left, k), columnData(right, k), lf.type, leftRows, rightRows));
    } else {
      fields.push(lf);
      columns.push(takeData(columnData(left, k), leftRows));
    }
  }
  for (const f of left.schema.fields) {
    if (keys.includes(f.name)) continue;
    fields.push(leftMayBeMissing ? new Field(f.name, f.type, true, f.metadata) : f);
    columns.push(takeData(columnData(left, f.name), leftRows));
  }
  const taken = new Set(fields.map((f) => f.name));
  for (const f of right.schema.fields) {
    if (keys.includes(f.name)) continue;
    let name = f.name;
    while (taken.has(name)) name += '_right';
    taken.add(name);
    fields.push(new Field(name, f.type, rightMayBeMissing ? true : f.nullable, f.metadata));
    columns.push(takeData(columnData(right, f.name), rightRows));
  }
  return tableFromColumns(new Schema(fields), columns, leftRows.length);
}

/** A key column taken from the left row where there is one, else from the right row. */
function coalesced(left: Data, right: Data, type: DataType, leftRows: Int32Array, rightRows: Int32Array): Data {
  if (leftRows.every((l) => l >= 0)) return takeData(left, leftRows);
  const both = combineChunks([left, right], type);
  const rows = new Int32Array(leftRows.length);
  for (let i = 0; i < rows.length; i++) rows[i] = leftRows[i]! >= 0 ? leftRows[i]! : left.length + rightRows[i]!;
  return takeData(both, rows);
}

/** No rows, only the key columns of `table`: what a blank side stands for. */
function emptyKeys(table: Table, keys: readonly string[]): Table {
  for (const k of keys) requireColumnIndex(table, k, 'as a join key');
  return table.select([...keys]).slice(0, 0);
}

function isBlankTable(table: Table): boolean {
  return table.numRows === 0 && table.numCols === 0;
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

function checkComparable(left: Table, right: Table, keys: readonly string[], how: JoinHow): void {
  for (const k of keys) {
    const lt = left.schema.fields[requireColumnIndex(left, k, 'as a join key (left side)')]!.type;
    const rt = right.schema.fields[requireColumnIndex(right, k, 'as a join key (right side)')]!.type;
    if (keyFamily(lt) !== keyFamily(rt)) {
      throw new JoinKeyTypeError(
        `join key '${k}' is ${String(lt)} on the left but ${String(rt)} on the right; these never compare equal. ` +
          `Convert one side (e.g. with a map) so both are numbers, strings or timestamps.`,
      );
    }
    if (keepsUnmatchedRight(how) && String(lt) !== String(rt)) {
      throw new JoinKeyTypeError(
        `join key '${k}' is ${String(lt)} on the left but ${String(rt)} on the right; a ${how} join takes the key of a right row ` +
          `without a match from the right side, so both sides need the same key type. Convert one side (e.g. with a map) to ${String(lt)}.`,
      );
    }
  }
}
