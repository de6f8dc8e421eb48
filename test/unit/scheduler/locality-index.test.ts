// Delay scheduling once a stage waits: assignTasks offers only the queued partitions that may launch,
// found through StageRun's index of the queue by preferred executor. Each case fails when one way of
// keeping that index (or the wait it replays) goes wrong: the launches must be those of offering every
// queued partition in order.

import { describe, expect, it } from 'vitest';
import { SchedulerState } from '../../../engine/scheduler/scheduler.ts';
import { MapOutputRegistry } from '../../../engine/scheduler/map-output-registry.ts';
import type { JobSpec, SchedulerCommand, SchedulerEvent } from '../../../engine/scheduler/types.ts';
import type { TaskFailureReason } from '../../../engine/protocol/index.ts';

type Launch = Extract<SchedulerCommand, { type: 'LaunchTask' }>;

/** A scheduler with a 3 s locality wait that remembers which task runs which partition. */
class Driver {
  readonly scheduler = new SchedulerState({ localityWaitMs: 3000 }, new MapOutputRegistry());
  /** `${jobId}/${partition}` → its latest task. */
  private readonly taskOf = new Map<string, number>();

  /** The event's launches as [partition, executor]. */
  send(event: SchedulerEvent): [number, string][] {
    const launched = this.scheduler.handle(event).filter((c): c is Launch => c.type === 'LaunchTask');
    for (const { task } of launched) this.taskOf.set(`${task.jobId}/${task.partition}`, task.taskId);
    return launched.map(({ task }) => [task.partition, task.executorId]);
  }

  executors(slots: Record<string, number>): void {
    for (const [executorId, n] of Object.entries(slots)) this.send({ type: 'ExecutorAdded', executorId, slots: n });
  }

  /** Fails the task of job `jobId`'s `partition`, by default with a user error. */
  fail(jobId: number, partition: number, reason: TaskFailureReason = { kind: 'UserCodeError', message: 'boom' }): [number, string][] {
    return this.send({ type: 'TaskFailed', taskId: this.taskOf.get(`${jobId}/${partition}`)!, reason });
  }
}

const resultJob = (jobId: number, preferredLocations: string[][]): JobSpec => ({
  jobId, finalStageId: 0, stages: [{ stageId: 0, numPartitions: preferredLocations.length, parentStageIds: [], preferredLocations }],
});

describe('SchedulerState: delay scheduling of a waiting stage', () => {
  it('launches partitions whose preferred executor was lost anywhere, while the others keep waiting', () => {
    const d = new Driver();
    d.executors({ 'exec-a': 1, 'exec-b': 1 });
    d.send({ type: 'Tick', now: 1000 });
    // 1 waits for exec-a; 2 takes exec-b, where it prefers; 3 then has no free slot
    expect(d.send({ type: 'JobSubmitted', job: resultJob(1, [['exec-a'], ['exec-a'], ['exec-b'], ['exec-b']]) })).toEqual([[0, 'exec-a'], [2, 'exec-b']]);
    expect(d.send({ type: 'ExecutorLost', executorId: 'exec-b', message: 'process exited' })).toEqual([]); // 2 queued again
    // 1 still waits for busy exec-a; 2 and 3 prefer only a lost executor: they run at once
    expect(d.send({ type: 'ExecutorAdded', executorId: 'exec-c', slots: 2 })).toEqual([[2, 'exec-c'], [3, 'exec-c']]);
  });

  it('finds a partition queued again after its task failed on its preferred executor', () => {
    const d = new Driver();
    d.executors({ 'exec-a': 1, 'exec-b': 1, 'exec-z': 1 });
    d.send({ type: 'Tick', now: 1000 });
    expect(d.send({ type: 'JobSubmitted', job: resultJob(1, [['exec-a'], ['exec-a'], ['exec-b']]) })).toEqual([[0, 'exec-a'], [2, 'exec-b']]);
    // 1 waits for exec-a (exec-b and exec-z free); the retry of 2 goes back to exec-b
    expect(d.fail(1, 2)).toEqual([[2, 'exec-b']]);
  });

  it('launches a partition elsewhere when the busy executor it prefers is one it avoids', () => {
    const d = new Driver();
    d.executors({ 'exec-a': 1, 'exec-c': 1 });
    d.send({ type: 'Tick', now: 1000 });
    expect(d.send({ type: 'JobSubmitted', job: resultJob(1, [['exec-b']]) })).toEqual([[0, 'exec-a']]); // exec-b is not there yet
    d.send({ type: 'ExecutorAdded', executorId: 'exec-b', slots: 1 });
    expect(d.send({ type: 'JobSubmitted', job: resultJob(2, [['exec-c'], ['exec-c'], ['exec-b']]) })).toEqual([[0, 'exec-c'], [2, 'exec-b']]);
    expect(d.fail(1, 0)).toEqual([]); // job 1's partition waits for exec-b, job 2's partition 1 for exec-c
    const outOfMemory: TaskFailureReason = {
      kind: 'OutOfMemory', executorId: 'exec-b', heapLimitBytes: 2 ** 28, taskId: 2, stageId: 0, partition: 2, attempt: 0,
      message: 'executor exec-b ran out of memory (heap limit 256 MB) in task 2 of stage 0 (partition 2, attempt 0)',
    };
    // job 1 takes exec-b back; job 2's partition 2 avoids exec-b, so it has no preference left: exec-a
    expect(d.fail(2, 2, outOfMemory)).toEqual([[0, 'exec-b'], [2, 'exec-a']]);
  });

  it('restarts the wait when a partition skipped after a local launch would have been refused', () => {
    const d = new Driver();
    d.executors({ 'exec-a': 1, 'exec-b': 1, 'exec-z': 2 });
    d.send({ type: 'Tick', now: 1000 });
    // 1 is refused exec-z (the wait starts at 1000), 2 launches where it prefers (the wait ends),
    // 3 is refused exec-z (the wait starts again at 1000)
    expect(d.send({ type: 'JobSubmitted', job: resultJob(1, [['exec-a'], ['exec-a'], ['exec-b'], ['exec-a']]) })).toEqual([[0, 'exec-a'], [2, 'exec-b']]);
    expect(d.send({ type: 'Tick', now: 3900 })).toEqual([]);
    expect(d.send({ type: 'Tick', now: 4000 })).toEqual([[1, 'exec-z'], [3, 'exec-z']]); // waited 3 s since 1000
  });

  it('reads the preferences of the job that owns a shared map stage once the first owner is gone', () => {
    const d = new Driver();
    d.executors({ 'exec-a': 1, 'exec-b': 1, 'exec-c': 1 });
    d.send({ type: 'Tick', now: 1000 });
    const mapJob = (jobId: number, preferredLocations: string[][]): JobSpec => ({
      jobId, finalStageId: 0, mapStage: true,
      stages: [{ stageId: 0, numPartitions: 4, parentStageIds: [], shuffleId: 7, preferredLocations }],
    });
    expect(d.send({ type: 'JobSubmitted', job: mapJob(1, [['exec-a'], ['exec-a'], ['exec-b'], ['exec-b']]) })).toEqual([[0, 'exec-a'], [2, 'exec-b']]);
    // job 2 reads the same shuffle but places partition 3 on exec-c; job 1 still owns the stage
    expect(d.send({ type: 'JobSubmitted', job: mapJob(2, [['exec-a'], ['exec-a'], ['exec-b'], ['exec-c']]) })).toEqual([]);
    expect(d.send({ type: 'JobCancelled', jobId: 1, message: 'cancelled by the user' })).toEqual([[3, 'exec-c']]);
  });
});
