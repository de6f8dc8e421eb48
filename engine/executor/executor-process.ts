// The executor process: registers with its driver, runs the tasks it is sent (up to `cores` at a
// time), serves its shuffle blocks to other executors, and exits when the driver goes away, so
// no executor outlives its application.

import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tableFromIPC, tableToIPC } from 'apache-arrow';
import type { Table } from 'apache-arrow';
import { connect, listen } from '../transport/index.ts';
import type { Connection, Message, TransportServer } from '../transport/index.ts';
import { MessageType, decodeBody, encodeBody } from '../cluster/protocol.ts';
import type { RegisterFields } from '../cluster/protocol.ts';
import type { JobBundle } from '../closure/bundle.ts';
import { loadBundle } from '../closure/load-bundle.ts';
import { hostModules } from '../closure/host-modules.ts';
import type { LoadedBundle } from '../closure/load-bundle.ts';
import { readBlockBytes } from '../shuffle/shuffle-reader.ts';
import { BlockStore } from './block-store.ts';
import { ShuffleOutputs } from './shuffle-outputs.ts';
import type { TaskEnvironment } from './environment.ts';
import type { BlockLocation, CachedBlockLocation, TaskDescriptor } from './task.ts';
import { TaskError } from './task.ts';
import { runTask } from './task-runner.ts';

export interface ExecutorOptions {
  driverHost: string;
  driverPort: number;
  executorId: string;
  workDir: string;
  cores: number;
  secret: string;
  /** Address other executors use to reach this one's block server. */
  advertiseHost?: string;
}

export async function runExecutor(options: ExecutorOptions): Promise<void> {
  const shuffleDir = join(options.workDir, 'shuffle');
  await mkdir(shuffleDir, { recursive: true });
  const shuffleOutputs = new ShuffleOutputs();
  const peers = new Map<string, Promise<Connection>>();
  const broadcasts = new Map<number, Promise<unknown>>();
  const bundles = new Map<string, Promise<LoadedBundle>>();

  const blockStore = new BlockStore();
  const blockServer: TransportServer = await listen({
    secret: options.secret, role: 'block-server',
    onConnection: (conn) => conn.onMessage(async (msg) => {
      if (msg.header.type === MessageType.fetchCached) {
        const table = blockStore.get(Number(msg.header.cacheId), Number(msg.header.partition));
        if (table) await conn.reply(msg, { header: { type: 'ok' }, body: tableToIPC(table, 'stream') });
        else await conn.replyError(msg, new Error(`executor ${options.executorId} no longer holds cached partition ${String(msg.header.cacheId)}:${String(msg.header.partition)}`));
        return;
      }
      if (msg.header.type !== MessageType.fetchBlock) return;
      const { shuffleId, mapPartition, reducePartition } = msg.header as unknown as { shuffleId: number; mapPartition: number; reducePartition: number };
      const output = shuffleOutputs.get(shuffleId, mapPartition);
      try {
        if (!output) throw new Error(`executor ${options.executorId} holds no output of shuffle ${shuffleId} map ${mapPartition}`);
        const bytes = await readBlockBytes(output.dir, shuffleId, mapPartition, output.attempt, reducePartition);
        await conn.reply(msg, { header: { type: 'ok' }, body: bytes });
      } catch (error) {
        await conn.replyError(msg, error).catch(() => undefined);
      }
    }),
  });

  const driver = await connect({ host: options.driverHost, port: options.driverPort, secret: options.secret, role: 'executor' });
  /** One connection per other executor's block server, opened on first use. */
  const peer = (location: { host: string; port: number }): Promise<Connection> => {
    const key = `${location.host}:${location.port}`;
    let conn = peers.get(key);
    if (!conn) {
      conn = connect({ host: location.host, port: location.port, secret: options.secret, role: 'executor' });
      peers.set(key, conn);
      conn.then((c) => c.onClose(() => peers.delete(key)), () => peers.delete(key));
    }
    return conn;
  };
  const request = async (msg: Message): Promise<Uint8Array> => {
    const reply = await driver.request(msg);
    return reply.body ?? new Uint8Array(0);
  };

  const env: TaskEnvironment = {
    executorId: options.executorId,
    shuffleDir,
    blockStore,
    shuffleOutputs,
    fetchRemoteBlock: async (location: BlockLocation, shuffleId: number, reducePartition: number) => {
      const reply = await (await peer(location)).request({ header: { type: MessageType.fetchBlock, shuffleId, mapPartition: location.mapPartition, reducePartition } });
      return reply.body ?? new Uint8Array(0);
    },
    fetchCachedBlock: async (location: CachedBlockLocation) => {
      const reply = await (await peer(location)).request({ header: { type: MessageType.fetchCached, cacheId: location.cacheId, partition: location.partition } });
      return tableFromIPC(reply.body ?? new Uint8Array(0));
    },
    fetchBlob: async (blobId: number, partition: number): Promise<Table> =>
      tableFromIPC(await request({ header: { type: MessageType.fetchBlob, blobId, partition } })),
    fetchBroadcast: (broadcastId: number) => {
      let value = broadcasts.get(broadcastId);
      if (!value) {
        value = request({ header: { type: MessageType.fetchBroadcast, broadcastId } }).then((b) => decodeBody<unknown>(b));
        broadcasts.set(broadcastId, value);
      }
      return value;
    },
    loadBundle: (hash: string) => {
      let loaded = bundles.get(hash);
      if (!loaded) {
        loaded = (async () => {
          const bundle = decodeBody<JobBundle>(await request({ header: { type: MessageType.fetchBundle, hash } }));
          const host = await hostModules();
          return loadBundle(bundle, { workDir: options.workDir, engine: host.engine, sharedModules: host.shared });
        })();
        bundles.set(hash, loaded);
      }
      return loaded;
    },
  };

  // Tasks beyond `cores` wait here; the driver's scheduler normally never sends more than that.
  const queue: TaskDescriptor[] = [];
  let running = 0;
  const pump = (): void => {
    while (running < options.cores && queue.length > 0) {
      const task = queue.shift()!;
      running++;
      runTask(task, env).then(
        (result) => driver.send({ header: { type: MessageType.taskFinished, taskId: task.taskId }, body: encodeBody(result) }),
        (error: unknown) => {
          const reason = error instanceof TaskError ? error.reason
            : { kind: 'UserCodeError' as const, message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
          return driver.send({ header: { type: MessageType.taskFailed, taskId: task.taskId }, body: encodeBody(reason) });
        },
      ).catch(() => undefined).finally(() => { running--; pump(); });
    }
  };

  let stopping = false;
  const stop = async (code: number): Promise<never> => {
    if (!stopping) {
      stopping = true;
      await blockServer.close().catch(() => undefined);
      for (const peer of peers.values()) await peer.then((c) => c.close(), () => undefined);
      await driver.close().catch(() => undefined);
      await rm(options.workDir, { recursive: true, force: true }).catch(() => undefined);
    }
    process.exit(code);
  };

  driver.onMessage((msg) => {
    switch (msg.header.type) {
      case MessageType.launchTask:
        queue.push(decodeBody<TaskDescriptor>(msg.body));
        pump();
        return;
      case MessageType.dropCache:
        env.blockStore.drop(Number(msg.header.cacheId));
        return;
      case MessageType.shutdown:
        void stop(0);
        return;
    }
  });
  driver.onClose(() => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  const register: RegisterFields = {
    executorId: options.executorId, host: options.advertiseHost ?? '127.0.0.1', port: blockServer.port, slots: options.cores, pid: process.pid,
  };
  await driver.send({ header: { type: MessageType.register, ...register } });
}
