// The map-output registry the driver keeps and the scheduler reads: for every shuffle, which executor holds each map task's output
// and how many bytes it wrote for each reduce partition. The scheduler reads it to decide what is
// still missing; reducers are told from it where to fetch their blocks. Pure data, no I/O.
//
// Worked example. Shuffle 7 has 3 map partitions and 2 reduce partitions; maps 0 and 2 finished:
//
//   shuffle 7 ─┬─ map 0 → { executorId: 'exec-a', blockSizes: [120, 0] }
//              └─ map 2 → { executorId: 'exec-b', blockSizes: [64, 300] }
//
//   missingPartitions(7, 3)  → [1]            isComplete(7, 3) → false
//   locationsFor(7, 1)       → [{ mapPartition: 0, executorId: 'exec-a', size: 0, attempt: 0 },
//                               { mapPartition: 2, executorId: 'exec-b', size: 300, attempt: 0 }]
//   removeExecutor('exec-b') → [{ shuffleId: 7, mapPartition: 2 }]   (map 2 must be recomputed)

import { DataflowError } from '../errors.ts';
import type { ExecutorId, LostMapOutput, MapOutputLocation, MapOutputStatus } from '../protocol/index.ts';

/** A map output was registered or looked up with an impossible partition number. */
export class MapOutputRegistryError extends DataflowError {
  constructor(message: string) {
    super('MAP_OUTPUT_REGISTRY', message);
  }
}

export class MapOutputRegistry {
  /** shuffleId → mapPartition → status. */
  private readonly shuffles = new Map<number, Map<number, MapOutputStatus>>();
  /**
   * shuffleId → a bound every map partition ever registered for it is below (never lowered): when
   * it is at most numMaps, a shuffle with numMaps outputs has exactly [0, numMaps), so isComplete
   * needs no scan (it is asked after every scheduler event).
   */
  private readonly partitionBound = new Map<number, number>();
  /** Sum of the block sizes of every registered output. */
  private bytes = 0;

  /**
   * Records that map task `mapPartition` of `shuffleId` wrote its output; replaces an earlier entry.
   *
   * @example
   *   registry.register(7, 0, { executorId: 'exec-a', blockSizes: [120, 0] });
   */
  register(shuffleId: number, mapPartition: number, status: MapOutputStatus): void {
    checkIndex('mapPartition', mapPartition, `registering shuffle ${shuffleId}`);
    let outputs = this.shuffles.get(shuffleId);
    if (!outputs) {
      outputs = new Map();
      this.shuffles.set(shuffleId, outputs);
    }
    this.bytes -= outputBytes(outputs.get(mapPartition));
    this.partitionBound.set(shuffleId, Math.max(this.partitionBound.get(shuffleId) ?? 0, mapPartition + 1));
    outputs.set(mapPartition, { executorId: status.executorId, blockSizes: [...status.blockSizes], attempt: status.attempt });
    this.bytes += outputBytes(status);
  }

  /**
   * Forgets one map output (e.g. a reducer could not fetch it). Returns whether it was registered.
   *
   * @example
   *   registry.unregister(7, 2); // → true; missingPartitions(7, 3) now includes 2
   */
  unregister(shuffleId: number, mapPartition: number): boolean {
    const outputs = this.shuffles.get(shuffleId);
    this.bytes -= outputBytes(outputs?.get(mapPartition));
    return outputs?.delete(mapPartition) ?? false;
  }

  /** Whether map task `mapPartition` of `shuffleId` has a registered output. @example registry.has(7, 1) // false */
  has(shuffleId: number, mapPartition: number): boolean {
    return this.shuffles.get(shuffleId)?.has(mapPartition) ?? false;
  }

  /** The registered output of one map task, if any. @example registry.get(7, 0)?.executorId // 'exec-a' */
  get(shuffleId: number, mapPartition: number): MapOutputStatus | undefined {
    const status = this.shuffles.get(shuffleId)?.get(mapPartition);
    return status && { executorId: status.executorId, blockSizes: [...status.blockSizes] };
  }

  /**
   * Drops every output held by `executorId` and returns what was lost, by shuffle then map partition.
   *
   * @example
   *   registry.removeExecutor('exec-b'); // → [{ shuffleId: 7, mapPartition: 2 }]
   */
  removeExecutor(executorId: ExecutorId): LostMapOutput[] {
    const lost: LostMapOutput[] = [];
    for (const shuffleId of [...this.shuffles.keys()].sort((a, b) => a - b)) {
      const outputs = this.shuffles.get(shuffleId)!;
      for (const mapPartition of [...outputs.keys()].sort((a, b) => a - b)) {
        const status = outputs.get(mapPartition)!;
        if (status.executorId !== executorId) continue;
        this.bytes -= outputBytes(status);
        outputs.delete(mapPartition);
        lost.push({ shuffleId, mapPartition });
      }
    }
    return lost;
  }

