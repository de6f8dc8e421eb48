// The scheduler state machine on the happy paths: stage ordering, shuffle reuse across jobs, slot
// accounting and placement, concurrent jobs, cancellation, and rejected inputs. Failures are in
// scheduler-failures.test.ts. Each test feeds events and asserts the exact commands.

import { describe, expect, it } from 'vitest';
import { InvalidJobSpecError, SchedulerProtocolError } from '../../../engine/scheduler/errors.ts';
import { SchedulerState } from '../../../engine/scheduler/scheduler.ts';
import { MapOutputRegistry } from '../../../engine/scheduler/map-output-registry.ts';
import { DataflowError } from '../../../engine/errors.ts';
import type { SchedulerCommand } from '../../../engine/scheduler/types.ts';
import {
  accept,
  completed,
  Harness,
  launch,
  lostExecutor,
  mapStage,
  resubmitted,
  resultStage,
  submitted,
  succeeded,
  twoStageJob,
} from './harness.ts';

describe('SchedulerState: jobs and stages', () => {
  it('runs a single-stage job: one task per partition, each result accepted once', () => {
    const h = new Harness();
    expect(h.addExecutor('exec-a', 2)).toEqual([]);
    const steps: Array<[string, () => unknown, unknown]> = [
      ['submit', () => h.submit({ jobId: 1, finalStageId: 0, stages: [resultStage(0, 3)] }),
        [submitted(1, 0, 0, [0, 1, 2]), launch(0, 1, 0, 0, 'exec-a'), launch(1, 1, 0, 1, 'exec-a')]],
      ['finish 0', () => h.finish(0), [accept(0, 1, 0), launch(2, 1, 0, 2, 'exec-a')]],
      ['finish 1', () => h.finish(1), [accept(1, 1, 1)]],
      ['finish 2', () => h.finish(2), [accept(2, 1, 2), completed(1, 0), succeeded(1)]],
    ];
    for (const [step, act, expected] of steps) expect(act(), step).toEqual(expected);
    expect(h.scheduler.activeJobIds()).toEqual([]);
    expect(h.scheduler.freeSlots('exec-a')).toBe(2);
  });

  it('runs a two-stage job: the result stage starts once every map output is registered', () => {
    const h = new Harness();
    h.addExecutor('exec-a', 2);
    h.addExecutor('exec-b', 2);
    expect(h.submit(twoStageJob(1))).toEqual([
      submitted(1, 0, 0, [0, 1]),
      launch(0, 1, 0, 0, 'exec-a'), // both have 2 free slots: lowest id
      launch(1, 1, 0, 1, 'exec-b'), // exec-b now has more free slots
    ]);
    expect(h.finish(0)).toEqual([]);
    expect(h.registry.missingPartitions(5, 2)).toEqual([1]);
    expect(h.finish(1)).toEqual([
      completed(1, 0),
      submitted(1, 1, 0, [0, 1]),
      launch(2, 1, 1, 0, 'exec-a'),
      launch(3, 1, 1, 1, 'exec-b'),
    ]);
    expect(h.registry.locationsFor(5, 1)).toEqual([
      { mapPartition: 0, executorId: 'exec-a', size: 1, attempt: 0 },
      { mapPartition: 1, executorId: 'exec-b', size: 101, attempt: 0 },
    ]);
    expect(h.finish(2)).toEqual([accept(2, 1, 0)]);
    expect(h.finish(3)).toEqual([accept(3, 1, 1), completed(1, 1), succeeded(1)]);
  });

  it('orders independent parent stages by stage id and waits for all of them (a join)', () => {
    const h = new Harness();
    h.addExecutor('exec-a', 4);
    const join = {
      jobId: 1,
      finalStageId: 9,
      stages: [resultStage(9, 1, [4, 2]), mapStage(4, 14, 1), mapStage(2, 12, 1)],
    };
    expect(h.submit(join)).toEqual([
      submitted(1, 2, 0, [0]),
      submitted(1, 4, 0, [0]),
      launch(0, 1, 2, 0, 'exec-a'),
      launch(1, 1, 4, 0, 'exec-a'),
    ]);
    expect(h.finish(1)).toEqual([completed(1, 4)]);
    expect(h.finish(0)).toEqual([completed(1, 2), submitted(1, 9, 0, [0]), launch(2, 1, 9, 0, 'exec-a')]);
  });

  it('reuses a complete shuffle in a later job: no map task is launched', () => {
    const h = new Harness();
    h.addExecutor('exec-a', 2);
    h.submit(twoStageJob(1));
    h.finish(0);
    h.finish(1);
    h.finish(2);
    expect(h.finish(3)).toContainEqual(succeeded(1));

    const second = { jobId: 2, finalStageId: 7, stages: [mapStage(0, 5, 2), resultStage(7, 1, [0])] };
    expect(h.submit(second)).toEqual([submitted(2, 7, 0, [0]), launch(4, 2, 7, 0, 'exec-a')]);
    expect(h.scheduler.mapStage(5)).toEqual({ state: 'done', attempt: 0 });
    expect(h.finish(4)).toEqual([accept(4, 2, 0), completed(2, 7), succeeded(2)]);
  });

  it('recomputes only the map partitions lost with an executor when a later job reuses the shuffle', () => {
    const h = new Harness();
    h.addExecutor('exec-a');
    h.addExecutor('exec-b');
    h.submit(twoStageJob(1, { reduces: 1 })); // map 0 → exec-a (task 0), map 1 → exec-b (task 1)
    h.finish(0);
    h.finish(1);
    expect(h.finish(2)).toContainEqual(succeeded(1));

    expect(h.loseExecutor('exec-b', 'OOM killed')).toEqual([]); // no active job needs shuffle 5 now
    expect(h.registry.missingPartitions(5, 2)).toEqual([1]);

    const second = { jobId: 2, finalStageId: 3, stages: [mapStage(0, 5, 2), resultStage(3, 1, [0])] };
    expect(h.submit(second)).toEqual([
      resubmitted(2, 0, [1], lostExecutor('exec-b', 'OOM killed')),
      submitted(2, 0, 1, [1]),
      launch(3, 2, 0, 1, 'exec-a', 1, 1),
    ]);
    expect(h.finish(3)).toEqual([completed(2, 0), submitted(2, 3, 0, [0]), launch(4, 2, 3, 0, 'exec-a')]);
  });

  it('skips a reused shuffle together with everything upstream of it', () => {
    const h = new Harness();
    h.addExecutor('exec-a');
    const chain = (jobId: number, finalStageId: number) => ({
      jobId,
      finalStageId,
      stages: [mapStage(0, 10, 1), mapStage(1, 11, 1, [0]), resultStage(finalStageId, 1, [1])],
    });
    h.submit(chain(1, 2));
    h.finish(0);
    h.finish(1);
    h.finish(2);
    h.registry.unregister(10, 0); // the grandparent's output is gone, but shuffle 11 is whole
    expect(h.submit(chain(2, 3))).toEqual([submitted(2, 3, 0, [0]), launch(3, 2, 3, 0, 'exec-a')]);
  });
});

