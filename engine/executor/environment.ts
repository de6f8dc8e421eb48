// What a task needs from the process it runs in. The executor process implements it over TCP
// (driver RPCs, block server); `--master local` implements it in the driver process itself.

import type { Table } from 'apache-arrow';
import type { LoadedBundle } from '../closure/load-bundle.ts';
import type { BlockLocation, CachedBlockLocation } from '../protocol/index.ts';
import type { BlockStore } from './block-store.ts';
import type { MapOutputAccess } from '../shuffle/map-output-store.ts';

export interface TaskEnvironment {
  executorId: string;
  /** Folder for this executor's shuffle files (per application); removed when the application ends. */
  shuffleDir: string;
  blockStore: BlockStore;
  /** Folder under which each task attempt gets its own spill folder (inside the application's folder). */
  spillDir: string;
  /** What one task's operators may hold at once (its share of the executor's execution memory). */
  taskMemoryBytes: number;
  /** Map outputs this executor keeps in memory rather than in files (map-output-store.ts). */
  mapOutputs: MapOutputAccess;
  /**
   * Reads the blocks of reduce partitions [reducePartition, endPartition) written by one other
   * executor, in one request (all `locations` name the same executor); returns one IPC stream per
   * location. Throws on failure; the runner types it FetchFailed.
   */
  fetchRemoteBlocks(locations: BlockLocation[], shuffleId: number, reducePartition: number, endPartition: number): Promise<Uint8Array[]>;
  /** A cached partition held by another executor (throws if it is gone; the runner then recomputes). */
  fetchCachedBlock(location: CachedBlockLocation): Promise<Table>;
  /** A cached partition held elsewhere in this executor process (another task thread), if any. */
  findCachedOnExecutor?(cacheId: number, partition: number): Promise<Table | undefined>;
  /** One partition of an in-memory source held by the driver. */
  fetchBlob(blobId: number, partition: number): Promise<Table>;
  /** A broadcast value, fetched once per executor and cached. */
  fetchBroadcast(broadcastId: number): Promise<unknown>;
  loadBundle(hash: string): Promise<LoadedBundle>;
}
