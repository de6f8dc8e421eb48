// Coalescing buckets into reduce partitions by size: the documented example, edge cases, and the
// properties the driver relies on (contiguous, covering, bounded, a pure function of the sizes).

import { describe, expect, it } from 'vitest';
import { coalesceBuckets, partitionTarget, sumBucketBytes } from '../../../engine/shuffle/coalesce.ts';

describe('coalesceBuckets', () => {
  it('groups adjacent buckets up to the target, a big bucket alone', () => {
    expect(coalesceBuckets([30, 50, 40, 0, 120, 10, 5], 100)).toEqual([[0, 2], [2, 4], [4, 5], [5, 7]]);
  });

  it('gives one range for no data, none for no buckets, one per bucket when all exceed the target', () => {
    expect(coalesceBuckets([0, 0, 0], 64)).toEqual([[0, 3]]);
    expect(coalesceBuckets([], 64)).toEqual([]);
    expect(coalesceBuckets([65, 70], 64)).toEqual([[0, 1], [1, 2]]);
    expect(() => coalesceBuckets([1], 0)).toThrow(/must be positive, got 0/);
  });

  it('covers every bucket once, in order, each range within the target unless a single bucket', () => {
    let seed = 7;
    const random = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let trial = 0; trial < 50; trial++) {
      const sizes = Array.from({ length: 1 + Math.floor(random() * 300) }, () => Math.floor(random() ** 3 * 1000));
      const target = 1 + Math.floor(random() * 2000);
      const ranges = coalesceBuckets(sizes, target);
      expect(ranges[0]![0]).toBe(0);
      expect(ranges.at(-1)![1]).toBe(sizes.length);
      ranges.forEach(([s, e], i) => {
        expect(e).toBeGreaterThan(s);
        if (i > 0) expect(s).toBe(ranges[i - 1]![1]);
        const bytes = sizes.slice(s, e).reduce((a, b) => a + b, 0);
        if (e - s > 1) expect(bytes).toBeLessThanOrEqual(target);
        // Greedy: the next bucket would not have fitted.
        if (e < sizes.length) expect(bytes + sizes[e]!).toBeGreaterThan(target);
      });
      expect(coalesceBuckets([...sizes], target)).toEqual(ranges);
    }
  });
});

describe('sumBucketBytes', () => {
  it('sums per bucket and rejects outputs of different bucket counts', () => {
    expect(sumBucketBytes([[1, 2], [10, 0]])).toEqual([11, 2]);
    expect(sumBucketBytes([])).toEqual([]);
    expect(() => sumBucketBytes([[1, 2], [1]])).toThrow(/disagree on the number of buckets: 2 and 1/);
  });
});

describe('partitionTarget', () => {
  const MB = 1 << 20;
  it('is the target, unless fewer than minPartitions would come out while each keeps 1 MB', () => {
    expect(partitionTarget(2000 * MB, { targetBytes: 64 * MB, minPartitions: 16 })).toBe(64 * MB);
    expect(partitionTarget(100 * MB, { targetBytes: 64 * MB, minPartitions: 16 })).toBe(6.25 * MB);
    expect(partitionTarget(4 * MB, { targetBytes: 64 * MB, minPartitions: 16 })).toBe(MB);
    expect(partitionTarget(0, { targetBytes: 64 * MB, minPartitions: 16 })).toBe(MB);
    expect(partitionTarget(4 * MB, { targetBytes: 1000, minPartitions: 16 })).toBe(1000); // a target below 1 MB is kept
  });
});
