// The driver's side of partition counts from data size: before a job reads a shuffle whose count
// the verb was not told, its map stages run as map-stage jobs, and the buckets they wrote are cut
// into partitions by their bytes (scheduler/partition-ranges.ts), once for the session. Concurrent
// jobs that read the same shuffles wait for the same cut.

import { rangesKey, type AdaptiveNode, type RangesOf } from '../plan/adaptive.ts';
import type { ShuffleDependency } from '../plan/nodes.ts';
import type { MapOutputRegistry } from '../scheduler/map-output-registry.ts';
import { PartitionRanges, type PartitionCut } from '../scheduler/partition-ranges.ts';

/** What a map-stage job measured; the cut it led to is added to the last one's `partitionCuts`. */
export interface CutMetrics { partitionCuts: PartitionCut[] }

export class PartitionCutter<M extends CutMetrics> {
  readonly ranges: PartitionRanges;
  /** Cuts under way, by key. */
  private readonly cutting = new Map<string, Promise<M[]>>();

  /**
   * @example new PartitionCutter(registry, (dep, bundleHash) => driver.runMapStage(dep, { bundleHash }), (cut) => progress.partitionsCut(cut))
   */
  constructor(
    registry: MapOutputRegistry,
    /** Runs one map stage as a job; `bundleHash` is the job bundle its functions come from. */
    private readonly runMapStage: (dep: ShuffleDependency, bundleHash: string | undefined) => Promise<M>,
    private readonly onCut: (cut: PartitionCut) => void = () => {},
  ) {
    this.ranges = new PartitionRanges(registry);
  }

  /** The ranges cut for an adaptive node so far (undefined: its map stages have not run yet). */
  readonly rangesOf: RangesOf = (node) => this.ranges.get(rangesKey(node));

  /**
   * Cuts the partitions of `node` (whose map sides are already cut: withRanges) from the bytes its
   * map stages wrote: runs them, then fixes the ranges. Returns the metrics of the map-stage jobs
   * this call ran ([] when the cut was already made).
   *
   * @example await cutter.cut(withRanges(pending, cutter.rangesOf) as AdaptiveNode, session.currentBundle)
   */
  cut(node: AdaptiveNode, bundleHash: string | undefined): Promise<M[]> {
    const key = rangesKey(node);
    if (this.ranges.get(key)) return Promise.resolve([]);
    let cut = this.cutting.get(key);
    if (!cut) {
      cut = (async () => {
        const reads = node.deps.map((dep) => ({ shuffleId: dep.shuffleId, numMaps: dep.parent!.numPartitions }));
        const ran: M[] = [];
        // An output lost between the map stages' end and the cut is recomputed by running them again.
        do {
          ran.push(...await Promise.all(node.deps.map((dep) => this.runMapStage(dep, bundleHash))));
        } while (!this.ranges.decide(key, reads, node.coalesce));
        const described = this.ranges.describe(key)!;
        ran.at(-1)?.partitionCuts.push(described);
        this.onCut(described);
        return ran;
      })().finally(() => this.cutting.delete(key));
      this.cutting.set(key, cut);
    }
    return cut;
  }
}