describe('SchedulerState: slots and placement', () => {
  it('lets tasks wait until an executor is added', () => {
    const h = new Harness();
    expect(h.submit({ jobId: 1, finalStageId: 0, stages: [resultStage(0, 2)] })).toEqual([submitted(1, 0, 0, [0, 1])]);
    expect(h.scheduler.pendingTaskCount()).toBe(2);
    expect(h.addExecutor('exec-a', 1)).toEqual([launch(0, 1, 0, 0, 'exec-a')]);
    expect(h.addExecutor('exec-b', 1)).toEqual([launch(1, 1, 0, 1, 'exec-b')]);
    expect(h.scheduler.pendingTaskCount()).toBe(0);
  });

  it('uses one slot per task, prefers a preferred executor with a free slot, else the one with most free slots', () => {
    const h = new Harness();
    h.addExecutor('exec-a', 1);
    h.addExecutor('exec-b', 2);
    const preferred = [['exec-a'], ['exec-a'], undefined, ['exec-c'], ['exec-b']];
    const job = { jobId: 1, finalStageId: 0, stages: [resultStage(0, 5, [], { preferredLocations: preferred })] };
    expect(h.submit(job)).toEqual([
      submitted(1, 0, 0, [0, 1, 2, 3, 4]),
      launch(0, 1, 0, 0, 'exec-a'), // preferred, free
      launch(1, 1, 0, 1, 'exec-b'), // preferred exec-a is full: most free slots
      launch(2, 1, 0, 2, 'exec-b'), // no preference: the only free slot
    ]); // partitions 3 and 4 wait: every slot is busy
    expect(h.scheduler.executors()).toEqual([
      { executorId: 'exec-a', slots: 1, runningTaskIds: [0] },
      { executorId: 'exec-b', slots: 2, runningTaskIds: [1, 2] },
    ]);
    expect(h.finish(1)).toEqual([accept(1, 1, 1), launch(3, 1, 0, 3, 'exec-b')]); // exec-c unknown
    expect(h.finish(0)).toEqual([accept(0, 1, 0), launch(4, 1, 0, 4, 'exec-a')]); // preferred exec-b is full
    expect([h.scheduler.freeSlots('exec-a'), h.scheduler.freeSlots('exec-b')]).toEqual([0, 0]);
  });

  it('serves jobs first come, first served', () => {
    const h = new Harness();
    h.submit({ jobId: 1, finalStageId: 0, stages: [resultStage(0, 2)] });
    h.submit({ jobId: 2, finalStageId: 0, stages: [resultStage(0, 1)] });
    expect(h.addExecutor('exec-a', 2)).toEqual([launch(0, 1, 0, 0, 'exec-a'), launch(1, 1, 0, 1, 'exec-a')]);
    expect(h.finish(1)).toEqual([accept(1, 1, 1), launch(2, 2, 0, 0, 'exec-a')]);
  });
});

