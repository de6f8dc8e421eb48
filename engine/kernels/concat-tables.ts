// Concatenating partitions into one table (batches kept, schemas checked, nullability widened), and
// turning a multi-batch table into a single contiguous batch.

import { Field, RecordBatch, Schema, Struct, Table, makeData } from 'apache-arrow';
import { DataflowError } from '../errors.ts';
import { columnData, tableFromColumns } from './columns.ts';

/** Two tables (or a table and a schema) disagree on a column's presence or type. */
export class SchemaMismatchError extends DataflowError {
  constructor(message: string) {
    super('SCHEMA_MISMATCH', message);
  }
}

/**
 * Concatenate partitions into one Table, keeping their batches (no copy). Schemas must agree
 * on field names (in order) and types; nullability is widened to "nullable" where they differ.
 * Tables with zero rows AND zero columns (the "nothing" placeholder) are ignored.
 *
 * @example
 * const all = concatTables([part0, part1, part2]); // all.numRows === sum of numRows
 */
export function concatTables(tables: readonly Table[]): Table {
  const inputs = tables.filter((t) => !(t.numRows === 0 && t.schema.fields.length === 0));
  if (inputs.length === 0) return tables.length > 0 ? tables[0] : new Table();
  const first = inputs[0].schema;
  const fields = first.fields.map((f) => f);
  for (let t = 1; t < inputs.length; t++) {
    const other = inputs[t].schema;
    const names = first.fields.map((f) => f.name).join(', ');
    const otherNames = other.fields.map((f) => f.name).join(', ');
    if (names !== otherNames) {
      throw new SchemaMismatchError(
        `cannot concatenate table ${t} with table 0: columns differ; table 0 has [${names}] but table ${t} has [${otherNames}]. ` +
          `Select the same columns in the same order before combining.`,
      );
    }
    other.fields.forEach((f, i) => {
      const mine = fields[i];
      if (String(mine.type) !== String(f.type) || mine.type.typeId !== f.type.typeId) {
        throw new SchemaMismatchError(
          `cannot concatenate table ${t} with table 0: column '${f.name}' is ${String(mine.type)} in table 0 but ${String(f.type)} in table ${t}. ` +
            `Cast the column to one type first.`,
        );
      }
      if (f.nullable && !mine.nullable) fields[i] = new Field(mine.name, mine.type, true, mine.metadata);
    });
  }
  const schema = new Schema(fields, first.metadata);
  const batches: RecordBatch[] = [];
  for (const t of inputs) {
    for (const b of t.batches) {
      if (b.numRows === 0 && inputs.length > 1) continue;
      batches.push(new RecordBatch(schema, makeData({ type: new Struct(fields), length: b.numRows, nullCount: 0, children: b.data.children })));
    }
  }
  return new Table(schema, batches);
}

/** The (single, contiguous) Table equivalent to `table`: the same object when it has <= 1 batch. */
export function combineBatches(table: Table): Table {
  if (table.batches.length <= 1) return table;
  const columns = table.schema.fields.map((f) => columnData(table, f.name));
  return tableFromColumns(table.schema, columns, table.numRows);
}
