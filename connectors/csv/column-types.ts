// The column types a CSV reader produces, and their Arrow types. Text has no types of its own:
// they are inferred from a sample or given by the caller (see infer.ts and options.ts).

import * as arrow from 'apache-arrow';

export type CsvColumnType = 'int32' | 'int64' | 'float32' | 'float64' | 'bool' | 'utf8';

export const CSV_COLUMN_TYPES: readonly CsvColumnType[] = ['int32', 'int64', 'float32', 'float64', 'bool', 'utf8'];

/** The Arrow type of a CSV column type (all columns are nullable; an empty field is null). */
export function arrowTypeOf(type: CsvColumnType): arrow.DataType {
  switch (type) {
    case 'int32': return new arrow.Int32();
    case 'int64': return new arrow.Int64();
    case 'float32': return new arrow.Float32();
    case 'float64': return new arrow.Float64();
    case 'bool': return new arrow.Bool();
    case 'utf8': return new arrow.Utf8();
  }
}

/** An Arrow schema for named CSV columns, in the order given. */
export function arrowSchemaOf(columns: ReadonlyArray<{ name: string; type: CsvColumnType }>): arrow.Schema {
  return new arrow.Schema(columns.map((c) => new arrow.Field(c.name, arrowTypeOf(c.type), true)));
}
