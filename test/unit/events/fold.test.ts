// The fold of events into the status model, events in and status out: jobs, stages with task
// counts and distributions, executors lost with their reason, caches, library reports, and a log
// with corrupt lines that still opens and counts them; a log written as the writer writes it (a task
// started and ended within a batch on one line, runs of them on one Tasks line) folds to the status the
// events fold to, wherever the batches end.

import { describe, expect, it } from 'vitest';
import type { EngineEvent, TaskIo } from '../../../engine/events/events.ts';
import { RETAINED_JOBS, RETAINED_TASKS, applicationStatus, applicationSummary, applyEvent, emptyAppState, jobStatus, stageStatus } from '../../../engine/events/fold.ts';
import { PackedLineWriter, eventLine } from '../../../engine/events/event-line.ts';
import { LineChunks } from '../../../engine/events/line-chunks.ts';
import { EventPacker } from '../../../engine/events/packed-events.ts';
import { mulberry32 } from '../../../engine/kernels/mulberry32.ts';
import { foldEventLog } from '../../../engine/events/log-reader.ts';

const io = (bytes: number): TaskIo => ({
  inputBytes: bytes, inputRecords: bytes / 10, shuffleReadBytes: 0, shuffleReadRecords: 0, shuffleWriteBytes: bytes * 2, shuffleWriteRecords: 5,
  outputRecords: 5, spillBytes: 0, peakMemoryBytes: bytes,
});

/** A job of two stages on two executors: stage 0 (3 tasks, one retried after a failure), stage 1 (1 task). */
function twoStageJob(): EngineEvent[] {
  const stages = [
    { stageId: 0, name: 'range → map → reduceByKey', numTasks: 3, parentStageIds: [], shuffleId: 0 },
    { stageId: 1, name: 'reduceByKey → collect', numTasks: 1, parentStageIds: [0] },
  ];
  const task = (stageId: number, taskId: number, partition: number, attempt: number, executorId: string, t: number): EngineEvent =>
    ({ event: 'TaskStart', time: t, stageId, stageAttempt: 0, taskId, partition, attempt, executorId, host: '127.0.0.1' });
  const end = (stageId: number, taskId: number, partition: number, attempt: number, executorId: string, t: number, durationMs: number, bytes: number, failure?: string): EngineEvent =>
    ({ event: 'TaskEnd', time: t, stageId, stageAttempt: 0, taskId, partition, attempt, executorId, status: failure ? 'failed' : 'succeeded', durationMs, io: io(bytes), ...(failure ? { failure } : {}) });
  return [
    { event: 'ApplicationStart', time: 1000, appId: 'app-1', appName: 'job.ts', master: 'local[2]', user: 'me', logVersion: 1 },
    { event: 'ExecutorAdded', time: 1001, executorId: 'exec-1', host: '127.0.0.1', port: 7001, cores: 1, memoryBytes: 1 << 30 },
    { event: 'ExecutorAdded', time: 1002, executorId: 'exec-2', host: '127.0.0.1', port: 7002, cores: 1, memoryBytes: 1 << 30 },
    { event: 'JobStart', time: 1010, jobId: 0, description: 'collect at job.ts:3', stages, plan: '== 2 stages ==' },
    { event: 'StageSubmitted', time: 1011, jobId: 0, stageId: 0, attempt: 0, numTasks: 3 },
    task(0, 0, 0, 0, 'exec-1', 1012), task(0, 1, 1, 0, 'exec-2', 1012),
    end(0, 0, 0, 0, 'exec-1', 1020, 8, 100),
    end(0, 1, 1, 0, 'exec-2', 1030, 18, 0, 'TypeError: boom'),
    task(0, 2, 2, 0, 'exec-1', 1031), end(0, 2, 2, 0, 'exec-1', 1040, 9, 300),
    task(0, 3, 1, 1, 'exec-1', 1041), end(0, 3, 1, 1, 'exec-1', 1060, 19, 200),
    { event: 'StageCompleted', time: 1061, jobId: 0, stageId: 0, attempt: 0, status: 'succeeded' },
    { event: 'StageSubmitted', time: 1062, jobId: 0, stageId: 1, attempt: 0, numTasks: 1 },
    task(1, 4, 0, 0, 'exec-2', 1063),
    { event: 'ExecutorRemoved', time: 1070, executorId: 'exec-2', reason: 'its process was killed by SIGKILL', outOfMemory: false },
    task(1, 5, 0, 1, 'exec-1', 1071), end(1, 5, 0, 1, 'exec-1', 1080, 9, 50),
    { event: 'StageCompleted', time: 1081, jobId: 0, stageId: 1, attempt: 0, status: 'succeeded' },
    { event: 'JobEnd', time: 1082, jobId: 0, status: 'succeeded' },
    { event: 'AppEvent', time: 1090, source: 'als', kind: 'iteration', data: { iteration: 1, trainRmse: 0.9, seconds: 0.5 } },
    { event: 'DatasetCached', time: 1091, cacheId: 7, name: 'ratings', partition: 0, executorId: 'exec-1', memoryBytes: 1000, diskBytes: 0 },
    { event: 'DatasetCached', time: 1092, cacheId: 7, name: 'ratings', partition: 1, executorId: 'exec-1', memoryBytes: 0, diskBytes: 400 },
  ];
}

