// Map-side partial aggregation by one integer key (Int8..Int32, Uint8..Uint32: item and user ids)
// over a stream of batches, such as the row groups of a map task: each batch is folded into the
// states as it arrives and then dropped, nothing is concatenated, and the batch's buffers are read
// as they are (a Float32 rating column is never copied to Float64).
//
// Per batch: one pass numbers the rows' groups (IncrementalWordGroups, into a buffer reused batch
// after batch); then each sum/min/max state takes one pass of its fold, picked from the `folds`
// table, the first sum over a column without nulls counting the rows as it goes (else a pass of its
// own counts them); a value column with nulls takes one more pass counting its nulls. A count of
// non-null values is the row count minus the nulls, and a sum/min/max group that saw no value
// (count of values 0) is null, so no "seen" flags are kept.
//
// The result is partialAggregate's of the concatenation, bit for bit: the same layout (aggregate.ts),
// groups in first-appearance order, every sum adding its values in row order, min/max by the same
// NaN rule. A null key is one group, like any other key value.

import { Field, Float64, Schema, Type, makeData } from 'apache-arrow';
import type { Data, DataType, Int, Table } from 'apache-arrow';
import { IncrementalWordGroups } from './group-ids.ts';
import { readNumbers, readValidity } from './key-columns.ts';
import { requireColumnIndex, tableFromColumns } from './columns.ts';
import { checkAggregations, stateColumns } from './aggregate.ts';
import { SchemaMismatchError } from './concat-tables.ts';
import type { Aggregations } from './aggregate.ts';

/** The values of a numeric column as read by a fold: the column's own typed array, or Float64 numbers. */
type Numbers = Float64Array | Float32Array | Int32Array | Int16Array | Int8Array | Uint32Array | Uint16Array | Uint8Array;

/** Folds `values[i]` into `out[groupOf[i]]` for rows i < n, skipping rows whose `valid` byte is 0. */
type Fold = (groupOf: Int32Array, n: number, values: Numbers, valid: Uint8Array | null, out: Float64Array) => void;

/**
 * Sum adds in row order; min/max follow aggregate.ts's NaN rule (max is NaN if any value is, min
 * ignores NaN unless all are). The states start where "nothing seen" behaves as the rule needs:
 * sum 0, min NaN (any value replaces it), max -Infinity (any value but -Infinity replaces it).
 */
const folds: Record<'sum' | 'min' | 'max', { start: number; fold: Fold }> = {
  sum: {
    start: 0,
    fold: (groupOf, n, values, valid, out) => {
      if (valid === null) for (let i = 0; i < n; i++) out[groupOf[i]!] += values[i]!;
      else for (let i = 0; i < n; i++) if (valid[i] !== 0) out[groupOf[i]!] += values[i]!;
    },
  },
  min: {
    start: NaN,
    fold: (groupOf, n, values, valid, out) => {
      for (let i = 0; i < n; i++) {
        if (valid !== null && valid[i] === 0) continue;
        const g = groupOf[i]!;
        const v = values[i]!;
        const cur = out[g]!;
        if (v < cur || cur !== cur) out[g] = v; // eslint-disable-line no-self-compare
      }
    },
  },
  max: {
    start: -Infinity,
    fold: (groupOf, n, values, valid, out) => {
      for (let i = 0; i < n; i++) {
        if (valid !== null && valid[i] === 0) continue;
        const g = groupOf[i]!;
        const v = values[i]!;
        if (v > out[g]! || v !== v) out[g] = v; // eslint-disable-line no-self-compare
      }
    },
  },
};

/** folds.sum of a column without nulls, and each row counted in `rows[group]`, in one pass. */
function sumAndCount(groupOf: Int32Array, n: number, values: Numbers, out: Float64Array, rows: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const g = groupOf[i]!;
    rows[g]++;
    out[g] += values[i]!;
  }
}

/** One output state column and where its values come from. */
type StateSource =
  | { name: string; from: 'rows' }
  | { name: string; from: 'values'; column: string }
  | { name: string; from: 'fold'; column: string; kind: keyof typeof folds; nullable: boolean; states: Float64Array };

/**
 * partialAggregate by one integer key, fed batch by batch.
 *
 * @example
 * const agg = IntKeyPartialAggregate.for(rowGroup0, ['itemId'], { n: count(), avg: mean('rating') });
 * if (agg) { agg.add(rowGroup0); agg.add(rowGroup1); agg.result(); } // partialAggregate of both
 */
