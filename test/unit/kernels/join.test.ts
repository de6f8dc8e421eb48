// Tests of the hash join: every join kind with duplicate keys on both sides (against a nested-loop
// reference written here), output column order and the `_right` suffix, key equality across numeric
// types, nulls, NaN and empty sides, and the streamed form (HashJoiner) equal to the one-shot join.

import { describe, expect, it } from 'vitest';
import { Field, Schema, Table } from 'apache-arrow';
import type { DataType } from 'apache-arrow';
import { HashJoiner, JOIN_KINDS, JoinKeyTypeError, hashJoin } from '../../../engine/kernels/join.ts';
import type { JoinHow } from '../../../engine/kernels/join.ts';
import type { Row } from '../../../engine/kernels/rows.ts';
import { rowsToTable } from '../../../engine/kernels/rows.ts';
import { ColumnNotFoundError } from '../../../engine/kernels/columns.ts';
import { T, batched, columnTypes, prng, rows, table } from './relational-fixtures.ts';

const left = table({ k: T.i32(), a: T.str() }, [
  { k: 1, a: 'x' }, { k: 2, a: 'y' }, { k: 1, a: 'z' }, { k: null, a: 'n' }, { k: 4, a: 'w' },
]);
const right = table({ k: T.i32(), b: T.str() }, [
  { k: 1, b: 'p' }, { k: 3, b: 'r' }, { k: 1, b: 'q' }, { k: null, b: 'nr' }, { k: 4, b: 's' },
]);