describe('applyEvent: events in, status out', () => {
  it('counts a job\'s tasks, its failures, its stages\' sums and distributions, and an executor lost with its reason', () => {
    const state = twoStageJob().reduce(applyEvent, emptyAppState());
    const app = applicationStatus(state);
    expect(app).toMatchObject({ appId: 'app-1', appName: 'job.ts', master: 'local[2]', status: 'running', startTime: 1000, skippedLogLines: 0 });
    expect(app.jobs).toEqual([{
      jobId: 0, description: 'collect at job.ts:3', status: 'succeeded', startTime: 1010, endTime: 1082, stageIds: [0, 1],
      numTasks: 4, completedTasks: 4, failedTasks: 1,
    }]);
    const exec1 = app.executors.find((e) => e.executorId === 'exec-1')!;
    const exec2 = app.executors.find((e) => e.executorId === 'exec-2')!;
    expect(exec1).toMatchObject({ state: 'alive', activeTasks: 0, completedTasks: 4, failedTasks: 0, cores: 1, port: 7001 });
    expect(exec2).toMatchObject({ state: 'lost', removedTime: 1070, lossReason: 'its process was killed by SIGKILL', activeTasks: 0, failedTasks: 1 });
    expect(app.appEvents).toEqual([{ time: 1090, source: 'als', kind: 'iteration', data: { iteration: 1, trainRmse: 0.9, seconds: 0.5 } }]);
    expect(app.cached).toEqual([{ cacheId: 7, name: 'ratings', partitions: 2, memoryBytes: 1000, diskBytes: 400 }]);

    const stage0 = stageStatus(state, 0)!;
    expect(stage0).toMatchObject({ stageId: 0, attempt: 0, jobId: 0, name: 'range → map → reduceByKey', status: 'succeeded', numTasks: 3, completedTasks: 3, failedTasks: 1, submitTime: 1011, completionTime: 1061 });
    expect(stage0.tasks.map((t) => [t.taskId, t.partition, t.attempt, t.status])).toEqual([[0, 0, 0, 'succeeded'], [1, 1, 0, 'failed'], [2, 2, 0, 'succeeded'], [3, 1, 1, 'succeeded']]);
    expect(stage0.tasks[1]!.failure).toBe('TypeError: boom');
    expect(stage0.io.inputBytes).toBe(600); // the failed attempt's bytes are not counted
    expect(stage0.io.peakMemoryBytes).toBe(300);
    expect(stage0.distributions.durationMs).toEqual({ min: 8, median: 9, max: 19 });
    expect(stage0.distributions.shuffleWriteBytes).toEqual({ min: 200, median: 400, max: 600 });

    const job = jobStatus(state, 0)!;
    expect(job.stages.map((s) => [s.stageId, s.status, s.completedTasks, s.parentStageIds])).toEqual([[0, 'succeeded', 3, []], [1, 'succeeded', 1, [0]]]);
    expect(job.plan).toBe('== 2 stages ==');
    expect(jobStatus(state, 9)).toBeUndefined();
    expect(stageStatus(state, 9)).toBeUndefined();
    // the task lost with exec-2 never ended: it shows as running in a stage that completed
    expect(stageStatus(state, 1)!.tasks.map((t) => t.status)).toEqual(['running', 'succeeded']);
  });

  it('a stage an earlier job computed is skipped, not counted in the next job', () => {
    const events = twoStageJob();
    const state = events.reduce(applyEvent, emptyAppState());
    const stages = [
      { stageId: 0, name: 'range → map → reduceByKey', numTasks: 3, parentStageIds: [], shuffleId: 0 },
      { stageId: 2, name: 'reduceByKey → count', numTasks: 1, parentStageIds: [0] },
    ];
    for (const e of [
      { event: 'JobStart', time: 2000, jobId: 1, description: 'count', stages, plan: '' },
      { event: 'StageSubmitted', time: 2001, jobId: 1, stageId: 2, attempt: 0, numTasks: 1 },
      { event: 'TaskStart', time: 2002, stageId: 2, stageAttempt: 0, taskId: 6, partition: 0, attempt: 0, executorId: 'exec-1', host: 'h' },
      { event: 'TaskEnd', time: 2003, stageId: 2, stageAttempt: 0, taskId: 6, partition: 0, attempt: 0, executorId: 'exec-1', status: 'succeeded', durationMs: 1, io: io(1) },
      { event: 'StageCompleted', time: 2004, jobId: 1, stageId: 2, attempt: 0, status: 'succeeded' },
      { event: 'JobEnd', time: 2005, jobId: 1, status: 'succeeded' },
    ] as EngineEvent[]) applyEvent(state, e);
    const job = jobStatus(state, 1)!;
    expect(job).toMatchObject({ numTasks: 1, completedTasks: 1, status: 'succeeded' });
    expect(job.stages.map((s) => [s.stageId, s.status, s.skipped === true])).toEqual([[0, 'succeeded', true], [2, 'succeeded', false]]);
  });

  it('a failed job fails its running stages with its message; the application ends', () => {
    const state = emptyAppState('app-2');
    for (const e of [
      { event: 'JobStart', time: 1, jobId: 0, description: 'collect', stages: [{ stageId: 0, name: 'range', numTasks: 2, parentStageIds: [] }], plan: '' },
      { event: 'StageSubmitted', time: 2, jobId: 0, stageId: 0, attempt: 0, numTasks: 2 },
      { event: 'JobEnd', time: 3, jobId: 0, status: 'failed', message: 'task 0 failed 4 times' },
      { event: 'ApplicationEnd', time: 4, appId: 'app-2', status: 'failed', message: 'the job threw' },
    ] as EngineEvent[]) applyEvent(state, e);
    expect(stageStatus(state, 0)).toMatchObject({ status: 'failed', completionTime: 3, message: 'task 0 failed 4 times' });
    expect(jobStatus(state, 0)).toMatchObject({ status: 'failed', message: 'task 0 failed 4 times', numTasks: 2 });
    expect(applicationSummary(state)).toMatchObject({ appId: 'app-2', status: 'failed', endTime: 4 });
  });
});

