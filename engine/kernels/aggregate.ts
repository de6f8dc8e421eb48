// Grouped aggregation with map-side combine, in three steps (Spark's aggregateByKey, DataFusion's
// Partial → FinalPartitioned aggregate): partialAggregate on every map task, mergePartials on the
// reduce side over the concatenated partials of all map tasks, finishAggregate to get the results.
//
// Worked example, aggs = { n: {fn:'count'}, avg: {fn:'mean', column:'x'}, top: {fn:'max', column:'x'} }
// keyed by k. Two map tasks see  (k=a, x=1) (k=b, x=null)  and  (k=a, x=5):
//
//   partial (task 0):  k | n$count | avg$sum | avg$count | top$max      partial (task 1):
//                      a |    1    |    1    |     1     |    1         a | 1 | 5 | 1 | 5
//                      b |    1    |    0    |     0     |  null
//   merged:            a |    2    |    6    |     2     |    5
//                      b |    1    |    0    |     0     |  null
//   finished:          k | n (Int32) | avg (Float64) | top (Float64)
//                      a |     2     |       3       |      5
//                      b |     1     |     null      |    null
//
// State columns are all Float64 and named `<output>$<state>`: count → $count; sum → $sum (null
// while no non-null value was seen); mean → $sum and $count (count of non-null values, Float64 so it
// is exact up to 2^53 and never overflows in a merge); min → $min; max → $max (null while none seen).
// Determinism: groups come out in first-appearance order, and every floating-point sum adds its
// values in row order, so the same input order gives bit-identical results.

import { Field, Float64, Int32, Schema, Type, makeData } from 'apache-arrow';
import type { Data, Table } from 'apache-arrow';
import { DataflowError, InvalidInputError } from '../errors.ts';
import { columnData, describeSchema, requireColumnIndex, tableFromColumns } from './columns.ts';
import { IncrementalWordGroups, groupIds } from './group-ids.ts';
import { combineChunks } from './combine-chunks.ts';
import { concatTables } from './concat-tables.ts';
import type { GroupIds } from './group-ids.ts';
import { takeData } from './take.ts';
import { isNumericType, readNumbers } from './key-columns.ts';

/** One aggregation: `count` counts rows (COUNT(*)); the others read a numeric column, ignoring nulls. */
export type AggSpec = { fn: 'count' } | { fn: 'sum' | 'mean' | 'min' | 'max'; column: string };

/** Output column name → aggregation. */
export type Aggregations = Record<string, AggSpec>;

/** An aggregation cannot run: wrong column type, bad spec, or a count beyond Int32. */
export class AggregateError extends DataflowError {
  constructor(code: 'AGG_COLUMN_TYPE' | 'AGG_BAD_SPEC' | 'AGG_COUNT_OVERFLOW', message: string) {
    super(code, message);
  }
}

type StateKind = 'count' | 'sum' | 'min' | 'max';

/** One Float64 state column of the partial layout. */
export interface StateColumn {
  name: string;
  kind: StateKind;
  /** Does a null state mean "nothing seen yet"? (sum, min, max) */
  nullable: boolean;
}

/**
 * The state columns for `aggs`, in order.
 *
 * @example
 * stateColumns({ avg: { fn: 'mean', column: 'x' } }); // [avg$sum, avg$count]
 */
export function stateColumns(aggs: Aggregations): { output: string; spec: AggSpec; states: StateColumn[] }[] {
  return Object.entries(aggs).map(([output, spec]) => {
    switch (spec.fn) {
      case 'count': return { output, spec, states: [{ name: `${output}$count`, kind: 'count', nullable: false }] };
      case 'sum': return { output, spec, states: [{ name: `${output}$sum`, kind: 'sum', nullable: true }] };
      case 'mean':
        return { output, spec, states: [{ name: `${output}$sum`, kind: 'sum', nullable: false }, { name: `${output}$count`, kind: 'count', nullable: false }] };
      case 'min': return { output, spec, states: [{ name: `${output}$min`, kind: 'min', nullable: true }] };
      case 'max': return { output, spec, states: [{ name: `${output}$max`, kind: 'max', nullable: true }] };
      default:
        throw new AggregateError(
          'AGG_BAD_SPEC',
          `aggregation '${output}' has fn '${String((spec as { fn: unknown }).fn)}'; expected one of count, sum, mean, min, max.`,
        );
    }
  });
}

