// Executor-side kernels over batches of raw ratings: validation with the global sum (one pass),
// and id encoding + routing of every rating to the block that owns it on one side.

import { Table, makeVector } from 'apache-arrow';
import type { Vector } from 'apache-arrow';
import { libraryFunctions } from '../../engine/extend.ts';
import type { Broadcast } from '../../engine/index.ts';
import { AlsInputError } from './errors.ts';
import { encodeColumn } from '../shared/id-encoding.ts';
import type { IdList } from '../shared/id-encoding.ts';
import { blockOf } from './layout.ts';
import type { AlsPlan } from './options.ts';
import { tableOf } from './packed.ts';

export interface RatingColumns { userCol: string; itemCol: string; ratingCol: string }

function column(batch: Table, name: string, role: string): Vector {
  const v = batch.getChild(name);
  if (!v) {
    throw new AlsInputError(`the ratings have no ${role} column '${name}'; columns are [${batch.schema.fields.map((f) => f.name).join(', ')}]. Pass the ${role}Col option`);
  }
  return v;
}

/** "userId 12, itemId 31": row i's ids in the user's own terms, for error messages. */
function describeRow(batch: Table, cols: RatingColumns, i: number): string {
  const id = (name: string): string => {
    const value: unknown = batch.getChild(name)?.get(i);
    return typeof value === 'string' ? JSON.stringify(value) : String(value);
  };
  return `${cols.userCol} ${id(cols.userCol)}, ${cols.itemCol} ${id(cols.itemCol)}`;
}

/**
 * The rating column as Float64, rejecting null, NaN and ±∞. Negative ratings are accepted: explicit
 * ALS fits them by least squares like any other value (as Spark does; centred or ±1 ratings are
 * negative), and implicit feedback reads them as "no preference" with confidence 1 + α·|r|.
 */
export function ratingValues(batch: Table, cols: RatingColumns): Float64Array {
  const v = column(batch, cols.ratingCol, 'rating');
  const n = v.length;
  const out = new Float64Array(n);
  const raw = v.nullCount === 0 && v.data.length === 1 ? (v.toArray() as ArrayLike<number | bigint>) : undefined;
  for (let i = 0; i < n; i++) {
    const x = raw ? Number(raw[i]) : v.get(i) === null ? NaN : Number(v.get(i));
    if (!Number.isFinite(x)) {
      throw new AlsInputError(
        `the rating of ${describeRow(batch, cols, i)} is ${v.get(i) === null ? 'null' : String(x)} (column '${cols.ratingCol}'); ALS needs finite ratings: ` +
          `drop or fill such rows first, e.g. ratings.filter((r) => Number.isFinite(r.${cols.ratingCol}))`,
      );
    }
    out[i] = x;
  }
  return out;
}

/** One row {n, sum} per batch after validating ratings and ids (nulls, NaN); an empty batch counts 0 whatever its columns. */
export function checkRatings(batch: Table, cols: RatingColumns): Table {
  if (batch.numRows === 0) return new Table({ n: makeVector(Float64Array.of(0)), sum: makeVector(Float64Array.of(0)) });
  const r = ratingValues(batch, cols);
  for (const [name, role] of [[cols.userCol, 'user'], [cols.itemCol, 'item']] as const) {
    const ids = column(batch, name, role);
    if (ids.nullCount > 0) throw new AlsInputError(`column '${name}' has ${ids.nullCount} null ${role} ids in a batch; drop or fill rows with missing ids before training`);
  }
  let sum = 0;
  for (let i = 0; i < r.length; i++) sum += r[i];
  return new Table({ n: makeVector(Float64Array.of(r.length)), sum: makeVector(Float64Array.of(sum)) });
}

/** The user, item and rating columns of a batch (what training reads, kept by its cache); an empty batch passes as it is. */
export function ratingColumns(batch: Table, cols: RatingColumns): Table {
  if (batch.numRows === 0) return batch;
  return new Table({
    [cols.userCol]: column(batch, cols.userCol, 'user'), [cols.itemCol]: column(batch, cols.itemCol, 'item'), [cols.ratingCol]: column(batch, cols.ratingCol, 'rating'),
  });
}

/**
 * Encodes ids and routes each rating to its block on `side`: columns key (route key of the
 * block's partition), dst (dense index on `side`), src (dense index on the other side), r.
 */
export function encodeAndRoute(
  batch: Table, users: Broadcast<IdList>, items: Broadcast<IdList>, cols: RatingColumns, plan: AlsPlan, side: 'user' | 'item',
): Table {
  const u = encodeColumn(column(batch, cols.userCol, 'user'), users.value, { column: cols.userCol, job: 'ALS', nulls: 'error' });
  const i = encodeColumn(column(batch, cols.itemCol, 'item'), items.value, { column: cols.itemCol, job: 'ALS', nulls: 'error' });
  const r64 = ratingValues(batch, cols);
  const n = batch.numRows;
  const [dst, src] = side === 'user' ? [u, i] : [i, u];
  const layout = side === 'user' ? plan.user : plan.item;
  const keys = side === 'user' ? plan.userKeys : plan.itemKeys;
  const slots = side === 'user' ? plan.userSlots.count : plan.itemSlots.count;
  const key = new Int32Array(n);
  const r = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    if (dst[j] < 0 || src[j] < 0) throw new AlsInputError(`an id of row ${j} was not found in the id encoding (the ratings changed between jobs?)`);
    key[j] = keys[blockOf(layout, dst[j]) * slots];
    r[j] = r64[j];
  }
  return tableOf({ key: makeVector(key), dst: makeVector(dst), src: makeVector(src), r: makeVector(r) });
}

export const ratingKernels = libraryFunctions(import.meta.url, { ratingColumns, checkRatings, encodeAndRoute });
