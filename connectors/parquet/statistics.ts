// Decodes a column chunk's min/max/null-count statistics into comparable JS values, using the
// column's Arrow type (from the footer) to pick the logical interpretation of the physical bytes.
//
//   INT32 (Int8..Int32)    4 bytes LE, signed      -> number
//   INT32 (Uint8..Uint32)  4 bytes LE, unsigned    -> number   (min_value/max_value only)
//   INT64 (Int64)          8 bytes LE, signed      -> bigint
//   INT64 (Uint64)         8 bytes LE, unsigned    -> bigint   (min_value/max_value only)
//   FLOAT / DOUBLE         IEEE 754 LE             -> number   (ignored when NaN)
//   BYTE_ARRAY (Utf8)      UTF-8 bytes             -> string   (min_value/max_value only)
//
// The deprecated min/max fields were written with signed comparison by old writers (parquet-mr
// before 1.10 compared strings as signed bytes), so they are only trusted where signed order is the
// right order: signed integers and floats. Anything else (decimal, timestamp, date, bool, INT96)
// yields no bounds, which means "cannot prune" — never a wrong answer.

import * as arrow from 'apache-arrow';
import type { RawStatistics } from './footer.ts';

/** A bound of a column chunk: number (32-bit ints, floats), bigint (64-bit ints), string (Utf8). */
export type StatisticValue = number | bigint | string;

/** What a row group is known to hold for one column; absent fields are unknown. */
export interface ColumnStatistics {
  min?: StatisticValue;
  max?: StatisticValue;
  nullCount?: number;
}

const PhysicalType = { INT32: 1, INT64: 2, FLOAT: 4, DOUBLE: 5, BYTE_ARRAY: 6 } as const;

/**
 * Decodes raw footer statistics for a column of Arrow type `type`.
 *
 * @example
 * decodeStatistics({ min: Uint8Array.of(1, 0, 0, 0), max: Uint8Array.of(9, 0, 0, 0), nullCount: 0 }, 1, new arrow.Int32());
 * // { min: 1, max: 9, nullCount: 0 }
 */
export function decodeStatistics(raw: RawStatistics | undefined, physicalType: number, type: arrow.DataType): ColumnStatistics {
  if (raw === undefined) return {};
  const out: ColumnStatistics = {};
  if (raw.nullCount !== undefined && raw.nullCount >= 0) out.nullCount = raw.nullCount;
  const decode = decoderFor(physicalType, type);
  if (decode === undefined) return out;
  // Prefer the current fields; fall back to the deprecated ones only where their order is right.
  const useLegacy = raw.min === undefined && raw.max === undefined && decode.legacyOk;
  const min = useLegacy ? raw.legacyMin : raw.min;
  const max = useLegacy ? raw.legacyMax : raw.max;
  const lo = min === undefined ? undefined : decode.read(min);
  const hi = max === undefined ? undefined : decode.read(max);
  if (lo !== undefined && hi !== undefined) {
    out.min = lo;
    out.max = hi;
  }
  return out;
}

interface Decoder {
  read: (bytes: Uint8Array) => StatisticValue | undefined;
  /** Whether the deprecated (signed-order) min/max can be used for this type. */
  legacyOk: boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function view(bytes: Uint8Array, size: number): DataView | undefined {
  return bytes.length === size ? new DataView(bytes.buffer, bytes.byteOffset, size) : undefined;
}

function decoderFor(physicalType: number, type: arrow.DataType): Decoder | undefined {
  if (physicalType === PhysicalType.INT32 && arrow.DataType.isInt(type) && type.bitWidth <= 32) {
    const signed = type.isSigned;
    return { legacyOk: signed, read: (b) => (signed ? view(b, 4)?.getInt32(0, true) : view(b, 4)?.getUint32(0, true)) };
  }
  if (physicalType === PhysicalType.INT64 && arrow.DataType.isInt(type) && type.bitWidth === 64) {
    const signed = type.isSigned;
    return { legacyOk: signed, read: (b) => (signed ? view(b, 8)?.getBigInt64(0, true) : view(b, 8)?.getBigUint64(0, true)) };
  }
  if ((physicalType === PhysicalType.FLOAT || physicalType === PhysicalType.DOUBLE) && arrow.DataType.isFloat(type)) {
    const size = physicalType === PhysicalType.FLOAT ? 4 : 8;
    return {
      legacyOk: true,
      read: (b) => {
        const v = view(b, size);
        const x = v === undefined ? undefined : size === 4 ? v.getFloat32(0, true) : v.getFloat64(0, true);
        return x === undefined || Number.isNaN(x) ? undefined : x;
      },
    };
  }
  if (physicalType === PhysicalType.BYTE_ARRAY && arrow.DataType.isUtf8(type)) {
    return {
      legacyOk: false,
      read: (b) => {
        try {
          return utf8.decode(b);
        } catch {
          return undefined; // a bound truncated inside a character: unusable
        }
      },
    };
  }
  return undefined;
}
