// User and item ids of any integer or string type → dense indices 0..n-1, and back.
//
// The distinct ids are found with a distributed `distinct()`; the driver sorts them (numbers
// ascending, strings by UTF-16 code units) and numbers them, so an id's index depends only on the
// set of ids — never on partitioning or block counts. The mapping is broadcast to executors as
//   { kind: 'dense', min, index: Int32Array }  when ids are integers in a compact range
//     (index[id − min] = dense index or −1: one array read per rating), or
//   { kind: 'map', map: Map<id, index> }       otherwise (strings, sparse or fractional numbers).
// Decoding is `ids[index]` on the driver (the model keeps the sorted ids).

import { Type } from 'apache-arrow';
import type { Table, Vector } from 'apache-arrow';
import type { Dataset, Row } from '../../engine/index.ts';
import { AlsInputError } from './errors.ts';

export type IdValue = number | string;

export type IdLookup =
  | { kind: 'dense'; min: number; index: Int32Array }
  | { kind: 'map'; map: Map<IdValue, number> };

export interface IdEncoding {
  /** The distinct ids in index order. */
  ids: IdValue[];
  /** 'number' or 'string': the type ids decode to. */
  idType: 'number' | 'string';
  lookup: IdLookup;
}

/**
 * Distinct ids of `column`, sorted and numbered.
 *
 * @example
 *   const users = await encodeIds(ratings, 'userId'); users.ids[0]; // the smallest user id
 */
export async function encodeIds(ratings: Dataset<Row>, column: string): Promise<IdEncoding> {
  const table = await ratings.select(column).distinct().toTable();
  return encodingFromValues(idValues(table, column), column);
}

/** Builds the encoding from distinct (unsorted) ids. */
export function encodingFromValues(values: IdValue[], column: string): IdEncoding {
  if (values.length === 0) return { ids: [], idType: 'number', lookup: { kind: 'map', map: new Map() } };
  const idType = typeof values[0] === 'string' ? 'string' : 'number';
  if (values.some((v) => typeof v !== idType)) throw new AlsInputError(`column '${column}' mixes string and numeric ids; use one type`);
  const ids = idType === 'number' ? (values as number[]).sort((a, b) => a - b) : (values as string[]).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { ids, idType, lookup: lookupFor(ids, idType) };
}

function lookupFor(ids: IdValue[], idType: 'number' | 'string'): IdLookup {
  if (idType === 'number') {
    const nums = ids as number[];
    const min = nums[0];
    const span = nums[nums.length - 1] - min + 1;
    if (nums.every(Number.isInteger) && span <= 4 * nums.length + 1_000_000) {
      const index = new Int32Array(span).fill(-1);
      for (let i = 0; i < nums.length; i++) index[nums[i] - min] = i;
      return { kind: 'dense', min, index };
    }
  }
  const map = new Map<IdValue, number>();
  ids.forEach((id, i) => map.set(id, i));
  return { kind: 'map', map };
}

/** The ids of a column as JS values, rejecting nulls and NaN; Int64 ids must be exact doubles. */
export function idValues(table: Table, column: string): IdValue[] {
  const vector = table.getChild(column);
  if (!vector) throw new AlsInputError(`the ratings have no column '${column}'; columns are [${table.schema.fields.map((f) => f.name).join(', ')}]. Pass userCol/itemCol/ratingCol`);
  const out: IdValue[] = new Array(vector.length);
  for (let i = 0; i < vector.length; i++) out[i] = toIdValue(vector.get(i), column);
  return out;
}

export function toIdValue(v: unknown, column: string): IdValue {
  if (v === null || v === undefined) throw new AlsInputError(`column '${column}' has a null id; drop or fill rows with missing ids before training`);
  if (typeof v === 'bigint') {
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new AlsInputError(`column '${column}' has id ${v} beyond ±2^53; cast such ids to strings first`);
    }
    return Number(v);
  }
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new AlsInputError(`column '${column}' has a non-finite id ${v}; ids must be finite numbers or strings`);
    return v;
  }
  if (typeof v === 'string') return v;
  throw new AlsInputError(`column '${column}' has an id of unsupported type ${typeof v}; use integer or string ids`);
}

/**
 * Dense indices of one batch's id column (−1 for ids absent from the encoding).
 *
 * @example
 *   encodeColumn(batch.getChild('userId')!, lookup, 'userId'); // Int32Array
 */
export function encodeColumn(vector: Vector, lookup: IdLookup, column: string): Int32Array {
  const n = vector.length;
  const out = new Int32Array(n);
  const typeId = vector.type.typeId;
  const fast = lookup.kind === 'dense' && (typeId === Type.Int || typeId === Type.Float) && vector.nullCount === 0 && vector.data.length === 1;
  if (fast) {
    const values = vector.toArray() as ArrayLike<number | bigint>;
    const { min, index } = lookup;
    for (let i = 0; i < n; i++) {
      const k = Number(values[i]) - min;
      out[i] = k >= 0 && k < index.length && Number.isInteger(k) ? index[k] : -1;
    }
    return out;
  }
  for (let i = 0; i < n; i++) {
    const id = toIdValue(vector.get(i), column);
    if (lookup.kind === 'dense') {
      const k = (id as number) - lookup.min;
      out[i] = typeof id === 'number' && k >= 0 && k < lookup.index.length && Number.isInteger(k) ? lookup.index[k] : -1;
    } else {
      out[i] = lookup.map.get(id) ?? -1;
    }
  }
  return out;
}
