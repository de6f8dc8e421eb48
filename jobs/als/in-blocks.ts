// Building a side's IN-BLOCKS once, from the ratings routed to each block (Spark's InBlock and
// OutBlock, merged): for block p of side X (other side Y) the arrays below, packed in the
// `inblock` Binary column of the row at the block's `self` slot. Other slots get an empty row, so
// the join of every later half-iteration pairs each incoming message with exactly one row.
//
// Worked example, X = users, block p = users [0, 2), Y = 3 items in blocks {0,1} and {2}:
//   ratings (u, i, r): (1, 2, 5) (0, 1, 3) (0, 2, 4) (1, 2, 1)      — (1, 2) twice: averaged → 3
//   sorted by (u, i):   u0: (1, 3) (2, 4)   u1: (2, 3)
//   needed items, in global order: 1, 2  → position pos(1) = 0, pos(2) = 1
//   rowPtr  = [0, 2, 3]        pos = [0, 1, 1]        r = [3, 4, 3]
//   msgStart = [0, 1, 2]       (item block 0 sends item 1 → position 0; block 1 sends item 2 → 1)
//   posIndex = [1, 2]          (the item at each position: the explicit first half draws their initial factors)
//   outPtr/outLocal: item block 0 needs users [0]; item block 1 needs users [0, 1]
//     → outPtr = [0, 1, 3], outLocal = [0, 0, 1]
// Every row's ratings are in increasing item index, so a user's normal equations are summed in
// the same order whatever the block counts are (the key to bit-identical factors).

import { Binary, Field, Int32, Schema, Table, makeData, makeVector } from 'apache-arrow';
import { libraryFunctions } from '../../engine/extend.ts';
import type { Broadcast } from '../../engine/index.ts';
import { AlsInputError } from './errors.ts';
import type { IdList, IdValue } from '../shared/id-encoding.ts';
import type { RatingColumns } from './ratings-kernels.ts';
import { blockEnd, blockOf, blockStart } from './layout.ts';
import type { AlsPlan } from './options.ts';
import { pack, tableOf } from './packed.ts';
// Loads the WebAssembly text compiler (wabt, ~50-100 ms once per thread) while the blocks are built,
// on the same task threads that solve, and compiles the solve kernels there (prepareRowKernels), so
// these one-time costs are part of preparation, not iteration 1.
import { prepareRowKernels } from './row-solvers.ts';
import { InternalError } from '../../engine/index.ts';

/** The arrays of one in-block (see the example above). */
export interface InBlock {
  rowPtr: Int32Array;
  pos: Int32Array;
  r: Float32Array;
  msgStart: Int32Array;
  outPtr: Int32Array;
  outLocal: Int32Array;
}

/** A built in-block: its arrays plus, per position, the other side's dense index it holds. */
export interface BuiltInBlock extends InBlock {
  posIndex: Int32Array;
}

export const IN_BLOCK_SCHEMA = new Schema([
  new Field('key', new Int32(), false),
  new Field('slot', new Int32(), false),
  new Field('inblock', new Binary(), false),
]);

/** Two ratings of one (dst, src) pair with `duplicates: 'error'`, in dense indices (buildInBlock names the ids). */
export class DuplicateRatingError extends AlsInputError {
  constructor(readonly dst: number, readonly src: number) {
    super(`duplicate rating for the dense index pair (${dst}, ${src}); remove duplicates or use duplicates: 'average'`);
  }
}

/** The sorted ids of both sides (IdEncoding.ids), to name a duplicate pair in the user's terms. */
export interface RatingIds { users: IdList; items: IdList }

/** A table with one Binary column from blobs. */
export function binaryVector(blobs: readonly Uint8Array[]): ReturnType<typeof makeVector> {
  const offsets = new Int32Array(blobs.length + 1);
  for (let i = 0; i < blobs.length; i++) offsets[i + 1] = offsets[i] + blobs[i].byteLength;
  const values = new Uint8Array(offsets[blobs.length]);
  for (let i = 0; i < blobs.length; i++) values.set(blobs[i], offsets[i]);
  return makeVector(makeData({ type: new Binary(), length: blobs.length, nullCount: 0, valueOffsets: offsets, data: values }));
}

