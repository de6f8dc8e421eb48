// Turns dictionary-encoded columns into plain columns, the engine's canonical form (sources decode
// dictionaries so that kernels, shuffles and hashing only ever see plain Utf8 etc.).
//
// A dictionary column stores small integer keys plus the distinct values once:
//
//   keys:        [1, 0, 1, null, 2]          dictionary: ["red", "green", "blue"]
//   decoded:     ["green", "red", "green", null, "blue"]
//
// For Utf8 values the decode is two passes over the keys: sum the byte lengths to size the output,
// then copy each value's bytes (no per-row JS strings are created).

import * as arrow from 'apache-arrow';
import { ParquetCorruptError } from './errors.ts';

/** The plain type a column has once decoded: a dictionary's value type, anything else unchanged. */
export function plainType(type: arrow.DataType): arrow.DataType {
  return arrow.DataType.isDictionary(type) ? type.dictionary : type;
}

/** A schema with every dictionary field replaced by its value type (names, nullability kept). */
export function plainSchema(schema: arrow.Schema): arrow.Schema {
  return new arrow.Schema(
    schema.fields.map((f) => (arrow.DataType.isDictionary(f.type) ? new arrow.Field(f.name, f.type.dictionary, f.nullable, f.metadata) : f)),
    schema.metadata,
  );
}

/**
 * Returns `table` with dictionary-encoded columns decoded to plain columns of the value type.
 * Tables without dictionary columns are returned as is.
 *
 * @example
 * const t = decodeDictionaries(tableWithDictionaryColumn);
 * String(t.schema.fields[0].type); // 'Utf8' (was 'Dictionary<Int32, Utf8>')
 */
export function decodeDictionaries(table: arrow.Table): arrow.Table {
  if (!table.schema.fields.some((f) => arrow.DataType.isDictionary(f.type))) return table;
  const schema = plainSchema(table.schema);
  const batches = table.batches.map((batch) => {
    const children = batch.schema.fields.map((field, i) => {
      const data = batch.data.children[i]!;
      return arrow.DataType.isDictionary(field.type) ? decodeDictionaryData(data as arrow.Data<arrow.Dictionary>) : data;
    });
    const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length: batch.numRows, nullCount: 0, children });
    return new arrow.RecordBatch(schema, struct);
  });
  return new arrow.Table(schema, batches);
}

/** Decodes one chunk of a dictionary column. */
export function decodeDictionaryData(data: arrow.Data<arrow.Dictionary>): arrow.Data {
  const dictionary = data.dictionary;
  if (dictionary === undefined) {
    throw new ParquetCorruptError('a dictionary-encoded column chunk has no dictionary page: the file is damaged or its writer is not supported; rewrite it with another tool (e.g. dataflow convert)');
  }
  const valueType = data.type.dictionary;
  if (arrow.DataType.isUtf8(valueType)) return decodeUtf8(data, dictionary as arrow.Vector<arrow.Utf8>);
  // Rare (Parquet readers decode non-string dictionaries themselves): go through JS values.
  const values: unknown[] = new Array(data.length);
  const keys = data.values as ArrayLike<number | bigint>;
  for (let i = 0; i < data.length; i++) values[i] = data.getValid(i) ? dictionary.get(Number(keys[i])) : null;
  return arrow.vectorFromArray(values, valueType).data[0]!;
}

function decodeUtf8(data: arrow.Data<arrow.Dictionary>, dictionary: arrow.Vector<arrow.Utf8>): arrow.Data<arrow.Utf8> {
  const dict = flattenUtf8(dictionary);
  const keys = data.values as ArrayLike<number | bigint>;
  const n = data.length;
  const valid = validity(data, keys, dict.valid);

  let total = 0;
  for (let i = 0; i < n; i++) {
    if (valid !== null && !bit(valid, i)) continue;
    const k = Number(keys[i]);
    total += dict.offsets[k + 1]! - dict.offsets[k]!;
  }
  if (total > 0x7fffffff) throw new RangeError(`decoded string column would hold ${total} bytes, over the 2 GiB limit of Utf8`);

  const offsets = new Int32Array(n + 1);
  const bytes = new Uint8Array(total);
  let pos = 0;
  for (let i = 0; i < n; i++) {
    if (valid === null || bit(valid, i)) {
      const k = Number(keys[i]);
      const s = dict.offsets[k]!;
      const e = dict.offsets[k + 1]!;
      bytes.set(dict.bytes.subarray(s, e), pos);
      pos += e - s;
    }
    offsets[i + 1] = pos;
  }
  let nullCount = 0;
  if (valid !== null) for (let i = 0; i < n; i++) if (!bit(valid, i)) nullCount++;
  return arrow.makeData({
    type: new arrow.Utf8(),
    length: n,
    nullCount,
    nullBitmap: nullCount > 0 ? valid : null,
    valueOffsets: offsets,
    data: bytes,
  });
}

/** A dictionary's strings as one offsets/bytes pair (dictionaries are usually a single chunk). */
function flattenUtf8(vector: arrow.Vector<arrow.Utf8>): { offsets: Int32Array; bytes: Uint8Array; valid: Uint8Array | null } {
  const n = vector.length;
  const chunks = vector.data;
  const first = chunks[0];
  if (chunks.length === 1 && first !== undefined && first.nullCount === 0) {
    return { offsets: first.valueOffsets, bytes: first.values, valid: null };
  }
  const offsets = new Int32Array(n + 1);
  let total = 0;
  for (const c of chunks) total += c.valueOffsets[c.length]! - c.valueOffsets[0]!;
  const bytes = new Uint8Array(total);
  const valid = new Uint8Array((n + 7) >> 3);
  let row = 0;
  let pos = 0;
  for (const c of chunks) {
    for (let i = 0; i < c.length; i++, row++) {
      const s = c.valueOffsets[i]!;
      const e = c.valueOffsets[i + 1]!;
      bytes.set(c.values.subarray(s, e), pos);
      pos += e - s;
      offsets[row + 1] = pos;
      if (c.getValid(i)) valid[row >> 3] |= 1 << (row & 7);
    }
  }
  return { offsets, bytes, valid };
}

/**
 * Validity of the decoded rows, aligned to bit 0: a row is valid when its key is valid and the
 * dictionary value it points to is valid. `null` when every row is valid.
 */
function validity(data: arrow.Data, keys: ArrayLike<number | bigint>, dictValid: Uint8Array | null): Uint8Array | null {
  if (data.nullCount === 0 && dictValid === null) return null;
  const n = data.length;
  const out = new Uint8Array((n + 7) >> 3);
  const bitmap = data.nullBitmap;
  const off = data.offset;
  for (let i = 0; i < n; i++) {
    const j = i + off;
    let ok = data.nullCount === 0 || bitmap === undefined || bitmap.length === 0 || ((bitmap[j >> 3]! >> (j & 7)) & 1) === 1;
    if (ok && dictValid !== null) ok = bit(dictValid, Number(keys[i]));
    if (ok) out[i >> 3] |= 1 << (i & 7);
  }
  return out;
}

function bit(bitmap: Uint8Array, i: number): boolean {
  return ((bitmap[i >> 3]! >> (i & 7)) & 1) === 1;
}
