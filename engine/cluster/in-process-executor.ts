// `--master local`: one executor inside the driver process, running one task at a time through
// the same task runner that executor processes use. No sockets; every block is local.

import type { EngineConfig } from '../config.ts';
import { executorMemoryBytes, operatorBudgetBytes, storageMemoryBytes, taskMemoryBytes } from '../executor/memory-limit.ts';
import { rm, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExecutorHandle } from './executor-handle.ts';
import type { Driver } from './driver.ts';
import type { DriverServices } from './driver-services.ts';
import { getHeapStatistics } from 'node:v8';
import { type ExecutorStats, type TaskDescriptor, TaskError } from '../protocol/index.ts';
import { countShuffleFiles, removeShuffleFiles } from '../shuffle/shuffle-files.ts';
import { runTask } from '../executor/task-runner.ts';
import { BlockStore } from '../executor/block-store.ts';
import type { TaskEnvironment } from '../executor/environment.ts';
import { InternalError } from '../errors.ts';
import { MapOutputStore, directAccess } from '../shuffle/map-output-store.ts';

export class InProcessExecutor implements ExecutorHandle {
  readonly id = 'driver';
  readonly host = '127.0.0.1';
  readonly port = 0;
  readonly slots = 1;
  /** What a task's operators may hold (a broadcast join's side must fit it). */
  readonly taskBudgetBytes: number;
  readonly memoryBytes: number;
  private readonly env: TaskEnvironment;
  private readonly mapOutputs = new MapOutputStore();

  /** `config` gives the executor's memory (dataflow.executor.memory, else what this process may use). */
  constructor(private readonly driver: Driver, services: DriverServices, workDir: string, config: EngineConfig) {
    this.memoryBytes = executorMemoryBytes(config, 1);
    this.taskBudgetBytes = operatorBudgetBytes(taskMemoryBytes(executorMemoryBytes(config, 1), 1));
    this.env = {
      executorId: this.id,
      shuffleDir: join(workDir, 'shuffle'),
      spillDir: join(workDir, 'spill'),
      taskMemoryBytes: taskMemoryBytes(executorMemoryBytes(config, 1), 1),
      blockStore: new BlockStore(join(workDir, 'cache'), storageMemoryBytes(executorMemoryBytes(config, 1), 1)),
      mapOutputs: directAccess(this.mapOutputs),
      fetchRemoteBlocks: async (locations) => {
        throw new InternalError('NO_REMOTE_EXECUTORS', `in-process mode has no remote executors, but blocks of executor ${locations[0]?.executorId} were asked for`);
      },
      fetchCachedBlock: async (location) => {
        throw new InternalError('NO_REMOTE_EXECUTORS', `in-process mode has no remote executors, but a cached block of ${location.executorId} was asked for`);
      },
      fetchBlob: async (blobId, partition) => services.blobPartition(blobId, partition),
      fetchBroadcast: async (id) => services.broadcastValue(id),
      loadBundle: async (hash) => services.loadedBundle(hash),
    };
  }

  async start(): Promise<void> {
    await mkdir(this.env.shuffleDir, { recursive: true });
  }

  launch(task: TaskDescriptor): void {
    setImmediate(() => {
      runTask(task, this.env).then(
        (result) => this.driver.taskFinished(this.id, task.taskId, result),
        (error: unknown) => this.driver.taskFailed(this.id, task.taskId, error instanceof TaskError ? error.reason
          : { kind: 'UserCodeError', message: error instanceof Error ? error.message : String(error) }),
      );
    });
  }

  /**
   * A task here runs on the driver's own thread, which cannot be ended from outside: it runs to
   * its end and its report is ignored (its job is gone).
   */
  kill(): void {}

  dropCache(cacheId: number): void {
    this.env.blockStore.drop(cacheId);
  }

  dropShuffle(shuffleId: number): void {
    this.mapOutputs.dropShuffle(shuffleId);
    void removeShuffleFiles(this.env.shuffleDir, shuffleId);
  }

  /** Broadcast values are read from the session itself here: nothing is cached to drop. */
  dropBroadcast(): void {}

  /** The driver's own process: its heap is the driver's (measured by the caller as it sees fit). */
  async stats(): Promise<ExecutorStats> {
    return {
      executorId: this.id, heapUsedBytes: getHeapStatistics().used_heap_size, collected: false,
      cachedBlocks: this.env.blockStore.size, cachedMemoryBytes: this.env.blockStore.stats.memoryBytes,
      cachedDiskBytes: this.env.blockStore.stats.diskBytes, broadcasts: 0, shuffleFiles: await countShuffleFiles(this.env.shuffleDir) + this.mapOutputs.count,
    };
  }

  async stop(): Promise<void> {
    this.mapOutputs.clear();
    this.env.blockStore.clear();
    await rm(this.env.shuffleDir, { recursive: true, force: true });
    await rm(this.env.spillDir, { recursive: true, force: true });
  }
}
