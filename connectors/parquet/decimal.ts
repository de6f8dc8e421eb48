// The engine's canonical column types at the Parquet source: dictionary columns become plain
// columns (dictionary.ts) and DECIMAL columns become Float64, since the engine's kernels (sort,
// hash, aggregate) have no decimal arithmetic. A decimal(p, s) value is its unscaled integer
// divided by 10^s; values with up to 15 significant digits come back exactly as written
// (123.45 stays 123.45), wider ones are rounded to the nearest double.
//
//   Decimal128(10, 2) unscaled [12345, -5, null]  ->  Float64 [123.45, -0.05, null]

import * as arrow from 'apache-arrow';
import { decodeDictionaries, plainType } from './dictionary.ts';

/** The type a column has inside the engine: dictionaries decoded, decimals as Float64. */
export function canonicalType(type: arrow.DataType): arrow.DataType {
  const plain = plainType(type);
  return arrow.DataType.isDecimal(plain) ? new arrow.Float64() : plain;
}

/**
 * A schema with every column's type made canonical (names, nullability, metadata kept).
 *
 * @example
 * canonicalSchema(footer.schema).fields.map((f) => String(f.type)); // ['Int32', 'Utf8', 'Float64']
 */
export function canonicalSchema(schema: arrow.Schema): arrow.Schema {
  return new arrow.Schema(
    schema.fields.map((f) => {
      const type = canonicalType(f.type);
      return type === f.type ? f : new arrow.Field(f.name, type, f.nullable, f.metadata);
    }),
    schema.metadata,
  );
}

/**
 * `table` with dictionaries decoded and decimal columns converted to Float64.
 *
 * @example
 * canonicalTable(decodedRowGroup).getChild('price')!.get(0); // 123.45
 */
export function canonicalTable(table: arrow.Table): arrow.Table {
  const plain = decodeDictionaries(table);
  if (!plain.schema.fields.some((f) => arrow.DataType.isDecimal(f.type))) return plain;
  const schema = canonicalSchema(plain.schema);
  const batches = plain.batches.map((batch) => {
    const children = batch.schema.fields.map((field, i) => {
      const data = batch.data.children[i]!;
      return arrow.DataType.isDecimal(field.type) ? decimalToFloat64(data as arrow.Data<arrow.Decimal>) : data;
    });
    const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length: batch.numRows, nullCount: 0, children });
    return new arrow.RecordBatch(schema, struct);
  });
  return new arrow.Table(schema, batches);
}

/** Converts one chunk of a decimal column (little-endian two's complement words) to Float64. */
export function decimalToFloat64(data: arrow.Data<arrow.Decimal>): arrow.Data<arrow.Float64> {
  const words = data.type.bitWidth / 32;
  const src = data.values as unknown as Uint32Array;
  const n = data.length;
  const out = new Float64Array(n);
  const divisor = 10 ** data.type.scale;
  const base = 0; // arrow-js slices fixed-width values with the data: row 0 is at word 0
  for (let i = 0; i < n; i++) {
    const at = base + i * words;
    const negative = (src[at + words - 1]! & 0x80000000) !== 0;
    // |value| from the words, high to low; a negative value is negated (invert, add one) first.
    let magnitude = 0;
    let carry = negative ? 1 : 0;
    let scale = 1;
    for (let w = 0; w < words; w++) {
      let word = src[at + w]!;
      if (negative) {
        word = (~word >>> 0) + carry;
        carry = word > 0xffffffff ? 1 : 0;
        word = word >>> 0;
      }
      magnitude += word * scale;
      scale *= 2 ** 32;
    }
    out[i] = (negative ? -magnitude : magnitude) / divisor;
  }
  return arrow.makeData({ type: new arrow.Float64(), length: n, nullCount: data.nullCount, nullBitmap: alignedValidity(data), data: out });
}

/** The validity bitmap of `data` starting at bit 0 (arrow-js keeps bitmaps unsliced, with an offset). */
function alignedValidity(data: arrow.Data): Uint8Array | null {
  const bitmap = data.nullBitmap;
  if (!bitmap || bitmap.length === 0 || data.nullCount === 0) return null;
  if (data.offset === 0) return bitmap;
  const out = new Uint8Array((data.length + 7) >> 3);
  for (let i = 0; i < data.length; i++) {
    const bit = data.offset + i;
    if (bitmap[bit >> 3]! & (1 << (bit & 7))) out[i >> 3] |= 1 << (i & 7);
  }
  return out;
}
