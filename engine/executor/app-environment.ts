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
import type { EncodedBuckets } from '../shuffle/bucket-encoder.ts';
import { allocateOutputBuffer, outputPoolLimit } from '../shuffle/output-buffers.ts';

/** What an executor's task threads ask its main thread for: driver data and the kept map outputs. */
export interface AppServices {
  blob(blobId: number, partition: number): Promise<Uint8Array>;
  broadcast(broadcastId: number): Promise<unknown>;
  bundle(hash: string): Promise<JobBundle>;
  offerMapOutput(shuffleId: number, mapPartition: number, attempt: number, output: EncodedBuckets): Promise<boolean>;
  mapOutputs(shuffleId: number, maps: Array<[mapPartition: number, attempt: number]>): Promise<Array<EncodedBuckets | undefined>>;
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

/** Cuts a fetchBlocks reply (the blocks back to back) by the sizes its header lists, one per location. */
function splitBlocks(body: Uint8Array, sizes: unknown, locations: BlockLocation[], shuffleId: number, reducePartition: number): Uint8Array[] {
  const from = `shuffle ${shuffleId} reduce ${reducePartition}: the reply of executor ${locations[0]?.executorId}`;
  if (!Array.isArray(sizes) || sizes.length !== locations.length) {
    throw new DataflowError('SHUFFLE_BLOCK_SIZE', `${from} lists ${Array.isArray(sizes) ? sizes.length : 'no'} block sizes for ${locations.length} blocks`);
  }
  const expected = (sizes as number[]).reduce((sum, s) => sum + s, 0);
  if (body.byteLength !== expected) throw new DataflowError('SHUFFLE_BLOCK_SIZE', `${from} should have ${expected} bytes for ${locations.length} blocks, but has ${body.byteLength}`);
  const out: Uint8Array[] = [];
  let offset = 0;
  for (const size of sizes as number[]) {
    out.push(body.subarray(offset, offset + size));
    offset += size;
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
    mapOutputs: {
      allocate: (byteLength) => allocateOutputBuffer(byteLength, outputPoolLimit(o.taskMemoryBytes)),
      offer: (shuffleId, mapPartition, attempt, output) => o.services.offerMapOutput(shuffleId, mapPartition, attempt, output),
      getMany: (shuffleId, maps) => o.services.mapOutputs(shuffleId, maps.map(([m, a]) => [m, a])),
    },
    fetchRemoteBlocks: async (locations: BlockLocation[], shuffleId: number, reducePartition: number, endPartition: number) => {
      const reply = await (await o.peer(locations[0]!)).request({
        header: {
          type: MessageType.fetchBlocks, appId: o.appId, shuffleId, reducePartition, endPartition,
          maps: locations.map((l) => [l.mapPartition, l.attempt]),
        },
      });
      return splitBlocks(reply.body ?? new Uint8Array(0), reply.header.sizes, locations, shuffleId, reducePartition);
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
          // the engine's face loads (the first time in this thread, ~0.5 s) while the bundle comes from the driver
          const [bundle, host] = await Promise.all([o.services.bundle(hash), hostModules()]);
          return loadBundle(bundle, { workDir: o.dir, engine: host.engine, sharedModules: host.shared });
        })();
        loaded.catch(() => bundles.delete(hash));
        bundles.set(hash, loaded);
      }
      return loaded;
    },
  };
}