describe('retention', () => {
  it('keeps the newest RETAINED_JOBS finished jobs, and the infos of the stages they list, shared ones included', () => {
    const state = emptyAppState('app-3');
    const shared = { stageId: 0, name: 'map stage shared by every job', numTasks: 1, parentStageIds: [], shuffleId: 0 };
    const jobs = RETAINED_JOBS + 30;
    for (let jobId = 0; jobId < jobs; jobId++) {
      const own = { stageId: jobId + 1, name: `result of job ${jobId}`, numTasks: 1, parentStageIds: [0] };
      applyEvent(state, { event: 'JobStart', time: jobId, jobId, description: 'count', stages: [shared, own], plan: '' });
      applyEvent(state, { event: 'JobEnd', time: jobId, jobId, status: 'succeeded' });
    }
    expect(state.jobs.size).toBe(RETAINED_JOBS);
    expect([...state.jobs.keys()][0]).toBe(30);
    // the shared stage, and the own stage of each retained job; none of the forgotten jobs'
    expect(state.stageInfo.size).toBe(RETAINED_JOBS + 1);
    expect(state.stageInfo.has(0)).toBe(true);
    expect(state.stageInfo.has(30)).toBe(false);
    expect(state.stageInfo.has(31)).toBe(true);
    expect(jobStatus(state, jobs - 1)!.stages.map((s) => s.name)).toEqual([shared.name, `result of job ${jobs - 1}`]);
  });

  it('forgets the task rows of the oldest finished stages past RETAINED_TASKS, keeping their counts, sums and distributions; never a running stage\'s', () => {
    const state = emptyAppState('app-4');
    const perStage = 30_000;
    const runStage = (stageId: number, end: boolean): void => {
      applyEvent(state, { event: 'JobStart', time: stageId, jobId: stageId, description: 'count', stages: [{ stageId, name: 'range', numTasks: perStage, parentStageIds: [] }], plan: '' });
      applyEvent(state, { event: 'StageSubmitted', time: stageId, jobId: stageId, stageId, attempt: 0, numTasks: perStage });
      for (let p = 0; p < perStage; p++) {
        const task = { stageId, stageAttempt: 0, taskId: stageId * perStage + p, partition: p, attempt: 0, executorId: 'exec-1' };
        applyEvent(state, { event: 'TaskStart', time: 10, ...task, host: 'h' });
        applyEvent(state, { event: 'TaskEnd', time: 10 + (p % 7), ...task, status: p === 3 ? 'failed' : 'succeeded', durationMs: p % 7, io: io(p) });
      }
      if (end) applyEvent(state, { event: 'StageCompleted', time: 99, jobId: stageId, stageId, attempt: 0, status: 'succeeded' });
    };
    runStage(0, false); // still running (its end never came) when the others finish: its rows stay
    runStage(1, true);
    const before = stageStatus(state, 1)!;
    expect(before.tasks).toHaveLength(perStage);
    expect(before.tasksForgotten).toBeUndefined();
    runStage(2, true);
    runStage(3, true); // 120,000 rows > RETAINED_TASKS: the oldest finished stage (1) forgets its rows
    expect(RETAINED_TASKS).toBeLessThan(4 * perStage);
    expect(RETAINED_TASKS).toBeGreaterThanOrEqual(3 * perStage);
    const after = stageStatus(state, 1)!;
    expect(after.tasks).toEqual([]);
    expect(after.tasksForgotten).toBe(perStage);
    expect(after).toEqual({ ...before, tasks: [], tasksForgotten: perStage });
    expect(after.distributions.durationMs).toEqual({ min: 0, median: 3, max: 6 });
    expect(stageStatus(state, 0)!.tasks).toHaveLength(perStage);
    expect(stageStatus(state, 2)!.tasks).toHaveLength(perStage);
    expect(stageStatus(state, 3)!.tasks).toHaveLength(perStage);
    // a late task end of the forgotten stage still counts, as it would for a stage never seen
    applyEvent(state, { event: 'TaskEnd', time: 200, stageId: 1, stageAttempt: 0, taskId: 10 ** 9, partition: 0, attempt: 1, executorId: 'exec-1', status: 'killed', durationMs: 1, io: io(0) });
    expect(stageStatus(state, 1)).toMatchObject({ failedTasks: 2, tasks: [] });
  });
});

