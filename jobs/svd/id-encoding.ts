// Id encoding: user and item ids of any integer or string type become dense indices 0..n-1, and
// back. The distinct ids are found by a distributed `distinct()`, sorted on the driver (the order
// scipy's np.unique gives), and shipped to executors, where a lookup table turns each batch's ids
// into an Int32Array of indices.
//
// Worked example: itemIds [50, 7, 50, 1000] → distinct sorted ids [7, 50, 1000]
//   → indices [1, 0, 1, 2]; decoding index 2 gives 1000.

import { Table } from 'apache-arrow';
import type { Vector } from 'apache-arrow';
import { libraryFunctions } from '../../engine/extend.ts';
import type { Dataset } from '../../engine/index.ts';
import { SvdInputError } from './errors.ts';

/** The sorted distinct ids of one column: numbers (any int/float type), bigints (Int64) or strings. */
export type IdList = Float64Array | BigInt64Array | string[];

export interface IdEncoding {
  /** The column the ids come from, e.g. 'userId'. */
  column: string;
  /** Sorted distinct ids; an id's dense index is its position here. */
  ids: IdList;
  /** How decoded ids are written back: the input column's own kind. */
  kind: IdKind;
}

/** int32 covers Int8..Int32 and Uint8..Uint16 columns; float64 any other number column. */
export type IdKind = 'int32' | 'float64' | 'int64' | 'utf8';

/**
 * Finds the distinct ids of `column` with a distributed distinct and sorts them.
 *
 * @example
 *   const users = await encodeIds(ratings, 'userId', 'userColumn');
 *   users.ids.length; // number of distinct users
 */
export async function encodeIds(ratings: Dataset, column: string, option: 'userColumn' | 'itemColumn'): Promise<IdEncoding> {
  const pick = idKernels.idColumn;
  const table = await ratings.mapBatches((b) => pick(b, column, option), { pick, column, option }).distinct().toTable();
  const vector = table.numRows === 0 ? undefined : table.getChild(column);
  if (table.numRows === 0 || !vector) return { column, ids: new Float64Array(0), kind: 'float64' };
  if (vector.nullCount > 0) {
    throw new SvdInputError(`svd: column '${column}' has null ids; every rating needs a ${column} (filter the nulls out first)`);
  }
  const ids = sortedIds(vector, column);
  const type = vector.type as { typeId: number; bitWidth?: number; isSigned?: boolean };
  const small = type.bitWidth !== undefined && (type.bitWidth < 32 || (type.bitWidth === 32 && type.isSigned === true));
  const kind: IdKind = Array.isArray(ids) ? 'utf8' : ids instanceof BigInt64Array ? 'int64' : small && vector.type.toString().startsWith('Int') || small && vector.type.toString().startsWith('Uint') ? 'int32' : 'float64';
  return { column, ids, kind };
}

/** Kernel: the id column of a batch, or an error naming the option to set when it is missing. */
export function idColumn(batch: Table, column: string, option: string): Table {
  const vector = batch.getChild(column);
  if (vector) return new Table({ [column]: vector });
  if (batch.numRows === 0) return batch; // an empty partition may carry no columns at all
  throw new SvdInputError(`svd: the ratings have no column '${column}' (columns: ${batch.schema.fields.map((f) => f.name).join(', ')}); pass options.${option}`);
}

export const idKernels = libraryFunctions(import.meta.url, { idColumn });

