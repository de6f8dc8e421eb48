// reduceByKey with a user function on rows (Spark's reduceByKey): fold the value columns of all
// rows sharing a key into one row. Runs map-side (combine before the shuffle) and reduce-side
// (merge what the map tasks combined), so `fn` must be associative, as in Spark.
//
// Worked example, keys ['k'], fn = (a, b) => ({ n: a.n + b.n }), rows (k, n): (x,1) (y,2) (x,3)
//   values of x: {n:1}, {n:3} → fn({n:1}, {n:3}) = {n:4};  y: {n:2} (fn never called)
//   output (first-appearance order): (x, 4) (y, 2)

import { Schema } from 'apache-arrow';
import type { Field, Table } from 'apache-arrow';
import { DataflowError } from '../errors.ts';
import { columnData, requireColumnIndex, tableFromColumns } from './columns.ts';
import { groupIds } from './group-ids.ts';
import type { GroupIds } from './group-ids.ts';
import { RowTypeError, rowsToTable, tableToRows } from './rows.ts';
import type { Row } from './rows.ts';
import { takeData } from './take.ts';

/**
 * One row per distinct key: the key columns (first-appearance order), then the value columns
 * folded left to right in row order with `fn(acc, next)`. Values are the non-key columns as a Row
 * (see rows.ts for how Arrow values map to JS). The value schema is the input's when every reduced
 * row fits it (same fields, values convertible, e.g. integers for an Int32 column); otherwise it is
 * inferred from the reduced rows (so a sum of Int32 values that grew past 2^31 becomes Float64).
 *
 * @example
 * reduceRowsByKey(table, ['user'], (a, b) => ({ n: (a.n as number) + (b.n as number) }));
 * `groups`, when given, must be groupIds(table, keys).
 */
export function reduceRowsByKey(table: Table, keys: readonly string[], fn: (a: Row, b: Row) => Row, groups?: GroupIds): Table {
  const keyFields = keys.map((k) => table.schema.fields[requireColumnIndex(table, k, 'as a reduceByKey key')]);
  const valueFields = table.schema.fields.filter((f) => !keys.includes(f.name));
  const { groupOf, numGroups, firstRow } = groups ?? groupIds(table, keys);
  if (keys.length === 0 && numGroups === 0) return table;

  const valueRows = tableToRows(table.select(valueFields.map((f) => f.name)));
  const reduced: (Row | undefined)[] = new Array(numGroups);
  for (let i = 0; i < valueRows.length; i++) {
    const g = groupOf[i];
    const acc = reduced[g];
    reduced[g] = acc === undefined ? valueRows[i] : callReducer(fn, acc, valueRows[i]);
  }
  const rows = reduced as Row[];
  for (const row of rows) {
    for (const k of keys) {
      if (k in row) {
        throw new DataflowError(
          'REDUCE_ROW_SHAPE',
          `reduceByKey: the reduce function returned a row with the key column '${k}'; return only the value columns ` +
            `(${valueFields.map((f) => f.name).join(', ') || 'none'}). The keys are kept for you.`,
        );
      }
    }
  }
  const values = valuesTable(rows, valueFields);
  const fields: Field[] = [...keyFields, ...values.schema.fields];
  const columns = [
    ...keys.map((k) => takeData(columnData(table, k), firstRow)),
    ...values.schema.fields.map((f) => columnData(values, f.name)),
  ];
  return tableFromColumns(new Schema(fields), columns, numGroups);
}

function callReducer(fn: (a: Row, b: Row) => Row, a: Row, b: Row): Row {
  const out = fn(a, b);
  if (out === null || typeof out !== 'object' || Array.isArray(out)) {
    throw new DataflowError(
      'REDUCE_ROW_SHAPE',
      `reduceByKey: the reduce function must return a row object like its arguments, but returned ${Array.isArray(out) ? 'an array' : String(out)}.`,
    );
  }
  return out;
}

/** The reduced value rows as a table: with the input's value schema if they fit it, else inferred. */
function valuesTable(rows: Row[], valueFields: Field[]): Table {
  const names = new Set(valueFields.map((f) => f.name));
  const sameFields = rows.every((r) => {
    const ks = Object.keys(r);
    return ks.length === names.size && ks.every((k) => names.has(k));
  });
  if (sameFields) {
    try {
      return rowsToTable(rows, new Schema(valueFields));
    } catch (error) {
      if (!(error instanceof RowTypeError)) throw error;
    }
  }
  return rowsToTable(rows);
}