describe('foldEventLog', () => {
  it('skips and counts corrupt and truncated lines, and a log without ApplicationEnd is incomplete in history', () => {
    const lines = twoStageJob().map((e) => JSON.stringify(e));
    lines.splice(5, 0, '{"event":"JobStart","time":', 'not json at all', '{"event":"NoSuchEvent","time":1}', '[1,2]', '');
    const text = `${lines.join('\n')}\n{"event":"TaskStart","time":99,"stag`; // cut mid-write by a crash
    const state = foldEventLog(text, 'app-1');
    expect(state.skippedLogLines).toBe(5);
    expect(applicationStatus(state, { history: true })).toMatchObject({ status: 'incomplete', skippedLogLines: 5 });
    expect(applicationStatus(state).jobs[0]).toMatchObject({ completedTasks: 4, status: 'succeeded' });
  });

  it('folds the log\'s lines (a task\'s fields that are 0 left out) as it folds the events, and an older log\'s full lines the same', () => {
    const events = twoStageJob();
    const written = foldEventLog(events.map((e) => eventLine(e)).join('\n'), 'app-1');
    const full = foldEventLog(events.map((e) => JSON.stringify(e)).join('\n'), 'app-1');
    const folded = events.reduce(applyEvent, emptyAppState('app-1'));
    expect(written.skippedLogLines).toBe(0);
    for (const state of [written, full]) {
      expect(applicationStatus(state)).toEqual(applicationStatus(folded));
      for (const stageId of [0, 1]) expect(stageStatus(state, stageId)).toEqual(stageStatus(folded, stageId));
    }
  });
});