/** Groups of `keys`; with no keys, one group holding every row (even when there are none). */
function groupsOf(table: Table, keys: readonly string[]): { groupOf: Int32Array; numGroups: number; firstRow: Int32Array } {
  if (keys.length === 0) return { groupOf: new Int32Array(table.numRows), numGroups: 1, firstRow: new Int32Array(0) };
  return groupIds(table, keys);
}

/** Key columns of the first row of each group, with their input fields. */
function keyColumnsOut(table: Table, keys: readonly string[], firstRow: Int32Array): { fields: Field[]; columns: Data[] } {
  const fields = keys.map((k) => table.schema.fields[requireColumnIndex(table, k, 'as a grouping key')]);
  const columns = keys.map((k) => takeData(columnData(table, k), firstRow));
  return { fields, columns };
}

/** A Float64 Data from values plus a "has value" byte per row (0 → null). */
function float64Data(values: Float64Array, seen: Uint8Array | null): Data {
  const length = values.length;
  let nullCount = 0;
  let nullBitmap: Uint8Array | undefined;
  if (seen) {
    const bitmap = new Uint8Array((length + 7) >> 3);
    for (let i = 0; i < length; i++) {
      if (seen[i]) bitmap[i >> 3] |= 1 << (i & 7);
      else nullCount++;
    }
    if (nullCount > 0) nullBitmap = bitmap;
  }
  return makeData({ type: new Float64(), length, nullCount, nullBitmap, data: values });
}

/** Read the numeric input column of an aggregation, with errors naming the aggregation. */
function readInput(table: Table, output: string, spec: Exclude<AggSpec, { fn: 'count' }>): { values: Float64Array; valid: Uint8Array | null } {
  return readNumbers(inputColumn(table, output, spec), false)!;
}

/** The numeric input column of an aggregation, or an error naming the aggregation. */
function inputColumn(table: Table, output: string, spec: Exclude<AggSpec, { fn: 'count' }>): Data {
  return columnData(table, inputField(table, output, spec).name);
}

/** The field of an aggregation's input column, checked: it exists and is numeric (errors name the aggregation). */
function inputField(table: Table, output: string, spec: Exclude<AggSpec, { fn: 'count' }>): Field {
  if (typeof spec.column !== 'string') {
    throw new AggregateError('AGG_BAD_SPEC', `aggregation '${output}' (${spec.fn}) needs a 'column' naming a numeric column.`);
  }
  const field = table.schema.fields[requireColumnIndex(table, spec.column, `by aggregation '${output}' (${spec.fn} of '${spec.column}')`)]!;
  if (!isNumericType(field.type)) {
    throw new AggregateError(
      'AGG_COLUMN_TYPE',
      `aggregation '${output}' (${spec.fn}) needs a numeric column but '${spec.column}' is ${String(field.type)}; ` +
        `the table's schema is [${describeSchema(table.schema)}]. Aggregate a numeric column, or convert '${spec.column}' with a map first.`,
    );
  }
  return field;
}

/**
 * Map side: one row per group of `keys` with the key columns and the Float64 state columns
 * described at the top of this file. Groups are in first-appearance order.
 *
 * @example
 * partialAggregate(table, ['user'], { n: { fn: 'count' }, avg: { fn: 'mean', column: 'rating' } });
 * // columns: user, n$count, avg$sum, avg$count
 */
