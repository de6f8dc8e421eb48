// Columns by name: looking one up (with an error that lists the schema), getting all its rows as one
// contiguous `Data` whatever the number of batches, and assembling a table from such columns.

import { Data, RecordBatch, Schema, Struct, Table, makeData } from 'apache-arrow';
import { DataflowError } from '../errors.ts';
import { combineChunks } from './combine-chunks.ts';

/** A kernel was asked for a column the table does not have. */
export class ColumnNotFoundError extends DataflowError {
  constructor(message: string) {
    super('COLUMN_NOT_FOUND', message);
  }
}

/** "a: Int32, b: Utf8", for error messages. */
export function describeSchema(schema: Schema): string {
  return schema.fields.length === 0 ? '(no columns)' : schema.fields.map((f) => `${f.name}: ${String(f.type)}`).join(', ');
}

/**
 * The index of column `name` in `table`'s schema, or a ColumnNotFoundError that lists the schema.
 * `purpose` completes the sentence "column 'x' is needed <purpose>".
 */
export function requireColumnIndex(table: Table, name: string, purpose = 'by this operation'): number {
  const index = table.schema.fields.findIndex((f) => f.name === name);
  if (index < 0) {
    throw new ColumnNotFoundError(
      `column '${name}' is needed ${purpose} but the table has no such column; ` +
        `its schema is [${describeSchema(table.schema)}]. Check the spelling or select/rename the column first.`,
    );
  }
  return index;
}

/**
 * One contiguous `Data` holding all rows of column `name`. With a single batch this is the
 * batch's own Data (no copy); with several batches the chunks are copied into one buffer set.
 * (See data-layout.ts for how rows sit in a Data's buffers.)
 *
 * @example
 * const ids = columnData(table, 'userId'); // Data<Int32>
 * const values = ids.values as Int32Array;
 */
export function columnData(table: Table, name: string, purpose?: string): Data {
  const index = requireColumnIndex(table, name, purpose);
  const field = table.schema.fields[index];
  const chunks = table.batches.map((b) => b.data.children[index]);
  return combineChunks(chunks, field.type);
}

/**
 * Assemble a one-batch Table from one Data per schema field (all of the same length).
 *
 * @example
 * tableFromColumns(new Schema([new Field('x', new Int32(), true)]), [data]);
 */
export function tableFromColumns(schema: Schema, columns: readonly Data[], length?: number): Table {
  const rows = length ?? (columns.length > 0 ? columns[0].length : 0);
  const struct = makeData({ type: new Struct(schema.fields), length: rows, nullCount: 0, children: columns as Data[] });
  return new Table(schema, [new RecordBatch(schema, struct)]);
}