/** The log's text one PackedLineWriter writes for `events`, a batch ending after each index in `ends` (and at the end). */
function logText(events: EngineEvent[], ends: number[] = []): string {
  const writer = new PackedLineWriter();
  const packer = new EventPacker(64);
  const lines = new LineChunks();
  events.forEach((event, i) => {
    packer.push(event);
    if (ends.includes(i)) writer.write(packer.take(), lines);
  });
  writer.write(packer.take(), lines);
  return Buffer.concat(lines.take()).toString('utf8');
}

/** Every view of `state`: the application, and each stage (its latest attempt and each attempt) and job the events name. */
function views(state: ReturnType<typeof emptyAppState>, events: EngineEvent[]): unknown {
  const stages = [...new Set(events.flatMap((e) => (e.event === 'StageSubmitted' ? [`${e.stageId}:${e.attempt}`] : [])))];
  const jobs = [...new Set(events.flatMap((e) => (e.event === 'JobStart' ? [e.jobId] : [])))];
  return {
    app: applicationStatus(state, { history: true }),
    latest: stages.map((s) => stageStatus(state, Number(s.split(':')[0]))),
    attempts: stages.map((s) => stageStatus(state, Number(s.split(':')[0]), Number(s.split(':')[1]))),
    jobs: jobs.map((jobId) => jobStatus(state, jobId)),
  };
}