export function partialAggregate(table: Table, keys: readonly string[], aggs: Aggregations): Table {
  const layout = stateColumns(aggs);
  checkNames(keys, layout.map((l) => l.output));
  const { groupOf, numGroups, firstRow } = groupsOf(table, keys);
  const out = keyColumnsOut(table, keys, firstRow);
  let rowCounts: Float64Array | null = null;
  for (const { output, spec, states } of layout) {
    if (spec.fn === 'count') {
      rowCounts ??= countRows(groupOf, numGroups);
      out.fields.push(new Field(states[0].name, new Float64(), true));
      out.columns.push(float64Data(rowCounts, null));
      continue;
    }
    const input = readInput(table, output, spec);
    for (const state of states) {
      const [values, seen] = accumulate(state.kind, groupOf, numGroups, input.values, input.valid);
      out.fields.push(new Field(state.name, new Float64(), true));
      out.columns.push(float64Data(values, state.nullable ? seen : null));
    }
  }
  return tableFromColumns(new Schema(out.fields), out.columns, numGroups);
}

/**
 * partialAggregate of the concatenation of `tables` (a map task's row groups, in order), without
 * concatenating them: with one integer-like key, one hash table and one set of states grow over
 * the tables (IncrementalWordGroups), so the result is the same table, values added in the same
 * row order. Other keys group the concatenation.
 *
 * @example
 * partialAggregateTables([rowGroup0, rowGroup1], ['itemId'], { n: { fn: 'count' } });
 */
export function partialAggregateTables(tables: readonly Table[], keys: readonly string[], aggs: Aggregations): Table {
  if (tables.length === 1) return partialAggregate(tables[0]!, keys, aggs);
  const layout = stateColumns(aggs);
  checkNames(keys, layout.map((l) => l.output));
  const groups = new IncrementalWordGroups();
  const groupOfs: Int32Array[] = [];
  const firstRows: Int32Array[] = [];
  for (const table of keys.length === 1 ? tables : []) {
    const before = groups.numGroups;
    const groupOf = groups.add(columnData(table, keys[0]!, 'as a grouping key'));
    if (!groupOf) break;
    groupOfs.push(groupOf);
    firstRows.push(groups.firstRow.slice(before, groups.numGroups));
  }
  if (groupOfs.length < tables.length) return partialAggregate(concatTables([...tables]), keys, aggs);

  const numGroups = groups.numGroups;
  const key = keys[0]!;
  const fields = [tables[0]!.schema.fields[requireColumnIndex(tables[0]!, key, 'as a grouping key')]!];
  const columns = [combineChunks(tables.map((t, i) => takeData(columnData(t, key), firstRows[i]!)), fields[0]!.type)];
  let rowCounts: Float64Array | null = null;
  const countRowsOnce = (): Float64Array => {
    if (!rowCounts) {
      rowCounts = new Float64Array(numGroups);
      for (const groupOf of groupOfs) for (let i = 0; i < groupOf.length; i++) rowCounts[groupOf[i]!]++;
    }
    return rowCounts;
  };
  for (const { output, spec, states } of layout) {
    if (spec.fn === 'count') {
      fields.push(new Field(states[0]!.name, new Float64(), true));
      columns.push(float64Data(countRowsOnce(), null));
      continue;
    }
    const inputs = tables.map((t) => readInput(t, output, spec));
    const noNulls = inputs.every((input) => input.valid === null);
    for (const state of states) {
      if (state.kind === 'count' && noNulls) {
        // A mean's count of non-null values, with no nulls: the row count (no pass of its own).
        fields.push(new Field(state.name, new Float64(), true));
        columns.push(float64Data(countRowsOnce(), null));
        continue;
      }
      const values = new Float64Array(numGroups);
      const seen = new Uint8Array(numGroups);
      inputs.forEach((input, i) => accumulateInto(state.kind, groupOfs[i]!, input.values, input.valid, values, seen));
      fields.push(new Field(state.name, new Float64(), true));
      columns.push(float64Data(values, state.nullable ? seen : null));
    }
  }
  return tableFromColumns(new Schema(fields), columns, numGroups);
}

