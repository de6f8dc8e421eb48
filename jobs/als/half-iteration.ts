// The executor kernel of one half-iteration, run on partition p of a side's join (= block p):
// the block's in-block row joined with everything sent to it. It solves the block and emits what
// the OTHER side's blocks need next, keyed by their route keys (see layout.ts for the slots):
//
//   in  (slot)                               out (to the other side, Y)
//   messages from Y blocks  (0..nY−1)  ──▶   solve ──▶ message to Y block d: own rows d needs
//   own previous factors    (self)           (seed for CG)      own factors, carried via Y partition p mod nY
//   Y factors carried here  (carry)    ──────────────────────▶ passed on to Y block c's self slot
//   partial YᵀY per Y leaf  (gram)     ──▶  summed in leaf order (implicit); own leaves' partial
//                                                                 YᵀY sent to every Y partition
// mode 'init' (the first item half) skips the solve and sends seeded initial factors instead.
// mode 'first' (explicit's first user half, which then needs no 'init' stage before it) receives no
// messages: it draws the initial factors of the items it needs itself (the in-block's posIndex),
// the same values 'init' would have sent.
// With `measure`, the solve's training loss goes to the task's sums (TRAIN_LOSS_SUMS, train-loss.ts).

import { Table, makeVector } from 'apache-arrow';
import type { Data } from 'apache-arrow';
import { addToTaskSum, libraryFunctions, columnData, isValidAt } from '../../engine/extend.ts';
import { AlsNumericError } from './errors.ts';
import { binaryVector } from './in-blocks.ts';
import type { InBlock } from './in-blocks.ts';
import { initialFactors, initialFactorsAt } from './init-factors.ts';
import { blockEnd, blockStart } from './layout.ts';
import type { AlsPlan } from './options.ts';
import { tableOf, unpack } from './packed.ts';
import { packedSize } from './cholesky.ts';
import { partialGram, solveRows } from './row-solvers.ts';
import { emptyTrainLoss } from './train-loss.ts';
import { InternalError } from '../../engine/index.ts';

/** What a row of a half-iteration's output carries (column `kind`). */
export const KIND = { message: 0, userFactors: 1, itemFactors: 2, gram: 3 } as const;

function bytesAt(data: Data, i: number): Uint8Array {
  const offsets = data.valueOffsets as Int32Array;
  const values = data.values as Uint8Array;
  return values.subarray(offsets[i], offsets[i + 1]);
}