/** A seeded application: jobs of one or two stages, 1-4 tasks running at once ending in any order, failures, retries, executors lost and added. */
function busyApplication(): EngineEvent[] {
  const random = mulberry32(11);
  const pick = (n: number): number => Math.floor(random() * n);
  const events: EngineEvent[] = [{ event: 'ApplicationStart', time: 0, appId: 'app-1', appName: 'busy', master: 'local[4]', user: 'me', logVersion: 3 }];
  let time = 1_767_225_600_000;
  let taskId = 0;
  let executors = 0;
  const alive: string[] = [];
  const addExecutor = (): void => {
    const executorId = `exec-${++executors}`;
    alive.push(executorId);
    events.push({ event: 'ExecutorAdded', time, executorId, host: `host-${executors % 3}`, port: 7000 + executors, cores: 2, memoryBytes: 1 << 30 });
  };
  addExecutor();
  addExecutor();
  let stageId = 0;
  for (let jobId = 0; jobId < 12; jobId++) {
    const numTasks = 5 + pick(40);
    events.push({ event: 'JobStart', time, jobId, description: `job ${jobId}`, plan: '', stages: [{ stageId, name: 'range', numTasks, parentStageIds: [] }] });
    events.push({ event: 'StageSubmitted', time, jobId, stageId, attempt: 0, numTasks });
    const running: Array<{ taskId: number; partition: number; attempt: number; executorId: string; started: number }> = [];
    let next = 0;
    while (next < numTasks || running.length > 0) {
      time += pick(3);
      if (next < numTasks && running.length < 1 + pick(4)) {
        const executorId = alive[pick(alive.length)]!;
        const task = { taskId: taskId++, partition: next++, attempt: pick(5) === 0 ? 1 : 0, executorId, started: time };
        running.push(task);
        events.push({ event: 'TaskStart', time, stageId, stageAttempt: 0, taskId: task.taskId, partition: task.partition, attempt: task.attempt, executorId, host: `host-${executorId.length % 3}` });
      } else if (pick(60) === 0 && alive.length > 1) {
        const executorId = alive.splice(pick(alive.length), 1)[0]!; // its tasks end failed, then it is removed (as the driver posts them)
        for (const task of running.filter((t) => t.executorId === executorId)) {
          running.splice(running.indexOf(task), 1);
          events.push({ event: 'TaskEnd', time, stageId, stageAttempt: 0, taskId: task.taskId, partition: task.partition, attempt: task.attempt, executorId, status: 'failed', durationMs: time - task.started, io: io(0), failure: 'lost', failureKind: 'ExecutorLost' });
        }
        events.push({ event: 'ExecutorRemoved', time, executorId, reason: 'killed' });
        addExecutor();
      } else if (running.length > 0) {
        const task = running.splice(pick(running.length), 1)[0]!;
        const status = pick(10) === 0 ? 'failed' : pick(20) === 0 ? 'killed' : 'succeeded';
        events.push({
          event: 'TaskEnd', time, stageId, stageAttempt: 0, taskId: task.taskId, partition: task.partition, attempt: task.attempt, executorId: task.executorId, status,
          durationMs: pick(4), io: io(status === 'succeeded' ? pick(3) * 100 : 0), ...(status === 'failed' ? { failure: 'boom', failureKind: 'UserCodeError' } : {}),
        });
      }
      if (pick(200) === 0) events.push({ event: 'AppEvent', time, source: 'test', kind: 'tick', data: { time } });
    }
    events.push({ event: 'StageCompleted', time, jobId, stageId, attempt: 0, status: 'succeeded' });
    events.push({ event: 'JobEnd', time, jobId, status: 'succeeded' });
    stageId++;
  }
  return events;
}