describe('hashJoin', () => {
  it('inner join: left row order, then matching right rows in right order (duplicates on both sides)', () => {
    expect(rows(hashJoin(left, right, ['k'], 'inner'))).toEqual([
      { k: 1, a: 'x', b: 'p' },
      { k: 1, a: 'x', b: 'q' },
      { k: 1, a: 'z', b: 'p' },
      { k: 1, a: 'z', b: 'q' },
      { k: 4, a: 'w', b: 's' },
    ]);
  });

  it('left join keeps unmatched left rows (null keys included) with nulls on the right', () => {
    const out = hashJoin(left, right, ['k'], 'left');
    expect(rows(out)).toEqual([
      { k: 1, a: 'x', b: 'p' },
      { k: 1, a: 'x', b: 'q' },
      { k: 2, a: 'y', b: null },
      { k: 1, a: 'z', b: 'p' },
      { k: 1, a: 'z', b: 'q' },
      { k: null, a: 'n', b: null },
      { k: 4, a: 'w', b: 's' },
    ]);
    expect(out.schema.fields.map((f) => f.nullable)).toEqual([true, true, true]);
  });

  it('puts keys first, then left then right non-key columns, suffixing clashing right names', () => {
    const l = table({ v: T.f64(), k: T.i32(), v_right: T.str() }, [{ v: 1.5, k: 1, v_right: 'L' }]);
    const r = table({ v: T.f64(), k: T.i32(), w: T.str() }, [{ v: 2.5, k: 1, w: 'R' }]);
    const out = hashJoin(l, r, ['k'], 'inner');
    expect(columnTypes(out)).toEqual(['k: Int32', 'v: Float64', 'v_right: Utf8', 'v_right_right: Float64', 'w: Utf8']);
    expect(rows(out)).toEqual([{ k: 1, v: 1.5, v_right: 'L', v_right_right: 2.5, w: 'R' }]);
  });

  it('matches keys by value across numeric types: Int32 5 joins Float64 5.0 and Int64 5', () => {
    const l = table({ id: T.i32(), a: T.str() }, [{ id: 5, a: 'five' }, { id: 6, a: 'six' }]);
    const rf = table({ id: T.f64(), b: T.str() }, [{ id: 5.0, b: 'f' }, { id: 5.5, b: 'g' }, { id: 6, b: 'h' }]);
    const ri = table({ id: T.i64(), b: T.str() }, [{ id: 6n, b: 'i' }, { id: 5n, b: 'j' }]);
    expect(rows(hashJoin(l, rf, ['id'], 'inner'))).toEqual([{ id: 5, a: 'five', b: 'f' }, { id: 6, a: 'six', b: 'h' }]);
    expect(rows(hashJoin(l, ri, ['id'], 'inner'))).toEqual([{ id: 5, a: 'five', b: 'j' }, { id: 6, a: 'six', b: 'i' }]);
    expect(columnTypes(hashJoin(rf, l, ['id'], 'inner'))[0]).toBe('id: Float64'); // keys come from the left
  });

  it('joins on several key columns, strings included, and NaN matches NaN', () => {
    const l = table({ s: T.str(), f: T.f64(), a: T.i32() }, [
      { s: 'é', f: 1, a: 1 }, { s: 'e', f: 1, a: 2 }, { s: 'é', f: NaN, a: 3 }, { s: 'é', f: 2, a: 4 },
    ]);
    const r = table({ f: T.f32(), s: T.str(), b: T.i32() }, [
      { f: NaN, s: 'é', b: 10 }, { f: 1, s: 'é', b: 20 }, { f: 2, s: 'e', b: 30 },
    ]);
    expect(rows(hashJoin(l, r, ['s', 'f'], 'left'))).toEqual([
      { s: 'é', f: 1, a: 1, b: 20 },
      { s: 'e', f: 1, a: 2, b: null },
      { s: 'é', f: NaN, a: 3, b: 10 },
      { s: 'é', f: 2, a: 4, b: null },
    ]);
  });

  it('gives the same result for multi-batch inputs', () => {
    const lrows = Array.from({ length: 300 }, (_, i) => ({ k: (i * 7) % 50, a: `l${i}` }));
    const rrows = Array.from({ length: 120 }, (_, i) => ({ k: (i * 3) % 60, b: i }));
    const lt = { k: T.i32(), a: T.str() };
    const rt = { k: T.i32(), b: T.f64() };
    const one = hashJoin(table(lt, lrows), table(rt, rrows), ['k'], 'left');
    const many = hashJoin(batched(lt, lrows, 23), batched(rt, rrows, 17), ['k'], 'left');
    expect(rows(many)).toEqual(rows(one));
    // Every left row appears once per matching right row (and once if none match).
    const rightCount = new Map<number, number>();
    for (const r of rrows) rightCount.set(r.k, (rightCount.get(r.k) ?? 0) + 1);
    const expected = lrows.reduce((n, l) => n + Math.max(1, rightCount.get(l.k) ?? 0), 0);
    expect(many.numRows).toBe(expected);
  });

  it('handles empty sides: empty right, empty left, and a blank right (no columns)', () => {
    const emptyRight = table({ k: T.i32(), b: T.str() }, []);
    expect(hashJoin(left, emptyRight, ['k'], 'inner').numRows).toBe(0);
    expect(columnTypes(hashJoin(left, emptyRight, ['k'], 'inner'))).toEqual(['k: Int32', 'a: Utf8', 'b: Utf8']);
    expect(rows(hashJoin(left, emptyRight, ['k'], 'left')).map((r) => r.b)).toEqual([null, null, null, null, null]);
    expect(hashJoin(table({ k: T.i32(), a: T.str() }, []), right, ['k'], 'left').numRows).toBe(0);
    expect(rows(hashJoin(left, new Table(), ['k'], 'left'))).toEqual(rows(left));
    expect(hashJoin(left, new Table(), ['k'], 'inner').numRows).toBe(0);
  });

  it('errors on a missing key column and on keys that can never compare equal', () => {
    expect(() => hashJoin(left, table({ id: T.i32() }, []), ['k'], 'inner')).toThrow(ColumnNotFoundError);
    expect(() => hashJoin(left, table({ id: T.i32() }, []), ['k'], 'inner')).toThrow(/right side.*id: Int32/);
    const stringKeys = table({ k: T.str(), b: T.str() }, [{ k: '1', b: 'p' }]);
    expect(() => hashJoin(left, stringKeys, ['k'], 'inner')).toThrow(JoinKeyTypeError);
    expect(() => hashJoin(left, stringKeys, ['k'], 'inner')).toThrow(/'k' is Int32 on the left but Utf8 on the right/);
  });

  it('right, full, semi and anti joins on the worked example', () => {
    expect(rows(hashJoin(left, right, ['k'], 'right'))).toEqual([
      { k: 1, a: 'x', b: 'p' },
      { k: 1, a: 'x', b: 'q' },
      { k: 1, a: 'z', b: 'p' },
      { k: 1, a: 'z', b: 'q' },
      { k: 4, a: 'w', b: 's' },
      { k: 3, a: null, b: 'r' },
      { k: null, a: null, b: 'nr' },
    ]);
    expect(rows(hashJoin(left, right, ['k'], 'full'))).toEqual([
      { k: 1, a: 'x', b: 'p' },
      { k: 1, a: 'x', b: 'q' },
      { k: 2, a: 'y', b: null },
      { k: 1, a: 'z', b: 'p' },
      { k: 1, a: 'z', b: 'q' },
      { k: null, a: 'n', b: null },
      { k: 4, a: 'w', b: 's' },
      { k: 3, a: null, b: 'r' },
      { k: null, a: null, b: 'nr' },
    ]);
    const semi = hashJoin(left, right, ['k'], 'semi');
    expect(rows(semi)).toEqual([{ k: 1, a: 'x' }, { k: 1, a: 'z' }, { k: 4, a: 'w' }]);
    expect(columnTypes(semi)).toEqual(columnTypes(left));
    expect(rows(hashJoin(left, right, ['k'], 'anti'))).toEqual([{ k: 2, a: 'y' }, { k: null, a: 'n' }]);
    // Spark's nullability: the side that may be missing becomes nullable.
    const notNull = (types: Record<string, DataType>, row: Row): Table => {
      const schema = new Schema(Object.entries(types).map(([name, type]) => new Field(name, type, false)));
      return rowsToTable([row], schema);
    };
    const l = notNull({ k: T.i32(), a: T.str() }, { k: 1, a: 'x' });
    const r = notNull({ k: T.i32(), b: T.str() }, { k: 2, b: 'y' });
    const nullable = (how: JoinHow): boolean[] => hashJoin(l, r, ['k'], how).schema.fields.map((f) => f.nullable);
    expect(nullable('inner')).toEqual([false, false, false]);
    expect(nullable('left')).toEqual([false, false, true]);
    expect(nullable('right')).toEqual([false, true, false]);
    expect(nullable('full')).toEqual([false, true, true]);
    expect(rows(hashJoin(l, r, ['k'], 'full'))).toEqual([{ k: 1, a: 'x', b: null }, { k: 2, a: null, b: 'y' }]);
  });

  it('every kind equals a nested-loop reference join on random data with nulls, NaN and duplicate keys', () => {
    const rand = prng(42);
    const key = (): number | null => { const x = rand(); return x < 0.08 ? null : x < 0.12 ? NaN : Math.floor(rand() * 30); };
    const lrows = Array.from({ length: 400 }, (_, i) => ({ k: key(), j: Math.floor(rand() * 3), a: `l${i}` }));
    const rrows = Array.from({ length: 250 }, (_, i) => ({ k: key(), j: Math.floor(rand() * 3), b: i }));
    const lt = { k: T.f64(), j: T.i32(), a: T.str() };
    const rt = { k: T.f64(), j: T.i32(), b: T.f64() };
    for (const how of JOIN_KINDS) {
      const expected = referenceJoin(lrows, rrows, ['k', 'j'], how);
      expect(rows(hashJoin(table(lt, lrows), table(rt, rrows), ['k', 'j'], how)), how).toEqual(expected);
      // streamed: left batches through one joiner, then the unmatched right rows
      const joiner = new HashJoiner(batched(rt, rrows, 37), ['k', 'j'], how);
      const parts = [];
      for (let i = 0; i < lrows.length; i += 61) parts.push(joiner.join(table(lt, lrows.slice(i, i + 61))));
      const rest = joiner.rest();
      if (rest) parts.push(rest);
      expect(parts.flatMap((p) => rows(p)), `${how} streamed`).toEqual(expected);
    }
  });

  it('a right or full join needs one key type on both sides; an unknown kind is refused', () => {
    const l = table({ id: T.i32(), a: T.str() }, [{ id: 5, a: 'five' }]);
    const rf = table({ id: T.f64(), b: T.str() }, [{ id: 5, b: 'f' }, { id: 7, b: 'g' }]);
    expect(rows(hashJoin(l, rf, ['id'], 'left'))).toEqual([{ id: 5, a: 'five', b: 'f' }]);
    expect(() => hashJoin(l, rf, ['id'], 'full')).toThrow(/'id' is Int32 on the left but Float64 on the right; a full join takes the key/);
    expect(() => hashJoin(l, rf, ['id'], 'outer' as JoinHow)).toThrow(/how must be one of 'inner', 'left', 'right', 'full', 'semi', 'anti'; got 'outer'/);
  });

  it('blank sides (an empty partition of unknown schema) in every kind', () => {
    for (const how of JOIN_KINDS) {
      const blankRight = hashJoin(left, new Table(), ['k'], how);
      expect(rows(blankRight), how).toEqual(how === 'left' || how === 'full' || how === 'anti' ? rows(left) : []);
      const blankLeft = hashJoin(new Table(), right, ['k'], how);
      expect(rows(blankLeft), how).toEqual(how === 'right' || how === 'full' ? rows(right) : []);
    }
  });
});