export class IntKeyPartialAggregate {
  private readonly groups = new IncrementalWordGroups();
  private readonly sources: StateSource[] = [];
  /** Value columns read by an aggregation, and the nulls per group of those that had any. */
  private readonly columns: string[] = [];
  private readonly nulls = new Map<string, Float64Array>();
  private rows: Float64Array = new Float64Array(1024);
  private groupOf: Int32Array = new Int32Array(0);
  private hasNullKey = false;
  /** The key's and value columns' types in the first table: every table must have them. */
  private readonly types: string;

  /**
   * An aggregator for `keys` and `aggs` when the key suits it (one Int column of ≤ 32 bits in
   * `table`'s schema), else undefined. Throws partialAggregate's errors for a bad aggregation.
   */
  static for(table: Table, keys: readonly string[], aggs: Aggregations): IntKeyPartialAggregate | undefined {
    if (keys.length !== 1) return undefined;
    const field = table.schema.fields.find((f) => f.name === keys[0]);
    if (field === undefined || !isNarrowInt(field.type)) return undefined;
    checkAggregations(table, keys, aggs);
    return new IntKeyPartialAggregate(table, field, aggs);
  }

  private constructor(first: Table, private readonly keyField: Field, aggs: Aggregations) {
    for (const { spec, states } of stateColumns(aggs)) {
      const column = spec.fn === 'count' ? undefined : spec.column;
      if (column !== undefined && !this.columns.includes(column)) this.columns.push(column);
      for (const state of states) {
        if (state.kind === 'count') this.sources.push(column === undefined ? { name: state.name, from: 'rows' } : { name: state.name, from: 'values', column });
        else this.sources.push({ name: state.name, from: 'fold', column: column!, kind: state.kind, nullable: state.nullable, states: new Float64Array(0) });
      }
    }
    this.types = this.typesIn(first);
  }

  private typesIn(table: Table): string {
    return [this.keyField.name, ...this.columns].map((name) => String(table.schema.fields.find((f) => f.name === name)?.type)).join(', ');
  }

  /** Folds every batch of `table` into the groups and states (its schema must be the first table's). */
  add(table: Table): void {
    const indexOf = (name: string): number => requireColumnIndex(table, name, 'by an aggregation');
    const keyIndex = indexOf(this.keyField.name);
    const columnIndices = this.columns.map(indexOf);
    const types = this.typesIn(table);
    if (types !== this.types) {
      throw new SchemaMismatchError(`aggregation by '${this.keyField.name}': a table of the stream has the columns' types [${types}] where the first had [${this.types}]; give every batch the same schema`);
    }
    for (const batch of table.batches) {
      const n = batch.numRows;
      if (n === 0) continue;
      const inputs = new Map(this.columns.map((column, c) => [column, foldInput(batch.data.children[columnIndices[c]!]!)]));
      this.addBatch(batch.data.children[keyIndex]!, n, inputs);
    }
  }

  private addBatch(key: Data, n: number, inputs: Map<string, { values: Numbers; valid: Uint8Array | null }>): void {
    if (this.groupOf.length < n) this.groupOf = new Int32Array(n);
    const groupOf = this.groupOf;
    const before = this.groups.numGroups;
    const { lo, hi } = keyWordsWithNull(key);
    if (hi !== undefined) this.hasNullKey = true;
    this.groups.addWords(lo, hi, groupOf);
    const numGroups = this.groups.numGroups;
    if (numGroups > before) this.grow(numGroups);
    const rows = this.rows;
    let counted = false;
    for (const [column, { valid }] of inputs) {
      if (valid === null) continue;
      let nulls = this.nulls.get(column);
      if (nulls === undefined || nulls.length < this.rows.length) {
        const wider = new Float64Array(this.rows.length);
        if (nulls !== undefined) wider.set(nulls);
        this.nulls.set(column, (nulls = wider));
      }
      for (let i = 0; i < n; i++) if (valid[i] === 0) nulls[groupOf[i]!]++;
    }
    for (const source of this.sources) {
      if (source.from !== 'fold') continue;
      const { values, valid } = inputs.get(source.column)!;
      if (!counted && source.kind === 'sum' && valid === null) {
        // The first sum over a column without nulls counts the rows in the same pass.
        sumAndCount(groupOf, n, values, source.states, rows);
        counted = true;
      } else folds[source.kind].fold(groupOf, n, values, valid, source.states);
    }
    if (!counted) for (let i = 0; i < n; i++) rows[groupOf[i]!]++;
  }

  /** Room for `numGroups` groups in every state (new groups start at their fold's start value). */
  private grow(numGroups: number): void {
    if (numGroups > this.rows.length) {
      const capacity = Math.max(numGroups, 2 * this.rows.length);
      this.rows = widened(this.rows, capacity, 0);
      for (const [column, nulls] of this.nulls) this.nulls.set(column, widened(nulls, capacity, 0));
    }
    for (const source of this.sources) {
      if (source.from === 'fold' && source.states.length < this.rows.length) source.states = widened(source.states, this.rows.length, folds[source.kind].start);
    }
  }

