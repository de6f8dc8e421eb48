// Executor-side kernels that read the factorization without ever forming U·Σ·Vᵀ: the predicted
// rating of given (user, item) pairs, and each user's top-K items (a bounded heap per user).
// Prediction = Σ_c U[u][c] · σ_c · V[i][c] + the centering offset (global mean or user mean).

import { Table, makeVector } from 'apache-arrow';
import { libraryFunctions, columnData } from '../../engine/extend.ts';
import { encodeColumn, idVector } from '../shared/id-encoding.ts';
import type { IdEncoding } from '../shared/id-encoding.ts';
import { SvdInputError } from './errors.ts';
import { csrRows } from './row-kernels.ts';
import type { Centering } from './row-kernels.ts';

/** What predictions need on every executor (shipped once, as a broadcast). */
export interface FactorSpec {
  k: number;
  users: IdEncoding;
  items: IdEncoding;
  /** Offset added back per user index (user centering), or a constant (global), or 0. */
  userOffsets: Float64Array | null;
  globalOffset: number;
}

export interface PairSpec extends FactorSpec {
  /** Which side the joined 'vector' column belongs to; the other side's factors are `narrow`. */
  wideIsUsers: boolean;
  /** Narrow side's vectors times σ, n × k row-major, by dense index. */
  narrowScaled: Float64Array;
}

/** Dense indices of an id column of the pairs to score; unknown or null ids give −1. */
function pairIndices(batch: Table, encoding: IdEncoding): Int32Array {
  const vector = batch.getChild(encoding.column);
  if (!vector) throw new SvdInputError(`svd: the pairs have no column '${encoding.column}' (columns: ${batch.schema.fields.map((f) => f.name).join(', ')})`);
  return encodeColumn(vector, encoding.ids, { column: encoding.column, job: 'svd', nulls: 'missing' });
}

function offsetOf(spec: FactorSpec, user: number): number {
  return spec.userOffsets ? (user >= 0 ? spec.userOffsets[user]! : Number.NaN) : spec.globalOffset;
}

/**
 * Pairs joined (left) with the wide side's vectors → { user, item, prediction }. An id the
 * factorization has never seen gives NaN (Spark's coldStartStrategy 'nan').
 */
export function predictPairs(batch: Table, spec: PairSpec): Table {
  const userIdx = pairIndices(batch, spec.users);
  const itemIdx = pairIndices(batch, spec.items);
  const vectors = batch.getChild('vector');
  const list = batch.numRows > 0 && vectors ? columnData(batch, 'vector') : undefined;
  const offsets = list?.valueOffsets as Int32Array | undefined;
  const child = list?.children[0];
  const flat = child ? (child.values as Float64Array).subarray(child.offset) : new Float64Array(0);
  const k = spec.k;
  const out = new Float64Array(batch.numRows);
  for (let i = 0; i < out.length; i++) {
    const narrow = spec.wideIsUsers ? itemIdx[i]! : userIdx[i]!;
    if (narrow < 0 || !vectors?.isValid(i) || !offsets || userIdx[i]! < 0 || itemIdx[i]! < 0) {
      out[i] = Number.NaN;
      continue;
    }
    const at = offsets[list!.offset + i]!;
    let sum = 0;
    for (let c = 0; c < k; c++) sum += flat[at + c]! * spec.narrowScaled[narrow * k + c]!;
    out[i] = sum + offsetOf(spec, userIdx[i]!);
  }
  return new Table({
    [spec.users.column]: idVector(spec.users, userIdx),
    [spec.items.column]: idVector(spec.items, itemIdx),
    prediction: makeVector(out),
  });
}

export interface TopKSpec extends FactorSpec {
  /** V, items × k row-major by item index. */
  itemFactors: Float64Array;
  /** U·Σ, users × k by user index; null when users are the rows here (then folded in: a_uᵀ V). */
  userScaled: Float64Array | null;
  centering: Centering;
  count: number;
  excludeRated: boolean;
  /** Only these user indices (sorted), or all users of the partition when null. */
  only: Int32Array | null;
}

/**
 * Over a by-user sparse-rows partition: each user's `count` best items by predicted rating,
 * as rows { user, rank (1-based), item, prediction }; ties go to the lower item index.
 */
