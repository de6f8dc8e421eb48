// The queue of partitions waiting for a slot: lowest first whatever order they came in, a partition
// queued once, and the one being visited deletable on the way (as assigning a slot does).

import { describe, expect, it } from 'vitest';
import { PartitionQueue } from '../../../engine/scheduler/partition-queue.ts';

describe('PartitionQueue', () => {
  it('hands partitions out lowest first, in order or not, each once', () => {
    const queue = new PartitionQueue();
    for (const p of [0, 1, 2, 5, 9]) queue.add(p);
    expect([...queue]).toEqual([0, 1, 2, 5, 9]);
    queue.add(3); // a retry below the highest: out of order
    queue.add(5);
    expect(queue.size).toBe(6);
    expect([...queue]).toEqual([0, 1, 2, 3, 5, 9]);
    expect(queue.lowest()).toBe(0);
    queue.add(4);
    queue.delete(0);
    expect(queue.lowest()).toBe(1);
    expect([...queue]).toEqual([1, 2, 3, 4, 5, 9]);
    queue.clear();
    expect(queue.lowest()).toBeUndefined();
    queue.add(7);
    queue.add(6);
    expect([...queue]).toEqual([6, 7]);
  });

  it('lets the partition being visited be deleted, as a slot is filled', () => {
    const queue = new PartitionQueue();
    for (const p of [8, 2, 6, 4]) queue.add(p);
    const launched: number[] = [];
    for (const p of queue) {
      queue.delete(p);
      launched.push(p);
      if (launched.length === 2) break;
    }
    expect(launched).toEqual([2, 4]);
    expect([...queue]).toEqual([6, 8]);
    expect(queue.has(4)).toBe(false);
    expect(queue.has(6)).toBe(true);
  });
});
