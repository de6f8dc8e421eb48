// Reduce partitions cut from map output sizes, fixed once per set of shuffles read together: the
// driver asks after the map stages ran (map-stage jobs), and every later job, retry or
// recomputation of lost map outputs reuses the same ranges, so a partition always means the same
// buckets. Pure data over the map-output registry; no I/O.
//
// Worked example: shuffle 4 has 2 map outputs of 4 buckets, target 100 bytes:
//   map 0 → [30, 20, 0, 90], map 1 → [10, 0, 0, 40]  ⇒ bucket bytes [40, 20, 0, 130]
//   decide('4@100', [{ shuffleId: 4, numMaps: 2 }], { targetBytes: 100, minPartitions: 1 }) → [[0, 3], [3, 4]]
//   map 1 is lost and recomputed (same data, same sizes; or any others): decide(...) → [[0, 3], [3, 4]]

import { coalesceBuckets, partitionTarget, sumBucketBytes, type BucketRange, type CoalesceSpec } from '../shuffle/coalesce.ts';
import type { MapOutputRegistry } from './map-output-registry.ts';

/** One shuffle a reduce stage reads, and how many map outputs it has. */
export interface ShuffleSides { shuffleId: number; numMaps: number }

/** A cut, as reported in job metrics: the shuffles read together, their buckets and bytes, the partitions. */
export interface PartitionCut { shuffleIds: number[]; buckets: number; bytes: number; partitions: number }

export class PartitionRanges {
  /** Key → the cut and its ranges. */
  private readonly cut = new Map<string, PartitionCut & { ranges: BucketRange[] }>();

  constructor(private readonly registry: MapOutputRegistry) {}

  /** The ranges fixed under `key`, if cut. @example ranges.get('4@100') // [[0, 3], [3, 4]] */
  get(key: string): BucketRange[] | undefined {
    return this.cut.get(key)?.ranges;
  }

  /**
   * The ranges under `key`: those fixed earlier, else cut now from the bytes per bucket summed over
   * every map output of every shuffle in `reads` (both sides of a join are cut alike), at the
   * target `spec` gives for their total. Undefined while a map output is missing (lost since its
   * stage ran): run the map stages again and ask again.
   *
   * @example ranges.decide('4@100', [{ shuffleId: 4, numMaps: 2 }], { targetBytes: 100, minPartitions: 1 }) // [[0, 3], [3, 4]]
   */
  decide(key: string, reads: readonly ShuffleSides[], spec: CoalesceSpec): BucketRange[] | undefined {
    const fixed = this.cut.get(key);
    if (fixed) return fixed.ranges;
    const outputs: number[][] = [];
    for (const { shuffleId, numMaps } of reads) {
      for (let map = 0; map < numMaps; map++) {
        const status = this.registry.get(shuffleId, map);
        if (!status) return undefined;
        outputs.push(status.blockSizes);
      }
    }
    // No map output at all (every side has 0 partitions): one empty partition.
    const bucketBytes = outputs.length === 0 ? [0] : sumBucketBytes(outputs);
    const bytes = bucketBytes.reduce((a, b) => a + b, 0);
    const ranges = coalesceBuckets(bucketBytes, partitionTarget(bytes, spec));
    this.cut.set(key, { shuffleIds: reads.map((r) => r.shuffleId), buckets: bucketBytes.length, bytes, partitions: ranges.length, ranges });
    return ranges;
  }

  /** What the cut under `key` decided, for metrics and progress. */
  describe(key: string): PartitionCut | undefined {
    const entry = this.cut.get(key);
    return entry && { shuffleIds: [...entry.shuffleIds], buckets: entry.buckets, bytes: entry.bytes, partitions: entry.partitions };
  }

  /** Forgets every cut that reads `shuffleId` (it was released). @example ranges.forget(4) */
  forget(shuffleId: number): void {
    for (const [key, entry] of this.cut) if (entry.shuffleIds.includes(shuffleId)) this.cut.delete(key);
  }

  /** How many cuts are kept (must not grow with the number of jobs). */
  get size(): number {
    return this.cut.size;
  }
}