/**
 * Sorts one block's ratings by (dst, src), ties in input order, and merges duplicates (averaged in
 * input order). Returns the in-block arrays for block `p` of the side with `nLocal` rows.
 *
 * Ratings usually arrive with each row's sources already increasing (files sorted by user then item
 * reach every block in that order), so one stable counting sort by dst, moving the values along,
 * orders them; otherwise two stable counting sorts (by src, then by dst) do. Same arrays either way.
 */
export function buildInBlockArrays(
  dst: Int32Array, src: Int32Array, r: Float32Array, start: number, nLocal: number,
  other: AlsPlan['item'], duplicates: 'average' | 'error',
): BuiltInBlock {
  const n = dst.length;
  const rowStart = new Int32Array(nLocal + 1);
  const lastSrc = new Int32Array(nLocal).fill(-1);
  let sorted = true;
  for (let j = 0; j < n; j++) {
    const u = dst[j] - start;
    rowStart[u + 1]++;
    if (src[j] < lastSrc[u]) sorted = false;
    lastSrc[u] = src[j];
  }
  for (let u = 0; u < nLocal; u++) rowStart[u + 1] += rowStart[u];
  const s1 = new Int32Array(n);
  const r1 = new Float32Array(n);
  if (sorted) {
    const next = rowStart.slice(0, nLocal);
    for (let j = 0; j < n; j++) {
      const p = next[dst[j] - start]++;
      s1[p] = src[j];
      r1[p] = r[j];
    }
  } else {
    const local = new Int32Array(n);
    for (let j = 0; j < n; j++) local[j] = dst[j] - start;
    const order = countingOrder(local, nLocal, countingOrder(src, other.n, null));
    for (let t = 0; t < n; t++) {
      const j = order[t];
      s1[t] = src[j];
      r1[t] = r[j];
    }
  }
  // merge duplicates (same dst and src, adjacent now); s1 is overwritten by the merged sources
  const rowPtr = new Int32Array(nLocal + 1);
  const srcOut = s1;
  const rOut = new Float32Array(n);
  let m = 0;
  for (let u = 0; u < nLocal; u++) {
    const end = rowStart[u + 1];
    for (let t = rowStart[u]; t < end; ) {
      const s = s1[t];
      let sum = r1[t];
      let count = 1;
      t++;
      while (t < end && s1[t] === s) {
        if (duplicates === 'error') throw new DuplicateRatingError(start + u, s);
        sum += r1[t];
        count++;
        t++;
      }
      srcOut[m] = s;
      rOut[m] = count === 1 ? sum : sum / count;
      m++;
    }
    rowPtr[u + 1] = m;
  }
  // positions of the needed other-side rows, in global order
  const nOther = other.n;
  const needed = new Uint8Array(nOther);
  for (let j = 0; j < m; j++) needed[srcOut[j]] = 1;
  const posOf = new Int32Array(nOther);
  const msgStart = new Int32Array(other.numBlocks + 1);
  let next = 0;
  for (let b = 0; b < other.numBlocks; b++) {
    msgStart[b] = next;
    for (let s = blockStart(other, b), e = blockEnd(other, b); s < e; s++) if (needed[s]) posOf[s] = next++;
  }
  msgStart[other.numBlocks] = next;
  const posIndex = new Int32Array(next);
  for (let s = 0, q = 0; s < nOther; s++) if (needed[s]) posIndex[q++] = s;
  const pos = new Int32Array(m);
  for (let j = 0; j < m; j++) pos[j] = posOf[srcOut[j]];
  // out-blocks: for each other block d, the local rows having a rating from d (increasing); a row's
  // sources increase, so the blocks they lie in do too
  const size = other.blockSize;
  const outPtr = new Int32Array(other.numBlocks + 1);
  for (let u = 0; u < nLocal; u++) {
    for (let j = rowPtr[u], e = rowPtr[u + 1], last = -1; j < e; j++) {
      const d = (srcOut[j] / size) | 0;
      if (d !== last) { last = d; outPtr[d + 1]++; }
    }
  }
  for (let d = 0; d < other.numBlocks; d++) outPtr[d + 1] += outPtr[d];
  const fill = outPtr.slice(0, other.numBlocks);
  const outLocal = new Int32Array(outPtr[other.numBlocks]);
  for (let u = 0; u < nLocal; u++) {
    for (let j = rowPtr[u], e = rowPtr[u + 1], last = -1; j < e; j++) {
      const d = (srcOut[j] / size) | 0;
      if (d !== last) { last = d; outLocal[fill[d]++] = u; }
    }
  }
  return { rowPtr, pos, r: rOut.slice(0, m), msgStart, outPtr, outLocal, posIndex };
}

