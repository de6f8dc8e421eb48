// Where every user and item lives: dense indices cut into contiguous BLOCKS, blocks cut into
// fixed LEAVES (for deterministic reductions), and the ROUTE KEYS that make the engine's hash
// shuffle deliver each message to the partition of its destination block.
//
// Worked example, 600 items, 4 item blocks: leafSize L = 16 (the smallest power of two that
// keeps at most 64 leaves), blockSize = ceil(ceil(600/4)/16)·16 = 160, so blocks are
// [0,160) [160,320) [320,480) [480,600) and leaf ℓ = [16ℓ, 16ℓ+16) lies inside one block. The
// leaves depend only on the item count, never on the block count, so a sum over items done leaf by
// leaf (each leaf in index order, then leaves in order) gives the same bits for any block count.
//
// Partition p of a side's join holds block p. Its right-hand rows arrive in SLOTS (other side = Y):
//   slot s ∈ [0, nY)              factors that Y block s sends to block p (its out-block for p)
//   slot nY                       block p's own factors from the previous half-iteration
//   slot nY + 1 + ⌊c / nX⌋        Y block c's own factors, carried through here (c mod nX = p)
//   slot nY + 1 + ⌈nY/nX⌉ + ℓ     (implicit only) the partial YᵀY of Y's leaf ℓ
// A route key is an Int32 whose hash (the engine's hash partitioner) lands on partition p; each
// (partition, slot) pair gets its own key, so the join pairs exactly one in-block row with one message.

import { Table, makeVector } from 'apache-arrow';
import { hashPartitionOf } from '../../engine/extend.ts';

export interface SideLayout {
  /** Distinct ids on this side (dense indices 0..n-1). */
  n: number;
  numBlocks: number;
  blockSize: number;
  leafSize: number;
  numLeaves: number;
}

/**
 * @example
 *   sideLayout(600, 4); // { n: 600, numBlocks: 4, blockSize: 160, leafSize: 16, numLeaves: 38 }
 *   sideLayout(5, 8);   // numBlocks 5: blocks never come out empty (the count asked for is a maximum)
 */
export function sideLayout(n: number, numBlocks: number): SideLayout {
  let leafSize = 1;
  while (Math.ceil(n / leafSize) > 64) leafSize *= 2;
  const blockSize = Math.max(leafSize, Math.ceil(Math.ceil(n / numBlocks) / leafSize) * leafSize);
  // fewer blocks than asked when they would be empty: every block holds at least one row
  return { n, numBlocks: Math.max(1, Math.ceil(n / blockSize)), blockSize, leafSize, numLeaves: Math.ceil(n / leafSize) };
}

export function blockStart(side: SideLayout, b: number): number {
  return Math.min(side.n, b * side.blockSize);
}

export function blockEnd(side: SideLayout, b: number): number {
  return Math.min(side.n, (b + 1) * side.blockSize);
}

export function blockOf(side: SideLayout, index: number): number {
  return Math.floor(index / side.blockSize);
}

/** Slot numbers of one side's partitions (see the table above); `other` is the side sending. */
export interface Slots {
  self: number;
  carryBase: number;
  gramBase: number;
  count: number;
}

export function slotsOf(own: SideLayout, other: SideLayout, implicit: boolean): Slots {
  const self = other.numBlocks;
  const carryBase = self + 1;
  const gramBase = carryBase + Math.ceil(other.numBlocks / own.numBlocks);
  return { self, carryBase, gramBase, count: gramBase + (implicit ? other.numLeaves : 0) };
}

/**
 * Route keys for a side: `keys[p * slots + slot]` is an Int32 that the engine's hash partitioner
 * (numPartitions = `numPartitions`) sends to partition p. Computed with the partitioner itself.
 *
 * @example
 *   const keys = routeKeys(4, 3); // 12 distinct keys; partitionIds of keys[3..5] are all 1
 */
export function routeKeys(numPartitions: number, slots: number): Int32Array {
  const keys = new Int32Array(numPartitions * slots);
  const filled = new Int32Array(numPartitions);
  let remaining = numPartitions * slots;
  let next = 0;
  while (remaining > 0) {
    const chunk = Math.max(1024, 4 * remaining);
    const candidates = new Int32Array(chunk);
    for (let i = 0; i < chunk; i++) candidates[i] = next + i;
    next += chunk;
    const parts = hashPartitionOf(new Table({ key: makeVector(candidates) }), ['key'], numPartitions);
    for (let i = 0; i < chunk && remaining > 0; i++) {
      const p = parts[i];
      if (filled[p] < slots) {
        keys[p * slots + filled[p]++] = candidates[i];
        remaining--;
      }
    }
  }
  return keys;
}