/**
 * Reduce side: merge partial states (the concatenated outputs of many partialAggregate calls, or
 * of earlier merges) into one row per group. Counts and sums add in row order; min/max combine;
 * null states mean "nothing seen" and are skipped.
 *
 * @example
 * mergePartials(concatTables([p0, p1, p2]), ['user'], aggs);
 * `groups`, when given, must be groupIds(table, keys) (a caller that needs them too passes them in).
 */
export function mergePartials(table: Table, keys: readonly string[], aggs: Aggregations, groups?: GroupIds): Table {
  const layout = stateColumns(aggs);
  const { groupOf, numGroups, firstRow } = groups && keys.length > 0 ? groups : groupsOf(table, keys);
  const out = keyColumnsOut(table, keys, firstRow);
  for (const { states } of layout) {
    for (const state of states) {
      const input = readState(table, state.name);
      const kind = state.kind === 'count' ? 'sum' : state.kind; // counts merge by adding
      const [values, seen] = accumulate(kind, groupOf, numGroups, input.values, input.valid);
      out.fields.push(new Field(state.name, new Float64(), true));
      out.columns.push(float64Data(values, state.nullable ? seen : null));
    }
  }
  return tableFromColumns(new Schema(out.fields), out.columns, numGroups);
}

/**
 * Final step: turn merged states (one row per group, as mergePartials returns) into outputs:
 * count → Int32 (error beyond 2^31-1), sum / mean / min / max → Float64, null for a group that
 * had no non-null input value. Key columns pass through unchanged.
 *
 * @example
 * finishAggregate(mergePartials(partials, ['user'], aggs), ['user'], aggs); // user, n, avg
 */
export function finishAggregate(table: Table, keys: readonly string[], aggs: Aggregations): Table {
  const layout = stateColumns(aggs);
  const fields = keys.map((k) => table.schema.fields[requireColumnIndex(table, k, 'as a grouping key')]);
  const columns = keys.map((k) => columnData(table, k));
  const n = table.numRows;
  for (const { output, spec, states } of layout) {
    const [first, second] = states.map((s) => readState(table, s.name));
    if (spec.fn === 'count') {
      const counts = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const c = first.values[i];
        if (c > 2147483647) {
          throw new AggregateError(
            'AGG_COUNT_OVERFLOW',
            `aggregation '${output}' (count): group ${i} has ${c} rows, more than an Int32 count can hold (2147483647). ` +
              `Group by more keys, or count with { fn: 'sum' } over a column of ones (Float64).`,
          );
        }
        counts[i] = c;
      }
      fields.push(new Field(output, new Int32(), true));
      columns.push(makeData({ type: new Int32(), length: n, nullCount: 0, data: counts }));
    } else if (spec.fn === 'mean') {
      const means = new Float64Array(n);
      const seen = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const c = second.values[i];
        if (c > 0) {
          means[i] = first.values[i] / c;
          seen[i] = 1;
        }
      }
      fields.push(new Field(output, new Float64(), true));
      columns.push(float64Data(means, seen));
    } else {
      fields.push(new Field(output, new Float64(), true));
      columns.push(float64Data(first.values.slice(), first.valid));
    }
  }
  return tableFromColumns(new Schema(fields), columns, n);
}

/**
 * partial → merge → finish on one table: the whole aggregation without a shuffle.
 *
 * @example
 * aggregateOnce(table, ['movie'], { ratings: { fn: 'count' }, avg: { fn: 'mean', column: 'rating' } });
 */
export function aggregateOnce(table: Table, keys: readonly string[], aggs: Aggregations): Table {
  return finishAggregate(mergePartials(partialAggregate(table, keys, aggs), keys, aggs), keys, aggs);
}

