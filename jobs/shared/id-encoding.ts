// User and item ids of any integer, Int64, floating-point or string type → dense indices 0..n-1,
// and back; one module for every library job that factorizes a ratings matrix (ALS, SVD).
//
// The distinct ids come from a distributed `distinct()`; the driver sorts them (numbers and bigints
// ascending, strings by UTF-16 code units — the order numpy's np.unique gives) and numbers them, so
// an id's index depends only on the set of ids, never on partitioning or block counts. The sorted
// list is what travels to executors; each builds its lookup once per list: a direct table for
// integer ids in a compact range (one array read per rating), else a Map. Int64 ids stay bigints
// end to end, so ids beyond 2^53 keep their identity. Decoding writes the input column's own kind.
//
// Worked example: itemIds [50, 7, 50, 1000] → distinct sorted ids [7, 50, 1000]
//   → indices [1, 0, 1, 2]; decoding index 2 gives 1000 (Int32, as the input was).

import { Table, Type, Utf8, makeVector, vectorFromArray } from 'apache-arrow';
import type { Vector } from 'apache-arrow';
import { DataflowError } from '../../engine/index.ts';
import { groupIds, libraryFunctions, takeRows } from '../../engine/extend.ts';
import type { Dataset, Row } from '../../engine/index.ts';

/** The sorted distinct ids of one column: numbers (any int/float type), bigints (Int64) or strings. */
export type IdList = Float64Array | BigInt64Array | string[];

/** How decoded ids are written back: int32 covers Int8..Int32 and Uint8..Uint16; float64 any other number column. */
export type IdKind = 'int32' | 'float64' | 'int64' | 'utf8';

/** One id as JavaScript sees it. */
export type IdValue = number | bigint | string;

export interface IdEncoding {
  /** The column the ids come from, e.g. 'userId'. */
  column: string;
  /** Sorted distinct ids; an id's dense index is its position here. */
  ids: IdList;
  kind: IdKind;
}

/** An id column cannot be encoded: nulls, NaN, mixed or unsupported types. Names the job, the column and the value. */
export class IdEncodingError extends DataflowError {
  constructor(message: string) {
    super('INVALID_ID', message);
  }
}

/**
 * Distinct ids of `column`, sorted and numbered. `job` prefixes error messages ('ALS', 'svd');
 * `option` is the job's option that names the column, for the error when it is missing.
 *
 * @example
 *   const users = await encodeIds(ratings, 'userId', 'svd', 'userColumn');
 *   users.ids.length; // number of distinct users
 */
export async function encodeIds(ratings: Dataset<Row>, column: string, job: string, option = 'userCol/itemCol'): Promise<IdEncoding> {
  return (await encodeIdColumns(ratings, [{ column, option }], job))[0]!;
}

/**
 * The encodings of several id columns from one pass over the data and no shuffle: each partition
 * sends the distinct ids of every column (the engine's distinct grouping), the driver merges, sorts
 * and numbers them. At most partitions × distinct ids reach the driver.
 *
 * @example
 *   const [users, items] = await encodeIdColumns(ratings, [{ column: 'userId', option: 'userCol' }, { column: 'itemId', option: 'itemCol' }], 'ALS');
 */
export async function encodeIdColumns(ratings: Dataset<Row>, columns: ReadonlyArray<{ column: string; option: string }>, job: string): Promise<IdEncoding[]> {
  const pick = idKernels.distinctIdColumns;
  const names = columns.map((c) => c.column);
  const options = columns.map((c) => c.option);
  const table = await ratings.mapPartitionTables((t) => pick(t, names, job, options), { pick, names, job, options }).toTable();
  return names.map((column) => {
    const vector = table.numRows === 0 ? undefined : table.getChild(column);
    return vector ? encodingOf(vector, column, job) : { column, ids: new Float64Array(0), kind: 'float64' };
  });
}

/**
 * Kernel: the distinct values of each id column of a partition, side by side; a shorter column is
 * padded by repeating its first value (the driver removes duplicates anyway). A missing column is an
 * error naming the option to set; an empty partition (which may carry no columns) gives no columns.
 */
