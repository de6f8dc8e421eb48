// Why a task failed, as plain data that crosses the wire unchanged (v8.serialize), so the driver and
// the scheduler see the executor's typed reason and never a flattened string.

export type ExecutorId = string;

export type TaskFailureReason =
  | { kind: 'UserCodeError'; message: string; location?: string; stack?: string }
  | {
      kind: 'FetchFailed';
      executorId: ExecutorId;
      shuffleId: number;
      mapPartition: number;
      reducePartition: number;
      message: string;
      /**
       * The executor did not answer at all (no connection, or nothing heard on it within the
       * network timeout: killed, stopped, unreachable), so every map output it holds is suspect,
       * not only `mapPartition`'s.
       */
      unreachable?: boolean;
    }
  /** `outOfMemory`: its process died of memory (V8 heap exhausted, the OOM killer), as far as the driver can tell. */
  | { kind: 'ExecutorLost'; executorId: ExecutorId; message: string; outOfMemory?: boolean }
  /** Never retried: the bundle is identical everywhere, so the job fails at once. */
  | { kind: 'BundleLoadFailed'; executorId: ExecutorId; message: string }
  /**
   * The executor could not give the task a resource it needed (its work directory filled while
   * spilling): retried like a user error, but on another executor when there is one.
   */
  | { kind: 'ExecutorResourceExhausted'; resource: 'disk' | 'memory'; executorId: ExecutorId; message: string }
  /**
   * The task's thread hit its V8 heap limit and was ended; the executor lives on with a new thread.
   * Retried like an executor loss (on another executor when there is one). `message` reads
   * "executor exec-2 ran out of memory (heap limit 256 MB) in task 3 of stage 1 (partition 2, attempt 0)".
   */
  | { kind: 'OutOfMemory'; executorId: ExecutorId; heapLimitBytes: number; taskId: number; stageId: number; partition: number; attempt: number; message: string }
  /** Bad input data or options (a malformed CSV row, a missing column): the same on every retry, so never retried. */
  | { kind: 'InputError'; code: string; message: string }
  /**
   * The task was stopped on its executor because no job needs its output any more (its job failed
   * or was cancelled, or the application or executor is stopping); its files are removed.
   */
  | { kind: 'TaskKilled'; executorId: ExecutorId; message: string }
  /** A fault of dataflow itself (data the engine wrote does not decode): never retried, the job fails at once. */
  | { kind: 'InternalError'; code: string; message: string };

/** A task failure with a typed reason, as thrown by the task runner and sent back to the driver. */
export class TaskError extends Error {
  readonly reason: TaskFailureReason;
  constructor(reason: TaskFailureReason) {
    super(reason.message);
    this.name = 'TaskError';
    this.reason = reason;
  }
}
