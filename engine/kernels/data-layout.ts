// How Arrow lays out a column's rows in one `Data`, as every kernel reads them: for fixed-width
// types `values[i]` is row i; for Utf8/Binary `valueOffsets[i]..valueOffsets[i+1]` is row i's byte
// range in `values`; for Bool values and for every validity bitmap, row i is bit `offset + i`.

import { Data, DataType, Type } from 'apache-arrow';

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
