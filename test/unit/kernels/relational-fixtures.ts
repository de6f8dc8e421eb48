// Small builders shared by the tests of the relational kernels (aggregate, join, sort, ...):
// tables from rows with an explicit schema (so nulls and exact types are easy), split into batches.

import { Field, Float32, Float64, Int32, Int64, Schema, Utf8 } from 'apache-arrow';
import type { DataType, Table } from 'apache-arrow';
import { concatTables } from '../../../engine/kernels/concat-tables.ts';
import { rowsToTable, tableToRows } from '../../../engine/kernels/rows.ts';
import type { Row } from '../../../engine/kernels/rows.ts';
import { mulberry32 } from '../../../engine/kernels/mulberry32.ts';

/** A deterministic PRNG (mulberry32) for generated test data. */
export const prng = mulberry32;

export const T = {
  i32: (): DataType => new Int32(),
  i64: (): DataType => new Int64(),
  f32: (): DataType => new Float32(),
  f64: (): DataType => new Float64(),
  str: (): DataType => new Utf8(),
};

/** A one-batch table with the given column types (all nullable) and rows. */
export function table(types: Record<string, DataType>, rows: Row[]): Table {
  const schema = new Schema(Object.entries(types).map(([name, type]) => new Field(name, type, true)));
  return rowsToTable(rows, schema);
}

/** The same rows as `table(types, rows)` but cut into batches of at most `size` rows. */
export function batched(types: Record<string, DataType>, rows: Row[], size: number): Table {
  const parts: Table[] = [];
  for (let i = 0; i < rows.length; i += size) parts.push(table(types, rows.slice(i, i + size)));
  const t = concatTables(parts);
  return t;
}

/** Rows of a table as plain objects. */
export const rows = (t: Table): Row[] => tableToRows(t);

/** Column names and type names of a table, e.g. ['k: Int32', 'n: Int32']. */
export const columnTypes = (t: Table): string[] => t.schema.fields.map((f) => `${f.name}: ${String(f.type)}`);
