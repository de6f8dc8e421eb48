// The live UI's status once the application monitor's thread folds it (after the event log writer's
// first 4,096 events): a real job of 2,500 tasks on `local` crosses the hand-over mid-job, and the
// UI then answers exactly what `dataflow history` folds from the same application's log, task by
// task; with the event log off the thread folds alone; an event posted just before a request is in
// its answer; and an ApplicationMonitor fed by hand answers the same with the hand-over after 10
// events as with none (the driver's thread folding throughout), failures, retries and lost executors
// included, and as history folds from its log.

import { afterAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationMonitor } from '../../../engine/cluster/app-monitor.ts';
import { ListenerBus } from '../../../engine/cluster/listener-bus.ts';
import { resolveConfig } from '../../../engine/config.ts';
import { Session } from '../../../engine/dataset/session.ts';
import type { EngineEvent, TaskIo } from '../../../engine/events/events.ts';
import type { ApplicationStatus, JobStatus, StageStatus } from '../../../engine/events/status.ts';
import { HistorySource } from '../../../engine/ui/history.ts';
import { getJson } from '../../helpers/ui-job.ts';

const TASKS = 2_500; // 5,000 task events and a few more: past the writer's 4,096, so the thread takes over mid-job

describe('the UI status folded on the monitor thread', () => {
  const dirs: string[] = [];
  const tempDir = async (): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'monitor-thread-test-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => { for (const dir of dirs) await rm(dir, { recursive: true, force: true }); });

  it('answers what history folds from the log of the same application, after a job that crossed the hand-over', async () => {
    const logs = await tempDir();
    const session = await Session.create({ master: 'local', appName: 'thread-fold', conf: ['dataflow.ui.port=0', `dataflow.eventLog.dir=${logs}`, 'dataflow.ui.progress=false'] });
    const api = `${session.uiUrl!}/api/applications/${session.appId}`;
    let live: { app: ApplicationStatus; job: JobStatus; stage: StageStatus };
    try {
      expect(await session.range(0, 10_000, { numPartitions: TASKS }).count()).toBe(10_000);
      const app = await getJson<ApplicationStatus>(api);
      const job = await getJson<JobStatus>(`${api}/jobs/${app.jobs[0]!.jobId}`);
      live = { app, job, stage: await getJson<StageStatus>(`${api}/stages/${job.stageIds[0]}`) };
    } finally {
      await session.stop();
    }
    expect(live.app.jobs).toEqual([expect.objectContaining({ status: 'succeeded', numTasks: TASKS, completedTasks: TASKS, failedTasks: 0 })]);
    expect(live.stage.tasks).toHaveLength(TASKS);
    expect(live.stage.io.outputRecords).toBe(10_000);

    const history = new HistorySource(logs);
    const logged = async <T>(query: Parameters<HistorySource['query']>[1]): Promise<T> => (await history.query(session.appId, query))!.answer as T;
    const app = await logged<ApplicationStatus>({ view: 'application' });
    expect({ ...live.app, status: 'succeeded', endTime: app.endTime }).toEqual(app);
    expect(live.job).toEqual(await logged<JobStatus>({ view: 'job', jobId: live.job.jobId }));
    expect(live.stage).toEqual(await logged<StageStatus>({ view: 'stage', stageId: live.stage.stageId }));
  });

  it('folds on its thread with the event log off, and a request sees the events posted just before it', async () => {
    const session = await Session.create({ master: 'local', conf: ['dataflow.ui.port=0', 'dataflow.eventLog.enabled=false', 'dataflow.ui.progress=false'] });
    try {
      expect(session.eventLogLocation).toBeUndefined();
      await session.range(0, 100, { numPartitions: TASKS }).count();
      const api = `${session.uiUrl!}/api/applications/${session.appId}`;
      expect((await getJson<ApplicationStatus>(api)).jobs).toEqual([expect.objectContaining({ completedTasks: TASKS, status: 'succeeded' })]);
      session.reportEvent('test', 'posted', { n: 1 });
      expect((await getJson<ApplicationStatus>(api)).appEvents).toEqual([expect.objectContaining({ source: 'test', kind: 'posted', data: { n: 1 } })]);
    } finally {
      await session.stop();
    }
  });

  it('answers the same whether its thread takes over after 10 events or never', async () => {
    const answers: unknown[] = [];
    for (const threadAfterEvents of [10, Infinity]) {
      for (const log of [true, false]) {
        const dir = await tempDir();
        const conf = ['dataflow.ui.port=0', 'dataflow.ui.progress=false', log ? `dataflow.eventLog.dir=${dir}` : 'dataflow.eventLog.enabled=false'];
        const monitor = await ApplicationMonitor.start({ config: resolveConfig(conf), master: 'local[2]', appName: 'by-hand', threadAfterEvents });
        const bus = new ListenerBus();
        monitor.listenTo(bus);
        for (const event of scenario()) bus.post(event);
        // no drain here: the request must see every event posted before it
        const api = `${monitor.uiUrl!}/api/applications/${monitor.appId}`;
        const app = await getJson<ApplicationStatus>(api);
        const views = {
          app: { ...app, appId: 'x', startTime: 0 },
          jobs: await Promise.all([0, 1].map((jobId) => getJson<JobStatus>(`${api}/jobs/${jobId}`))),
          stages: await Promise.all(['0', '1', '0?attempt=0'].map((stage) => getJson<StageStatus>(`${api}/stages/${stage}`))),
        };
        expect((await fetch(`${api}/stages/7`)).status).toBe(404);
        await monitor.stop({ status: 'succeeded' });
        answers.push(views);
        if (log) { // and history folds the same from the log (tasks started and ended within a batch on one line)
          const history = new HistorySource(dir);
          const logged = async <T>(query: Parameters<HistorySource['query']>[1]): Promise<T> => (await history.query(monitor.appId, query))!.answer as T;
          const historyApp = await logged<ApplicationStatus>({ view: 'application' });
          expect(historyApp).toEqual({ ...app, status: 'succeeded', endTime: historyApp.endTime });
          expect(await Promise.all([0, 1].map((jobId) => logged<JobStatus>({ view: 'job', jobId })))).toEqual(views.jobs);
          expect(await Promise.all([{ stageId: 0 }, { stageId: 1 }, { stageId: 0, attempt: 0 }].map((q) => logged<StageStatus>({ view: 'stage', ...q })))).toEqual(views.stages);
        }
      }
    }
    const [first] = answers as Array<{ app: ApplicationStatus; stages: StageStatus[] }>;
    expect(first!.app.jobs.map((j) => [j.status, j.completedTasks, j.failedTasks])).toEqual([['succeeded', 5, 2], ['failed', 0, 1]]);
    expect(first!.stages[2]!.tasks.find((t) => t.failure !== undefined)?.failure).toBe('executor exec-2 lost: "quoted" \\ and ünïcode');
    expect(first!.app.executors.map((e) => [e.executorId, e.state])).toEqual([['exec-1', 'alive'], ['exec-2', 'lost']]);
    for (const other of answers.slice(1)) expect(other).toEqual(answers[0]);
  });
});

