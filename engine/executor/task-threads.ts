// Where an executor runs its tasks. With one core, on its main thread. With N cores, on a pool of
// N worker threads, so CPU-bound tasks really use N cores: the main thread keeps the network
// (driver connection, block server) and answers the threads' requests for driver data, while
// each thread runs tasks with its own connections to peer executors and its own cache memory.

import { Worker } from 'node:worker_threads';
import type { Table } from 'apache-arrow';
import { type TaskDescriptor, TaskError, type TaskFailureReason, type TaskResult } from '../protocol/index.ts';
import type { AppServices } from './app-environment.ts';
import { decodeIpc, encodeIpc } from '../kernels/ipc.ts';

/** What every task thread of an executor knows: who it is, the secret, each task's memory share and its cache's. */
export interface ThreadInfo { executorId: string; secret: string; taskMemoryBytes: number; storageMemoryBytes: number }

/** What a task thread needs to know about the application a task belongs to. */
export interface AppInfo { appId: string; dir: string; shuffleDir: string }

export interface TaskThreads {
  run(task: TaskDescriptor, app: AppInfo, services: AppServices): Promise<TaskResult>;
  /** A cached partition held by whichever thread computed it. */
  cached(appId: string, cacheId: number, partition: number): Promise<Table | undefined>;
  dropCache(appId: string, cacheId: number): void;
  dropBroadcast(appId: string, broadcastId: number): void;
  /** Per thread: heap in use (after a collection where allowed) and what it holds for `appId`. */
  stats(appId: string): Promise<ThreadStats[]>;
  dropApp(appId: string): void;
  close(): Promise<void>;
}

export interface ThreadStats { heapUsedBytes: number; collected: boolean; cachedBlocks: number; cachedMemoryBytes: number; cachedDiskBytes: number; broadcasts: number }

/** Messages from a task thread. */
export type FromThread =
  | { type: 'result'; id: number; result: TaskResult }
  | { type: 'failed'; id: number; reason: TaskFailureReason }
  | { type: 'rpc'; rpcId: number; appId: string; method: keyof AppServices | 'cached'; args: unknown[] }
  | { type: 'cachedReply'; rpcId: number; ipc?: Uint8Array }
  | { type: 'statsReply'; rpcId: number; stats: ThreadStats };

/** Messages to a task thread. */
export type ToThread =
  | { type: 'run'; id: number; task: TaskDescriptor; app: AppInfo }
  | { type: 'rpcReply'; rpcId: number; value?: unknown; error?: string }
  | { type: 'cached'; rpcId: number; appId: string; cacheId: number; partition: number }
  | { type: 'dropCache'; appId: string; cacheId: number }
  | { type: 'dropBroadcast'; appId: string; broadcastId: number }
  | { type: 'stats'; rpcId: number; appId: string }
  | { type: 'dropApp'; appId: string };

const BOOTSTRAP = new URL('./task-thread.mjs', import.meta.url);

interface Pending { task: TaskDescriptor; app: AppInfo; services: AppServices; resolve: (r: TaskResult) => void; reject: (e: Error) => void }
interface Slot { worker: Worker; busy: Pending | undefined; id: number }

export class TaskThreadPool implements TaskThreads {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private readonly cacheOwner = new Map<string, Slot>();
  private readonly cachedWaiters = new Map<number, (ipc: Uint8Array | undefined) => void>();
  private readonly statsWaiters = new Map<number, (stats: ThreadStats) => void>();
  private nextId = 0;

  constructor(size: number, info: ThreadInfo) {
    for (let i = 0; i < size; i++) {
      // argv as the process's, so code in a task thread sees the same process.argv as the process.
      const worker = new Worker(BOOTSTRAP, { workerData: info, argv: process.argv.slice(2) });
      const slot: Slot = { worker, busy: undefined, id: i };
      worker.on('message', (m: FromThread) => this.onMessage(slot, m));
      worker.on('error', (error) => this.crashed(slot, error));
      worker.unref();
      this.slots.push(slot);
    }
  }