describe('foldEventLog of the log as written (a task started and ended within a batch on one line)', () => {
  it('folds the status the events fold to, wherever the batches end', () => {
    const events = twoStageJob();
    const live = views(events.reduce(applyEvent, emptyAppState('app-1')), events);
    for (let end = -1; end < events.length; end++) {
      const text = logText(events, [end]);
      const state = foldEventLog(text, 'app-1');
      expect(state.skippedLogLines).toBe(0);
      expect(views(state, events)).toEqual(live);
    }
    // in one batch: tasks 0 and 1 and 5 on one line each, 2 and 3 (exec-1, succeeded, one after the other) on one
    // Tasks line; task 4 (its executor lost, never ended) keeps its start's
    expect(logText(events).match(/"TaskStart"/g)).toHaveLength(1);
    expect(logText(events).match(/"sinceStart"/g)).toHaveLength(4);
    expect(logText(events).match(/"event":"Tasks".*"taskId":\[2,1\],"partition":\[2,-1\],"attempt":\[0,1\]/g)).toHaveLength(1);
  });

  it('folds a busy application\'s log, in batches of any size, to the status its events fold to', () => {
    const events = busyApplication();
    const live = views(events.reduce(applyEvent, emptyAppState('app-1')), events);
    const random = mulberry32(5);
    for (const every of [1, 7, 50, 400, Infinity]) {
      const ends = every === Infinity ? [] : events.map((_, i) => i).filter(() => random() < 1 / every);
      const text = logText(events, ends);
      const state = foldEventLog(text, 'app-1');
      expect(state.skippedLogLines).toBe(0);
      expect(views(state, events)).toEqual(live);
      if (every >= 50) expect((text.match(/"TaskStart"/g) ?? []).length).toBeLessThan(events.filter((e) => e.event === 'TaskEnd').length / 2);
      if (every >= 50) expect(text).toContain('{"event":"Tasks"');
      if (every >= 50) expect(text).toContain('"executorIndex":['); // runs across executors (version 5)
    }
  });

  it('folds a log of thousands of short tasks (Tasks lines of many rows, failures and other lines between) to the live status, wherever the batches end', () => {
    const random = mulberry32(9);
    const events: EngineEvent[] = [{ event: 'ApplicationStart', time: 0, appId: 'app-1', appName: 'short', master: 'local', user: 'me', logVersion: 4 }];
    events.push({ event: 'ExecutorAdded', time: 1, executorId: 'exec-1', host: 'h1', port: 1, cores: 1, memoryBytes: 1 });
    events.push({ event: 'ExecutorAdded', time: 1, executorId: 'exec-2', host: 'h2', port: 2, cores: 1, memoryBytes: 1 });
    let time = 1_767_225_600_000;
    let taskId = 0;
    for (let stageId = 0; stageId < 3; stageId++) {
      const numTasks = 700;
      events.push({ event: 'JobStart', time, jobId: stageId, description: 'count', plan: '', stages: [{ stageId, name: 'range', numTasks, parentStageIds: [] }] });
      events.push({ event: 'StageSubmitted', time, jobId: stageId, stageId, attempt: 0, numTasks });
      for (let partition = 0; partition < numTasks; partition++) {
        const executorId = random() < 0.9 ? 'exec-1' : 'exec-2';
        const attempt = random() < 0.05 ? 1 : 0;
        const task = { stageId, stageAttempt: 0, taskId: taskId++, partition, attempt, executorId };
        events.push({ event: 'TaskStart', time, ...task, host: executorId === 'exec-1' ? 'h1' : 'h2' });
        time += Math.floor(random() * 2);
        const failed = random() < 0.02;
        events.push({ event: 'TaskEnd', time, ...task, status: failed ? 'failed' : 'succeeded', durationMs: 1, io: io(failed ? 0 : 100 * Math.floor(random() * 3)), ...(failed ? { failure: 'boom' } : {}) });
        if (random() < 0.01) events.push({ event: 'AppEvent', time, source: 'test', kind: 'tick', data: { time } });
      }
      events.push({ event: 'StageCompleted', time, jobId: stageId, stageId, attempt: 0, status: 'succeeded' });
      events.push({ event: 'JobEnd', time, jobId: stageId, status: 'succeeded' });
    }
    const live = views(events.reduce(applyEvent, emptyAppState('app-1')), events);
    for (const every of [1, 3, 40, 300, 5000, Infinity]) {
      const ends = every === Infinity ? [] : events.map((_, i) => i).filter(() => random() < 1 / every);
      const text = logText(events, ends);
      const state = foldEventLog(text, 'app-1');
      expect(state.skippedLogLines).toBe(0);
      expect(views(state, events)).toEqual(live);
      if (every === Infinity) expect(text.length / taskId).toBeLessThan(120); // bytes a task (runs of ~9 on one executor here): ~270 as version 3 wrote them
    }
  });

  it('skips and counts a carrying line cut by a crash; the task it carried is unknown, the rest folds', () => {
    const events = twoStageJob();
    const text = logText(events);
    const cut = `${text.slice(0, text.lastIndexOf('"sinceStart"'))}\n`.replace(/\n[^\n]*\n$/, '\n{"event":"TaskEnd","time":1080,"stag');
    const state = foldEventLog(cut, 'app-1');
    expect(state.skippedLogLines).toBe(1);
    expect(stageStatus(state, 0)!.completedTasks).toBe(3);
    expect(stageStatus(state, 1)!.tasks.map((t) => [t.taskId, t.status])).toEqual([[4, 'running']]);
  });
});
