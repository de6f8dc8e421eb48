// Where an executor runs its tasks: on a pool of one worker thread per core (one for a one-core
// executor too), so CPU-bound tasks really use N cores: the main thread keeps the network
// (driver connection, block server) and answers the threads' requests for driver data, while
// each thread runs tasks with its own connections to peer executors and its own cache memory.
// A thread that reaches its V8 heap limit is ended by V8: its task fails as OutOfMemory (retried by
// the driver) and a new thread takes its place, so the executor lives on. A task no job needs any
// more is killed the same way: its thread is terminated and replaced.

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { Table } from 'apache-arrow';
import { type NetworkInfo, type TaskDescriptor, TaskError, type TaskFailureReason, type TaskResult } from '../protocol/index.ts';
import type { AppServices } from './app-environment.ts';
import { decodeIpc, encodeIpc } from '../kernels/ipc.ts';
import { taskSpillDir } from './spill-files.ts';
import { initialOldSpaceMb } from './memory-limit.ts';
import type { TlsSettings } from '../transport/index.ts';

/** What every task thread of an executor knows: who it is, the secret and TLS settings, each task's memory share and its cache's. */
export interface ThreadInfo { executorId: string; secret: string; tls?: TlsSettings; chaos?: string; taskMemoryBytes: number; storageMemoryBytes: number }

/** Where a task thread keeps the cached partitions of an application that do not fit its memory. */
export function threadCacheDir(appDir: string, threadId: number): string {
  return join(appDir, 'cache', `thread-${threadId}`);
}

/**
 * What a task thread needs to know about the application a task belongs to. `network`: its
 * driver's settings, by which the thread's connections to peer executors detect a hung peer.
 */
export interface AppInfo { appId: string; dir: string; shuffleDir: string; spillDir: string; network: NetworkInfo }

export interface TaskThreads {
  run(task: TaskDescriptor, app: AppInfo, services: AppServices): Promise<TaskResult>;
  /** A cached partition held by whichever thread computed it. */
  cached(appId: string, cacheId: number, partition: number): Promise<Table | undefined>;
  dropCache(appId: string, cacheId: number): void;
  dropBroadcast(appId: string, broadcastId: number): void;
  /** Per thread: heap in use (after a collection where allowed) and what it holds for `appId`. */
  stats(appId: string): Promise<ThreadStats[]>;
  dropApp(appId: string): void;
  /**
   * Stops task `taskId` if it is queued or running (a running one's thread is terminated and
   * replaced; its spill files go): its run() rejects with TaskKilled. False if it is not here.
   */
  kill(taskId: number, message: string): boolean;
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

/**
 * The buffer of `bytes` when they alone span all of it (a fresh encodeIpc result, a frame body of
 * its own), to move to the other thread with the message instead of copying it (a collect's table
 * or an in-memory source partition can be hundreds of MB). Never a SharedArrayBuffer, nor Node's
 * pool of small Buffers (a slice of it never spans it). The sender must not use `bytes` after.
 *
 * @example
 * port.postMessage({ ipc }, ownedBuffer(ipc)); // ipc is detached here afterwards
 */
export function ownedBuffer(bytes: unknown): ArrayBuffer[] {
  if (!(bytes instanceof Uint8Array) || bytes.byteOffset !== 0 || bytes.byteLength === 0) return [];
  const buffer = bytes.buffer;
  return buffer instanceof ArrayBuffer && buffer.byteLength === bytes.byteLength ? [buffer] : [];
}

/**
 * Task threads started from now on begin with an old generation of `mb` MiB (initialOldSpaceMb),
 * unless 0 or the process was started with a heap size of its own (--initial-old-space-size or
 * --initial-heap-size in its options or NODE_OPTIONS): V8 flags are process-wide and a worker
 * thread's heap reads them when it starts.
 */
function startHeapsWithOldSpace(mb: number): void {
  const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => /--initial[-_](old[-_]space|heap)[-_]size/.test(a));
  const size = Math.min(mb, Math.floor(getHeapStatistics().heap_size_limit / 2 / 2 ** 20)); // never near a small --max-old-space-size
  if (size > 0 && !given) setFlagsFromString(`--initial-old-space-size=${size}`);
}

