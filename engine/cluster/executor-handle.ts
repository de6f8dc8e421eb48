// The driver's view of one executor: where its block server listens and how to hand it a task.
// Implemented by the in-process executor (`--master local`) and by remote executor connections.

import type { ExecutorStats, TaskDescriptor } from '../protocol/index.ts';

export interface ExecutorHandle {
  readonly id: string;
  /** Host and port of the executor's block server (shuffle fetches). */
  readonly host: string;
  readonly port: number;
  readonly slots: number;
  /** The executor's memory, when it said (shown by the UI). */
  readonly memoryBytes?: number;
  /** Starts a task; its outcome comes back through Driver.taskFinished / Driver.taskFailed. */
  launch(task: TaskDescriptor): void;
  /**
   * Stops a running task no job needs any more and removes its files (fire and forget); the
   * executor reports it as failed (TaskKilled), or finished if it was too late.
   */
  kill(taskId: number): void;
  /** Frees what the driver no longer needs (fire and forget; an executor that is gone holds nothing). */
  dropCache(cacheId: number): void;
  dropShuffle(shuffleId: number): void;
  dropBroadcast(broadcastId: number): void;
  /** What the executor holds for this application (tests and diagnostics). */
  stats(): Promise<ExecutorStats>;
}
