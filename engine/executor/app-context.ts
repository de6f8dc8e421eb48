// One application (one driver) as an executor serves it: the connection to its driver, its own
// shuffle folder, and the tasks it runs on the executor's task threads (which hold its cached
// partitions, broadcasts and job bundles). An executor started by
// `local[N]` serves one application; a standalone executor serves several, one context each.

import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import type { Table } from 'apache-arrow';
import { connect } from '../transport/index.ts';
import type { Connection, Message } from '../transport/index.ts';
import { type ExecutorStats, MessageType, type NetworkInfo, type RegisterFields, type TaskDescriptor, TaskError, decodeBody, encodeBody, networkInfoOf } from '../protocol/index.ts';
import { countShuffleFiles, removeMapOutputFiles, removeShuffleFiles } from '../shuffle/shuffle-files.ts';
import type { JobBundle } from '../closure/bundle.ts';
import type { AppServices } from './app-environment.ts';
import type { ExecutorRuntime } from './executor-runtime.ts';
import { MapOutputStore } from '../shuffle/map-output-store.ts';
import { DataflowError } from '../errors.ts';

export interface AppGrant {
  appId: string;
  driverHost: string;
  driverPort: number;
  /** Tasks of this application that may run at once on this executor. */
  slots: number;
}

export class AppContext {
  readonly dir: string;
  /** Map outputs of this application's tasks kept in memory; served like files, dropped on close. */
  readonly mapOutputs: MapOutputStore;
  private readonly queue: TaskDescriptor[] = [];
  /** Tasks handed to the task threads and not yet reported, by id. */
  private readonly running = new Map<number, TaskDescriptor>();
  private closing: Promise<void> | undefined;
  private starting: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();
  private driver!: Connection;
  /** The driver's network settings; fetches from peer executors are given up on after its timeout. */
  private network: NetworkInfo = { heartbeatIntervalMs: 1_000, networkTimeoutMs: 60_000 };
  private readonly closeHandlers: Array<(reason: string) => void> = [];

  constructor(private readonly runtime: ExecutorRuntime, readonly grant: AppGrant) {
    this.dir = runtime.appDir(grant.appId);
    this.mapOutputs = new MapOutputStore(runtime.mapOutputBytes);
  }

  get shuffleDir(): string {
    return join(this.dir, 'shuffle');
  }

  /**
   * Connects to the driver and registers; tasks start arriving after this. A close() meanwhile
   * (the master released the application) wins: start then fails and leaves no folder behind.
   */
  start(): Promise<void> {
    this.starting ??= this.connectAndRegister();
    return this.starting;
  }

  private async connectAndRegister(): Promise<void> {
    await mkdir(this.shuffleDir, { recursive: true });
    this.throwIfClosing('creating its folder');
    const driver = await connect({
      host: this.grant.driverHost, port: this.grant.driverPort, secret: this.runtime.secret, tls: this.runtime.tls, role: 'executor',
      heartbeatIntervalMs: this.runtime.heartbeatIntervalMs, heartbeatTimeoutMs: this.runtime.heartbeatTimeoutMs,
    });
    if (this.closing) await driver.close().catch(() => undefined);
    this.throwIfClosing('connecting to its driver');
    this.driver = driver;
    this.network = networkInfoOf(this.driver.peerInfo.info, this.network);
    this.driver.onMessage((msg) => this.onDriverMessage(msg));
    this.driver.onClose((info) => void this.close(`driver connection closed: ${info.reason}`));
    const register: RegisterFields = {
      executorId: this.runtime.executorId, host: this.runtime.advertiseHost, port: this.runtime.blockPort,
      slots: this.grant.slots, pid: process.pid, heapLimitBytes: getHeapStatistics().heap_size_limit,
      memoryBytes: this.runtime.memoryBytes,
    };
    await this.driver.send({ header: { type: MessageType.register, ...register } });
  }

  private throwIfClosing(step: string): void {
    if (!this.closing) return;
    throw new DataflowError('APP_CLOSED_WHILE_STARTING',
      `executor ${this.runtime.executorId} stopped serving application ${this.grant.appId} while ${step} (it was released, or the executor is stopping); nothing to do`);
  }

  /** The close under way once close() was called (it resolves when the application's state is gone). */
  get closed(): Promise<void> | undefined {
    return this.closing;
  }

  onClose(handler: (reason: string) => void): void {
    this.closeHandlers.push(handler);
  }

  /**
   * Drops the application's state and files, once: tasks still running are waited for first, so
   * none recreates the folder after it is removed. A second call returns the same promise.
   */
  close(reason: string): Promise<void> {
    this.closing ??= (async () => {
      // A start under way stops at its next step; its folder is removed below, after it, not before.
      await this.starting?.catch(() => undefined);
      this.queue.length = 0;
      // Tasks still running are stopped, not waited for: nobody will read what they compute.
      for (const taskId of this.running.keys()) this.runtime.threads.kill(taskId, `application ${this.grant.appId} is closing (${reason})`);
      await this.driver?.close().catch(() => undefined);
      await Promise.allSettled([...this.inFlight]);
      this.runtime.threads.dropApp(this.grant.appId);
      this.mapOutputs.clear();
      await rm(this.dir, { recursive: true, force: true }).catch(() => undefined);
      for (const handler of this.closeHandlers) handler(reason);
    })();
    return this.closing;
  }

