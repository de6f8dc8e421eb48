// Executor kernels of a trained model: scoring (user, item) pairs with a cold-start strategy, and
// top-K recommendation for the users (or items) of a partition with their rated items excluded.
// The model's factors and id mappings arrive as one broadcast (ModelData).

import { Table, makeVector } from 'apache-arrow';
import type { Vector } from 'apache-arrow';
import { libraryFunctions, filterRows } from '../../engine/extend.ts';
import type { Broadcast } from '../../engine/index.ts';
import { encodeColumn, idVector } from '../shared/id-encoding.ts';
import type { IdEncoding } from '../shared/id-encoding.ts';
import { AlsInputError } from './errors.ts';
import { tableOf } from './packed.ts';
import { topKBlockwise } from './topk-block.ts';

/** Everything needed to score on an executor. */
export interface ModelData {
  rank: number;
  width: number;
  biases: boolean;
  /** Added to every dot product (the centring mean; 0 without biases). */
  offset: number;
  /** The training ratings' global mean (cold-start fallback). */
  globalMean: number;
  userFactors: Float32Array;
  itemFactors: Float32Array;
  users: IdEncoding;
  items: IdEncoding;
}

/** Predicted rating of dense (u, i). */
export function score(m: ModelData, u: number, i: number): number {
  let s = m.offset;
  const uo = u * m.width;
  const io = i * m.width;
  for (let d = 0; d < m.width; d++) s += m.userFactors[uo + d] * m.itemFactors[io + d];
  return s;
}

/** Cold start 'fallback': global mean plus whichever biases are known (biases only exist with `biases: true`). */
export function fallbackScore(m: ModelData, u: number, i: number): number {
  let s = m.globalMean;
  if (m.biases && u >= 0) s += m.userFactors[u * m.width + m.rank];
  if (m.biases && i >= 0) s += m.itemFactors[i * m.width + m.rank + 1];
  return s;
}

function column(batch: Table, name: string): Vector {
  const v = batch.getChild(name);
  if (!v) throw new AlsInputError(`column '${name}' is missing from the pairs to score; columns are [${batch.schema.fields.map((f) => f.name).join(', ')}]`);
  return v;
}

/** Kernel: appends `prediction` (Float32) to each (user, item) row; see coldStart in model.ts. */
export function predictPairs(batch: Table, model: Broadcast<ModelData>, userCol: string, itemCol: string, coldStart: 'nan' | 'drop' | 'fallback', outCol: string): Table {
  const m = model.value;
  const n = batch.numRows;
  const u = encodeColumn(column(batch, userCol), m.users.ids, { column: userCol, job: 'ALS', nulls: 'error' });
  const i = encodeColumn(column(batch, itemCol), m.items.ids, { column: itemCol, job: 'ALS', nulls: 'error' });
  const pred = new Float32Array(n);
  const keep = new Uint8Array(n);
  for (let j = 0; j < n; j++) {
    if (u[j] >= 0 && i[j] >= 0) { pred[j] = score(m, u[j], i[j]); keep[j] = 1; }
    else if (coldStart === 'fallback') { pred[j] = fallbackScore(m, u[j], i[j]); keep[j] = 1; }
    else pred[j] = NaN;
  }
  const columns: Record<string, Vector> = {};
  for (const f of batch.schema.fields) columns[f.name] = batch.getChild(f.name)!;
  columns[outCol] = makeVector(pred);
  const out = new Table(columns);
  return coldStart === 'drop' ? filterRows(out, keep) : out;
}

/**
 * Kernel: rows (key, a, b) of one partition — a target row has b = −1, a rated pair (a, b) has
 * b ≥ 0 — → the top-k other-side rows for each target, rated ones excluded, blockwise with the SIMD
 * score kernel and a bounded heap per target (topk-block.ts: exact, ties to the smaller id).
 * Output columns: <targetCol>, <otherCol>, score (Float32), rank (Int32, 1 = best).
 */
export function recommendPartition(batch: Table, model: Broadcast<ModelData>, side: 'user' | 'item', k: number, targetCol: string, otherCol: string): Table {
  const m = model.value;
  const a = batch.numRows > 0 ? (batch.getChild('a')!.toArray() as Int32Array) : new Int32Array(0);
  const b = batch.numRows > 0 ? (batch.getChild('b')!.toArray() as Int32Array) : new Int32Array(0);
  const nOther = side === 'user' ? m.items.ids.length : m.users.ids.length;
  let nTargets = 0;
  for (let j = 0; j < a.length; j++) if (b[j] < 0) nTargets++;
  const targets = new Int32Array(nTargets);
  // rated pairs as one sorted key a·nOther + b (exact in Float64), then one range per target
  const keys = new Float64Array(a.length - nTargets);
  for (let j = 0, t = 0, r = 0; j < a.length; j++) {
    if (b[j] < 0) targets[t++] = a[j];
    else keys[r++] = a[j] * nOther + b[j];
  }
  targets.sort();
  keys.sort();
  const others = new Int32Array(keys.length);
  const start = new Int32Array(nTargets);
  const end = new Int32Array(nTargets);
  for (let p = 0, c = 0; p < nTargets; p++) {
    const lo = targets[p] * nOther;
    while (c < keys.length && keys[c] < lo) c++;
    let e = c;
    for (; e < keys.length && keys[e] < lo + nOther; e++) others[e] = keys[e] - lo;
    start[p] = c; end[p] = e;
  }
  const [own, other] = side === 'user' ? [m.userFactors, m.itemFactors] : [m.itemFactors, m.userFactors];
  const top = topKBlockwise({ targets, own, other, nOther, width: m.width, offset: m.offset, k, excluded: { others, start, end } });
  const [ownIds, otherIds] = side === 'user' ? [m.users, m.items] : [m.items, m.users];
  return tableOf({
    [targetCol]: idVector(ownIds, top.target),
    [otherCol]: idVector(otherIds, top.other),
    score: makeVector(Float32Array.from(top.score)),
    rank: makeVector(top.rank),
  });
}

/** Kernel: encodes a ratings batch to (key = target index, a = target index, b = other index). */
export function ratedPairs(batch: Table, model: Broadcast<ModelData>, side: 'user' | 'item', userCol: string, itemCol: string): Table {
  const m = model.value;
  const u = encodeColumn(column(batch, userCol), m.users.ids, { column: userCol, job: 'ALS', nulls: 'error' });
  const i = encodeColumn(column(batch, itemCol), m.items.ids, { column: itemCol, job: 'ALS', nulls: 'error' });
  const [a, b] = side === 'user' ? [u, i] : [i, u];
  const keep = new Uint8Array(a.length);
  for (let j = 0; j < a.length; j++) keep[j] = a[j] >= 0 && b[j] >= 0 ? 1 : 0;
  return filterRows(tableOf({ key: makeVector(a), a: makeVector(a), b: makeVector(b) }), keep);
}

export const modelKernels = libraryFunctions(import.meta.url, { predictPairs, recommendPartition, ratedPairs });
