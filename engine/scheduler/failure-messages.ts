// The human-readable messages of JobFailed commands. The typed causes travel alongside, unchanged;
// these sentences only say what happened, to which stage and partition, and what to do about it.

import type { JobFailure } from './types.ts';
import type { TaskFailureReason } from '../protocol/index.ts';

/**
 * One failure in a few words.
 *
 * @example describeFailure({ kind: 'ExecutorLost', executorId: 'exec-2', message: 'heartbeat timed out' })
 *   // → 'executor exec-2 was lost (heartbeat timed out)'
 */
export function describeFailure(reason: TaskFailureReason): string {
  switch (reason.kind) {
    case 'UserCodeError':
      return `the job's code threw${reason.location ? ` at ${reason.location}` : ''}: ${reason.message}`;
    case 'ExecutorLost':
      return `executor ${reason.executorId} was lost (${reason.message})`;
    case 'FetchFailed':
      return (
        `reduce partition ${reason.reducePartition} could not fetch map output ${reason.mapPartition} of shuffle ` +
        `${reason.shuffleId} from executor ${reason.executorId} (${reason.message})`
      );
    case 'TaskKilled':
      return `the task was stopped on executor ${reason.executorId} (${reason.message})`;
    case 'BundleLoadFailed':
      return `executor ${reason.executorId} could not load the job bundle (${reason.message})`;
    case 'ExecutorResourceExhausted':
    case 'OutOfMemory':
      return reason.message;
    case 'InputError':
    case 'InternalError':
      return reason.message;
  }
}

/** What to do when a partition's attempts are used up, by the kind of its last failure. */
const EXHAUSTED_FIX: Partial<Record<TaskFailureReason['kind'], string>> = {
  UserCodeError: 'Fix the error in the job code (every attempt is listed in causes).',
  OutOfMemory:
    'The task needs more memory than an executor gives it: raise the executors\' heap (e.g. --max-old-space-size=4096 in ' +
    'dataflow.executor.extraNodeOptions) and memory (dataflow.executor.memory, --memory), or spread its data over more partitions.',
  ExecutorResourceExhausted: 'Each attempt ran out of a resource on its executor (the causes say which, where and how to free it).',
};

/** A partition failed `maxTaskAttempts` times in a row. @example taskAttemptsExhausted(2, 5, causes, 4) */
export function taskAttemptsExhausted(
  stageId: number,
  partition: number,
  causes: TaskFailureReason[],
  maxTaskAttempts: number,
): JobFailure {
  const last = causes[causes.length - 1]!;
  const fix = EXHAUSTED_FIX[last.kind === 'ExecutorLost' && last.outOfMemory ? 'OutOfMemory' : last.kind] ??
    'Executors keep dying while running it; check their logs and memory, or raise maxTaskAttempts.';
  return {
    message:
      `Partition ${partition} of stage ${stageId} failed ${causes.length} times (maxTaskAttempts = ${maxTaskAttempts}); ` +
      `last failure: ${describeFailure(last).replace(/\.$/, '')}. ${fix}`,
    stageId,
    partition,
    causes: [...causes],
  };
}

/** A stage's attempts kept ending in fetch failures. @example stageAttemptsExhausted(3, 1, causes, 4) */
export function stageAttemptsExhausted(
  stageId: number,
  partition: number,
  causes: TaskFailureReason[],
  maxStageAttempts: number,
): JobFailure {
  const last = causes[causes.length - 1]!;
  return {
    message:
      `Stage ${stageId} failed ${causes.length} attempts because it could not read its shuffle input ` +
      `(maxStageAttempts = ${maxStageAttempts}); last failure: ${describeFailure(last)}. Check the network and disks ` +
      `of the executors named in causes, or raise maxStageAttempts.`,
    stageId,
    partition,
    causes: [...causes],
  };
}

/** An executor could not load the job bundle; retrying elsewhere cannot help. */
export function bundleLoadFailed(stageId: number, partition: number, reason: TaskFailureReason): JobFailure {
  return {
    message:
      `Partition ${partition} of stage ${stageId}: ${describeFailure(reason)}. The bundle is the same on every ` +
      `executor, so the job fails without retrying; check that the job script bundles and imports cleanly on its own.`,
    stageId,
    partition,
    causes: [reason],
  };
}

/** A task met bad input data or options; running it again would meet them again. */
export function inputError(stageId: number, partition: number, reason: TaskFailureReason): JobFailure {
  return {
    message: `Partition ${partition} of stage ${stageId}: ${describeFailure(reason)} (not retried: the input is the same on every attempt)`,
    stageId,
    partition,
    causes: [reason],
  };
}

/** The engine could not read data it wrote itself; retrying hides the fault, so the job fails at once. */
export function internalError(stageId: number, partition: number, reason: TaskFailureReason): JobFailure {
  return {
    message: `Partition ${partition} of stage ${stageId}: ${describeFailure(reason)} (not retried)`,
    stageId,
    partition,
    causes: [reason],
  };
}

/** The driver cancelled the job. */
export function jobCancelled(jobId: number, stageId: number, message: string): JobFailure {
  return { message: `Job ${jobId} was cancelled: ${message}`, stageId, causes: [] };
}

/**
 * Why an executor is excluded for the application.
 *
 * @example executorExcluded('exec-1', causes) // 'executor exec-1 is excluded for this application: tasks of 2 partitions failed there for want of a resource (last: …)'
 */
export function executorExcluded(executorId: string, causes: TaskFailureReason[]): string {
  return (
    `executor ${executorId} is excluded for this application: tasks of ${causes.length} partitions failed there for want of a resource ` +
    `(last: ${describeFailure(causes[causes.length - 1]!)}); it runs no more tasks (dataflow.excludeOnFailure.maxFailedTasksPerExecutor)`
  );
}

/**
 * Every live executor is excluded, so the stage's tasks cannot run anywhere.
 *
 * @example noUsableExecutor(1, 0, [{ executorId: 'exec-1', causes }])
 */
export function noUsableExecutor(stageId: number, partition: number, excluded: Array<{ executorId: string; causes: TaskFailureReason[] }>): JobFailure {
  const each = excluded.map((e) => `${e.executorId} (${e.causes.length} partitions failed there; last: ${describeFailure(e.causes[e.causes.length - 1]!)})`);
  return {
    message:
      `Partition ${partition} of stage ${stageId} cannot run: every executor of the application is excluded after repeated resource failures: ` +
      `${each.join('; ')}. Free space in their work directories (or start executors with room), or raise ` +
      'dataflow.excludeOnFailure.maxFailedTasksPerExecutor (0 never excludes).',
    stageId,
    partition,
    causes: excluded.flatMap((e) => e.causes),
  };
}
