// The scheduler's vocabulary: the job/stage/task specs it is given, the events it consumes and the
// commands it emits. Plain data only (structured-clone safe), so every value can cross the wire as is;
// failure reasons stay typed end to end and are never flattened into strings.

import type { ExecutorId, MapOutputStatus, TaskFailureReason } from '../protocol/index.ts';

/** One stage of a job, as cut by the stage planner (plan/stages.ts). */
export interface StageSpec {
  stageId: number;
  numPartitions: number;
  /** Stages whose shuffle outputs this stage reads. */
  parentStageIds: number[];
  /** Set for shuffle-map stages: the shuffle this stage writes. Shared by every job of the session. */
  shuffleId?: number;
  /** Per partition, executors that already hold its input (e.g. a cached partition). */
  preferredLocations?: (ExecutorId[] | undefined)[];
}

/**
 * A job: the stages needed to compute the final stage's partitions. The final stage is a result
 * stage, or, for a map-stage job (`mapStage: true`, Spark's submitMapStage), a shuffle-map stage:
 * the job ends once every output of its shuffle is registered, accepting no results. The driver
 * runs one before it cuts a shuffle's buckets into reduce partitions by size.
 */
export interface JobSpec {
  jobId: number;
  stages: StageSpec[];
  finalStageId: number;
  mapStage?: boolean;
}

/** One task attempt, as launched on one executor. */
export interface TaskSpec {
  taskId: number;
  /** The job whose plan the executor runs the task from (for a shared map stage: the first active job that needs it). */
  jobId: number;
  stageId: number;
  partition: number;
  /** 0 for the first launch of this stage partition, then 1, 2, ... (unique per stage partition for the session). */
  attempt: number;
  stageAttempt: number;
  executorId: ExecutorId;
}

export type SchedulerEvent =
  | { type: 'JobSubmitted'; job: JobSpec }
  | { type: 'ExecutorAdded'; executorId: ExecutorId; slots: number }
  | { type: 'ExecutorLost'; executorId: ExecutorId; message: string; outOfMemory?: boolean }
  | { type: 'TaskFinished'; taskId: number; mapOutput?: MapOutputStatus }
  | { type: 'TaskFailed'; taskId: number; reason: TaskFailureReason }
  | { type: 'JobCancelled'; jobId: number; message: string }
  /**
   * No dataset that reads the shuffle is reachable any more: forget its map stage and its outputs.
   * Refused while an active job needs it (the driver's plans keep such shuffles reachable).
   */
  | { type: 'ShuffleReleased'; shuffleId: number }
  /** The passage of time, in milliseconds of the driver's clock; lets waiting tasks give up on locality. */
  | { type: 'Tick'; now: number };

export interface JobFailure {
  message: string;
  stageId: number;
  partition?: number;
  /** Every failed attempt that led here, oldest first. */
  causes: TaskFailureReason[];
}

export type SchedulerCommand =
  | { type: 'LaunchTask'; task: TaskSpec }
  /** A result-stage partition's output is committed; emitted exactly once per partition. */
  | { type: 'AcceptResult'; taskId: number; jobId: number; partition: number }
  /** A stage attempt starts; `partitions` are the ones it will run (only those still missing). */
  | { type: 'StageSubmitted'; jobId: number; stageId: number; stageAttempt: number; partitions: number[] }
  | { type: 'StageCompleted'; jobId: number; stageId: number }
  /**
   * Partitions run again because their output was lost (executor loss, fetch failure) or their task
   * could not read its input, and why: one command per distinct cause. Comes just before the new
   * attempt's StageSubmitted, or alone when the partitions join the attempt already running. Plain
   * task retries (user error, task lost with its executor) are not announced.
   */
  | { type: 'StageResubmitted'; jobId: number; stageId: number; partitions: number[]; because: TaskFailureReason }
  /**
   * The executor is excluded for the rest of the application (Spark's excludeOnFailure): tasks of
   * `maxFailedTasksPerExecutor` distinct partitions failed on it for want of a resource (its disk
   * full). It stays alive (its shuffle outputs are still read) but gets no task.
   */
  | { type: 'ExecutorExcluded'; executorId: ExecutorId; message: string; causes: TaskFailureReason[] }
  /**
   * Stop a running task whose output no active job needs (its job failed or was cancelled): the
   * executor ends it and removes its files. Its slot stays taken until the executor reports it.
   */
  | { type: 'KillTask'; taskId: number; executorId: ExecutorId }
  | { type: 'JobSucceeded'; jobId: number }
  | { type: 'JobFailed'; jobId: number; failure: JobFailure };

export interface SchedulerConfig {
  /** Failures of one stage partition (user error or lost executor) before its jobs fail. Default 4. */
  maxTaskAttempts: number;
  /** Stage attempts of one stage ended by fetch failures before its jobs fail. Default 4. */
  maxStageAttempts: number;
  /**
   * Delay scheduling (Spark's spark.locality.wait): how long a task whose preferred executors are
   * alive but busy waits for one of them before running elsewhere, in the clock of `Tick` events.
   * Default 0: no waiting (a state machine fed no ticks never waits).
   */
  localityWaitMs: number;
  /**
   * Tasks of distinct partitions that may fail on one executor for want of a resource
   * (ExecutorResourceExhausted: its disk full) before it is excluded for the application (Spark:
   * spark.excludeOnFailure.application.maxFailedTasksPerExecutor). Default 2; 0 never excludes.
   */
  maxFailedTasksPerExecutor: number;
}

export const DEFAULT_SCHEDULER_CONFIG: SchedulerConfig = { maxTaskAttempts: 4, maxStageAttempts: 4, localityWaitMs: 0, maxFailedTasksPerExecutor: 2 };
