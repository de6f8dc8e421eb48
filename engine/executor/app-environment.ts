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
import { allocateOutputBuffer, isOutputBufferLive, outputBufferTicket, outputPoolLimit } from '../shuffle/output-buffers.ts';
import { mapOutputStem } from '../shuffle/block-id.ts';

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

/**
 * The map outputs this thread encoded and handed to its executor's store, so its reduce tasks read
 * them without a message to (and a wake of) the thread holding the store: an entry counts only
 * while its buffer is still in that use (output-buffers.ts), i.e. the store has not dropped it.
 * Outputs in other buffers are not remembered (the store is asked, as before).
 */
function ownMapOutputs(): {
  remember(shuffleId: number, mapPartition: number, attempt: number, output: EncodedBuckets): void;
  find(shuffleId: number, mapPartition: number, attempt: number): EncodedBuckets | undefined;
} {
  const outputs = new Map<string, { output: EncodedBuckets; ticket: number }>();
  let sweeper: NodeJS.Timeout | undefined;
  // Entries the store dropped go within a second, so this thread never holds their memory for long.
  const sweep = (): void => {
    for (const [key, entry] of outputs) if (!isOutputBufferLive(entry.output.bytes, entry.ticket)) outputs.delete(key);
    sweeper = outputs.size > 0 ? setTimeout(sweep, 1000).unref() : undefined;
  };
  return {
    remember(shuffleId, mapPartition, attempt, output) {
      const ticket = outputBufferTicket(output.bytes);
      if (ticket === undefined) return;
      outputs.set(mapOutputStem(shuffleId, mapPartition, attempt), { output, ticket });
      sweeper ??= setTimeout(sweep, 1000).unref();
    },
    find(shuffleId, mapPartition, attempt) {
      const key = mapOutputStem(shuffleId, mapPartition, attempt);
      const entry = outputs.get(key);
      if (!entry) return undefined;
      if (isOutputBufferLive(entry.output.bytes, entry.ticket)) return entry.output;
      outputs.delete(key);
      return undefined;
    },
  };
}

/** A TaskEnvironment whose cached broadcast values can be dropped when the driver frees them. */
export interface AppEnvironment extends TaskEnvironment {
  dropBroadcast(broadcastId: number): void;
  readonly broadcastCount: number;
}

export function appEnvironment(o: AppEnvironmentOptions): AppEnvironment {
  const broadcasts = new Map<number, Promise<unknown>>();
  const own = ownMapOutputs();
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
      offer: async (shuffleId, mapPartition, attempt, output) => {
        const kept = await o.services.offerMapOutput(shuffleId, mapPartition, attempt, output);
        if (kept) own.remember(shuffleId, mapPartition, attempt, output);
        return kept;
      },
      getMany: async (shuffleId, maps) => {
        // Outputs this thread encoded and the store still holds are read here; only the others
        // are asked of the thread that holds the store (one message, none when all are our own).
        const found = maps.map(([m, a]) => own.find(shuffleId, m, a));
        const missing = maps.filter((_, j) => found[j] === undefined);
        if (missing.length === 0) return found;
        const asked = await o.services.mapOutputs(shuffleId, missing.map(([m, a]) => [m, a]));
        let k = 0;
        return found.map((output) => output ?? asked[k++]);
      },
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