describe('SchedulerState: concurrent jobs and cancellation', () => {
  it('runs a shuffle stage shared by two concurrent jobs once', () => {
    const h = new Harness();
    h.addExecutor('exec-a', 2);
    expect(h.submit(twoStageJob(1, { reduces: 1 }))).toEqual([
      submitted(1, 0, 0, [0, 1]),
      launch(0, 1, 0, 0, 'exec-a'),
      launch(1, 1, 0, 1, 'exec-a'),
    ]);
    expect(h.submit(twoStageJob(2, { reduces: 1, resultStageId: 2 }))).toEqual([]);
    expect(h.finish(0)).toEqual([]);
    expect(h.finish(1)).toEqual([
      completed(1, 0),
      submitted(1, 1, 0, [0]),
      submitted(2, 2, 0, [0]),
      launch(2, 1, 1, 0, 'exec-a'),
      launch(3, 2, 2, 0, 'exec-a'),
    ]);
    expect(h.finish(3)).toEqual([accept(3, 2, 0), completed(2, 2), succeeded(2)]);
    expect(h.finish(2)).toEqual([accept(2, 1, 0), completed(1, 1), succeeded(1)]);
    const mapTasks = [...h.launched.values()].filter((t) => t.stageId === 0);
    expect(mapTasks.map((t) => t.taskId)).toEqual([0, 1]);
  });

  it('keeps a shared stage running for the other job when one job is cancelled', () => {
    const h = new Harness();
    h.addExecutor('exec-a', 2);
    h.submit(twoStageJob(1, { reduces: 1 }));
    h.submit(twoStageJob(2, { reduces: 1, resultStageId: 2 }));
    expect(h.send({ type: 'JobCancelled', jobId: 1, message: 'user pressed Ctrl-C' })).toEqual([
      { type: 'JobFailed', jobId: 1, failure: { message: 'Job 1 was cancelled: user pressed Ctrl-C', stageId: 1, causes: [] } },
    ]);
    expect(h.finish(0)).toEqual([]);
    expect(h.finish(1)).toEqual([completed(2, 0), submitted(2, 2, 0, [0]), launch(2, 2, 2, 0, 'exec-a')]);
  });

  it('drops a cancelled job’s queued tasks and kills its running ones, which keep their slot until they report', () => {
    const h = new Harness();
    h.addExecutor('exec-a', 1);
    h.submit({ jobId: 1, finalStageId: 0, stages: [resultStage(0, 3)] });
    expect(h.send({ type: 'JobCancelled', jobId: 1, message: 'timeout' }).map((c) => c.type)).toEqual(['JobFailed', 'KillTask']);
    expect(h.scheduler.pendingTaskCount()).toBe(0);
    expect(h.scheduler.runningTasks()).toEqual([]);
    expect(h.scheduler.freeSlots('exec-a')).toBe(0); // task 0 still occupies the executor
    expect(h.submit({ jobId: 2, finalStageId: 0, stages: [resultStage(0, 1)] })).toEqual([submitted(2, 0, 0, [0])]);
    // killed too late: it finished anyway; no AcceptResult for the cancelled job
    expect(h.finish(0)).toEqual([launch(1, 2, 0, 0, 'exec-a')]);
    expect(h.send({ type: 'JobCancelled', jobId: 1, message: 'again' })).toEqual([]);
  });

  it('succeeds at once for a job with no result partitions', () => {
    const h = new Harness();
    expect(h.submit({ jobId: 1, finalStageId: 1, stages: [mapStage(0, 5, 3), resultStage(1, 0, [0])] })).toEqual([succeeded(1)]);
  });
});

