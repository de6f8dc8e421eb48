import { describe, expect, it } from 'vitest';
import { Table, makeVector } from 'apache-arrow';
import { blockEnd, blockOf, blockStart, routeKeys, sideLayout, slotsOf } from '../../../../jobs/als/layout.ts';
import { partitionIds } from '../../../../engine/shuffle/partitioner.ts';

describe('ALS layout', () => {
  it('cuts 600 rows into 4 blocks of whole leaves', () => {
    const s = sideLayout(600, 4);
    expect(s).toEqual({ n: 600, numBlocks: 4, blockSize: 160, leafSize: 16, numLeaves: 38 });
    expect([0, 1, 2, 3].map((b) => [blockStart(s, b), blockEnd(s, b)])).toEqual([[0, 160], [160, 320], [320, 480], [480, 600]]);
    expect(blockOf(s, 479)).toBe(2);
  });

  it('never makes empty blocks, and leaves do not depend on the block count', () => {
    const s = sideLayout(5, 8);
    expect(s.numBlocks).toBe(5);
    expect(sideLayout(100_000, 3).leafSize).toBe(sideLayout(100_000, 7).leafSize);
    expect(sideLayout(100_000, 7).numLeaves).toBeLessThanOrEqual(64);
  });

  it('route keys are distinct and hash to their partition', () => {
    const slots = slotsOf(sideLayout(100, 3), sideLayout(50, 2), true).count;
    const keys = routeKeys(3, slots);
    expect(new Set(keys).size).toBe(keys.length);
    const parts = partitionIds(new Table({ key: makeVector(keys) }), { kind: 'hash', keys: ['key'], numPartitions: 3 });
    for (let i = 0; i < keys.length; i++) expect(parts[i]).toBe(Math.floor(i / slots));
  });
});
