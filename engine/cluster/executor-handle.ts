// The driver's view of one executor: where its block server listens and how to hand it a task.
// Implemented by the in-process executor (`--master local`) and by remote executor connections.

import type { TaskDescriptor } from '../protocol/index.ts';

export interface ExecutorHandle {
  readonly id: string;
  /** Host and port of the executor's block server (shuffle fetches). */
  readonly host: string;
  readonly port: number;
  readonly slots: number;
  /** Starts a task; its outcome comes back through Driver.taskFinished / Driver.taskFailed. */
  launch(task: TaskDescriptor): void;
}
