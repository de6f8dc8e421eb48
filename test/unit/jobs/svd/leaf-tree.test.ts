import { describe, expect, it } from 'vitest';
import { Table, makeVector } from 'apache-arrow';
import { LEAVES, leafLayout, sumTree, treePartials } from '../../../../jobs/svd/leaf-tree.ts';
import { partitionIds } from '../../../../engine/shuffle/partitioner.ts';
import { concatTables } from '../../../../engine/kernels/concat-tables.ts';

// 200 rows, each contributing a vector of 3 values with very different magnitudes, so that the
// order of additions shows in the last bits.
const rows = 200;
const contribution = (r: number, i: number) => Math.sin(r * 7.1 + i) * 10 ** ((r * 13) % 17 - 8);

/** The subtree sums each of `partitions` partitions would send (rows ordered by (leaf, row)). */
function partials(partitions: number): Table {
  const { tree } = leafLayout(partitions);
  const tables: Table[] = [];
  for (let p = 0; p < tree.bounds.length - 1; p++) {
    const mine = Array.from({ length: rows }, (_, r) => r)
      .filter((r) => r % LEAVES >= tree.bounds[p]! && r % LEAVES < tree.bounds[p + 1]!)
      .sort((a, b) => (a % LEAVES) - (b % LEAVES) || a - b);
    const rowIds = Int32Array.from(mine);
    tables.push(treePartials(rowIds, tree, 3, (r0, r1, out) => {
      for (let r = r0; r < r1; r++) for (let i = 0; i < 3; i++) out[i] += contribution(rowIds[r]!, i);
    }));
  }
  return concatTables(tables);
}

describe('leaf tree sums', () => {
  it('gives bit-identical totals for 1, 2, 3, 5 and 16 partitions, close to the plain sum', () => {
    const expected = sumTree(partials(1), leafLayout(1).tree, 3);
    for (const p of [2, 3, 5, 16]) expect(Array.from(sumTree(partials(p), leafLayout(p).tree, 3))).toEqual(Array.from(expected));
    for (let i = 0; i < 3; i++) {
      let plain = 0;
      for (let r = 0; r < rows; r++) plain += contribution(r, i);
      expect(expected[i]).toBeCloseTo(plain, 6);
    }
  });

  it('sends whole subtrees: 2 partitions send one node each, 3 partitions split at unaligned leaves', () => {
    const nodes = (p: number) => Array.from(partials(p).getChild('node')!.toArray() as Int32Array);
    expect(nodes(1)).toEqual([1]);
    expect(nodes(2)).toEqual([2, 3]);
    // Leaves 0-4 | 5-9 | 10-15 (leaf l is node 16 + l): 0-3 → node 4, then leaf 4 (20); 21, 22-23 (11),
    // 24-25 (12); 26-27 (13), 28-31 (7).
    expect(nodes(3)).toEqual([4, 20, 21, 11, 12, 13, 7]);
  });

  it('picks shuffle keys that the engine hash partitioner sends to the partition owning each leaf', () => {
    for (const p of [1, 2, 3, 7]) {
      const { tree, partKeys } = leafLayout(p);
      const ids = partitionIds(new Table({ part: makeVector(partKeys) }), { kind: 'hash', keys: ['part'], numPartitions: p });
      for (let l = 0; l < LEAVES; l++) expect(tree.bounds[ids[l]!]! <= l && l < tree.bounds[ids[l]! + 1]!).toBe(true);
    }
  });

  it('treats a partition with no rows as zero', () => {
    const { tree } = leafLayout(2);
    const empty = treePartials(new Int32Array(0), tree, 3, () => undefined);
    expect(empty.numRows).toBe(0);
    expect(Array.from(sumTree(empty, tree, 3))).toEqual([0, 0, 0]);
  });
});