/** Join by nested loops, straight from the definitions (independent of the kernel). */
function referenceJoin(l: Row[], r: Row[], keys: string[], how: JoinHow): Row[] {
  const same = (a: unknown, b: unknown): boolean => a !== null && b !== null && (a === b || (Number.isNaN(a) && Number.isNaN(b)));
  const matches = (x: Row, y: Row): boolean => keys.every((k) => same(x[k], y[k]));
  const nulls = (row: Row): Row => Object.fromEntries(Object.keys(row).filter((c) => !keys.includes(c)).map((c) => [c, null]));
  const rightMatched = new Set<number>();
  const out: Row[] = [];
  for (const x of l) {
    const found = r.map((y, i) => [y, i] as const).filter(([y]) => matches(x, y));
    if (how === 'semi') { if (found.length > 0) out.push(x); continue; }
    if (how === 'anti') { if (found.length === 0) out.push(x); continue; }
    for (const [y, i] of found) { rightMatched.add(i); out.push({ ...x, ...nulls(y), ...Object.fromEntries(Object.entries(y).filter(([c]) => !keys.includes(c))) }); }
    if (found.length === 0 && (how === 'left' || how === 'full')) out.push({ ...x, ...nulls(r[0]!) });
  }
  if (how === 'right' || how === 'full') {
    r.forEach((y, i) => { if (!rightMatched.has(i)) out.push({ ...Object.fromEntries(keys.map((k) => [k, y[k]])), ...nulls(l[0]!), ...Object.fromEntries(Object.entries(y).filter(([c]) => !keys.includes(c))) }); });
  }
  // the kernel's column order: keys, left non-keys, right non-keys
  const order = [...keys, ...Object.keys(l[0]!).filter((c) => !keys.includes(c)), ...(how === 'semi' || how === 'anti' ? [] : Object.keys(r[0]!).filter((c) => !keys.includes(c)))];
  return out.map((row) => (how === 'semi' || how === 'anti' ? row : Object.fromEntries(order.map((c) => [c, row[c]]))));
}
