// Executor-side kernels over batches of raw ratings: validation with the global sum (one pass),
// and id encoding + routing of every rating to the block that owns it on one side.

import { Table, makeVector } from 'apache-arrow';
import type { Vector } from 'apache-arrow';
import { libraryFunctions } from '../../engine/extend.ts';
import type { Broadcast } from '../../engine/index.ts';
import { AlsInputError } from './errors.ts';
import { encodeColumn } from './id-encoding.ts';
import type { IdLookup } from './id-encoding.ts';
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

/** The rating column as Float64, rejecting null, NaN and ±∞ (and negatives for explicit feedback). */
export function ratingValues(batch: Table, cols: RatingColumns, implicit: boolean): Float64Array {
  const v = column(batch, cols.ratingCol, 'rating');
  const n = v.length;
  const out = new Float64Array(n);
  const raw = v.nullCount === 0 && v.data.length === 1 ? (v.toArray() as ArrayLike<number | bigint>) : undefined;
  for (let i = 0; i < n; i++) {
    const x = raw ? Number(raw[i]) : v.get(i) === null ? NaN : Number(v.get(i));
    if (!Number.isFinite(x)) {
      throw new AlsInputError(`column '${cols.ratingCol}' holds ${v.get(i) === null ? 'a null' : String(x)} rating (row ${i} of a batch); ALS needs finite ratings: drop or fill such rows first`);
    }
    if (!implicit && x < 0) {
      throw new AlsInputError(`column '${cols.ratingCol}' holds the negative rating ${x} with explicit feedback; explicit ALS expects ratings ≥ 0 (shift them, or use implicitPrefs: true where negative values mean "no preference")`);
    }
    out[i] = x;
  }
  return out;
}

/** One row {n, sum} per batch after validating ratings and ids (nulls, NaN). */
export function checkRatings(batch: Table, cols: RatingColumns, implicit: boolean): Table {
  const r = ratingValues(batch, cols, implicit);
  for (const [name, role] of [[cols.userCol, 'user'], [cols.itemCol, 'item']] as const) {
    const ids = column(batch, name, role);
    if (ids.nullCount > 0) throw new AlsInputError(`column '${name}' has ${ids.nullCount} null ${role} ids in a batch; drop or fill rows with missing ids before training`);
  }
  let sum = 0;
  for (let i = 0; i < r.length; i++) sum += r[i];
  return new Table({ n: makeVector(Float64Array.of(r.length)), sum: makeVector(Float64Array.of(sum)) });
}

/**
 * Encodes ids and routes each rating to its block on `side`: columns key (route key of the
 * block's partition), dst (dense index on `side`), src (dense index on the other side), r.
 */
export function encodeAndRoute(
  batch: Table, users: Broadcast<IdLookup>, items: Broadcast<IdLookup>, cols: RatingColumns, plan: AlsPlan, side: 'user' | 'item',
): Table {
  const u = encodeColumn(column(batch, cols.userCol, 'user'), users.value, cols.userCol);
  const i = encodeColumn(column(batch, cols.itemCol, 'item'), items.value, cols.itemCol);
  const r64 = ratingValues(batch, cols, plan.implicit);
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

export const ratingKernels = libraryFunctions(import.meta.url, { checkRatings, encodeAndRoute });