  /** The partial table: the key column, then the state columns of partialAggregate's layout. */
  result(): Table {
    const numGroups = this.groups.numGroups;
    const fields = [this.keyField];
    const columns = [this.keyColumn(numGroups)];
    const rows = this.rows.slice(0, numGroups);
    const counts = new Map<string, Float64Array>();
    const countOf = (column: string): Float64Array => {
      let c = counts.get(column);
      if (c === undefined) {
        const nulls = this.nulls.get(column);
        c = nulls === undefined ? rows : rows.map((r, g) => r - nulls[g]!) as Float64Array<ArrayBuffer>;
        counts.set(column, c);
      }
      return c;
    };
    for (const source of this.sources) {
      fields.push(new Field(source.name, new Float64(), true));
      if (source.from === 'rows') columns.push(float64(rows.slice(), null));
      else if (source.from === 'values') columns.push(float64(countOf(source.column).slice(), null));
      else {
        const seen = countOf(source.column);
        const values = source.states.slice(0, numGroups);
        for (let g = 0; g < numGroups; g++) if (seen[g] === 0) values[g] = 0;
        columns.push(float64(values, source.nullable ? seen : null));
      }
    }
    return tableFromColumns(new Schema(fields), columns, numGroups);
  }

  /** The groups' keys in the key's own type; the null key's group (high word 1) null. */
  private keyColumn(numGroups: number): Data {
    const type = this.keyField.type as Int;
    const values = new (type.ArrayType as new (n: number) => Numbers)(numGroups);
    let nullBitmap: Uint8Array | undefined;
    let nullCount = 0;
    for (let g = 0; g < numGroups; g++) {
      if (this.hasNullKey && this.groups.keyHi(g) !== 0) {
        nullBitmap ??= new Uint8Array((numGroups + 7) >> 3).fill(0xff);
        nullBitmap[g >> 3]! &= ~(1 << (g & 7));
        nullCount++;
      } else values[g] = this.groups.keyLo(g);
    }
    return makeData({ type, length: numGroups, nullCount, nullBitmap, data: values } as never);
  }
}

/** Int8..Int32 and Uint8..Uint32: keys whose value is their low word. */
function isNarrowInt(type: DataType): boolean {
  return type.typeId === Type.Int && (type as Int).bitWidth <= 32;
}

/**
 * A narrow Int key column as 32-bit words: its values as they are (an Int32 column, no copy) or
 * converted; with nulls, a copy where a null row is (0, high word 1), a pair no value has.
 */
function keyWordsWithNull(data: Data): { lo: Int32Array; hi: Int32Array | undefined } {
  const raw = (data.values as Numbers).subarray(0, data.length);
  const valid = readValidity(data);
  if (valid === null) return { lo: raw instanceof Int32Array ? raw : Int32Array.from(raw), hi: undefined };
  const lo = Int32Array.from(raw); // a copy: null rows are rewritten
  const hi = new Int32Array(lo.length);
  for (let i = 0; i < lo.length; i++) {
    if (valid[i] === 0) {
      lo[i] = 0;
      hi[i] = 1;
    }
  }
  return { lo, hi };
}

/** The values of a numeric column for the folds: its own typed array when it holds plain numbers, else Float64 (Int64, Float16). */
function foldInput(data: Data): { values: Numbers; valid: Uint8Array | null } {
  const raw = data.values as unknown;
  const plain = data.type.typeId === Type.Float
    ? raw instanceof Float64Array || raw instanceof Float32Array
    : raw instanceof Int32Array || raw instanceof Int16Array || raw instanceof Int8Array || raw instanceof Uint32Array || raw instanceof Uint16Array || raw instanceof Uint8Array;
  if (plain) return { values: (raw as Numbers).subarray(0, data.length), valid: readValidity(data) };
  return readNumbers(data, false)!;
}

function widened(a: Float64Array, capacity: number, fill: number): Float64Array {
  const out = new Float64Array(capacity);
  out.set(a);
  if (fill !== 0) out.fill(fill, a.length);
  return out;
}

function float64(values: Float64Array, seen: Float64Array | null): Data {
  const length = values.length;
  let nullCount = 0;
  let nullBitmap: Uint8Array | undefined;
  if (seen !== null) {
    const bitmap = new Uint8Array((length + 7) >> 3);
    for (let g = 0; g < length; g++) {
      if (seen[g] !== 0) bitmap[g >> 3]! |= 1 << (g & 7);
      else nullCount++;
    }
    if (nullCount > 0) nullBitmap = bitmap;
  }
  return makeData({ type: new Float64(), length, nullCount, nullBitmap, data: values });
}
