// The map-output registry: registering, losing and looking up map outputs, on the worked example
// from the top of map-output-registry.ts.

import { describe, expect, it } from 'vitest';
import { MapOutputRegistry, MapOutputRegistryError } from '../../../engine/scheduler/map-output-registry.ts';

/** Shuffle 7: 3 maps × 2 reduces, maps 0 and 2 done; shuffle 8: 1 map on exec-b. */
function example(): MapOutputRegistry {
  const registry = new MapOutputRegistry();
  registry.register(7, 2, { executorId: 'exec-b', blockSizes: [64, 300] });
  registry.register(7, 0, { executorId: 'exec-a', blockSizes: [120, 0] });
  registry.register(8, 0, { executorId: 'exec-b', blockSizes: [5] });
  return registry;
}

describe('MapOutputRegistry', () => {
  it('answers the worked example', () => {
    const registry = example();
    expect(registry.missingPartitions(7, 3)).toEqual([1]);
    expect(registry.isComplete(7, 3)).toBe(false);
    expect(registry.isComplete(7, 1)).toBe(true);
    expect(registry.locationsFor(7, 1)).toEqual([
      { mapPartition: 0, executorId: 'exec-a', size: 0, attempt: 0 },
      { mapPartition: 2, executorId: 'exec-b', size: 300, attempt: 0 },
    ]);
    expect(registry.locationsFor(7, 0).map((l) => l.size)).toEqual([120, 64]);
  });

  it.each([
    ['an unknown shuffle', 99, 2, [0, 1], false],
    ['zero map partitions', 99, 0, [], true],
    ['a complete shuffle', 8, 1, [], true],
  ])('reports missing partitions for %s', (_name, shuffleId, numMaps, missing, complete) => {
    const registry = example();
    expect(registry.missingPartitions(shuffleId, numMaps)).toEqual(missing);
    expect(registry.isComplete(shuffleId, numMaps)).toBe(complete);
  });

  it('tells whether one output is registered, and counts only partitions below numMaps toward completion', () => {
    const registry = example();
    expect([0, 1, 2].map((p) => registry.has(7, p))).toEqual([true, false, true]);
    expect(registry.has(99, 0)).toBe(false);
    registry.register(9, 0, { executorId: 'exec-a', blockSizes: [1] });
    registry.register(9, 5, { executorId: 'exec-a', blockSizes: [1] });
    expect(registry.isComplete(9, 2)).toBe(false); // two outputs, but 1 is missing
    registry.register(9, 1, { executorId: 'exec-a', blockSizes: [1] });
    expect(registry.isComplete(9, 2)).toBe(true);
    expect(registry.isComplete(9, 6)).toBe(false);
    registry.unregister(9, 1);
    expect(registry.isComplete(9, 2)).toBe(false);
  });

  it('drops every output of a lost executor and says which, by shuffle then map partition', () => {
    const registry = example();
    expect(registry.removeExecutor('exec-b')).toEqual([
      { shuffleId: 7, mapPartition: 2 },
      { shuffleId: 8, mapPartition: 0 },
    ]);
    expect(registry.missingPartitions(7, 3)).toEqual([1, 2]);
    expect(registry.removeExecutor('exec-b')).toEqual([]);
    expect(registry.shuffleIds()).toEqual([7]);
  });

  it('unregisters one output, replaces on re-register, and forgets whole shuffles', () => {
    const registry = example();
    expect(registry.unregister(7, 0)).toBe(true);
    expect(registry.unregister(7, 0)).toBe(false);
    expect(registry.missingPartitions(7, 3)).toEqual([0, 1]);
    registry.register(7, 2, { executorId: 'exec-c', blockSizes: [1, 2] });
    expect(registry.get(7, 2)).toEqual({ executorId: 'exec-c', blockSizes: [1, 2] });
    registry.forget(7);
    expect(registry.locationsFor(7, 0)).toEqual([]);
    expect(registry.shuffleIds()).toEqual([8]);
  });

  it('counts the bytes of every registered output through registering, replacing, losing and forgetting', () => {
    const registry = example();
    expect(registry.totalBytes).toBe(120 + 64 + 300 + 5);
    registry.register(7, 2, { executorId: 'exec-c', blockSizes: [1, 2] }); // replaces 64 + 300
    expect(registry.totalBytes).toBe(120 + 3 + 5);
    registry.unregister(7, 0);
    registry.unregister(7, 0); // already gone: nothing more to subtract
    expect(registry.totalBytes).toBe(3 + 5);
    registry.removeExecutor('exec-b');
    expect(registry.totalBytes).toBe(3);
    registry.forget(7);
    expect(registry.totalBytes).toBe(0);
  });

  it('keeps its own copy of block sizes', () => {
    const registry = new MapOutputRegistry();
    const status = { executorId: 'exec-a', blockSizes: [10, 20] };
    registry.register(1, 0, status);
    status.blockSizes[1] = 999;
    registry.get(1, 0)!.blockSizes[0] = 999;
    expect(registry.locationsFor(1, 1)).toEqual([{ mapPartition: 0, executorId: 'exec-a', size: 20, attempt: 0 }]);
    expect(registry.locationsFor(1, 0)[0]!.size).toBe(10);
  });

  it('rejects impossible partition numbers, naming the shuffle', () => {
    const registry = example();
    expect(() => registry.register(7, -1, { executorId: 'exec-a', blockSizes: [] })).toThrow(MapOutputRegistryError);
    expect(() => registry.register(7, 1.5, { executorId: 'exec-a', blockSizes: [] })).toThrow(/registering shuffle 7/);
    expect(() => registry.locationsFor(7, 2)).toThrow(
      /Map output 0 of shuffle 7 has 2 reduce blocks, but reduce partition 2 was asked for/,
    );
  });
});