/** Stable order of `values` (each in [0, range)) by counting sort; sorts `within` if given. */
function countingOrder(values: Int32Array, range: number, within: Int32Array | null): Int32Array {
  const n = values.length;
  const starts = new Int32Array(range + 1);
  for (let j = 0; j < n; j++) starts[values[j] + 1]++;
  for (let v = 0; v < range; v++) starts[v + 1] += starts[v];
  const out = new Int32Array(n);
  for (let t = 0; t < n; t++) {
    const j = within ? within[t] : t;
    out[starts[values[j]]++] = j;
  }
  return out;
}

/**
 * Kernel: one block's routed ratings (key, dst, src, r; a single batch) → the block's in-block rows.
 * `ids` (given with `duplicates: 'error'`) names a duplicate pair by the user's own ids.
 */
export function buildInBlock(batch: Table, plan: AlsPlan, side: 'user' | 'item', cols?: RatingColumns, ids?: Broadcast<RatingIds> | null): Table {
  if (batch.numRows === 0) return new Table(IN_BLOCK_SCHEMA);
  const own = side === 'user' ? plan.user : plan.item;
  const other = side === 'user' ? plan.item : plan.user;
  const slots = side === 'user' ? plan.userSlots : plan.itemSlots;
  const keys = side === 'user' ? plan.userKeys : plan.itemKeys;
  const dst = copyInt32(batch.getChild('dst')!.toArray() as Int32Array);
  const src = batch.getChild('src')!.toArray() as Int32Array;
  const r = batch.getChild('r')!.toArray() as Float32Array;
  const p = blockOf(own, dst[0]);
  const start = blockStart(own, p);
  const nLocal = blockEnd(own, p) - start;
  for (let j = 0; j < dst.length; j++) {
    if (dst[j] < start || dst[j] >= start + nLocal) throw new InternalError('ALS_ROUTING', `ALS in-block ${side} ${p}: rating for index ${dst[j]} outside [${start}, ${start + nLocal}) (routing bug)`);
  }
  let ib: BuiltInBlock;
  try {
    ib = buildInBlockArrays(dst, src, r, start, nLocal, other, plan.duplicates);
  } catch (error) {
    if (!(error instanceof DuplicateRatingError) || !ids || !cols) throw error;
    const [user, item] = side === 'user' ? [error.dst, error.src] : [error.src, error.dst];
    const show = (v: IdValue | undefined): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));
    throw new AlsInputError(
      `${cols.userCol} ${show(ids.value.users[user])} rated ${cols.itemCol} ${show(ids.value.items[item])} more than once, and duplicates: 'error' ` +
        `refuses duplicate pairs; remove them (e.g. keep the latest rating of each pair) or use duplicates: 'average' (the default)`,
    );
  }
  prepareRowKernels(plan);
  const keyCol = new Int32Array(slots.count);
  const slotCol = new Int32Array(slots.count);
  const blobs: Uint8Array[] = [];
  for (let s = 0; s < slots.count; s++) {
    keyCol[s] = keys[p * slots.count + s];
    slotCol[s] = s;
    blobs.push(s === slots.self ? pack([ib.rowPtr, ib.pos, ib.r, ib.msgStart, ib.outPtr, ib.outLocal, ib.posIndex]) : new Uint8Array(0));
  }
  return tableOf({ key: makeVector(keyCol), slot: makeVector(slotCol), inblock: binaryVector(blobs) });
}

function copyInt32(a: Int32Array): Int32Array {
  return a.slice();
}

export const inBlockKernels = libraryFunctions(import.meta.url, { buildInBlock });