interface Pending { task: TaskDescriptor; app: AppInfo; services: AppServices; resolve: (r: TaskResult) => void; reject: (e: Error) => void }
interface Slot {
  worker: Worker; busy: Pending | undefined; id: number;
  /** Folders of the applications its thread ran tasks for, by id (their caches on disk go with the thread). */
  appDirs: Map<string, string>;
}
interface Waiter<T> { slot: Slot; resolve: (value: T) => void }

/** Stats of a thread that has just been replaced: it holds nothing yet. */
const FRESH_THREAD: ThreadStats = { heapUsedBytes: 0, collected: false, cachedBlocks: 0, cachedMemoryBytes: 0, cachedDiskBytes: 0, broadcasts: 0 };

export class TaskThreadPool implements TaskThreads {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private readonly cacheOwner = new Map<string, Slot>();
  private readonly cachedWaiters = new Map<number, Waiter<Uint8Array | undefined>>();
  private readonly statsWaiters = new Map<number, Waiter<ThreadStats>>();
  private nextId = 0;
  private closing = false;
  /**
   * The V8 heap limit of each task thread: threads inherit the process's heap flags
   * (--max-old-space-size), so it is the main thread's.
   */
  readonly heapLimitBytes = getHeapStatistics().heap_size_limit;

  constructor(size: number, private readonly info: ThreadInfo) {
    startHeapsWithOldSpace(initialOldSpaceMb(info.taskMemoryBytes));
    for (let i = 0; i < size; i++) {
      const slot: Slot = { worker: undefined as unknown as Worker, busy: undefined, id: i, appDirs: new Map() };
      this.startThread(slot);
      this.slots.push(slot);
    }
  }

