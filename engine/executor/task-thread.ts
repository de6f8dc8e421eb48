// An executor's task thread: runs the tasks the pool hands it, with its own connections to peer
// executors and its own cache memory; asks the main thread for driver data (source partitions,
// broadcasts, bundles), since only the main thread talks to the driver.

import { getHeapStatistics } from 'node:v8';
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { connect } from '../transport/index.ts';
import type { Connection } from '../transport/index.ts';
import type { JobBundle } from '../closure/bundle.ts';
import type { EncodedBuckets } from '../shuffle/bucket-encoder.ts';
import { BlockStore } from './block-store.ts';
import { appEnvironment } from './app-environment.ts';
import type { AppEnvironment, AppServices } from './app-environment.ts';
import { type NetworkInfo, TaskError } from '../protocol/index.ts';
import { runTask } from './task-runner.ts';
import { type FromThread, type ToThread, type AppInfo, type ThreadInfo, ownedBuffer, threadCacheDir } from './task-threads.ts';
import { decodeIpc, encodeIpc } from '../kernels/ipc.ts';
import { DataflowError } from '../errors.ts';
import { Chaos } from './chaos.ts';

const port = parentPort!;
const { executorId, secret, tls, chaos, taskMemoryBytes, storageMemoryBytes } = workerData as ThreadInfo;
// the chaos switch drops and delays this thread's fetch connections too (its own seeded sequence)
if (chaos) Chaos.parse(chaos).forThread(threadId).installConnectionFaults();
const apps = new Map<string, { env: AppEnvironment; blockStore: BlockStore }>();
const peers = new Map<string, Promise<Connection>>();
const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
let nextRpc = 0;

const post = (m: FromThread, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

/**
 * One connection per peer executor's block server (and network settings), opened on first use.
 * Heartbeats on it detect a peer that stopped answering (SIGSTOP, a hung host: no FIN, no RST):
 * after the application's network timeout the connection closes and its pending fetches fail, so
 * a reducer reports FetchFailed instead of waiting forever.
 */
function peer(location: { host: string; port: number }, network: NetworkInfo): Promise<Connection> {
  const key = `${location.host}:${location.port}/${network.heartbeatIntervalMs}/${network.networkTimeoutMs}`;
  let conn = peers.get(key);
  if (!conn) {
    conn = connect({
      host: location.host, port: location.port, secret, tls, role: 'executor', timeoutMs: 5_000,
      heartbeatIntervalMs: network.heartbeatIntervalMs, heartbeatTimeoutMs: network.networkTimeoutMs,
    });
    peers.set(key, conn);
    conn.then((c) => c.onClose(() => peers.delete(key)), () => peers.delete(key));
  }
  return conn;
}

function rpc<T>(appId: string, method: keyof AppServices | 'cached', args: unknown[]): Promise<T> {
  const rpcId = nextRpc++;
  return new Promise<T>((resolve, reject) => {
    waiting.set(rpcId, { resolve: resolve as (v: unknown) => void, reject });
    post({ type: 'rpc', rpcId, appId, method, args });
  });
}

function appFor(info: AppInfo): { env: AppEnvironment; blockStore: BlockStore } {
  let app = apps.get(info.appId);
  if (!app) {
    // Each thread caches in its own folder: two threads may compute the same partition (a retry).
    const blockStore = new BlockStore(threadCacheDir(info.dir, threadId), storageMemoryBytes);
    const services: AppServices = {
      blob: (blobId, partition) => rpc<Uint8Array>(info.appId, 'blob', [blobId, partition]),
      broadcast: (id) => rpc<unknown>(info.appId, 'broadcast', [id]),
      bundle: (hash) => rpc<JobBundle>(info.appId, 'bundle', [hash]),
      offerMapOutput: (shuffleId, mapPartition, attempt, output) => rpc<boolean>(info.appId, 'offerMapOutput', [shuffleId, mapPartition, attempt, output]),
      mapOutputs: (shuffleId, maps) => rpc<Array<EncodedBuckets | undefined>>(info.appId, 'mapOutputs', [shuffleId, maps]),
    };
    const env = appEnvironment({
      executorId, appId: info.appId, dir: info.dir, shuffleDir: info.shuffleDir, spillDir: info.spillDir, taskMemoryBytes,
      blockStore, peer: (location) => peer(location, info.network), services,
    });
    env.findCachedOnExecutor = async (cacheId, partition) => {
      const ipc = await rpc<Uint8Array | undefined>(info.appId, 'cached', [cacheId, partition]);
      return ipc ? decodeIpc(ipc, `cached partition ${partition} of cache ${cacheId} (from another task thread)`) : undefined;
    };
    app = { blockStore, env };
    apps.set(info.appId, app);
  }
  return app;
}

port.on('message', (m: ToThread) => {
  switch (m.type) {
    case 'run':
      runTask(m.task, appFor(m.app).env).then(
        // The table's IPC was encoded for this message alone (task-runner.ts finish): moved, not copied.
        (result) => post({ type: 'result', id: m.id, result }, result.payload.kind === 'table' ? ownedBuffer(result.payload.ipc) : []),
        (error: unknown) => post({
          type: 'failed', id: m.id,
          reason: error instanceof TaskError ? error.reason
            : { kind: 'UserCodeError', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) },
        }),
      );
      return;
    case 'rpcReply': {
      const w = waiting.get(m.rpcId);
      waiting.delete(m.rpcId);
      if (m.error !== undefined) w?.reject(new DataflowError('DRIVER_REQUEST_FAILED', m.error));
      else w?.resolve(m.value);
      return;
    }
    case 'cached': {
      const table = apps.get(m.appId)?.blockStore.get(m.cacheId, m.partition);
      const ipc = table ? encodeIpc(table) : undefined;
      post({ type: 'cachedReply', rpcId: m.rpcId, ipc }, ownedBuffer(ipc));
      return;
    }
    case 'dropCache':
      apps.get(m.appId)?.blockStore.drop(m.cacheId);
      return;
    case 'dropBroadcast':
      apps.get(m.appId)?.env.dropBroadcast(m.broadcastId);
      return;
    case 'stats': {
      const app = apps.get(m.appId);
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      post({
        type: 'statsReply', rpcId: m.rpcId,
        stats: {
          heapUsedBytes: getHeapStatistics().used_heap_size, collected: gc !== undefined, cachedBlocks: app?.blockStore.size ?? 0,
          cachedMemoryBytes: app?.blockStore.stats.memoryBytes ?? 0, cachedDiskBytes: app?.blockStore.stats.diskBytes ?? 0, broadcasts: app?.env.broadcastCount ?? 0,
        },
      });
      return;
    }
    case 'dropApp':
      apps.get(m.appId)?.blockStore.clear();
      apps.delete(m.appId);
      return;
  }
});
