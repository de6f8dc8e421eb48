// Builds the TaskEnvironment of one application on one executor, from what the driver serves
// (source partitions, broadcasts, bundles: AppServices) and the executor's connections to its
// peers. Used on the executor's main thread and, with proxied services, in its task threads.

import type { Table } from 'apache-arrow';
import type { Connection } from '../transport/index.ts';
import { type BlockLocation, type CachedBlockLocation, MessageType } from '../protocol/index.ts';
import type { JobBundle } from '../closure/bundle.ts';
import { loadBundle } from '../closure/load-bundle.ts';
import type { LoadedBundle } from '../closure/load-bundle.ts';
import { hostModules } from '../closure/host-modules.ts';
import type { BlockStore } from './block-store.ts';
import type { TaskEnvironment } from './environment.ts';
import { decodeIpc } from '../kernels/ipc.ts';
import { DataflowError } from '../errors.ts';

/** What an executor asks its driver for. */
export interface AppServices {
  blob(blobId: number, partition: number): Promise<Uint8Array>;
  broadcast(broadcastId: number): Promise<unknown>;
  bundle(hash: string): Promise<JobBundle>;
}

export interface AppEnvironmentOptions {
  executorId: string;
  appId: string;
  dir: string;
  shuffleDir: string;
  /** Folder of the application's spill folders (one per task attempt). */
  spillDir: string;
  taskMemoryBytes: number;
  blockStore: BlockStore;
  peer: (location: { host: string; port: number }) => Promise<Connection>;
  services: AppServices;
}

/** Cuts a fetchBlocks reply (the blocks back to back) by the sizes the map-output registry knows. */
function splitBlocks(body: Uint8Array, locations: BlockLocation[], shuffleId: number, reducePartition: number): Uint8Array[] {
  const expected = locations.reduce((sum, l) => sum + l.size, 0);
  if (body.byteLength !== expected) {
    throw new DataflowError(
      'SHUFFLE_BLOCK_SIZE',
      `shuffle ${shuffleId} reduce ${reducePartition}: expected ${expected} bytes for ${locations.length} blocks from ${locations[0]?.executorId}, got ${body.byteLength}`,
    );
  }
  const out: Uint8Array[] = [];
  let offset = 0;
  for (const l of locations) {
    out.push(body.subarray(offset, offset + l.size));
    offset += l.size;
  }
  return out;
}

/** A TaskEnvironment whose cached broadcast values can be dropped when the driver frees them. */
export interface AppEnvironment extends TaskEnvironment {
  dropBroadcast(broadcastId: number): void;
  readonly broadcastCount: number;
}

export function appEnvironment(o: AppEnvironmentOptions): AppEnvironment {
  const broadcasts = new Map<number, Promise<unknown>>();
  const bundles = new Map<string, Promise<LoadedBundle>>();
  return {
    dropBroadcast: (broadcastId: number) => void broadcasts.delete(broadcastId),
    get broadcastCount() {
      return broadcasts.size;
    },
    executorId: o.executorId,
    shuffleDir: o.shuffleDir,
    spillDir: o.spillDir,
    taskMemoryBytes: o.taskMemoryBytes,
    blockStore: o.blockStore,
    fetchRemoteBlocks: async (locations: BlockLocation[], shuffleId: number, reducePartition: number) => {
      const reply = await (await o.peer(locations[0]!)).request({
        header: { type: MessageType.fetchBlocks, appId: o.appId, shuffleId, reducePartition, maps: locations.map((l) => [l.mapPartition, l.attempt]) },
      });
      return splitBlocks(reply.body ?? new Uint8Array(0), locations, shuffleId, reducePartition);
    },
    fetchCachedBlock: async (location: CachedBlockLocation) => {
      const reply = await (await o.peer(location)).request({
        header: { type: MessageType.fetchCached, appId: o.appId, cacheId: location.cacheId, partition: location.partition },
      });
      return decodeIpc(reply.body ?? new Uint8Array(0), `cached partition ${location.partition} of cache ${location.cacheId} from executor ${location.executorId}`);
    },
    fetchBlob: async (blobId: number, partition: number): Promise<Table> =>
      decodeIpc(await o.services.blob(blobId, partition), `partition ${partition} of in-memory table ${blobId} (sent by the driver)`),
    fetchBroadcast: (broadcastId: number) => {
      let value = broadcasts.get(broadcastId);
      if (!value) {
        value = o.services.broadcast(broadcastId);
        value.catch(() => broadcasts.delete(broadcastId));
        broadcasts.set(broadcastId, value);
      }
      return value;
    },
    loadBundle: (hash: string) => {
      let loaded = bundles.get(hash);
      if (!loaded) {
        loaded = (async () => {
          const bundle = await o.services.bundle(hash);
          const host = await hostModules();
          return loadBundle(bundle, { workDir: o.dir, engine: host.engine, sharedModules: host.shared });
        })();
        loaded.catch(() => bundles.delete(hash));
        bundles.set(hash, loaded);
      }
      return loaded;
    },
  };
}
