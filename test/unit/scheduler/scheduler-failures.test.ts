// The scheduler state machine under failure: task retries and their limit, fetch failures and stage
// resubmission, executor loss before and after a map stage completes, late and duplicate reports,
// bundle load failures. Each test feeds events and asserts the exact commands.

import { describe, expect, it } from 'vitest';
import type { SchedulerCommand } from '../../../engine/scheduler/types.ts';
import type { TaskFailureReason } from '../../../engine/protocol/index.ts';
import {
  accept,
  completed,
  fetchFailed,
  Harness,
  kill,
  launch,
  lostExecutor,
  resubmitted,
  resultStage,
  submitted,
  succeeded,
  twoStageJob,
  userError,
} from './harness.ts';

const jobFailed = (jobId: number, failure: object): SchedulerCommand =>
  ({ type: 'JobFailed', jobId, failure: expect.objectContaining(failure) }) as SchedulerCommand;

describe('SchedulerState: task failures', () => {
  it('retries a failing partition and fails the job after maxTaskAttempts, listing every cause', () => {
    const h = new Harness();
    h.addExecutor('exec-a', 1);
    h.submit({ jobId: 1, finalStageId: 0, stages: [resultStage(0, 1)] });
    const causes = [userError('boom 1'), lostExecutor('exec-a', 'task crashed the worker'), userError('boom 2')];
    const steps: Array<[number, (typeof causes)[number], SchedulerCommand[]]> = [
      [0, causes[0]!, [launch(1, 1, 0, 0, 'exec-a', 1)]],
      [1, causes[1]!, [launch(2, 1, 0, 0, 'exec-a', 2)]], // ExecutorLost as a task failure counts too
      [2, causes[2]!, [launch(3, 1, 0, 0, 'exec-a', 3)]],
    ];
    for (const [taskId, reason, expected] of steps) expect(h.fail(taskId, reason), `task ${taskId}`).toEqual(expected);

    const last = userError('boom 3');
    const [failed, ...rest] = h.fail(3, last);
    expect(rest).toEqual([]);
    expect(failed).toEqual(jobFailed(1, { stageId: 0, partition: 0, causes: [...causes, last] }));
    expect(failed!.type === 'JobFailed' && failed!.failure.message).toBe(
      "Partition 0 of stage 0 failed 4 times (maxTaskAttempts = 4); last failure: the job's code threw at job.ts:12:7: boom 3. " +
        'Fix the error in the job code (every attempt is listed in causes).',
    );
    expect(h.scheduler.activeJobIds()).toEqual([]);
    expect(h.scheduler.freeSlots('exec-a')).toBe(1);
  });

  it('retries a task whose executor ran out of disk on another executor, and there again when no other is left', () => {
    const h = new Harness();
    h.addExecutor('exec-a', 1);
    h.addExecutor('exec-b', 1);
    h.submit({ jobId: 1, finalStageId: 0, stages: [resultStage(0, 2)] });
    const full = { kind: 'ExecutorResourceExhausted' as const, resource: 'disk' as const, executorId: 'exec-a', message: 'executor exec-a could not spill to /w/spill/task-0: the disk is full (ENOSPC)' };
    // Partition 0 ran on exec-a, partition 1 on exec-b. exec-a is free again, but partition 0 avoids it.
    expect(h.fail(0, full)).toEqual([]);
    expect(h.finish(1)).toEqual([accept(1, 1, 1), launch(2, 1, 0, 0, 'exec-b', 1)]);
    // exec-b is lost with the retry on it: exec-a is all that is left, so the partition runs there.
    expect(h.loseExecutor('exec-b')).toEqual([launch(3, 1, 0, 0, 'exec-a', 2)]);
  });

  it('retries a task that ran out of memory on another executor, and fails the job with the memory advice at the limit', () => {
    const h = new Harness({ maxTaskAttempts: 2 });
    h.addExecutor('exec-a', 1);
    h.addExecutor('exec-b', 1);
    h.submit({ jobId: 1, finalStageId: 0, stages: [resultStage(0, 2)] });
    const oom = (taskId: number, executorId: string, attempt: number) => ({
      kind: 'OutOfMemory' as const, executorId, heapLimitBytes: 304 * 2 ** 20, taskId, stageId: 0, partition: 0, attempt,
      message: `executor ${executorId} ran out of memory (heap limit 304 MB) in task ${taskId} of stage 0 (partition 0, attempt ${attempt})`,
    });
    // Partition 0 ran on exec-a, partition 1 on exec-b; exec-a is free again, but partition 0 avoids it.
    expect(h.fail(0, oom(0, 'exec-a', 0))).toEqual([]);
    expect(h.finish(1)).toEqual([accept(1, 1, 1), launch(2, 1, 0, 0, 'exec-b', 1)]);
    const [failed, ...rest] = h.fail(2, oom(2, 'exec-b', 1));
    expect(rest).toEqual([]);
    expect(failed).toEqual(jobFailed(1, { stageId: 0, partition: 0, causes: [oom(0, 'exec-a', 0), oom(2, 'exec-b', 1)] }));
    expect(failed!.type === 'JobFailed' && failed!.failure.message).toBe(
      'Partition 0 of stage 0 failed 2 times (maxTaskAttempts = 2); last failure: executor exec-b ran out of memory (heap limit 304 MB) ' +
        "in task 2 of stage 0 (partition 0, attempt 1). The task needs more memory than an executor gives it: raise the executors' heap " +
        '(e.g. --max-old-space-size=4096 in dataflow.executor.extraNodeOptions) and memory (dataflow.executor.memory, --memory), or spread ' +
        'its data over more partitions.',
    );
  });

  it('carries a lost executor\'s death of memory into its tasks\' reasons, and gives the memory advice at the limit', () => {
    const h = new Harness({ maxTaskAttempts: 1 });
    h.addExecutor('exec-a', 1);
    h.addExecutor('exec-b', 1);
    h.submit({ jobId: 1, finalStageId: 0, stages: [resultStage(0, 1)] });
    const message = 'its process ran out of memory (heap limit 304 MB) while running task 0 of stage 0 (partition 0, attempt 0); replaced by exec-c';
    const [failed, ...rest] = h.send({ type: 'ExecutorLost', executorId: 'exec-a', message, outOfMemory: true });
    expect(rest).toEqual([]);
    expect(failed).toEqual(jobFailed(1, { causes: [{ kind: 'ExecutorLost', executorId: 'exec-a', message, outOfMemory: true }] }));
    expect(failed!.type === 'JobFailed' && failed!.failure.message).toContain(
      `last failure: executor exec-a was lost (${message}). The task needs more memory than an executor gives it: `,
    );
  });

  it('resets the failure count of a partition when it succeeds', () => {
    const h = new Harness({ maxTaskAttempts: 2 });
    h.addExecutor('exec-a', 1);
    h.submit(twoStageJob(1, { maps: 1, reduces: 1 }));
    expect(h.fail(0, userError('flaky'))).toEqual([launch(1, 1, 0, 0, 'exec-a', 1)]);
    h.finish(1);
    h.send({ type: 'TaskFailed', taskId: 2, reason: fetchFailed('exec-a', 5, 0, 0) }); // map 0 must run again
    expect(h.fail(3, userError('flaky again'))).toEqual([launch(4, 1, 0, 0, 'exec-a', 3, 1)]); // 1 failure, not 2
  });

  it('fails the job at once when an executor cannot load the bundle, and kills and ignores its other tasks', () => {
    const h = new Harness();
    h.addExecutor('exec-a', 2);
    h.submit({ jobId: 1, finalStageId: 0, stages: [resultStage(0, 3)] });
    const reason = { kind: 'BundleLoadFailed', executorId: 'exec-a', message: "SyntaxError: Unexpected token '}'" } as const;
    const commands = h.fail(0, reason);
    expect(commands).toEqual([jobFailed(1, { stageId: 0, partition: 0, causes: [reason] }), kill(1, 'exec-a')]);
    expect(JSON.stringify(commands)).toContain("executor exec-a could not load the job bundle (SyntaxError: Unexpected token '}')");
    expect(h.finish(1)).toEqual([]);
    expect(h.scheduler.freeSlots('exec-a')).toBe(2);
  });

  it('fails the job at once on bad input data, without retrying', () => {
    const h = new Harness();
    h.addExecutor('exec-a', 2);
    h.submit({ jobId: 1, finalStageId: 0, stages: [resultStage(0, 3)] });
    const reason = { kind: 'InputError', code: 'CSV_BAD_ROW', message: "/data/r.csv:35: column 'score' has value \"oops\"" } as const;
    const commands = h.fail(0, reason);
    expect(commands).toEqual([jobFailed(1, { stageId: 0, partition: 0, causes: [reason] }), kill(1, 'exec-a')]);
    expect(JSON.stringify(commands)).toContain('not retried');
    expect(commands.some((c) => c.type === 'LaunchTask')).toBe(false);
  });

  it('fails the job at once on an internal fault of the engine, without retrying', () => {
    const h = new Harness();
    h.addExecutor('exec-a', 2);
    h.submit({ jobId: 1, finalStageId: 0, stages: [resultStage(0, 3)] });
    const reason = { kind: 'InternalError', code: 'IPC_DECODE', message: 'partition 1 of in-memory table 2 (sent by the driver) could not be decoded: … please report it' } as const;
    const commands = h.fail(1, reason);
    expect(commands).toEqual([jobFailed(1, { stageId: 0, partition: 1, causes: [reason] }), kill(0, 'exec-a')]);
    const failed = commands[0] as Extract<SchedulerCommand, { type: 'JobFailed' }>;
    expect(failed.failure.message).toMatch(/^Partition 1 of stage 0: partition 1 of in-memory table 2 .*please report it \(not retried\)$/);
    expect(failed.failure.message).not.toMatch(/job's code|job code/);
    expect(commands.some((c) => c.type === 'LaunchTask')).toBe(false);
  });

  it('kills the running tasks of a failed job; each frees its slot once its executor reports it killed', () => {
    const h = new Harness();
    h.addExecutor('exec-a', 1);
    h.addExecutor('exec-b', 1);
    h.submit({ jobId: 1, finalStageId: 0, stages: [resultStage(0, 2)] });
    const reason = { kind: 'InputError', code: 'CSV_BAD_ROW', message: 'bad row' } as const;
    expect(h.fail(0, reason)).toEqual([jobFailed(1, { stageId: 0, partition: 0, causes: [reason] }), kill(1, 'exec-b')]);
    expect(h.scheduler.freeSlots('exec-b')).toBe(0);
    h.submit({ jobId: 2, finalStageId: 1, stages: [resultStage(1, 2)] });
    const killed = { kind: 'TaskKilled', executorId: 'exec-b', message: 'task 1 was killed' } as const;
    expect(h.fail(1, killed)).toEqual([launch(3, 2, 1, 1, 'exec-b')]);
    expect(h.fail(1, killed)).toEqual([]); // late or twice: nothing
  });
});

describe('SchedulerState: fetch failures', () => {
  it('resubmits exactly the lost map partition, then reruns the failed reduce partition', () => {
    const h = new Harness();
    h.addExecutor('exec-a', 2);
    h.submit(twoStageJob(1));
    h.finish(0);
    expect(h.finish(1)).toEqual([
      completed(1, 0),
      submitted(1, 1, 0, [0, 1]),
      launch(2, 1, 1, 0, 'exec-a'),
      launch(3, 1, 1, 1, 'exec-a'),
    ]);
    const ff = fetchFailed('exec-a', 5, 1, 0);
    const steps: Array<[string, () => SchedulerCommand[], SchedulerCommand[]]> = [
      ['reduce 0 cannot fetch map 1', () => h.fail(2, ff),
        [resubmitted(1, 0, [1], ff), submitted(1, 0, 1, [1]), launch(4, 1, 0, 1, 'exec-a', 1, 1)]],
      ['reduce 1 had its data already', () => h.finish(3), [accept(3, 1, 1)]],
      ['map 1 recomputed', () => h.finish(4),
        [completed(1, 0), resubmitted(1, 1, [0], ff), submitted(1, 1, 1, [0]), launch(5, 1, 1, 0, 'exec-a', 1, 1)]],
      ['reduce 0 retried', () => h.finish(5), [accept(5, 1, 0), completed(1, 1), succeeded(1)]],
    ];
    for (const [step, act, expected] of steps) expect(act(), step).toEqual(expected);
  });

  it('reruns every reduce partition that failed meanwhile, counting the stage attempt once', () => {
    const h = new Harness({ maxStageAttempts: 2 });
    h.addExecutor('exec-a', 2);
    h.submit(twoStageJob(1));
    h.finish(0);
    h.finish(1);
    const ff0 = fetchFailed('exec-a', 5, 1, 0);
    const ff1 = fetchFailed('exec-a', 5, 1, 1);
    expect(h.fail(2, ff0)).toEqual([resubmitted(1, 0, [1], ff0), submitted(1, 0, 1, [1]), launch(4, 1, 0, 1, 'exec-a', 1, 1)]);
    expect(h.fail(3, ff1)).toEqual([]); // map 1 is already being recomputed; same stage attempt
    expect(h.finish(4)).toEqual([
      completed(1, 0),
      resubmitted(1, 1, [0], ff0),
      resubmitted(1, 1, [1], ff1),
      submitted(1, 1, 1, [0, 1]),
      launch(5, 1, 1, 0, 'exec-a', 1, 1),
      launch(6, 1, 1, 1, 'exec-a', 1, 1),
    ]);
  });

  it('fails the job with the chain of fetch failures after maxStageAttempts', () => {
    const h = new Harness();
    h.addExecutor('exec-a', 1);
    h.submit(twoStageJob(1, { maps: 1, reduces: 1 }));
    expect(h.finish(0)).toEqual([completed(1, 0), submitted(1, 1, 0, [0]), launch(1, 1, 1, 0, 'exec-a')]);
    const causes = [0, 1, 2, 3].map((i) => ({ ...fetchFailed('exec-a', 5, 0, 0), message: `reset ${i}` }));
    for (let i = 0; i < 3; i++) {
      const reduceTask = 1 + 2 * i;
      const mapTask = reduceTask + 1;
      expect(h.fail(reduceTask, causes[i]!), `attempt ${i}`).toEqual([
        resubmitted(1, 0, [0], causes[i]!),
        submitted(1, 0, i + 1, [0]),
        launch(mapTask, 1, 0, 0, 'exec-a', i + 1, i + 1),
      ]);
      expect(h.finish(mapTask)).toEqual([
        completed(1, 0),
        resubmitted(1, 1, [0], causes[i]!),
        submitted(1, 1, i + 1, [0]),
        launch(mapTask + 1, 1, 1, 0, 'exec-a', i + 1, i + 1),
      ]);
    }
    expect(h.fail(7, causes[3]!)).toEqual([jobFailed(1, { stageId: 1, partition: 0, causes })]);
    expect(h.scheduler.activeJobIds()).toEqual([]);
    expect(h.scheduler.mapStage(5)).toEqual({ state: 'idle', attempt: 3 });
  });
  it('recomputes every output of an executor a reducer could not reach, away from it, in one stage attempt', () => {
    const h = new Harness();
    h.addExecutor('exec-a', 1);
    h.addExecutor('exec-b', 2);
    h.submit(twoStageJob(1, { maps: 3, reduces: 2 })); // maps 0 and 2 on exec-b, map 1 on exec-a
    h.finish(0);
    h.finish(1);
    expect(h.finish(2)).toEqual([
      completed(1, 0),
      submitted(1, 1, 0, [0, 1]),
      launch(3, 1, 1, 0, 'exec-b'),
      launch(4, 1, 1, 1, 'exec-a'),
    ]);
    // exec-b hangs (SIGSTOP): the reducer on exec-a hears nothing from it within the network timeout
    const ff = { ...fetchFailed('exec-b', 5, 0, 1), unreachable: true };
    const steps: Array<[string, () => SchedulerCommand[], SchedulerCommand[]]> = [
      ['reduce 1 cannot reach exec-b: maps 0 and 2 both rerun, not on exec-b although it has a free slot',
        () => h.fail(4, ff), [resubmitted(1, 0, [0, 2], ff), submitted(1, 0, 1, [0, 2]), launch(5, 1, 0, 0, 'exec-a', 1, 1)]],
      ['map 0 recomputed', () => h.finish(5), [launch(6, 1, 0, 2, 'exec-a', 1, 1)]],
      ['map 2 recomputed: reduce 1 retried, off exec-b', () => h.finish(6),
        [completed(1, 0), resubmitted(1, 1, [1], ff), submitted(1, 1, 1, [1]), launch(7, 1, 1, 1, 'exec-a', 1, 1)]],
      ['the driver declares exec-b lost: its hung reduce 0 is retried', () => h.loseExecutor('exec-b', 'heartbeat timeout'), []],
      ['reduce 1', () => h.finish(7), [accept(7, 1, 1), launch(8, 1, 1, 0, 'exec-a', 1, 1)]],
      ['reduce 0', () => h.finish(8), [accept(8, 1, 0), completed(1, 1), succeeded(1)]],
    ];
    for (const [step, act, expected] of steps) expect(act(), step).toEqual(expected);
    expect(h.registry.locationsFor(5, 0).map((l) => l.executorId)).toEqual(['exec-a', 'exec-a', 'exec-a']);
  });

  it('bounds fetch failures that unregister nothing: each one still ends the stage attempt', () => {
    const h = new Harness();
    h.addExecutor('exec-a', 1);
    h.submit(twoStageJob(1, { maps: 1, reduces: 1 }));
    h.finish(0); // map 0 lives on exec-a; reduce task 1 launched
    const causes = [0, 1, 2, 3].map((i) => ({ ...fetchFailed('exec-z', 5, 0, 0), message: `bogus ${i}` }));
    for (let i = 0; i < 3; i++) {
      expect(h.fail(1 + i, causes[i]!), `attempt ${i}`).toEqual([
        resubmitted(1, 1, [0], causes[i]!),
        submitted(1, 1, i + 1, [0]),
        launch(2 + i, 1, 1, 0, 'exec-a', i + 1, i + 1),
      ]);
    }
    expect(h.fail(4, causes[3]!)).toEqual([jobFailed(1, { stageId: 1, partition: 0, causes })]);
    expect(h.registry.isComplete(5, 1)).toBe(true);
  });
});

describe('SchedulerState: executor loss', () => {
  it('retries tasks of a lost executor elsewhere and reruns the map outputs it held (mid map stage)', () => {
    const h = new Harness();
    h.addExecutor('exec-a', 1);
    h.addExecutor('exec-b', 2);
    expect(h.submit(twoStageJob(1, { maps: 3, reduces: 1 }))).toEqual([
      submitted(1, 0, 0, [0, 1, 2]),
      launch(0, 1, 0, 0, 'exec-b'),
      launch(1, 1, 0, 1, 'exec-a'),
      launch(2, 1, 0, 2, 'exec-b'),
    ]);
    expect(h.finish(0)).toEqual([]);
    const lost = lostExecutor('exec-b', 'killed');
    const steps: Array<[string, () => SchedulerCommand[], SchedulerCommand[]]> = [
      ['lose exec-b', () => h.loseExecutor('exec-b', 'killed'), [resubmitted(1, 0, [0], lost)]], // no free slot yet
      ['map 1 done', () => h.finish(1), [launch(3, 1, 0, 0, 'exec-a', 1)]],
      ['map 0 redone', () => h.finish(3), [launch(4, 1, 0, 2, 'exec-a', 1)]],
      ['map 2 redone', () => h.finish(4), [completed(1, 0), submitted(1, 1, 0, [0]), launch(5, 1, 1, 0, 'exec-a')]],
      ['late report from exec-b', () => h.finish(2), []],
      ['result', () => h.finish(5), [accept(5, 1, 0), completed(1, 1), succeeded(1)]],
    ];
    for (const [step, act, expected] of steps) expect(act(), step).toEqual(expected);
    expect(h.registry.locationsFor(5, 0).map((l) => l.executorId)).toEqual(['exec-a', 'exec-a', 'exec-a']);
  });

  it('pauses the reduce stage and recomputes lost outputs when an executor dies after the map stage completed', () => {
    const h = new Harness();
    h.addExecutor('exec-a', 1);
    h.addExecutor('exec-b', 1);
    h.submit(twoStageJob(1));
    h.finish(0);
    expect(h.finish(1)).toEqual([
      completed(1, 0),
      submitted(1, 1, 0, [0, 1]),
      launch(2, 1, 1, 0, 'exec-a'),
      launch(3, 1, 1, 1, 'exec-b'),
    ]);
    const lost = lostExecutor('exec-b');
    const steps: Array<[string, () => SchedulerCommand[], SchedulerCommand[]]> = [
      ['lose exec-b', () => h.loseExecutor('exec-b'), [resubmitted(1, 0, [1], lost), submitted(1, 0, 1, [1])]],
      ['reduce 0 finishes', () => h.finish(2), [accept(2, 1, 0), launch(4, 1, 0, 1, 'exec-a', 1, 1)]],
      ['map 1 recomputed', () => h.finish(4), [completed(1, 0), submitted(1, 1, 1, [1]), launch(5, 1, 1, 1, 'exec-a', 1, 1)]],
      ['late finish of reduce 1 on exec-b', () => h.finish(3), []],
      ['reduce 1', () => h.finish(5), [accept(5, 1, 1), completed(1, 1), succeeded(1)]],
    ];
    for (const [step, act, expected] of steps) expect(act(), step).toEqual(expected);
  });

  it('ignores a late TaskFinished or TaskFailed from a lost executor', () => {
    const h = new Harness();
    h.addExecutor('exec-a', 1);
    h.addExecutor('exec-b', 1);
    h.submit({ jobId: 1, finalStageId: 0, stages: [resultStage(0, 2)] });
    expect(h.loseExecutor('exec-b')).toEqual([]); // partition 1 waits for exec-a
    expect(h.finish(1)).toEqual([]);
    expect(h.fail(1, userError('late'))).toEqual([]);
    expect(h.finish(0)).toEqual([accept(0, 1, 0), launch(2, 1, 0, 1, 'exec-a', 1)]);
    expect(h.finish(2)).toEqual([accept(2, 1, 1), completed(1, 0), succeeded(1)]);
    expect(h.scheduler.executors().map((e) => e.executorId)).toEqual(['exec-a']);
  });
});

describe('SchedulerState: duplicate reports', () => {
  it('accepts each result partition exactly once', () => {
    const h = new Harness();
    h.addExecutor('exec-a', 2);
    h.submit({ jobId: 1, finalStageId: 0, stages: [resultStage(0, 2)] });
    const steps: Array<[string, () => SchedulerCommand[], SchedulerCommand[]]> = [
      ['finish 0', () => h.finish(0), [accept(0, 1, 0)]],
      ['finish 0 again', () => h.finish(0), []],
      ['fail 0 after it finished', () => h.fail(0, userError('too late')), []],
      ['task 1 fails', () => h.fail(1, userError('flaky')), [launch(2, 1, 0, 1, 'exec-a', 1)]],
      ['failed task 1 reports success', () => h.finish(1), []],
      ['retry finishes', () => h.finish(2), [accept(2, 1, 1), completed(1, 0), succeeded(1)]],
      ['retry finishes again', () => h.finish(2), []],
    ];
    for (const [step, act, expected] of steps) expect(act(), step).toEqual(expected);
  });
});

describe('SchedulerState: failures in deeper and shared graphs', () => {
  it('handles a fetch failure in a map stage that reads another shuffle', () => {
    const h = new Harness();
    h.addExecutor('exec-a', 1);
    const chain = {
      jobId: 1,
      finalStageId: 2,
      stages: [
        { stageId: 0, numPartitions: 1, parentStageIds: [], shuffleId: 10 },
        { stageId: 1, numPartitions: 1, parentStageIds: [0], shuffleId: 11 },
        resultStage(2, 1, [1]),
      ],
    };
    expect(h.submit(chain)).toEqual([submitted(1, 0, 0, [0]), launch(0, 1, 0, 0, 'exec-a')]);
    expect(h.finish(0)).toEqual([completed(1, 0), submitted(1, 1, 0, [0]), launch(1, 1, 1, 0, 'exec-a')]);
    const ff = fetchFailed('exec-a', 10, 0, 0);
    expect(h.fail(1, ff)).toEqual([resubmitted(1, 0, [0], ff), submitted(1, 0, 1, [0]), launch(2, 1, 0, 0, 'exec-a', 1, 1)]);
    expect(h.finish(2)).toEqual([
      completed(1, 0),
      resubmitted(1, 1, [0], ff),
      submitted(1, 1, 1, [0]),
      launch(3, 1, 1, 0, 'exec-a', 1, 1),
    ]);
    expect(h.finish(3)).toEqual([completed(1, 1), submitted(1, 2, 0, [0]), launch(4, 1, 2, 0, 'exec-a')]);
  });

  it('fails every job that needs a shared stage whose partition keeps failing, each with its own stage id', () => {
    const h = new Harness({ maxTaskAttempts: 2 });
    h.addExecutor('exec-a', 1);
    h.submit(twoStageJob(1, { maps: 1 }));
    h.submit(twoStageJob(2, { maps: 1, mapStageId: 3, resultStageId: 4 }));
    expect(h.fail(0, userError('bad row'))).toEqual([launch(1, 1, 0, 0, 'exec-a', 1)]);
    const causes = [userError('bad row'), userError('bad row again')];
    expect(h.fail(1, causes[1]!)).toEqual([
      jobFailed(1, { stageId: 0, partition: 0, causes }),
      jobFailed(2, { stageId: 3, partition: 0, causes }),
    ]);
    expect(h.scheduler.mapStage(5)).toEqual({ state: 'idle', attempt: 0 });
  });

  it('does not unregister a map output that was recomputed since the failing read', () => {
    const h = new Harness();
    h.addExecutor('exec-a', 1);
    h.addExecutor('exec-b', 1);
    h.submit(twoStageJob(1)); // map 0 on exec-a (task 0), map 1 on exec-b (task 1)
    h.finish(0);
    expect(h.finish(1)).toEqual([
      completed(1, 0),
      submitted(1, 1, 0, [0, 1]),
      launch(2, 1, 1, 0, 'exec-a'),
      launch(3, 1, 1, 1, 'exec-b'),
    ]);
    const ff = fetchFailed('exec-b', 5, 1, 0);
    expect(h.fail(2, ff)).toEqual([resubmitted(1, 0, [1], ff), submitted(1, 0, 1, [1]), launch(4, 1, 0, 1, 'exec-a', 1, 1)]);
    expect(h.finish(4)).toEqual([
      completed(1, 0),
      resubmitted(1, 1, [0], ff),
      submitted(1, 1, 1, [0]),
      launch(5, 1, 1, 0, 'exec-a', 1, 1),
    ]);
    // Task 3 of the old attempt read map 1 from exec-b before it was recomputed on exec-a.
    const stale = fetchFailed('exec-b', 5, 1, 1);
    expect(h.fail(3, stale)).toEqual([resubmitted(1, 1, [1], stale), launch(6, 1, 1, 1, 'exec-b', 1, 1)]);
    expect(h.registry.get(5, 1)?.executorId).toBe('exec-a');
    h.finish(5);
    expect(h.finish(6)).toEqual([accept(6, 1, 1), completed(1, 1), succeeded(1)]);
  });

  it('counts executor losses toward maxTaskAttempts and accepts an executor id again after its loss', () => {
    const h = new Harness({ maxTaskAttempts: 2 });
    h.addExecutor('exec-a', 1);
    h.addExecutor('exec-b', 1);
    h.submit({ jobId: 1, finalStageId: 0, stages: [resultStage(0, 1)] });
    expect(h.loseExecutor('exec-a', 'node rebooted')).toEqual([launch(1, 1, 0, 0, 'exec-b', 1)]);
    expect(h.loseExecutor('exec-b', 'node rebooted')).toEqual([
      jobFailed(1, { stageId: 0, partition: 0, causes: [lostExecutor('exec-a', 'node rebooted'), lostExecutor('exec-b', 'node rebooted')] }),
    ]);
    expect(h.addExecutor('exec-a', 1)).toEqual([]);
    expect(h.submit({ jobId: 2, finalStageId: 0, stages: [resultStage(0, 1)] })).toEqual([
      submitted(2, 0, 0, [0]),
      launch(2, 2, 0, 0, 'exec-a'),
    ]);
  });
});

describe('SchedulerState: executors excluded after resource failures (excludeOnFailure)', () => {
  const full = (executorId: string, task: number): TaskFailureReason => ({
    kind: 'ExecutorResourceExhausted', resource: 'disk', executorId,
    message: `executor ${executorId} could not spill to /w/${executorId}/spill/task-${task}: the disk is full (ENOSPC)`,
  });
  const excluded = (executorId: string, causes: TaskFailureReason[]): SchedulerCommand => ({
    type: 'ExecutorExcluded', executorId, causes,
    message: `executor ${executorId} is excluded for this application: tasks of ${causes.length} partitions failed there for want of a resource ` +
      `(last: ${causes[causes.length - 1]!.message}); it runs no more tasks (dataflow.excludeOnFailure.maxFailedTasksPerExecutor)`,
  });

  it('excludes an executor once tasks of two partitions ran out of disk there: it gets no task again, alive and free', () => {
    const h = new Harness();
    h.addExecutor('exec-a', 1);
    h.addExecutor('exec-b', 1);
    expect(h.submit({ jobId: 1, finalStageId: 0, stages: [resultStage(0, 4)] })).toEqual([
      submitted(1, 0, 0, [0, 1, 2, 3]), launch(0, 1, 0, 0, 'exec-a'), launch(1, 1, 0, 1, 'exec-b'),
    ]);
    // Partition 0 avoids exec-a now, but partition 2 may still go there.
    expect(h.fail(0, full('exec-a', 0))).toEqual([launch(2, 1, 0, 2, 'exec-a')]);
    // A second partition's failure there: the executor is the fault, and is excluded.
    expect(h.fail(2, full('exec-a', 2))).toEqual([excluded('exec-a', [full('exec-a', 0), full('exec-a', 2)])]);
    expect(h.scheduler.freeSlots('exec-a')).toBe(1);
    expect(h.finish(1)).toEqual([accept(1, 1, 1), launch(3, 1, 0, 0, 'exec-b', 1)]);
    expect(h.finish(3)).toEqual([accept(3, 1, 0), launch(4, 1, 0, 2, 'exec-b', 1)]);
    expect(h.finish(4)).toEqual([accept(4, 1, 2), launch(5, 1, 0, 3, 'exec-b')]);
    expect(h.finish(5)).toEqual([accept(5, 1, 3), completed(1, 0), succeeded(1)]);
    // For the application, not the job: the next job runs on exec-b only too.
    expect(h.submit({ jobId: 2, finalStageId: 1, stages: [resultStage(1, 2)] })).toEqual([submitted(2, 1, 0, [0, 1]), launch(6, 2, 1, 0, 'exec-b')]);
    expect(h.scheduler.executors().map((e) => e.executorId)).toEqual(['exec-a', 'exec-b']);
  });

  it('counts a partition once per executor; when every executor is excluded the job fails at once with the reasons, and a new executor runs the next job', () => {
    const h = new Harness();
    h.addExecutor('exec-a', 1);
    h.submit({ jobId: 1, finalStageId: 0, stages: [resultStage(0, 2)] });
    // The only executor: partition 0 retries there, and its second failure is the same partition.
    expect(h.fail(0, full('exec-a', 0))).toEqual([launch(1, 1, 0, 0, 'exec-a', 1)]);
    expect(h.fail(1, full('exec-a', 1))).toEqual([launch(2, 1, 0, 0, 'exec-a', 2)]);
    expect(h.finish(2)).toEqual([accept(2, 1, 0), launch(3, 1, 0, 1, 'exec-a')]);
    const [exclusion, failed, ...rest] = h.fail(3, full('exec-a', 3));
    expect(rest).toEqual([]);
    expect(exclusion).toEqual(excluded('exec-a', [full('exec-a', 1), full('exec-a', 3)]));
    expect(failed).toEqual(jobFailed(1, { stageId: 0, partition: 1, causes: [full('exec-a', 1), full('exec-a', 3)] }));
    expect(failed!.type === 'JobFailed' && failed!.failure.message).toBe(
      'Partition 1 of stage 0 cannot run: every executor of the application is excluded after repeated resource failures: ' +
        'exec-a (2 partitions failed there; last: executor exec-a could not spill to /w/exec-a/spill/task-3: the disk is full (ENOSPC)). ' +
        'Free space in their work directories (or start executors with room), or raise dataflow.excludeOnFailure.maxFailedTasksPerExecutor (0 never excludes).',
    );
    expect(h.scheduler.activeJobIds()).toEqual([]);
    h.addExecutor('exec-b', 1);
    expect(h.submit({ jobId: 2, finalStageId: 1, stages: [resultStage(1, 1)] })).toEqual([submitted(2, 1, 0, [0]), launch(4, 2, 1, 0, 'exec-b')]);
  });

  it('excludes nothing with maxFailedTasksPerExecutor 0, and does not count running out of memory (the task\'s own size)', () => {
    const h = new Harness({ maxFailedTasksPerExecutor: 0 });
    h.addExecutor('exec-a', 1);
    h.submit({ jobId: 1, finalStageId: 0, stages: [resultStage(0, 3)] });
    expect(h.fail(0, full('exec-a', 0))).toEqual([launch(1, 1, 0, 0, 'exec-a', 1)]);
    expect(h.finish(1)).toEqual([accept(1, 1, 0), launch(2, 1, 0, 1, 'exec-a')]);
    expect(h.fail(2, full('exec-a', 2))).toEqual([launch(3, 1, 0, 1, 'exec-a', 1)]);
    const oom = new Harness();
    oom.addExecutor('exec-a', 1);
    oom.submit({ jobId: 1, finalStageId: 0, stages: [resultStage(0, 2)] });
    const outOfMemory = (taskId: number, partition: number): TaskFailureReason => ({
      kind: 'OutOfMemory', executorId: 'exec-a', heapLimitBytes: 2 ** 28, taskId, stageId: 0, partition, attempt: 0, message: `task ${taskId} ran out of memory`,
    });
    expect(oom.fail(0, outOfMemory(0, 0))).toEqual([launch(1, 1, 0, 0, 'exec-a', 1)]);
    expect(oom.finish(1)).toEqual([accept(1, 1, 0), launch(2, 1, 0, 1, 'exec-a')]);
    expect(oom.fail(2, outOfMemory(2, 1))).toEqual([launch(3, 1, 0, 1, 'exec-a', 1)]);
    expect(() => new Harness({ maxFailedTasksPerExecutor: -1 })).toThrow(/maxFailedTasksPerExecutor must be 0 or a positive integer, got -1/);
  });
});