export function topKForRows(table: Table, spec: TopKSpec): Table {
  const { rowIds, starts, cols, values } = csrRows(table, spec.centering);
  const k = spec.k;
  const nItems = spec.itemFactors.length / k;
  const p = new Float64Array(k);
  const scores = new Float64Array(nItems);
  const outUser: number[] = [];
  const outRank: number[] = [];
  const outItem: number[] = [];
  const outScore: number[] = [];
  const heapItem = new Int32Array(spec.count);
  const heapScore = new Float64Array(spec.count);
  for (let r = 0; r < rowIds.length; r++) {
    const user = rowIds[r]!;
    if (spec.only && !binaryHas(spec.only, user)) continue;
    if (spec.userScaled) {
      for (let c = 0; c < k; c++) p[c] = spec.userScaled[user * k + c]!;
    } else {
      p.fill(0);
      for (let q = starts[r]!; q < starts[r + 1]!; q++) {
        const v = values[q]!;
        const base = cols[q]! * k;
        for (let c = 0; c < k; c++) p[c] += v * spec.itemFactors[base + c]!;
      }
    }
    const offset = offsetOf(spec, user);
    for (let i = 0; i < nItems; i++) {
      let s = offset;
      const base = i * k;
      for (let c = 0; c < k; c++) s += p[c]! * spec.itemFactors[base + c]!;
      scores[i] = s;
    }
    if (spec.excludeRated) for (let q = starts[r]!; q < starts[r + 1]!; q++) scores[cols[q]!] = Number.NEGATIVE_INFINITY;
    // Bounded min-heap of the best `count` (score desc, item asc).
    let size = 0;
    for (let i = 0; i < nItems; i++) {
      const s = scores[i]!;
      if (s === Number.NEGATIVE_INFINITY) continue;
      if (size < spec.count) {
        heapItem[size] = i;
        heapScore[size] = s;
        siftUp(heapItem, heapScore, size++);
      } else if (better(s, i, heapScore[0]!, heapItem[0]!)) {
        heapItem[0] = i;
        heapScore[0] = s;
        siftDown(heapItem, heapScore, size);
      }
    }
    const order = Array.from({ length: size }, (_, j) => j).sort((a, b) => (better(heapScore[a]!, heapItem[a]!, heapScore[b]!, heapItem[b]!) ? -1 : 1));
    order.forEach((j, rank) => {
      outUser.push(user);
      outRank.push(rank + 1);
      outItem.push(heapItem[j]!);
      outScore.push(heapScore[j]!);
    });
  }
  return new Table({
    [spec.users.column]: idVector(spec.users, outUser),
    rank: makeVector(Int32Array.from(outRank)),
    [spec.items.column]: idVector(spec.items, outItem),
    prediction: makeVector(Float64Array.from(outScore)),
  });
}

function better(s1: number, i1: number, s2: number, i2: number): boolean {
  return s1 > s2 || (s1 === s2 && i1 < i2);
}

/** Min-heap on "worse first": the root is the worst of the kept items. */
function siftUp(items: Int32Array, scores: Float64Array, at: number): void {
  while (at > 0) {
    const parent = (at - 1) >> 1;
    if (!better(scores[parent]!, items[parent]!, scores[at]!, items[at]!)) break;
    swap(items, scores, at, parent);
    at = parent;
  }
}

function siftDown(items: Int32Array, scores: Float64Array, size: number): void {
  let at = 0;
  for (;;) {
    const l = 2 * at + 1;
    const r = l + 1;
    let worst = at;
    if (l < size && better(scores[worst]!, items[worst]!, scores[l]!, items[l]!)) worst = l;
    if (r < size && better(scores[worst]!, items[worst]!, scores[r]!, items[r]!)) worst = r;
    if (worst === at) return;
    swap(items, scores, at, worst);
    at = worst;
  }
}

function swap(items: Int32Array, scores: Float64Array, a: number, b: number): void {
  const i = items[a]!;
  items[a] = items[b]!;
  items[b] = i;
  const s = scores[a]!;
  scores[a] = scores[b]!;
  scores[b] = s;
}

function binaryHas(sorted: Int32Array, value: number): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] === value) return true;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

export const predictKernels = libraryFunctions(import.meta.url, { predictPairs, topKForRows });

