// Sums of per-row contributions that come out bit-identical whatever the number of partitions.
//
// Floating-point addition is not associative, so "each partition sums its rows, the driver adds
// the partials" gives a result that depends on how rows were split. Here the split is fixed
// instead: row r belongs to LEAF r % L (L = LEAVES, a power of two), a leaf's rows are summed in
// ascending order, and leaves are added along a fixed binary tree (heap numbering: root 1,
// children 2h and 2h + 1, leaf l is node L + l). Partition p owns the contiguous leaves
// [bounds[p], bounds[p+1]); it sends the largest whole subtrees inside its range, already added
// up, and the driver finishes the same tree. Every node is always left + right, whoever adds it.
//
//   L = 8, 2 partitions: p0 owns leaves 0-3 and sends node 2 = ((l0+l1)+(l2+l3)); p1 sends node 3;
//   the driver adds node 2 + node 3.     3 partitions (leaves 0-1, 2-4, 5-7): p0 sends node 4,
//   p1 nodes 5 (l2+l3) and 12 (l4), p2 nodes 13 (l5) and 7 (l6+l7); the driver forms 6 = 12 + 13,
//   then 2 = 4 + 5, 3 = 6 + 7, 1 = 2 + 3: the same additions as with 1 or 2 partitions.

import { Table, makeVector } from 'apache-arrow';
import { hashPartitionOf } from '../../engine/extend.ts';
import { vectorColumn } from './sparse-rows.ts';
import { InternalError } from '../../engine/index.ts';

/** Leaves of the summation tree (the most partitions that can work in parallel). */
export const LEAVES = 16;

/** How leaves are spread over partitions: partition p owns leaves [bounds[p], bounds[p+1]). */
export interface LeafTree {
  leaves: number;
  bounds: Int32Array;
}

/**
 * The leaf layout for `partitions` partitions (at most LEAVES), and for each leaf the value of the
 * shuffle key `part` that the engine's hash partitioner sends to the partition owning that leaf.
 *
 * @example
 *   const { tree, partKeys } = leafLayout(2); // tree.bounds = [0, 8, 16]
 */
export function leafLayout(partitions: number): { tree: LeafTree; partKeys: Int32Array } {
  const p = Math.min(Math.max(1, partitions), LEAVES);
  const bounds = Int32Array.from({ length: p + 1 }, (_, i) => Math.floor((i * LEAVES) / p));
  // The smallest key value hashing to each partition (murmur3 of the value: stable across processes).
  const keyOf = new Int32Array(p).fill(-1);
  for (let span = 64 * p; keyOf.includes(-1); span *= 4) {
    const candidates = Int32Array.from({ length: span }, (_, i) => i);
    const ids = hashPartitionOf(new Table({ part: makeVector(candidates) }), ['part'], p);
    for (let i = span - 1; i >= 0; i--) keyOf[ids[i]!] = candidates[i]!;
    if (span > 1 << 24) throw new InternalError('SVD_LAYOUT', `svd: no shuffle key value found for each of ${p} partitions`);
  }
  const partKeys = new Int32Array(LEAVES);
  for (let q = 0; q < p; q++) for (let l = bounds[q]!; l < bounds[q + 1]!; l++) partKeys[l] = keyOf[q]!;
  return { tree: { leaves: LEAVES, bounds }, partKeys };
}

const leafStartsCache = new WeakMap<Int32Array, Int32Array>();

/** Row-index ranges of each leaf in a partition whose rows are ordered by (row % leaves, row). */
export function leafStarts(rowIds: Int32Array, leaves: number): Int32Array {
  let starts = leafStartsCache.get(rowIds);
  if (!starts || starts.length !== leaves + 1) {
    starts = new Int32Array(leaves + 1);
    let r = 0;
    for (let l = 0; l < leaves; l++) {
      starts[l] = r;
      while (r < rowIds.length && rowIds[r]! % leaves === l) r++;
    }
    starts[leaves] = r;
    if (r !== rowIds.length) throw new InternalError('SVD_LAYOUT', `svd: sparse rows are not ordered by leaf (row % ${leaves}); rebuild the layout with layoutRows`);
    leafStartsCache.set(rowIds, starts);
  }
  return starts;
}

/**
 * Executor side: this partition's subtree sums as rows { node, v: Float64[length] }. `fill(r0, r1, out)`
 * adds the contributions of rows r0..r1-1 (partition-local row indices, ascending) into `out`.
 */
export function treePartials(rowIds: Int32Array, tree: LeafTree, length: number, fill: (r0: number, r1: number, out: Float64Array) => void): Table {
  const { leaves, bounds } = tree;
  const nodes: number[] = [];
  const vectors: Float64Array[] = [];
  if (rowIds.length > 0) {
    const starts = leafStarts(rowIds, leaves);
    const first = rowIds[0]! % leaves;
    let p = 0;
    while (bounds[p + 1]! <= first) p++;
    for (let l = bounds[p]!; l < bounds[p + 1]!; l++) {
      const out = new Float64Array(length);
      fill(starts[l]!, starts[l + 1]!, out);
      nodes.push(leaves + l);
      vectors.push(out);
      // Merge while the two last nodes are siblings (left child even, right = left + 1).
      while (nodes.length >= 2 && nodes[nodes.length - 2]! % 2 === 0 && nodes[nodes.length - 1] === nodes[nodes.length - 2]! + 1) {
        const right = vectors.pop()!;
        const left = vectors.pop()!;
        const node = nodes.pop()! >> 1;
        nodes.pop();
        for (let i = 0; i < length; i++) left[i] = left[i]! + right[i]!;
        nodes.push(node);
        vectors.push(left);
      }
    }
  }
  const values = new Float64Array(nodes.length * length);
  vectors.forEach((v, i) => values.set(v, i * length));
  return new Table({ node: makeVector(Int32Array.from(nodes)), v: makeVector(vectorColumn(values, nodes.length, length)) });
}

/** Driver side: the root of the tree from every partition's subtree sums (missing subtrees are zero). */
export function sumTree(table: Table, tree: LeafTree, length: number): Float64Array {
  const known = new Map<number, Float64Array>();
  for (const batch of table.batches) {
    if (batch.numRows === 0) continue;
    const nodeData = batch.getChild('node')!.data[0]!;
    const nodeIds = (nodeData.values as Int32Array).subarray(nodeData.offset, nodeData.offset + nodeData.length);
    const list = batch.getChild('v')!.data[0]!;
    const offsets = list.valueOffsets as Int32Array;
    const child = list.children[0]!;
    const values = child.values as Float64Array;
    for (let i = 0; i < nodeIds.length; i++) {
      const start = child.offset + offsets[list.offset + i]!;
      if (offsets[list.offset + i + 1]! - offsets[list.offset + i]! !== length) throw new InternalError('SVD_LAYOUT', `svd: a partial result has the wrong length (expected ${length})`);
      known.set(nodeIds[i]!, values.slice(start, start + length));
    }
  }
  const value = (node: number): Float64Array => {
    const v = known.get(node);
    if (v) return v;
    if (node >= tree.leaves) return new Float64Array(length);
    const left = value(2 * node);
    const right = value(2 * node + 1);
    const out = new Float64Array(length);
    for (let i = 0; i < length; i++) out[i] = left[i]! + right[i]!;
    return out;
  };
  return value(1);
}