/** Float32 view of a blob (copied when misaligned). */
export function asFloat32(bytes: Uint8Array): Float32Array {
  if (bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  return new Float32Array(bytes.slice().buffer);
}

export function asFloat64(bytes: Uint8Array): Float64Array {
  if (bytes.byteOffset % 8 === 0) return new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
  return new Float64Array(bytes.slice().buffer);
}

function bytesOf(a: Float32Array | Float64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** The task sums a measured half-iteration adds to (addToTaskSum): its rows' loss terms. */
export const TRAIN_LOSS_SUMS = {
  user: { squaredError: 'als.user.squaredError', penalty: 'als.user.penalty', ratings: 'als.user.ratings' },
  item: { squaredError: 'als.item.squaredError', penalty: 'als.item.penalty', ratings: 'als.item.ratings' },
} as const;

/**
 * Kernel: one block's joined rows (key, slot, inblock[, kind, block, factors]) → output rows
 * (key, kind, block, factors) for the other side.
 */
export function halfIteration(batch: Table, plan: AlsPlan, side: 'user' | 'item', mode: 'init' | 'first' | 'solve', measure = false): Table {
  const other = side === 'user' ? 'item' : 'user';
  const own = plan[side];
  const oth = plan[other];
  const ownSlots = side === 'user' ? plan.userSlots : plan.itemSlots;
  const othSlots = side === 'user' ? plan.itemSlots : plan.userSlots;
  const ownKeys = side === 'user' ? plan.userKeys : plan.itemKeys;
  const othKeys = side === 'user' ? plan.itemKeys : plan.userKeys;
  const ownKind = side === 'user' ? KIND.userFactors : KIND.itemFactors;
  const n = batch.numRows;
  const outKey: number[] = [];
  const outKind: number[] = [];
  const outBlock: number[] = [];
  const outBlobs: Uint8Array[] = [];
  const emit = (key: number, kind: number, block: number, blob: Uint8Array): void => {
    outKey.push(key); outKind.push(kind); outBlock.push(block); outBlobs.push(blob);
  };
  if (n === 0) return outputTable(outKey, outKind, outBlock, outBlobs);

  const slot = batch.getChild('slot')!.toArray() as Int32Array;
  const keyCol = batch.getChild('key')!.toArray() as Int32Array;
  const inblock = columnData(batch, 'inblock');
  const hasRight = batch.schema.fields.some((f) => f.name === 'factors');
  const factors = hasRight ? columnData(batch, 'factors') : undefined;
  const blockCol = hasRight ? (batch.getChild('block')!.toArray() as Int32Array) : undefined;
  const kindCol = hasRight ? (batch.getChild('kind')!.toArray() as Int32Array) : undefined;
  const present = (i: number): boolean => factors !== undefined && isValidAt(factors, i);

  let selfRow = -1;
  for (let i = 0; i < n; i++) if (slot[i] === ownSlots.self) selfRow = i;
  if (selfRow < 0) throw new InternalError('ALS_BLOCK_MESSAGE', `ALS ${side} half-iteration: partition without its in-block row (keys ${Array.from(keyCol).join(',')})`);
  const p = Math.floor(ownKeys.indexOf(keyCol[selfRow]) / ownSlots.count);
  const [rowPtr, pos, r, msgStart, outPtr, outLocal, posIndex] = unpack(bytesAt(inblock, selfRow)) as [Int32Array, Int32Array, Float32Array, Int32Array, Int32Array, Int32Array, Int32Array];
  const ib: InBlock = { rowPtr, pos, r, msgStart, outPtr, outLocal };
  const start = blockStart(own, p);
  const nLocal = blockEnd(own, p) - start;
  const width = plan.width;

  let next: Float32Array;
  if (mode === 'init') {
    next = new Float32Array(nLocal * width);
    initialFactors(plan, side, start, nLocal, next);
  } else {
    const ys = new Float32Array(msgStart[oth.numBlocks] * width);
    if (mode === 'first') initialFactorsAt(plan, other, posIndex, ys);
    const arrived = new Uint8Array(oth.numBlocks);
    let prev: Float32Array | null = null;
    const leaves: Array<Float64Array | undefined> = new Array(oth.numLeaves);
    for (let i = 0; i < n; i++) {
      const s = slot[i];
      if (!present(i)) continue;
      const blob = bytesAt(factors!, i);
      if (s < oth.numBlocks) {
        const expected = (msgStart[s + 1] - msgStart[s]) * width;
        const f = asFloat32(blob);
        if (f.length !== expected) throw new InternalError('ALS_BLOCK_MESSAGE', `ALS ${side} block ${p}: message from ${other} block ${s} has ${f.length} floats, expected ${expected}`);
        ys.set(f, msgStart[s] * width);
        arrived[s] = 1;
      } else if (s === ownSlots.self) {
        prev = asFloat32(blob);
      } else if (s >= ownSlots.gramBase) {
        leaves[s - ownSlots.gramBase] = asFloat64(blob);
      } else {
        // a factor block of the other side, carried through this partition: pass it on
        const c = blockCol![i];
        emit(othKeys[c * othSlots.count + othSlots.self], kindCol![i], c, blob.slice());
      }
    }
    for (let s = 0; s < oth.numBlocks && mode === 'solve'; s++) {
      if (!arrived[s] && msgStart[s + 1] > msgStart[s]) throw new InternalError('ALS_BLOCK_MESSAGE', `ALS ${side} block ${p}: the message from ${other} block ${s} is missing`);
    }
    // only CG reads the previous factors (its warm start); the first user half has none yet
    const warmStart = plan.implicit && !plan.cholesky && !plan.nonnegative;
    if (prev === null && !warmStart) prev = new Float32Array(0);
    if (prev === null) {
      prev = new Float32Array(nLocal * width);
      initialFactors(plan, side, start, nLocal, prev);
    }
    let gram: Float64Array | null = null;
    if (plan.implicit) {
      gram = new Float64Array(packedSize(plan.rank));
      for (let l = 0; l < oth.numLeaves; l++) {
        const part = leaves[l];
        if (!part) throw new AlsNumericError(`ALS ${side} block ${p}: partial YᵀY of ${other} leaf ${l} is missing`);
        for (let t = 0; t < gram.length; t++) gram[t] += part[t];
      }
    }
    // the item half's error is that of the iteration's final factors; the user half adds its penalty
    const loss = measure ? emptyTrainLoss(side === 'item') : undefined;
    next = solveRows(plan, side, start, ib, ys, prev, gram, 'wasm', loss);
    if (loss) for (const term of ['squaredError', 'penalty', 'ratings'] as const) addToTaskSum(TRAIN_LOSS_SUMS[side][term], loss[term]);
  }

  // messages: to each other-side block d, the rows of this block that d's ratings refer to
  for (let d = 0; d < oth.numBlocks; d++) {
    const from = outPtr[d];
    const to = outPtr[d + 1];
    const msg = new Float32Array((to - from) * width);
    for (let t = from, at = 0; t < to; t++) {
      const o = outLocal[t] * width;
      for (let q = 0; q < width; q++) msg[at++] = next[o + q];
    }
    emit(othKeys[d * othSlots.count + p], KIND.message, p, bytesOf(msg));
  }
  // own factors ride through the other side back to this block's self slot
  const via = p % oth.numBlocks;
  emit(othKeys[via * othSlots.count + othSlots.carryBase + Math.floor(p / oth.numBlocks)], ownKind, p, bytesOf(next));
  // implicit: this block's leaves' partial Gram matrices, to every other-side partition
  if (plan.implicit) {
    const firstLeaf = Math.floor(start / own.leafSize);
    const lastLeaf = Math.ceil((start + nLocal) / own.leafSize);
    for (let l = firstLeaf; l < lastLeaf; l++) {
      const from = l * own.leafSize - start;
      const to = Math.min(nLocal, (l + 1) * own.leafSize - start);
      const g = bytesOf(partialGram(next, width, plan.rank, from, to));
      for (let d = 0; d < oth.numBlocks; d++) emit(othKeys[d * othSlots.count + othSlots.gramBase + l], KIND.gram, l, g);
    }
  }
  return outputTable(outKey, outKind, outBlock, outBlobs);
}

function outputTable(key: number[], kind: number[], block: number[], blobs: Uint8Array[]): Table {
  return tableOf({
    key: makeVector(Int32Array.from(key)),
    kind: makeVector(Int32Array.from(kind)),
    block: makeVector(Int32Array.from(block)),
    factors: binaryVector(blobs),
  });
}

/** Kernel: keeps the factor rows (kinds 1 and 2) of a half-iteration's output. */
export function factorRows(batch: Table): Table {
  if (batch.numRows === 0 || !batch.schema.fields.some((f) => f.name === 'kind')) return outputTable([], [], [], []);
  const kind = batch.getChild('kind')!.toArray() as Int32Array;
  const block = batch.getChild('block')!.toArray() as Int32Array;
  const data = columnData(batch, 'factors');
  const k: number[] = []; const b: number[] = []; const blobs: Uint8Array[] = [];
  for (let i = 0; i < batch.numRows; i++) {
    if (kind[i] !== KIND.userFactors && kind[i] !== KIND.itemFactors) continue;
    k.push(kind[i]); b.push(block[i]); blobs.push(bytesAt(data, i).slice());
  }
  return outputTable(new Array(k.length).fill(0), k, b, blobs);
}

export const halfIterationKernels = libraryFunctions(import.meta.url, { halfIteration, factorRows });