  private startThread(slot: Slot): void {
    // argv as the process's, so code in a task thread sees the same process.argv as the process.
    const worker = new Worker(BOOTSTRAP, { workerData: this.info, argv: process.argv.slice(2) });
    slot.worker = worker;
    // a killed thread's last messages are not its successor's
    worker.on('message', (m: FromThread) => { if (slot.worker === worker) this.onMessage(slot, m); });
    const threadId = worker.threadId; // -1 once the thread has ended
    worker.on('error', (error) => this.crashed(slot, worker, threadId, error));
    worker.unref();
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
      this.cachedWaiters.set(rpcId, { slot, resolve: (ipc) => resolve(ipc ? decodeIpc(ipc, `cached partition ${partition} of cache ${cacheId} (from a task thread)`) : undefined) });
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
      this.statsWaiters.set(rpcId, { slot, resolve });
      slot.worker.postMessage({ type: 'stats', rpcId, appId } satisfies ToThread);
    })));
  }

  dropApp(appId: string): void {
    for (const key of [...this.cacheOwner.keys()]) if (key.startsWith(`${appId}:`)) this.cacheOwner.delete(key);
    for (const slot of this.slots) {
      slot.appDirs.delete(appId);
      slot.worker.postMessage({ type: 'dropApp', appId } satisfies ToThread);
    }
  }

  kill(taskId: number, message: string): boolean {
    const killed = (task: TaskDescriptor): TaskError => new TaskError({ kind: 'TaskKilled', executorId: this.info.executorId, message: `task ${task.taskId} was killed: ${message}` });
    const queued = this.queue.findIndex((p) => p.task.taskId === taskId);
    if (queued >= 0) {
      const [pending] = this.queue.splice(queued, 1);
      pending!.reject(killed(pending!.task));
      return true;
    }
    const slot = this.slots.find((s) => s.busy?.task.taskId === taskId);
    if (!slot || this.closing) return false;
    const pending = slot.busy!;
    const { worker } = slot;
    const threadId = worker.threadId;
    const exited = worker.terminate();
    const leftovers = [...this.forgetThread(slot, threadId), taskSpillDir(pending.app.spillDir, pending.task)];
    this.startThread(slot);
    this.dispatch();
    // Reported once the thread has ended, so nothing it was writing appears after its files are removed.
    void exited.catch(() => undefined).then(() => {
      for (const dir of leftovers) rmSync(dir, { recursive: true, force: true });
      pending.reject(killed(pending.task));
    });
    return true;
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.busy || this.queue.length === 0) continue;
      const pending = this.queue.shift()!;
      slot.busy = pending;
      slot.appDirs.set(pending.app.appId, pending.app.dir);
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
        // Bytes answered (a source partition from the driver, a cached partition's IPC) are this reply's alone: moved, not copied.
        const reply = (r: Omit<Extract<ToThread, { type: 'rpcReply' }>, 'type' | 'rpcId'>): void =>
          slot.worker.postMessage({ type: 'rpcReply', rpcId: m.rpcId, ...r } satisfies ToThread, m.method === 'blob' || m.method === 'cached' ? ownedBuffer(r.value) : []);
        if (!services) { reply({ error: `no task of application ${m.appId} is running on this thread` }); return; }
        const call = m.method === 'cached'
          ? this.cached(m.appId, Number(m.args[0]), Number(m.args[1])).then((t) => (t ? encodeIpc(t) : undefined))
          : (services[m.method] as (...args: unknown[]) => Promise<unknown>)(...m.args);
        call.then((value) => reply({ value }), (error: unknown) => reply({ error: error instanceof Error ? error.message : String(error) }));
        return;
      }
      case 'cachedReply':
        this.cachedWaiters.get(m.rpcId)?.resolve(m.ipc);
        this.cachedWaiters.delete(m.rpcId);
        return;
      case 'statsReply':
        this.statsWaiters.get(m.rpcId)?.resolve(m.stats);
        this.statsWaiters.delete(m.rpcId);
        return;
    }
  }

  /**
   * The slot's thread ended: what it held is gone: its cached partitions (readers recompute them
   * from lineage) in memory and on disk, and its answers to requests in flight. Its task, if any,
   * is the caller's to fail. Returns its cache folders, for the caller to remove once it has ended.
   */
  private forgetThread(slot: Slot, threadId: number): string[] {
    slot.busy = undefined;
    for (const [key, owner] of this.cacheOwner) if (owner === slot) this.cacheOwner.delete(key);
    const dirs = [...slot.appDirs.values()].map((dir) => threadCacheDir(dir, threadId));
    slot.appDirs.clear();
    for (const [rpcId, waiter] of this.cachedWaiters) if (waiter.slot === slot) { this.cachedWaiters.delete(rpcId); waiter.resolve(undefined); }
    for (const [rpcId, waiter] of this.statsWaiters) if (waiter.slot === slot) { this.statsWaiters.delete(rpcId); waiter.resolve(FRESH_THREAD); }
    return dirs;
  }

  private crashed(slot: Slot, worker: Worker, threadId: number, error: Error): void {
    if (slot.worker !== worker || this.closing) return;
    if ((error as NodeJS.ErrnoException).code !== 'ERR_WORKER_OUT_OF_MEMORY') {
      // A thread that dies otherwise takes the process's ability to run its task with it: fail
      // loudly so the driver sees an executor loss rather than a task that never ends.
      process.stderr.write(`task thread ${slot.id} crashed: ${error.stack ?? error.message}\n`);
      process.exit(70);
    }
    const pending = slot.busy;
    for (const dir of this.forgetThread(slot, threadId)) rmSync(dir, { recursive: true, force: true });
    const limit = `heap limit ${Math.round(this.heapLimitBytes / 2 ** 20)} MB`;
    if (pending) {
      const { task } = pending;
      rmSync(taskSpillDir(pending.app.spillDir, task), { recursive: true, force: true });
      const message = `executor ${this.info.executorId} ran out of memory (${limit}) in task ${task.taskId} of stage ${task.stageId} ` +
        `(partition ${task.partition}, attempt ${task.attempt})`;
      process.stderr.write(`${message}; its task thread ${slot.id} is replaced by a new one\n`);
      pending.reject(new TaskError({
        kind: 'OutOfMemory', executorId: this.info.executorId, heapLimitBytes: this.heapLimitBytes,
        taskId: task.taskId, stageId: task.stageId, partition: task.partition, attempt: task.attempt, message,
      }));
    } else {
      process.stderr.write(`task thread ${slot.id} of executor ${this.info.executorId} ran out of memory (${limit}) between tasks; it is replaced by a new one\n`);
    }
    this.startThread(slot);
    this.dispatch();
  }
}