export function distinctIdColumns(table: Table, columns: readonly string[], job: string, options: readonly string[]): Table {
  if (table.numRows === 0) return new Table();
  const firsts = columns.map((column, c) => {
    if (!table.getChild(column)) {
      throw new IdEncodingError(`${job}: the ratings have no column '${column}' (columns: ${table.schema.fields.map((f) => f.name).join(', ')}); pass options.${options[c]}`);
    }
    return groupIds(table, [column]).firstRow;
  });
  const length = Math.max(...firsts.map((f) => f.length));
  const out: Record<string, Vector> = {};
  columns.forEach((column, c) => {
    const rows = new Int32Array(length).fill(firsts[c]![0]!);
    rows.set(firsts[c]!);
    out[column] = takeRows(table.select([column]), rows).getChild(column)!;
  });
  return new Table(out);
}

export const idKernels = libraryFunctions(import.meta.url, { distinctIdColumns });

/** The encoding of a column of distinct ids (e.g. a saved model's id column). */
export function encodingOf(vector: Vector, column: string, job: string): IdEncoding {
  if (vector.nullCount > 0) {
    throw new IdEncodingError(`${job}: column '${column}' has null ids; every rating needs a ${column} (filter the nulls out first)`);
  }
  const ids = sortedIds(vector, column, job);
  return { column, ids, kind: kindOf(vector, ids) };
}

function kindOf(vector: Vector, ids: IdList): IdKind {
  if (Array.isArray(ids)) return 'utf8';
  if (ids instanceof BigInt64Array) return 'int64';
  const type = vector.type as { typeId: Type; bitWidth?: number; isSigned?: boolean };
  const small = type.typeId === Type.Int && type.bitWidth !== undefined && (type.bitWidth < 32 || (type.bitWidth === 32 && type.isSigned === true));
  return small ? 'int32' : 'float64';
}

