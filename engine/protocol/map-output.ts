// What a finished map task reports and where a reducer finds its blocks: the vocabulary shared by
// the scheduler (which keeps the registry, scheduler/map-output-registry.ts) and the shuffle reader.

import type { ExecutorId } from './failure.ts';

/** What a finished map task wrote: where its file lives and how many bytes each reduce partition has. */
export interface MapOutputStatus {
  executorId: ExecutorId;
  /** Bytes per reduce partition. */
  blockSizes: number[];
  /** The task attempt that wrote the output (its files are named after it). */
  attempt?: number;
}

/** One reducer's block of one map output. */
export interface MapOutputLocation {
  mapPartition: number;
  executorId: ExecutorId;
  /** Bytes this map task wrote for the asked reduce partition (0 means an empty block). */
  size: number;
  /** The attempt whose files hold the output. */
  attempt: number;
}

/** A map output that no longer exists (its executor is gone). */
export interface LostMapOutput {
  shuffleId: number;
  mapPartition: number;
}