describe('SchedulerState: rejected inputs leave the state unchanged', () => {
  it.each([
    ['duplicate stage id', { jobId: 1, finalStageId: 0, stages: [resultStage(0, 1), resultStage(0, 1)] }, /lists stage 0 twice/],
    ['unknown final stage', { jobId: 1, finalStageId: 3, stages: [resultStage(0, 1)] }, /finalStageId 3/],
    ['unknown parent', { jobId: 1, finalStageId: 0, stages: [resultStage(0, 1, [8])] }, /parent stage 8/],
    ['map stage without shuffleId', { jobId: 1, finalStageId: 1, stages: [resultStage(0, 1), resultStage(1, 1, [0])] }, /has no shuffleId/],
    ['final stage with shuffleId', { jobId: 1, finalStageId: 0, stages: [mapStage(0, 5, 1)] }, /must not write a shuffle/],
    ['cycle', { jobId: 1, finalStageId: 2, stages: [mapStage(0, 5, 1, [1]), mapStage(1, 6, 1, [0]), resultStage(2, 1, [1])] }, /stages 0, 1 depend on each other/],
    ['negative partitions', { jobId: 1, finalStageId: 0, stages: [resultStage(0, -1)] }, /non-negative integer, got -1/],
  ])('rejects a job spec with a %s', (_name, job, message) => {
    const h = new Harness();
    h.addExecutor('exec-a');
    expect(() => h.submit(job)).toThrow(InvalidJobSpecError);
    expect(() => h.submit(job)).toThrow(message);
    expect(h.scheduler.activeJobIds()).toEqual([]);
  });

  it('rejects a shuffle id reused with another partition count, and a job id that is still active', () => {
    const h = new Harness();
    h.submit(twoStageJob(1, { maps: 2 }));
    expect(() => h.submit(twoStageJob(2, { maps: 3 }))).toThrow(/shuffle 5 has 3 map partitions, but an earlier job of this session ran it with 2/);
    expect(() => h.submit(twoStageJob(1))).toThrow(/already active/);
    expect(h.scheduler.activeJobIds()).toEqual([1]);
  });

  it('rejects a duplicate executor, a map task finishing without output, and bad options', () => {
    const h = new Harness();
    h.addExecutor('exec-a', 1);
    expect(() => h.addExecutor('exec-a', 1)).toThrow(SchedulerProtocolError);
    expect(() => h.addExecutor('exec-b', 0)).toThrow(/offered 0 slots/);
    h.submit(twoStageJob(1));
    expect(() => h.send({ type: 'TaskFinished', taskId: 0 })).toThrow(/finished without a mapOutput/);
    expect(h.scheduler.runningTasks().map((t) => t.taskId)).toEqual([0]);
    expect(() => new SchedulerState({ maxTaskAttempts: 0 }, new MapOutputRegistry())).toThrow(DataflowError);
  });
});

