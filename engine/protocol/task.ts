// What a task is on the wire: the descriptor the driver sends to an executor and the result it
// sends back. Both are plain data encoded with v8.serialize (structured clone), so typed arrays,
// Maps and bigints in captures survive the trip.

import type { PlanNode, ShuffleDependency, SortKey } from '../plan/nodes.ts';
import type { ShippedFunction } from '../closure/ship.ts';
import type { StorageOptions } from '../../connectors/storage/resolve.ts';

export type ResultAction =
  | { kind: 'collect' }
  | { kind: 'count' }
  | { kind: 'take'; n: number }
  /** The first n rows of the partition in `keys` order (a sort's input: see plan/take-ordered.ts). */
  | { kind: 'takeOrdered'; n: number; keys: SortKey[] }
  | { kind: 'reduce'; fn: ShippedFunction }
  | { kind: 'writeParquet'; dir: string; jobToken: string; compression?: ParquetCompression; rowGroupSize?: number; partitionBy?: string[]; storage?: StorageOptions }
  | { kind: 'sampleKeys'; keys: string[]; maxSamples: number; seed: number };

export type ParquetCompression = 'snappy' | 'zstd' | 'gzip' | 'lz4' | 'brotli' | 'none';

/** Where one map task's output for this task's reduce partition lives. */
export interface BlockLocation {
  mapPartition: number;
  executorId: string;
  host: string;
  port: number;
  size: number;
  /** The map task attempt whose files hold the block. */
  attempt: number;
}

/** The blocks a reduce task reads for one shuffle, plus the map side's schema for when all are empty. */
export interface ShuffleInput {
  shuffleId: number;
  /** The first reduce partition (bucket) read; the task reads [reducePartition, endPartition). */
  reducePartition: number;
  /** End (exclusive) of the reduce partitions read; absent means reducePartition + 1. */
  endPartition?: number;
  blocks: BlockLocation[];
  /** Arrow IPC stream of the map output's schema (no rows); absent if no map task produced columns. */
  schemaIpc?: Uint8Array;
}

/** Where another executor holds a cached partition this task reads (fetched instead of recomputed). */
export interface CachedBlockLocation { cacheId: number; partition: number; executorId: string; host: string; port: number }

export type TaskOutput =
  | {
    kind: 'shuffle'; dep: ShuffleDependency; numPartitions: number;
    /** The largest output kept in the executor's memory rather than files (dataflow.shuffle.memoryOutputBytes). */
    memoryOutputBytes?: number;
  }
  | { kind: 'result'; action: ResultAction };

export interface TaskDescriptor {
  taskId: number;
  jobId: number;
  stageId: number;
  partition: number;
  attempt: number;
  /** The stage's pipeline with upstream stages stripped (see stripUpstream). */
  plan: PlanNode;
  output: TaskOutput;
  shuffleInputs: ShuffleInput[];
  /** Cached partitions held by other executors; absent ones are recomputed from lineage. */
  cachedInputs: CachedBlockLocation[];
  /** Content hash of the job bundle that exported functions come from. */
  bundleHash?: string;
}

export type TaskPayload =
  | { kind: 'mapOutput'; blockSizes: number[]; schemaIpc?: Uint8Array }
  | { kind: 'table'; ipc: Uint8Array }
  | { kind: 'count'; count: number }
  | { kind: 'value'; present: boolean; value: unknown }
  | { kind: 'file'; rows: number; written: boolean }
  | { kind: 'samples'; samples: unknown[][] };

/** What a task measured about itself, summed per stage and job by the driver. */
export interface TaskMetrics {
  /** Bytes the task wrote to spill files (its operators' data that did not fit its memory budget). */
  spillBytes: number;
  spillFiles: number;
  /** The most bytes its operators held under the memory budget at once. */
  peakMemoryBytes: number;
  /** Bytes of partitions the task cached (Dataset.cache()) in the executor's storage memory, and on its disk. */
  cachedMemoryBytes: number;
  cachedDiskBytes: number;
  /** Bytes and rows read from sources (Parquet, CSV, in-memory, range) and cached partitions. */
  inputBytes?: number;
  inputRecords?: number;
  /** Bytes of shuffle blocks fetched (local or remote) and the rows they held. */
  shuffleReadBytes?: number;
  shuffleReadRecords?: number;
  /** Bytes of the map output this task wrote (all its blocks) and its rows. */
  shuffleWriteBytes?: number;
  shuffleWriteRecords?: number;
  /** Rows of the task's result (or of its map output). */
  outputRecords?: number;
  /** Named sums its kernels added to (addToTaskSum in dataflow/extend), when any did. */
  sums?: Record<string, number>;
}

export interface TaskResult {
  payload: TaskPayload;
  /** Cached partitions this task stored on the executor (in its memory or work directory). */
  cachedBlocks: Array<{ cacheId: number; partition: number }>;
  durationMs: number;
  metrics: TaskMetrics;
}