  private onDriverMessage(msg: Message): void {
    switch (msg.header.type) {
      case MessageType.launchTask:
        this.queue.push(decodeBody<TaskDescriptor>(msg.body));
        this.pump();
        return;
      case MessageType.killTask:
        this.kill(Number(msg.header.taskId));
        return;
      case MessageType.dropCache:
        this.runtime.threads.dropCache(this.grant.appId, Number(msg.header.cacheId));
        return;
      case MessageType.dropShuffle:
        void this.dropShuffle(Number(msg.header.shuffleId));
        return;
      case MessageType.dropBroadcast:
        this.runtime.threads.dropBroadcast(this.grant.appId, Number(msg.header.broadcastId));
        return;
      case MessageType.executorStats:
        void this.stats().then(
          (stats) => this.driver.reply(msg, { header: { type: 'ok' }, body: encodeBody(stats) }),
          (error: unknown) => this.driver.replyError(msg, error),
        ).catch(() => undefined);
        return;
      case MessageType.shutdown:
        void this.close('the driver asked this executor to stop');
        return;
    }
  }

  /** The driver no longer needs task `taskId` (its job failed or was cancelled): stop it, wherever it is. */
  private kill(taskId: number): void {
    const message = 'its job ended (failed or cancelled) and no other job needs its output';
    const queued = this.queue.findIndex((t) => t.taskId === taskId);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      const reason = { kind: 'TaskKilled' as const, executorId: this.runtime.executorId, message: `task ${taskId} was killed before it started: ${message}` };
      void this.driver.send({ header: { type: MessageType.taskFailed, taskId }, body: encodeBody(reason) }).catch(() => undefined);
      return;
    }
    if (this.running.has(taskId)) this.runtime.threads.kill(taskId, message);
  }

  /** Removes what a killed task may have written: its map output, kept or in files (finished or half-written). */
  private async removeTaskOutput(task: TaskDescriptor): Promise<void> {
    if (task.output.kind !== 'shuffle') return;
    const { shuffleId } = task.output.dep;
    this.mapOutputs.drop(shuffleId, task.partition, task.attempt);
    await removeMapOutputFiles(this.shuffleDir, shuffleId, task.partition, task.attempt);
  }

  private pump(): void {
    while (this.running.size < this.grant.slots && this.queue.length > 0) {
      const task = this.queue.shift()!;
      this.running.set(task.taskId, task);
      this.runtime.beforeTask(task);
      const metrics = this.runtime.metrics;
      metrics.taskStarted();
      const run = this.runtime.threads.run(task, { appId: this.grant.appId, dir: this.dir, shuffleDir: this.shuffleDir, spillDir: join(this.dir, 'spill'), network: this.network }, this.services);
      const done = run.then(
        (result) => {
          metrics.taskSucceeded(task, result);
          return this.driver.send({ header: { type: MessageType.taskFinished, taskId: task.taskId }, body: encodeBody(result) });
        },
        async (error: unknown) => {
          const reason = error instanceof TaskError ? error.reason
            : { kind: 'UserCodeError' as const, message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
          metrics.taskFailed(reason);
          if (reason.kind === 'TaskKilled') await this.removeTaskOutput(task);
          return this.driver.send({ header: { type: MessageType.taskFailed, taskId: task.taskId }, body: encodeBody(reason) });
        },
      ).catch(() => undefined).finally(() => { this.running.delete(task.taskId); this.inFlight.delete(done); if (!this.closing) this.pump(); });
      this.inFlight.add(done);
    }
  }

  /** Deletes a shuffle's map outputs: the driver holds no dataset that reads it any more. */
  private async dropShuffle(shuffleId: number): Promise<void> {
    this.mapOutputs.dropShuffle(shuffleId);
    await removeShuffleFiles(this.shuffleDir, shuffleId);
  }

  /** What this application holds on this executor (main thread and task threads). */
  private async stats(): Promise<ExecutorStats> {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const threads = await this.runtime.threads.stats(this.grant.appId);
    return {
      executorId: this.runtime.executorId,
      heapUsedBytes: getHeapStatistics().used_heap_size + threads.reduce((sum, t) => sum + t.heapUsedBytes, 0),
      collected: gc !== undefined && threads.every((t) => t.collected),
      cachedBlocks: threads.reduce((sum, t) => sum + t.cachedBlocks, 0),
      cachedMemoryBytes: threads.reduce((sum, t) => sum + t.cachedMemoryBytes, 0),
      cachedDiskBytes: threads.reduce((sum, t) => sum + t.cachedDiskBytes, 0),
      broadcasts: threads.reduce((sum, t) => sum + t.broadcasts, 0),
      // Map outputs kept in memory count like files: what a dropped shuffle must no longer hold.
      shuffleFiles: await countShuffleFiles(this.shuffleDir) + this.mapOutputs.count,
    };
  }

  /** A cached partition of this application, held by whichever task thread computed it. */
  cachedTable(cacheId: number, partition: number): Promise<Table | undefined> {
    return this.runtime.threads.cached(this.grant.appId, cacheId, partition);
  }

  private request = async (msg: Message): Promise<Uint8Array> => (await this.driver.request(msg)).body ?? new Uint8Array(0);

  /** What this application's tasks ask the driver for. */
  readonly services: AppServices = {
    blob: (blobId, partition) => this.request({ header: { type: MessageType.fetchBlob, blobId, partition } }),
    broadcast: async (broadcastId) => decodeBody<unknown>(await this.request({ header: { type: MessageType.fetchBroadcast, broadcastId } })),
    bundle: async (hash) => decodeBody<JobBundle>(await this.request({ header: { type: MessageType.fetchBundle, hash } })),
    offerMapOutput: async (shuffleId, mapPartition, attempt, output) => !this.closing && this.mapOutputs.offer(shuffleId, mapPartition, attempt, output),
    mapOutputs: async (shuffleId, maps) => this.mapOutputs.getMany(shuffleId, maps),
  };
}