describe('SchedulerState: delay scheduling', () => {
  const job = (preferred: string[]) => ({
    jobId: 1, finalStageId: 0,
    stages: [{ stageId: 0, numPartitions: 2, parentStageIds: [], preferredLocations: [preferred, preferred] }],
  });
  const launches = (commands: SchedulerCommand[]) =>
    commands.filter((c): c is Extract<SchedulerCommand, { type: 'LaunchTask' }> => c.type === 'LaunchTask').map((c) => [c.task.partition, c.task.executorId]);

  it('holds a task for its busy preferred executor until the locality wait has passed', () => {
    const s = new SchedulerState({ localityWaitMs: 3000 }, new MapOutputRegistry());
    s.handle({ type: 'ExecutorAdded', executorId: 'exec-a', slots: 1 });
    s.handle({ type: 'ExecutorAdded', executorId: 'exec-b', slots: 1 });
    s.handle({ type: 'Tick', now: 1000 });
    expect(launches(s.handle({ type: 'JobSubmitted', job: job(['exec-a']) }))).toEqual([[0, 'exec-a']]);
    expect(launches(s.handle({ type: 'Tick', now: 2500 }))).toEqual([]); // exec-b idles: partition 1 waits for exec-a
    expect(launches(s.handle({ type: 'Tick', now: 4100 }))).toEqual([[1, 'exec-b']]); // waited 3 s: run elsewhere
  });

  it('runs the waiting task where its data is as soon as that executor frees up', () => {
    const s = new SchedulerState({ localityWaitMs: 3000 }, new MapOutputRegistry());
    s.handle({ type: 'ExecutorAdded', executorId: 'exec-a', slots: 1 });
    s.handle({ type: 'ExecutorAdded', executorId: 'exec-b', slots: 1 });
    const submitted = s.handle({ type: 'JobSubmitted', job: job(['exec-a']) });
    const first = submitted.find((c) => c.type === 'LaunchTask') as Extract<SchedulerCommand, { type: 'LaunchTask' }>;
    expect(launches(s.handle({ type: 'TaskFinished', taskId: first.task.taskId }))).toEqual([[1, 'exec-a']]);
  });

  it('does not wait for a preferred executor the partition avoids (its task ran out of memory there)', () => {
    const s = new SchedulerState({ localityWaitMs: 3000 }, new MapOutputRegistry());
    s.handle({ type: 'ExecutorAdded', executorId: 'exec-a', slots: 1 });
    s.handle({ type: 'ExecutorAdded', executorId: 'exec-b', slots: 1 });
    s.handle({ type: 'Tick', now: 1000 });
    const single = { jobId: 1, finalStageId: 0, stages: [{ stageId: 0, numPartitions: 1, parentStageIds: [], preferredLocations: [['exec-a']] }] };
    expect(launches(s.handle({ type: 'JobSubmitted', job: single }))).toEqual([[0, 'exec-a']]);
    const reason = {
      kind: 'OutOfMemory' as const, executorId: 'exec-a', heapLimitBytes: 2 ** 28, taskId: 0, stageId: 0, partition: 0, attempt: 0,
      message: 'executor exec-a ran out of memory (heap limit 256 MB) in task 0 of stage 0 (partition 0, attempt 0)',
    };
    expect(launches(s.handle({ type: 'TaskFailed', taskId: 0, reason }))).toEqual([[0, 'exec-b']]);
  });

  it('does not wait without a locality wait, or for an executor that is gone', () => {
    const s = new SchedulerState({}, new MapOutputRegistry());
    s.handle({ type: 'ExecutorAdded', executorId: 'exec-a', slots: 1 });
    s.handle({ type: 'ExecutorAdded', executorId: 'exec-b', slots: 1 });
    expect(launches(s.handle({ type: 'JobSubmitted', job: job(['exec-a']) }))).toEqual([[0, 'exec-a'], [1, 'exec-b']]);
    const w = new SchedulerState({ localityWaitMs: 3000 }, new MapOutputRegistry());
    w.handle({ type: 'ExecutorAdded', executorId: 'exec-b', slots: 2 });
    expect(launches(w.handle({ type: 'JobSubmitted', job: job(['exec-gone']) }))).toEqual([[0, 'exec-b'], [1, 'exec-b']]);
  });
});