function sortedIds(vector: Vector, column: string): IdList {
  const first: unknown = vector.get(0);
  if (typeof first === 'string') {
    const ids: string[] = [];
    for (let i = 0; i < vector.length; i++) ids.push(vector.get(i) as string);
    return ids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
  if (typeof first === 'bigint') {
    const ids = new BigInt64Array(vector.length);
    for (let i = 0; i < vector.length; i++) ids[i] = BigInt.asIntN(64, vector.get(i) as bigint);
    return ids.sort();
  }
  if (typeof first === 'number') {
    const ids = new Float64Array(vector.length);
    for (let i = 0; i < vector.length; i++) ids[i] = vector.get(i) as number;
    return ids.sort();
  }
  throw new SvdInputError(`svd: column '${column}' holds ${typeof first} values; ids must be integers, numbers, bigints or strings`);
}

/** id → dense index, built once per executor for each shipped id list. */
type Lookup = (id: unknown) => number;
const lookups = new WeakMap<object, Lookup>();

function lookupFor(ids: IdList): Lookup {
  const cached = lookups.get(ids);
  if (cached) return cached;
  let lookup: Lookup;
  if (ids instanceof Float64Array && ids.length > 0 && denseRange(ids)) {
    // Small integer ids (the usual case): a direct table, one array read per rating.
    const min = ids[0]!;
    const table = new Int32Array(ids[ids.length - 1]! - min + 1).fill(-1);
    for (let i = 0; i < ids.length; i++) table[ids[i]! - min] = i;
    lookup = (id) => {
      const slot = (id as number) - min;
      return Number.isInteger(slot) && slot >= 0 && slot < table.length ? table[slot]! : -1;
    };
  } else {
    const map = new Map<unknown, number>();
    ids.forEach((id: unknown, i: number) => map.set(id, i));
    lookup = (id) => map.get(typeof id === 'bigint' ? BigInt.asIntN(64, id) : id) ?? -1;
  }
  lookups.set(ids, lookup);
  return lookup;
}

function denseRange(ids: Float64Array): boolean {
  const span = ids[ids.length - 1]! - ids[0]!;
  return Number.isInteger(ids[0]) && Number.isInteger(ids[ids.length - 1]) && ids.every(Number.isInteger) && span < 8 * ids.length + 1_000_000;
}

/**
 * The dense index of every row's id in `column` of `batch` (executor side). An id that is not in
 * `ids` is an error: the encoding was built from the same ratings, so that means a null id.
 */
export function encodeColumn(batch: Table, column: string, ids: IdList): Int32Array {
  const vector = batch.getChild(column);
  if (!vector) throw new SvdInputError(`svd: the ratings have no column '${column}' (columns: ${batch.schema.fields.map((f) => f.name).join(', ')})`);
  const lookup = lookupFor(ids);
  const out = new Int32Array(batch.numRows);
  const values = vector.nullCount === 0 && ArrayBuffer.isView(vector.data[0]?.values) && vector.data.length === 1 ? (vector.toArray() as ArrayLike<number | bigint>) : undefined;
  for (let i = 0; i < out.length; i++) {
    const id: unknown = values ? values[i] : vector.get(i);
    const index = id === null || id === undefined ? -1 : lookup(typeof id === 'number' || typeof id === 'bigint' || typeof id === 'string' ? id : String(id));
    if (index < 0) throw new SvdInputError(`svd: ${column} ${String(id)} in row ${i} of a batch has no dense index (null or unknown id); remove ratings with missing ids first`);
    out[i] = index;
  }
  return out;
}

/** The id at each dense index, as a column of the input's own kind (Int32, Float64, Int64, Utf8). */
export function decodeIds(encoding: IdEncoding, indices: ArrayLike<number>): Int32Array | Float64Array | BigInt64Array | string[] {
  const ids = encoding.ids;
  if (Array.isArray(ids)) return Array.from(indices, (i) => ids[i]!);
  if (ids instanceof BigInt64Array) return BigInt64Array.from(Array.from(indices, (i) => ids[i]!));
  return encoding.kind === 'int32' ? Int32Array.from(indices, (i) => ids[i]!) : Float64Array.from(indices, (i) => ids[i]!);
}

/** Like encodeColumn, but unknown or null ids give -1 instead of an error (for predictions). */
export function lookupColumn(batch: Table, column: string, ids: IdList): Int32Array {
  const vector = batch.getChild(column);
  if (!vector) throw new SvdInputError(`svd: the pairs have no column '${column}' (columns: ${batch.schema.fields.map((f) => f.name).join(', ')})`);
  const lookup = lookupFor(ids);
  const out = new Int32Array(batch.numRows);
  for (let i = 0; i < out.length; i++) {
    const id: unknown = vector.get(i);
    out[i] = id === null || id === undefined ? -1 : lookup(id);
  }
  return out;
}