  run(task: TaskDescriptor, app: AppInfo, services: AppServices): Promise<TaskResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ task, app, services, resolve, reject });
      this.dispatch();
    });
  }

  cached(appId: string, cacheId: number, partition: number): Promise<Table | undefined> {
    const slot = this.cacheOwner.get(`${appId}:${cacheId}:${partition}`);
    if (!slot) return Promise.resolve(undefined);
    const rpcId = this.nextId++;
    return new Promise((resolve) => {
      this.cachedWaiters.set(rpcId, (ipc) => resolve(ipc ? decodeIpc(ipc, `cached partition ${partition} of cache ${cacheId} (from a task thread)`) : undefined));
      slot.worker.postMessage({ type: 'cached', rpcId, appId, cacheId, partition } satisfies ToThread);
    });
  }

  dropCache(appId: string, cacheId: number): void {
    const prefix = `${appId}:${cacheId}:`;
    for (const key of [...this.cacheOwner.keys()]) if (key.startsWith(prefix)) this.cacheOwner.delete(key);
    for (const slot of this.slots) slot.worker.postMessage({ type: 'dropCache', appId, cacheId } satisfies ToThread);
  }

  dropBroadcast(appId: string, broadcastId: number): void {
    for (const slot of this.slots) slot.worker.postMessage({ type: 'dropBroadcast', appId, broadcastId } satisfies ToThread);
  }

  stats(appId: string): Promise<ThreadStats[]> {
    return Promise.all(this.slots.map((slot) => new Promise<ThreadStats>((resolve) => {
      const rpcId = this.nextId++;
      this.statsWaiters.set(rpcId, resolve);
      slot.worker.postMessage({ type: 'stats', rpcId, appId } satisfies ToThread);
    })));
  }

  dropApp(appId: string): void {
    for (const key of [...this.cacheOwner.keys()]) if (key.startsWith(`${appId}:`)) this.cacheOwner.delete(key);
    for (const slot of this.slots) slot.worker.postMessage({ type: 'dropApp', appId } satisfies ToThread);
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.busy || this.queue.length === 0) continue;
      const pending = this.queue.shift()!;
      slot.busy = pending;
      slot.worker.postMessage({ type: 'run', id: pending.task.taskId, task: pending.task, app: pending.app } satisfies ToThread);
    }
  }

  private onMessage(slot: Slot, m: FromThread): void {
    switch (m.type) {
      case 'result': {
        const pending = slot.busy;
        slot.busy = undefined;
        if (pending) {
          for (const b of m.result.cachedBlocks) this.cacheOwner.set(`${pending.app.appId}:${b.cacheId}:${b.partition}`, slot);
          pending.resolve(m.result);
        }
        this.dispatch();
        return;
      }
      case 'failed': {
        const pending = slot.busy;
        slot.busy = undefined;
        pending?.reject(new TaskError(m.reason));
        this.dispatch();
        return;
      }
      case 'rpc': {
        const services = slot.busy?.services;
        const reply = (r: Omit<Extract<ToThread, { type: 'rpcReply' }>, 'type' | 'rpcId'>): void =>
          slot.worker.postMessage({ type: 'rpcReply', rpcId: m.rpcId, ...r } satisfies ToThread);
        if (!services) { reply({ error: `no task of application ${m.appId} is running on this thread` }); return; }
        const call = m.method === 'cached'
          ? this.cached(m.appId, Number(m.args[0]), Number(m.args[1])).then((t) => (t ? encodeIpc(t) : undefined))
          : (services[m.method] as (...args: unknown[]) => Promise<unknown>)(...m.args);
        call.then((value) => reply({ value }), (error: unknown) => reply({ error: error instanceof Error ? error.message : String(error) }));
        return;
      }
      case 'cachedReply':
        this.cachedWaiters.get(m.rpcId)?.(m.ipc);
        this.cachedWaiters.delete(m.rpcId);
        return;
      case 'statsReply':
        this.statsWaiters.get(m.rpcId)?.(m.stats);
        this.statsWaiters.delete(m.rpcId);
        return;
    }
  }

  private crashed(slot: Slot, error: Error): void {
    // A thread that dies takes the process's ability to run its task with it: fail loudly so the
    // driver sees an executor loss rather than a task that never ends.
    process.stderr.write(`task thread ${slot.id} crashed: ${error.stack ?? error.message}\n`);
    process.exit(70);
  }
}