/**
 * The errors partialAggregate gives for `aggs` on `table` (an output named like a key, a missing
 * or non-numeric column), without aggregating: for kernels that read the columns their own way.
 */
export function checkAggregations(table: Table, keys: readonly string[], aggs: Aggregations): void {
  const layout = stateColumns(aggs);
  checkNames(keys, layout.map((l) => l.output));
  for (const { output, spec } of layout) if (spec.fn !== 'count') inputField(table, output, spec);
}

function checkNames(keys: readonly string[], outputs: readonly string[]): void {
  for (const o of outputs) {
    if (keys.includes(o)) {
      throw new AggregateError('AGG_BAD_SPEC', `aggregation output '${o}' has the same name as a grouping key; rename the output.`);
    }
    if (o.includes('$')) {
      throw new InvalidInputError(`aggregation output '${o}' contains '$', which partial state columns use as a separator; rename the output.`);
    }
  }
}

/** A Float64 state column of a partial table, with an error explaining the expected layout. */
function readState(table: Table, name: string): { values: Float64Array; valid: Uint8Array | null } {
  const data = columnData(table, name, 'as a partial aggregation state (made by partialAggregate with the same aggregations)');
  if (data.type.typeId !== Type.Float) {
    throw new AggregateError('AGG_COLUMN_TYPE', `partial state column '${name}' must be Float64 but is ${String(data.type)}; pass the output of partialAggregate or mergePartials.`);
  }
  return readNumbers(data, false)!;
}

function countRows(groupOf: Int32Array, numGroups: number): Float64Array {
  const counts = new Float64Array(numGroups);
  for (let i = 0; i < groupOf.length; i++) counts[groupOf[i]]++;
  return counts;
}

/**
 * Fold `values` (nulls skipped) into one state per group. `count` counts non-null values, `sum`
 * adds in row order, min/max follow Spark's NaN rule (NaN above every number: max is NaN if any
 * value is, min ignores NaN unless all are). Returns the states and a "seen a value" byte per group.
 */
function accumulate(kind: StateKind, groupOf: Int32Array, numGroups: number, values: Float64Array, valid: Uint8Array | null): [Float64Array, Uint8Array] {
  const out = new Float64Array(numGroups);
  const seen = new Uint8Array(numGroups);
  accumulateInto(kind, groupOf, values, valid, out, seen);
  return [out, seen];
}

/** accumulate into existing states (long enough for every group in `groupOf`), continuing them. */
function accumulateInto(kind: StateKind, groupOf: Int32Array, values: Float64Array, valid: Uint8Array | null, out: Float64Array, seen: Uint8Array): void {
  const n = values.length;
  switch (kind) {
    case 'count':
      for (let i = 0; i < n; i++) {
        if (valid !== null && valid[i] === 0) continue;
        const g = groupOf[i];
        out[g]++;
        seen[g] = 1;
      }
      break;
    case 'sum':
      if (valid === null) {
        for (let i = 0; i < n; i++) {
          const g = groupOf[i];
          out[g] += values[i];
          seen[g] = 1;
        }
      } else {
        for (let i = 0; i < n; i++) {
          if (valid[i] === 0) continue;
          const g = groupOf[i];
          out[g] += values[i];
          seen[g] = 1;
        }
      }
      break;
    case 'min':
      for (let i = 0; i < n; i++) {
        if (valid !== null && valid[i] === 0) continue;
        const g = groupOf[i];
        const v = values[i];
        const cur = out[g];
        if (seen[g] === 0 || v < cur || cur !== cur) out[g] = v; // eslint-disable-line no-self-compare
        seen[g] = 1;
      }
      break;
    case 'max':
      for (let i = 0; i < n; i++) {
        if (valid !== null && valid[i] === 0) continue;
        const g = groupOf[i];
        const v = values[i];
        if (seen[g] === 0 || v > out[g] || v !== v) out[g] = v; // eslint-disable-line no-self-compare
        seen[g] = 1;
      }
      break;
  }
}