const io = (n: number): TaskIo => ({
  inputBytes: 100 * n, inputRecords: n, shuffleReadBytes: 0, shuffleReadRecords: 0, shuffleWriteBytes: 8 * n, shuffleWriteRecords: n, outputRecords: n, spillBytes: 0, peakMemoryBytes: 4096,
});

/** Two jobs: one with a task lost with its executor and retried (stage 0 resubmitted), one that fails; a cached partition, an ALS-like report. */
function scenario(): EngineEvent[] {
  const t = 1_000;
  const start = (taskId: number, stageId: number, partition: number, executorId: string, stageAttempt = 0, attempt = 0): EngineEvent =>
    ({ event: 'TaskStart', time: t + taskId, stageId, stageAttempt, taskId, partition, attempt, executorId, host: executorId === 'exec-1' ? 'host-a' : 'host-b' });
  const end = (taskId: number, stageId: number, partition: number, executorId: string, status: 'succeeded' | 'failed' | 'killed' = 'succeeded', stageAttempt = 0, attempt = 0): EngineEvent => ({
    event: 'TaskEnd', time: t + taskId + 5, stageId, stageAttempt, taskId, partition, attempt, executorId, status, durationMs: 5, io: io(status === 'succeeded' ? taskId + 1 : 0),
    ...(status === 'succeeded' ? {} : { failure: 'executor exec-2 lost: "quoted" \\ and ünïcode', failureKind: 'ExecutorLost' }),
  });
  return [
    { event: 'ExecutorAdded', time: t, executorId: 'exec-1', host: 'host-a', port: 7001, cores: 1, memoryBytes: 1 << 30 },
    { event: 'ExecutorAdded', time: t, executorId: 'exec-2', host: 'host-b', port: 7002, cores: 1, memoryBytes: 1 << 30 },
    { event: 'JobStart', time: t, jobId: 0, description: 'count at job.ts:1', plan: '== 2 stages ==', stages: [
      { stageId: 0, name: 'range → shuffle 0', numTasks: 3, parentStageIds: [], shuffleId: 0 }, { stageId: 1, name: 'reduce', numTasks: 2, parentStageIds: [0] },
    ] },
    { event: 'StageSubmitted', time: t, jobId: 0, stageId: 0, attempt: 0, numTasks: 3 },
    start(0, 0, 0, 'exec-1'), start(1, 0, 1, 'exec-2'), end(0, 0, 0, 'exec-1'), start(2, 0, 2, 'exec-1'),
    end(1, 0, 1, 'exec-2', 'failed'),
    { event: 'ExecutorRemoved', time: t + 7, executorId: 'exec-2', reason: 'killed' },
    end(2, 0, 2, 'exec-1'),
    { event: 'StageSubmitted', time: t + 8, jobId: 0, stageId: 0, attempt: 1, numTasks: 1 },
    start(3, 0, 1, 'exec-1', 1, 1), end(3, 0, 1, 'exec-1', 'succeeded', 1, 1),
    { event: 'StageCompleted', time: t + 9, jobId: 0, stageId: 0, attempt: 1, status: 'succeeded' },
    { event: 'StageSubmitted', time: t + 9, jobId: 0, stageId: 1, attempt: 0, numTasks: 2 },
    start(4, 1, 0, 'exec-1'), start(5, 1, 1, 'exec-1'), end(5, 1, 1, 'exec-1', 'killed'), end(4, 1, 0, 'exec-1'),
    start(6, 1, 1, 'exec-1', 0, 1), end(6, 1, 1, 'exec-1', 'succeeded', 0, 1),
    { event: 'DatasetCached', time: t + 20, cacheId: 3, name: 'cache 3', partition: 0, executorId: 'exec-1', memoryBytes: 1234, diskBytes: 0 },
    { event: 'StageCompleted', time: t + 20, jobId: 0, stageId: 1, attempt: 0, status: 'succeeded' },
    { event: 'JobEnd', time: t + 21, jobId: 0, status: 'succeeded' },
    { event: 'AppEvent', time: t + 22, source: 'als', kind: 'iteration', data: { iteration: 1, trainRmse: 0.71, note: 'ok' } },
    { event: 'JobStart', time: t + 30, jobId: 1, description: 'collect', plan: '== 1 stage ==', stages: [{ stageId: 2, name: 'map', numTasks: 1, parentStageIds: [] }] },
    { event: 'StageSubmitted', time: t + 30, jobId: 1, stageId: 2, attempt: 0, numTasks: 1 },
    start(7, 2, 0, 'exec-1'), end(7, 2, 0, 'exec-1', 'failed'),
    { event: 'JobEnd', time: t + 40, jobId: 1, status: 'failed', message: 'task 0 failed' },
  ];
}
