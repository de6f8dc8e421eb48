// Concatenating partitions, and the small column-access helpers every other kernel relies on:
// looking a column up by name (with a helpful error), and getting one *contiguous* `Data` for a
// column of a multi-batch table (copying only when the table really has more than one chunk).

import { Data, DataType, Field, MapRow, RecordBatch, Schema, Struct, StructRow, Table, Type, Vector, makeBuilder, makeData, makeVector } from 'apache-arrow';
import { DataflowError } from '../errors.ts';

/** Two tables (or a table and a schema) disagree on a column's presence or type. */
export class SchemaMismatchError extends DataflowError {
  constructor(message: string) {
    super('SCHEMA_MISMATCH', message);
  }
}

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
 *
 * Invariant used by all kernels (it is Arrow JS's own convention): for fixed-width types
 * `values[i]` is row i; for Utf8/Binary `valueOffsets[i]..valueOffsets[i+1]` is row i's byte
 * range in `values`; for Bool values and for every validity bitmap, row i is bit `offset + i`.
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

/** Like {@link columnData} but wrapped in a single-chunk Vector (for `.get(i)` access). */
export function columnValues(table: Table, name: string, purpose?: string): Vector {
  return makeVector(columnData(table, name, purpose));
}

/** Is row `i` of `data` non-null? */
export function isValidAt(data: Data, i: number): boolean {
  const bitmap = data.nullBitmap;
  if (!bitmap || bitmap.length === 0 || data.nullCount === 0) return true;
  const bit = data.offset + i;
  return (bitmap[bit >> 3] & (1 << (bit & 7))) !== 0;
}

/** Types whose rows occupy a fixed number of bytes in `values` (gathered by copying words). */
export function isFixedWidth(type: DataType): boolean {
  switch (type.typeId) {
    case Type.Int:
    case Type.Float:
    case Type.Date:
    case Type.Timestamp:
    case Type.Time:
    case Type.Decimal:
    case Type.FixedSizeBinary:
    case Type.Interval:
    case Type.Duration:
      return true;
    default:
      return false;
  }
}

/** Utf8 and Binary with 32-bit offsets: gathered by copying byte ranges. */
export function isVarBinary(type: DataType): boolean {
  return type.typeId === Type.Utf8 || type.typeId === Type.Binary;
}

/** A validity bitmap for `length` rows where `valid(i)` says whether row i is set; undefined if no nulls. */
export function buildValidity(length: number, nullCount: number, valid: (i: number) => boolean): Uint8Array | undefined {
  if (nullCount === 0) return undefined;
  const bitmap = new Uint8Array((length + 7) >> 3);
  for (let i = 0; i < length; i++) if (valid(i)) bitmap[i >> 3] |= 1 << (i & 7);
  return bitmap;
}

/** An empty (0-row) Data of any type, children included. */
export function emptyData(type: DataType): Data {
  return makeBuilder({ type }).finish().flush();
}

/**
 * Build a Data of `type` from JS values through Arrow's builders: the slow, generic path. Values
 * read with `vector.get(i)` (nested Vectors, StructRows) are accepted: Arrow's List builder does
 * not read a Vector correctly, so nested values are turned into plain arrays/objects first.
 */
export function dataFromValues(type: DataType, values: readonly unknown[]): Data {
  const builder = makeBuilder({ type, nullValues: [null, undefined] });
  for (const v of values) builder.append(toPlainValue(v));
  return builder.finish().flush();
}

/** A value from `vector.get(i)` with nested Vectors → arrays and StructRow/MapRow → object/Map. */
export function toPlainValue(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Vector) {
    const t = v.type.typeId;
    if (v.nullCount === 0 && (t === Type.Int || t === Type.Float)) return v.toArray();
    return Array.from(v, toPlainValue);
  }
  if (v instanceof StructRow) {
    const json = v.toJSON() as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(json)) out[k] = toPlainValue(json[k]);
    return out;
  }
  if (v instanceof MapRow) {
    const out = new Map<unknown, unknown>();
    for (const [k, x] of v as unknown as Iterable<[unknown, unknown]>) out.set(toPlainValue(k), toPlainValue(x));
    return out;
  }
  return v;
}

/**
 * Concatenate chunks of one column into a single Data. Fast paths copy buffers for fixed-width,
 * Bool, Utf8 and Binary; other types (List, Struct, Dictionary, ...) go through the builders.
 */
export function combineChunks(chunks: readonly Data[], type: DataType): Data {
  const parts = chunks.filter((c) => c.length > 0);
  if (parts.length === 0) return chunks.length > 0 ? chunks[0] : emptyData(type);
  if (parts.length === 1) return parts[0];
  let length = 0;
  let nullCount = 0;
  for (const p of parts) {
    length += p.length;
    nullCount += p.nullCount;
  }
  const nullBitmap = nullCount === 0 ? undefined : concatBitmaps(parts, length);

  if (isFixedWidth(type)) {
    const stride = parts[0].stride;
    const Ctor = (parts[0].values as ArrayLike<unknown>).constructor as new (n: number) => { set(a: ArrayLike<unknown>, o: number): void };
    const values = new Ctor(length * stride);
    let pos = 0;
    for (const p of parts) {
      const src = p.values as unknown as { subarray(a: number, b: number): ArrayLike<unknown> };
      values.set(src.subarray(0, p.length * stride), pos);
      pos += p.length * stride;
    }
    return makeData({ type, length, nullCount, nullBitmap, data: values } as never);
  }
  if (type.typeId === Type.Bool) {
    const values = new Uint8Array((length + 7) >> 3);
    let pos = 0;
    for (const p of parts) {
      const src = p.values as Uint8Array;
      for (let i = 0; i < p.length; i++, pos++) {
        const bit = p.offset + i;
        if (src[bit >> 3] & (1 << (bit & 7))) values[pos >> 3] |= 1 << (pos & 7);
      }
    }
    return makeData({ type, length, nullCount, nullBitmap, data: values } as never);
  }
  if (isVarBinary(type)) {
    let bytes = 0;
    for (const p of parts) bytes += p.valueOffsets[p.length] - p.valueOffsets[0];
    const values = new Uint8Array(bytes);
    const valueOffsets = new Int32Array(length + 1);
    let row = 0;
    let at = 0;
    for (const p of parts) {
      const offs = p.valueOffsets as Int32Array;
      const base = offs[0];
      values.set((p.values as Uint8Array).subarray(base, offs[p.length]), at);
      for (let i = 0; i < p.length; i++) valueOffsets[++row] = at + offs[i + 1] - base;
      at += offs[p.length] - base;
    }
    return makeData({ type, length, nullCount, nullBitmap, data: values, valueOffsets } as never);
  }
  // Generic path: read every value and rebuild.
  const all: unknown[] = [];
  for (const p of parts) {
    const v = makeVector(p);
    for (let i = 0; i < p.length; i++) all.push(v.get(i));
  }
  return dataFromValues(type, all);
}

function concatBitmaps(parts: readonly Data[], length: number): Uint8Array {
  const out = new Uint8Array((length + 7) >> 3);
  let pos = 0;
  for (const p of parts) {
    for (let i = 0; i < p.length; i++, pos++) if (isValidAt(p, i)) out[pos >> 3] |= 1 << (pos & 7);
  }
  return out;
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