function sortedIds(vector: Vector, column: string, job: string): IdList {
  const first: unknown = vector.get(0);
  if (typeof first === 'string') {
    const ids: string[] = [];
    for (let i = 0; i < vector.length; i++) ids.push(vector.get(i) as string);
    return unique(ids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  }
  if (typeof first === 'bigint') {
    const ids = new BigInt64Array(vector.length);
    for (let i = 0; i < vector.length; i++) ids[i] = BigInt.asIntN(64, vector.get(i) as bigint);
    return unique(ids.sort());
  }
  if (typeof first === 'number') {
    const ids = new Float64Array(vector.length);
    for (let i = 0; i < vector.length; i++) {
      const v = vector.get(i) as number;
      if (!Number.isFinite(v)) throw new IdEncodingError(`${job}: column '${column}' has a non-finite id ${v}; ids must be finite numbers, bigints or strings`);
      ids[i] = v === 0 ? 0 : v; // -0 is the id 0
    }
    return unique(ids.sort());
  }
  throw new IdEncodingError(`${job}: column '${column}' holds ${typeof first} values; ids must be integers, numbers, bigints or strings`);
}

/** A sorted list without its repeated values (numbers compare by value: -0 is 0). */
function unique<L extends IdList>(sorted: L): L {
  let m = 0;
  for (let i = 0; i < sorted.length; i++) if (m === 0 || sorted[i] !== sorted[m - 1]) sorted[m++] = sorted[i]!;
  return (Array.isArray(sorted) ? sorted.slice(0, m) : sorted.slice(0, m)) as L;
}

// ---- executor side: ids → dense indices --------------------------------------------------------

type Lookup = { kind: 'dense'; min: number; index: Int32Array } | { kind: 'map'; map: Map<IdValue, number> };
const lookups = new WeakMap<object, Lookup>();

function lookupFor(ids: IdList): Lookup {
  const cached = lookups.get(ids);
  if (cached) return cached;
  let lookup: Lookup;
  if (ids instanceof Float64Array && ids.length > 0 && denseRange(ids)) {
    const min = ids[0]!;
    const index = new Int32Array(ids[ids.length - 1]! - min + 1).fill(-1);
    for (let i = 0; i < ids.length; i++) index[ids[i]! - min] = i;
    lookup = { kind: 'dense', min, index };
  } else {
    const map = new Map<IdValue, number>();
    ids.forEach((id: IdValue, i: number) => map.set(id, i));
    lookup = { kind: 'map', map };
  }
  lookups.set(ids, lookup);
  return lookup;
}

/** Integer ids spanning at most about 4 slots per id (plus a million): a direct table is small. */
function denseRange(ids: Float64Array): boolean {
  const span = ids[ids.length - 1]! - ids[0]!;
  return ids.every(Number.isInteger) && span <= 4 * ids.length + 1_000_000;
}

/** The dense index of one id, or −1 (numbers match Int64 ids by value, and bigints number ids). */
export function indexOfId(ids: IdList, id: unknown): number {
  const lookup = lookupFor(ids);
  const key = normalize(id, ids);
  if (key === undefined) return -1;
  if (lookup.kind === 'dense') {
    const k = (key as number) - lookup.min;
    return typeof key === 'number' && Number.isInteger(k) && k >= 0 && k < lookup.index.length ? lookup.index[k]! : -1;
  }
  return lookup.map.get(key) ?? -1;
}

/** An id in the form the list holds (bigint for Int64 lists, number otherwise), or undefined for none. */
function normalize(id: unknown, ids: IdList): IdValue | undefined {
  if (ids instanceof BigInt64Array) {
    if (typeof id === 'bigint') return BigInt.asIntN(64, id);
    return typeof id === 'number' && Number.isSafeInteger(id) ? BigInt(id) : undefined;
  }
  if (typeof id === 'bigint') return Number.isSafeInteger(Number(id)) ? Number(id) : undefined;
  return typeof id === 'number' || typeof id === 'string' ? id : undefined;
}

/**
 * The dense index of every row of an id column (executor side). An id not in `ids` gives −1; a null
 * id is an IdEncodingError when `nulls` is 'error' (training), else −1 (scoring new pairs).
 *
 * @example
 *   encodeColumn(batch.getChild('userId')!, users.ids, { column: 'userId', job: 'ALS', nulls: 'error' }); // Int32Array
 */
export function encodeColumn(vector: Vector, ids: IdList, where: { column: string; job: string; nulls: 'error' | 'missing' }): Int32Array {
  const n = vector.length;
  const out = new Int32Array(n);
  const lookup = lookupFor(ids);
  const typeId = vector.type.typeId;
  if (lookup.kind === 'dense' && (typeId === Type.Int || typeId === Type.Float) && vector.nullCount === 0 && vector.data.length === 1) {
    // compact integer ids, one chunk, no nulls: one array read per row
    const values = vector.toArray() as ArrayLike<number | bigint>;
    const { min, index } = lookup;
    for (let i = 0; i < n; i++) {
      const k = Number(values[i]) - min;
      out[i] = k >= 0 && k < index.length && Number.isInteger(k) ? index[k]! : -1;
    }
    return out;
  }
  for (let i = 0; i < n; i++) {
    const id: unknown = vector.get(i);
    if (id === null || id === undefined) {
      if (where.nulls === 'error') {
        throw new IdEncodingError(`${where.job}: column '${where.column}' has a null id in row ${i} of a batch; drop or fill rows with missing ids first`);
      }
      out[i] = -1;
    } else {
      out[i] = indexOfId(ids, id);
    }
  }
  return out;
}

// ---- driver or executor: dense indices → ids ----------------------------------------------------

/** The id at each dense index, in the input column's own kind (Int32, Float64, Int64, Utf8). */
export function decodeIds(encoding: IdEncoding, indices: ArrayLike<number>): Int32Array | Float64Array | BigInt64Array | string[] {
  const ids = encoding.ids;
  if (Array.isArray(ids)) return Array.from(indices, (i) => ids[i]!);
  if (ids instanceof BigInt64Array) return BigInt64Array.from(Array.from(indices, (i) => ids[i]!));
  return encoding.kind === 'int32' ? Int32Array.from(indices, (i) => ids[i]!) : Float64Array.from(indices, (i) => ids[i]!);
}

/** decodeIds as an Arrow vector (Utf8 for string ids). */
export function idVector(encoding: IdEncoding, indices: ArrayLike<number>): Vector {
  const decoded = decodeIds(encoding, indices);
  return Array.isArray(decoded) ? vectorFromArray(decoded, new Utf8()) : makeVector(decoded);
}