  /**
   * Map partitions in [0, numMaps) with no registered output, ascending.
   *
   * @example registry.missingPartitions(7, 3); // → [1]
   */
  missingPartitions(shuffleId: number, numMaps: number): number[] {
    const outputs = this.shuffles.get(shuffleId);
    const missing: number[] = [];
    for (let p = 0; p < numMaps; p++) if (!outputs?.has(p)) missing.push(p);
    return missing;
  }

  /** Whether all of map partitions [0, numMaps) have an output. @example registry.isComplete(7, 3) // false */
  isComplete(shuffleId: number, numMaps: number): boolean {
    const outputs = this.shuffles.get(shuffleId);
    if (numMaps === 0) return true;
    if (!outputs || outputs.size < numMaps) return false;
    if (this.partitionBound.get(shuffleId)! <= numMaps) return true; // numMaps or more distinct partitions, all below numMaps
    for (let p = 0; p < numMaps; p++) if (!outputs.has(p)) return false;
    return true;
  }

  /**
   * Where the reduce partitions (buckets) [reducePartition, endPartition) find their blocks: one
   * entry per registered map output, sorted by map partition, with the bytes of those buckets,
   * including empty (size 0) blocks. Only meaningful once the shuffle is complete; before that the
   * list lacks the missing map partitions.
   *
   * @example registry.locationsFor(7, 1); // → [{ mapPartition: 0, executorId: 'exec-a', size: 0 }, ...]
   * @example registry.locationsFor(7, 0, 2); // → [{ mapPartition: 0, executorId: 'exec-a', size: 120 }, ...]
   */
  locationsFor(shuffleId: number, reducePartition: number, endPartition = reducePartition + 1): MapOutputLocation[] {
    checkIndex('reducePartition', reducePartition, `looking up shuffle ${shuffleId}`);
    if (!Number.isInteger(endPartition) || endPartition <= reducePartition) {
      throw new MapOutputRegistryError(`endPartition must be an integer above reducePartition ${reducePartition} when looking up shuffle ${shuffleId}, got ${endPartition}.`);
    }
    const outputs = this.shuffles.get(shuffleId);
    if (!outputs) return [];
    const locations: MapOutputLocation[] = [];
    for (const mapPartition of [...outputs.keys()].sort((a, b) => a - b)) {
      const status = outputs.get(mapPartition)!;
      if (endPartition > status.blockSizes.length) {
        throw new MapOutputRegistryError(
          `Map output ${mapPartition} of shuffle ${shuffleId} has ${status.blockSizes.length} reduce blocks, ` +
            `but reduce partition ${endPartition - 1} was asked for. The map side and the reduce side disagree ` +
            `on the number of reduce partitions; check the partitioner of shuffle ${shuffleId}.`,
        );
      }
      let size = 0;
      for (let b = reducePartition; b < endPartition; b++) size += status.blockSizes[b]!;
      locations.push({ mapPartition, executorId: status.executorId, size, attempt: status.attempt ?? 0 });
    }
    return locations;
  }

  /** Forgets a whole shuffle (its files were cleaned up). @example registry.forget(7) */
  forget(shuffleId: number): void {
    for (const status of this.shuffles.get(shuffleId)?.values() ?? []) this.bytes -= outputBytes(status);
    this.shuffles.delete(shuffleId);
    this.partitionBound.delete(shuffleId);
  }

  /** Bytes of every registered map output, of all shuffles: what the executors hold for them. @example registry.totalBytes // 484 in the example above */
  get totalBytes(): number {
    return this.bytes;
  }

  /** Shuffle ids with at least one registered output, ascending. */
  shuffleIds(): number[] {
    return [...this.shuffles.entries()]
      .filter(([, outputs]) => outputs.size > 0)
      .map(([id]) => id)
      .sort((a, b) => a - b);
  }
}

function outputBytes(status: MapOutputStatus | undefined): number {
  let bytes = 0;
  for (const size of status?.blockSizes ?? []) bytes += size;
  return bytes;
}

function checkIndex(name: string, value: number, doing: string): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new MapOutputRegistryError(`${name} must be a non-negative integer when ${doing}, got ${value}.`);
  }
}
