// Test harness for the scheduler state machine: feeds events, remembers launched tasks so a test can
// say "task 3 finished" and get a realistic map output, and builds the expected commands tersely.

import { SchedulerState } from '../../../engine/scheduler/scheduler.ts';
import type { JobSpec, SchedulerCommand, SchedulerConfig, SchedulerEvent, StageSpec, TaskSpec } from '../../../engine/scheduler/types.ts';
import type { TaskFailureReason } from '../../../engine/protocol/index.ts';
import { MapOutputRegistry } from '../../../engine/scheduler/map-output-registry.ts';

export class Harness {
  readonly registry = new MapOutputRegistry();
  readonly scheduler: SchedulerState;
  /** Every task ever launched, by id. */
  readonly launched = new Map<number, TaskSpec>();
  /** `${jobId}/${stageId}` → reduce partitions its map output has (absent for result stages). */
  private readonly reduceCounts = new Map<string, number>();

  constructor(config: Partial<SchedulerConfig> = {}) {
    this.scheduler = new SchedulerState(config, this.registry);
  }

  send(event: SchedulerEvent): SchedulerCommand[] {
    const commands = this.scheduler.handle(event);
    for (const c of commands) if (c.type === 'LaunchTask') this.launched.set(c.task.taskId, c.task);
    return commands;
  }

  addExecutor(executorId: string, slots = 1): SchedulerCommand[] {
    return this.send({ type: 'ExecutorAdded', executorId, slots });
  }

  loseExecutor(executorId: string, message = 'process exited'): SchedulerCommand[] {
    return this.send({ type: 'ExecutorLost', executorId, message });
  }

  submit(job: JobSpec): SchedulerCommand[] {
    for (const stage of job.stages) {
      const child = job.stages.find((s) => s.parentStageIds.includes(stage.stageId));
      if (stage.shuffleId !== undefined) this.reduceCounts.set(`${job.jobId}/${stage.stageId}`, child?.numPartitions ?? 1);
    }
    return this.send({ type: 'JobSubmitted', job });
  }

  /**
   * Reports task `taskId` finished; a map task reports `blockSizes`, by default 100·mapPartition +
   * reducePartition for each reduce partition of the stage reading it in the job (1 if none does).
   */
  finish(taskId: number, blockSizes?: number[]): SchedulerCommand[] {
    const task = this.launched.get(taskId);
    if (!task) throw new Error(`test bug: task ${taskId} was never launched`);
    const reduces = this.reduceCounts.get(`${task.jobId}/${task.stageId}`);
    const mapOutput =
      reduces === undefined
        ? undefined
        : { executorId: task.executorId, blockSizes: blockSizes ?? Array.from({ length: reduces }, (_, r) => 100 * task.partition + r) };
    return this.send({ type: 'TaskFinished', taskId, mapOutput });
  }

  fail(taskId: number, reason: TaskFailureReason): SchedulerCommand[] {
    return this.send({ type: 'TaskFailed', taskId, reason });
  }
}

// ---- jobs ------------------------------------------------------------------------------------------

export function resultStage(stageId: number, numPartitions: number, parentStageIds: number[] = [], extra: Partial<StageSpec> = {}): StageSpec {
  return { stageId, numPartitions, parentStageIds, ...extra };
}

export function mapStage(stageId: number, shuffleId: number, numPartitions: number, parentStageIds: number[] = []): StageSpec {
  return { stageId, numPartitions, parentStageIds, shuffleId };
}

/** map stage `mapStageId` (writes `shuffleId`) → result stage `resultStageId`. */
export function twoStageJob(
  jobId: number,
  o: { shuffleId?: number; maps?: number; reduces?: number; mapStageId?: number; resultStageId?: number } = {},
): JobSpec {
  const { shuffleId = 5, maps = 2, reduces = 2, mapStageId = 0, resultStageId = 1 } = o;
  return {
    jobId,
    finalStageId: resultStageId,
    stages: [mapStage(mapStageId, shuffleId, maps), resultStage(resultStageId, reduces, [mapStageId])],
  };
}

// ---- expected commands -----------------------------------------------------------------------------

export const launch = (
  taskId: number,
  jobId: number,
  stageId: number,
  partition: number,
  executorId: string,
  attempt = 0,
  stageAttempt = 0,
): SchedulerCommand => ({ type: 'LaunchTask', task: { taskId, jobId, stageId, partition, attempt, stageAttempt, executorId } });

export const submitted = (jobId: number, stageId: number, stageAttempt: number, partitions: number[]): SchedulerCommand => ({
  type: 'StageSubmitted',
  jobId,
  stageId,
  stageAttempt,
  partitions,
});

export const resubmitted = (jobId: number, stageId: number, partitions: number[], because: TaskFailureReason): SchedulerCommand => ({
  type: 'StageResubmitted',
  jobId,
  stageId,
  partitions,
  because,
});

export const completed = (jobId: number, stageId: number): SchedulerCommand => ({ type: 'StageCompleted', jobId, stageId });
export const accept = (taskId: number, jobId: number, partition: number): SchedulerCommand => ({ type: 'AcceptResult', taskId, jobId, partition });
export const succeeded = (jobId: number): SchedulerCommand => ({ type: 'JobSucceeded', jobId });
export const kill = (taskId: number, executorId: string): SchedulerCommand => ({ type: 'KillTask', taskId, executorId });

// ---- failure reasons -------------------------------------------------------------------------------

export const userError = (message: string): TaskFailureReason => ({ kind: 'UserCodeError', message, location: 'job.ts:12:7' });
export const lostExecutor = (executorId: string, message = 'process exited'): TaskFailureReason => ({
  kind: 'ExecutorLost',
  executorId,
  message,
});
export const fetchFailed = (executorId: string, shuffleId: number, mapPartition: number, reducePartition: number): TaskFailureReason => ({
  kind: 'FetchFailed',
  executorId,
  shuffleId,
  mapPartition,
  reducePartition,
  message: 'connection refused',
});
