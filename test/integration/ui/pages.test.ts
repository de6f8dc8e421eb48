// What a user sees in the web UI, in a real headless browser: one local[2] application whose job
// loses an executor process (SIGKILLed mid-job) and then trains a small ALS model; its pages
// (jobs and stages with task counts, the DAG picture, a stage's task timeline, the lost executor,
// the ALS per-iteration plots) live while it runs, then the same pages from `dataflow history`
// after the driver exited, with a corrupt log line counted and unknown ids as 404 pages.
// One browser and one application for the whole file. DATAFLOW_UI_SCREENSHOTS=1 also writes the
// README's screenshots (docs/ui-stage.png, docs/ui-als.png) from the history pages.

import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, sum } from '../../../engine/index.ts';
import type { ApplicationStatus, JobStatus, StageStatus } from '../../../engine/events/status.ts';
import { EVENT_LOG_VERSION, type EngineEvent } from '../../../engine/events/events.ts';
import { PackedLineWriter } from '../../../engine/events/event-line.ts';
import { EventPacker } from '../../../engine/events/packed-events.ts';
import { LineChunks } from '../../../engine/events/line-chunks.ts';
import { RETAINED_TASKS } from '../../../engine/events/fold.ts';
import { trainAls } from '../../../index.ts';
import { INSTALL_TIMEOUT_MS, launchBrowser } from '../../helpers/browser.ts';
import type { TestBrowser } from '../../helpers/browser.ts';
import { ROOT, spawnDataflow, waitUntil } from '../../helpers/cluster.ts';
import type { ProcessHandle } from '../../helpers/cluster.ts';
import { getJson, startUiApp } from '../../helpers/ui-job.ts';
import type { UiApp } from '../../helpers/ui-job.ts';
import { memoryHog } from '../../fixtures/memory-hog.ts';

const ALS_ITERATIONS = 4;

function ratings(): Array<{ userId: number; itemId: number; rating: number }> {
  const out = [];
  for (let u = 0; u < 60; u++) {
    for (let i = 0; i < 40; i++) if ((u * 7 + i * 13) % 3 !== 0) out.push({ userId: u, itemId: 500 + i, rating: 1 + ((u * i) % 5) });
  }
  return out;
}

/** The page at `path`, rendered from the API (main carries data-status once a render finished). */
async function open(page: Page, base: string, path: string): Promise<void> {
  await page.goto(base + path);
  await page.waitForSelector('main[data-status=ok]', { timeout: 15_000 });
}

const texts = (page: Page, selector: string): Promise<string[]> => page.locator(selector).allInnerTexts();

/**
 * Writes, as the driver's log writer does, the log of a finished application of 4 stages of `perStage`
 * tasks on two executors (more than RETAINED_TASKS in all, so the first stage's rows are forgotten); its appId.
 */
function manyTasksLog(dir: string, perStage: number): string {
  const appId = 'app-many-tasks';
  const writer = new PackedLineWriter();
  const packer = new EventPacker();
  const lines = new LineChunks();
  const push = (e: EngineEvent): void => {
    packer.push(e);
    if (packer.full) writer.write(packer.take(), lines);
  };
  push({ event: 'ApplicationStart', time: 1, appId, appName: 'many tasks', master: 'local[2]', user: 'me', logVersion: EVENT_LOG_VERSION });
  for (let stageId = 0; stageId < 4; stageId++) {
    const time = 1_000 * (stageId + 1);
    push({ event: 'JobStart', time, jobId: stageId, description: 'count', stages: [{ stageId, name: 'range', numTasks: perStage, parentStageIds: [] }], plan: '' });
    push({ event: 'StageSubmitted', time, jobId: stageId, stageId, attempt: 0, numTasks: perStage });
    for (let p = 0; p < perStage; p++) {
      const task = { stageId, stageAttempt: 0, taskId: stageId * perStage + p, partition: p, attempt: 0, executorId: `exec-${1 + (p % 2)}` };
      push({ event: 'TaskStart', time, ...task, host: '127.0.0.1' });
      const io = { inputBytes: p, inputRecords: 1, shuffleReadBytes: 0, shuffleReadRecords: 0, shuffleWriteBytes: 0, shuffleWriteRecords: 0, outputRecords: 1, spillBytes: 0, peakMemoryBytes: 0 };
      push({ event: 'TaskEnd', time: time + (p % 5), ...task, status: 'succeeded', durationMs: p % 5, io });
    }
    push({ event: 'StageCompleted', time: time + 5, jobId: stageId, stageId, attempt: 0, status: 'succeeded' });
    push({ event: 'JobEnd', time: time + 5, jobId: stageId, status: 'succeeded' });
  }
  push({ event: 'ApplicationEnd', time: 9_000, appId, status: 'succeeded' });
  writer.write(packer.take(), lines);
  writeFileSync(join(dir, `${appId}.jsonl`), Buffer.concat(lines.take()));
  return appId;
}

describe('the web UI in a headless browser', () => {
  let browser: TestBrowser;
  let page: Page;
  let app: UiApp;
  let history: ProcessHandle | undefined;
  let stopped = false;
  const work = mkdtempSync(join(tmpdir(), 'dataflow-ui-pages-'));
  let jobId = -1;
  /** What the live pages showed, to compare with the history's. */
  const live: Record<string, string[]> = {};

  beforeAll(async () => {
    // one after the other: a browser starting beside two executor processes slows them down
    // past their registration time on a loaded machine
    app = await startUiApp({ appName: 'ui-pages-test', conf: ['dataflow.executor.registrationTimeoutMs=60000'] });
    browser = await launchBrowser();
    page = await browser.newPage();
    await page.setViewportSize({ width: 1200, height: 900 });
  }, INSTALL_TIMEOUT_MS);

  afterAll(async () => {
    history?.child.kill('SIGTERM');
    await history?.exited;
    await browser?.close();
    if (app && !stopped) await app.stop();
    if (app) rmSync(app.eventLogDir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('shows the job running, then done without a reload, with its stages and task counts, after an executor was SIGKILLed mid-job', async () => {
    // 4 map tasks (the one holding id 2500 writes its process's pid and waits) → shuffle → 2 reduce tasks
    const marker = join(work, 'paused');
    const { pause } = memoryHog;
    const result = app.session.range(0, 4000, { numPartitions: 4 })
      .mapPartitions((rows) => { if (rows.some((r) => r.id === 2500)) pause(marker, 60_000); return rows; }, { pause, marker })
      .map((r) => ({ k: Number(r.id) % 10, v: Number(r.id) }))
      .aggregateByKey(['k'], { n: count(), total: sum('v') }, { numPartitions: 2 })
      .collect();
    await waitUntil(() => existsSync(marker) && readFileSync(marker, 'utf8').endsWith('\n'), 'the paused task', 30_000);

    await open(page, app.url, `/app/${app.appId}`);
    const runningRow = page.locator('[data-testid=job-row][data-status=running]');
    await runningRow.waitFor();
    jobId = Number(await runningRow.getAttribute('data-job-id'));
    expect(await page.getByTestId('live').innerText()).toMatch(/updating/);

    process.kill(Number(readFileSync(marker, 'utf8').trim()), 'SIGKILL');
    expect(await result).toHaveLength(10);
    // the open page polls: the row turns succeeded with every task counted, no reload
    const doneRow = page.locator(`[data-testid=job-row][data-job-id="${jobId}"][data-status=succeeded]`);
    await doneRow.waitFor({ timeout: 15_000 });
    const status = await getJson<ApplicationStatus>(`${app.url}/api/applications/${app.appId}`);
    const job = status.jobs.find((j) => j.jobId === jobId)!;
    expect(job.numTasks).toBe(6);
    expect(job.failedTasks).toBeGreaterThanOrEqual(1);
    await expect.poll(async () => (await doneRow.getByTestId('job-tasks').textContent())!.replace(/\s+/g, ' ').trim()).toBe(`${job.completedTasks} / ${job.numTasks} (${job.failedTasks} failed)`);

    await open(page, app.url, `/app/${app.appId}/job/${jobId}`);
    const detail = await getJson<JobStatus>(`${app.url}/api/applications/${app.appId}/jobs/${jobId}`);
    const rows = page.getByTestId('stage-row');
    expect(await rows.count()).toBe(2);
    for (const stage of detail.stages) {
      const row = page.locator(`[data-testid=stage-row][data-stage-id="${stage.stageId}"]`);
      expect(await row.getAttribute('data-status')).toBe('succeeded');
      expect(await row.getByTestId('stage-tasks').innerText()).toMatch(new RegExp(`^${stage.completedTasks} / ${stage.numTasks}`));
    }
    expect(detail.stages.map((s) => s.numTasks)).toEqual([4, 2]);
    live.stages = await texts(page, '[data-testid=stage-row] td:nth-child(-n+4)');
  });

  it('draws the job as a DAG: a box per stage with its task counts, the shuffle as an arrow from the map stage to the reduce stage', async () => {
    await open(page, app.url, `/app/${app.appId}/job/${jobId}`);
    const detail = await getJson<JobStatus>(`${app.url}/api/applications/${app.appId}/jobs/${jobId}`);
    const [map, reduce] = detail.stages;
    const boxes = page.getByTestId('dag-stage');
    expect(await boxes.count()).toBe(2);
    const mapBox = page.locator(`[data-testid=dag-stage][data-stage-id="${map!.stageId}"]`);
    const reduceBox = page.locator(`[data-testid=dag-stage][data-stage-id="${reduce!.stageId}"]`);
    expect(await mapBox.getByTestId('dag-stage-tasks').textContent()).toBe(`${map!.completedTasks} / 4 tasks`);
    expect(await reduceBox.getByTestId('dag-stage-tasks').textContent()).toBe(`${reduce!.completedTasks} / 2 tasks`);
    const edges = page.getByTestId('dag-edge');
    expect(await edges.count()).toBe(1);
    expect([await edges.getAttribute('data-from'), await edges.getAttribute('data-to')]).toEqual([String(map!.stageId), String(reduce!.stageId)]);
    expect(await edges.textContent()).toContain(`shuffle ${map!.shuffleId}`);
    // a picture: the map box left of the reduce box, the arrow spanning the gap between them
    const [a, b, e] = await Promise.all([mapBox.locator('rect.box').boundingBox(), reduceBox.locator('rect.box').boundingBox(), edges.locator('path').boundingBox()]);
    expect(a!.x + a!.width).toBeLessThanOrEqual(b!.x);
    expect(Math.abs(e!.x - (a!.x + a!.width))).toBeLessThan(6);
    expect(Math.abs(e!.x + e!.width - b!.x)).toBeLessThan(6);
    live.dag = await texts(page, '[data-testid=dag-stage]');
  });

  it('shows a stage with min/median/max per metric, a timeline of its tasks per executor (the killed task in red) and every task', async () => {
    const detail = await getJson<JobStatus>(`${app.url}/api/applications/${app.appId}/jobs/${jobId}`);
    const mapId = detail.stages[0]!.stageId;
    const stage = await getJson<StageStatus>(`${app.url}/api/applications/${app.appId}/stages/${mapId}`);
    await open(page, app.url, `/app/${app.appId}/stage/${mapId}`);
    expect((await texts(page, '[data-testid=distribution-row] td:first-child'))).toEqual(['Task duration', 'Input', 'Shuffle read', 'Shuffle write', 'Spill']);
    expect(await page.locator('[data-testid=distribution-row][data-metric=shuffleWriteBytes] td:nth-child(4)').innerText()).not.toBe('0 B');
    expect(await page.getByTestId('task-row').count()).toBe(stage.tasks.length);

    const lanes = await page.getByTestId('timeline-lane').evaluateAll((els) => els.map((el) => el.getAttribute('data-executor-id')));
    expect(lanes.sort()).toEqual([...new Set(stage.tasks.map((t) => t.executorId))].sort());
    const bars = page.getByTestId('timeline-task');
    expect(await bars.count()).toBe(stage.tasks.length);
    const failed = stage.tasks.filter((t) => t.status === 'failed');
    expect(failed.length).toBeGreaterThanOrEqual(1);
    for (const t of failed) {
      const bar = page.locator(`[data-testid=timeline-lane][data-executor-id="${t.executorId}"] [data-testid=timeline-task][data-task-id="${t.taskId}"]`);
      expect(await bar.getAttribute('data-status')).toBe('failed');
      expect(await bar.evaluate((el) => getComputedStyle(el).fill)).toBe('rgb(207, 34, 46)');
    }
    // bars sit in time order: a task that started later starts further right
    const starts = await bars.evaluateAll((els) => els.map((el) => ({ id: Number(el.getAttribute('data-task-id')), x: Number(el.getAttribute('x')), w: Number(el.getAttribute('width')) })));
    const byStart = [...stage.tasks].sort((p, q) => p.startTime - q.startTime);
    const xOf = (id: number): number => starts.find((s) => s.id === id)!.x;
    for (let i = 1; i < byStart.length; i++) expect(xOf(byStart[i]!.taskId)).toBeGreaterThanOrEqual(xOf(byStart[i - 1]!.taskId));
    expect(starts.every((s) => s.w > 0)).toBe(true);
    live.timeline = await bars.evaluateAll((els) => els.map((el) => `${el.getAttribute('data-task-id')}:${el.getAttribute('data-status')}`));
  });

  it('marks the killed executor lost, with why, beside the live ones', async () => {
    await open(page, app.url, `/app/${app.appId}/executors`);
    const lost = page.locator('[data-testid=executor-row][data-state=lost]');
    expect(await lost.count()).toBe(1);
    expect(await lost.getByTestId('executor-state').innerText()).toBe('lost');
    expect(await lost.getByTestId('executor-loss-reason').innerText()).toMatch(/SIGKILL/);
    expect(await page.locator('[data-testid=executor-row][data-state=alive]').count()).toBe(2);
    live.lost = [await lost.getAttribute('data-executor-id') ?? '', await lost.getByTestId('executor-loss-reason').innerText()];
  });

  it('plots an ALS run per iteration: one point per iteration, at the values the job reported', async () => {
    await trainAls(app.session.fromRows(ratings(), { numPartitions: 2 }), { rank: 3, maxIter: ALS_ITERATIONS, regParam: 0.1, numUserBlocks: 2, numItemBlocks: 2 });
    const status = await getJson<ApplicationStatus>(`${app.url}/api/applications/${app.appId}`);
    const iterations = status.appEvents.filter((e) => e.source === 'als' && e.kind === 'iteration');
    expect(iterations.map((e) => e.data.iteration)).toEqual(Array.from({ length: ALS_ITERATIONS }, (_, i) => i + 1));
    await open(page, app.url, `/app/${app.appId}/als`);
    expect(await page.getByTestId('iteration-row').count()).toBe(ALS_ITERATIONS);
    const fields = await page.getByTestId('iteration-chart').evaluateAll((els) => els.map((el) => el.getAttribute('data-field')!));
    expect(fields).toContain('seconds');
    // the train loss and RMSE come first, and fall with every iteration
    expect(fields.slice(0, 2)).toEqual(['loss', 'rmse']);
    for (const field of ['seconds', 'loss', 'rmse']) {
      const points = await page.locator(`[data-testid=iteration-chart][data-field="${field}"] [data-testid=point]`)
        .evaluateAll((els) => els.map((el) => [Number(el.getAttribute('data-x')), Number(el.getAttribute('data-y'))]));
      expect(points).toEqual(iterations.map((e) => [e.data.iteration, e.data[field]]));
      if (field !== 'seconds') for (let t = 1; t < points.length; t++) expect(points[t]![1]).toBeLessThan(points[t - 1]![1]!);
    }
    live.als = await texts(page, '[data-testid=iteration-row]');
  });

  it('serves the same pages from `dataflow history` after the driver exited, counts a corrupt log line, and answers unknown ids with a 404 page', async () => {
    await app.stop({ keepLog: true });
    stopped = true;
    const logs = readdirSync(app.eventLogDir).filter((f) => f.startsWith(app.appId));
    expect(logs).toEqual([`${app.appId}.jsonl`]);
    const perStage = Math.ceil(RETAINED_TASKS / 3.5);
    const manyTasks = manyTasksLog(app.eventLogDir, perStage);
    history = spawnDataflow('history', ['history', app.eventLogDir, '--port', '0'], { env: { ...process.env }, cwd: ROOT });
    const base = (await history.waitFor(/http:\/\/127\.0\.0\.1:\d+/, 30_000))[0];

    await open(page, base, `/app/${app.appId}/job/${jobId}`);
    expect(await texts(page, '[data-testid=stage-row] td:nth-child(-n+4)')).toEqual(live.stages);
    expect(await texts(page, '[data-testid=dag-stage]')).toEqual(live.dag);
    expect(await page.getByTestId('dag-edge').count()).toBe(1);
    const mapId = (await getJson<JobStatus>(`${base}/api/applications/${app.appId}/jobs/${jobId}`)).stages[0]!.stageId;
    await open(page, base, `/app/${app.appId}/stage/${mapId}`);
    expect(await page.getByTestId('timeline-task').evaluateAll((els) => els.map((el) => `${el.getAttribute('data-task-id')}:${el.getAttribute('data-status')}`))).toEqual(live.timeline);
    if (process.env.DATAFLOW_UI_SCREENSHOTS === '1') await page.screenshot({ path: join(ROOT, 'docs', 'ui-stage.png'), fullPage: true });
    await open(page, base, `/app/${app.appId}/executors`);
    const lost = page.locator(`[data-testid=executor-row][data-executor-id="${live.lost![0]}"]`);
    expect(await lost.getAttribute('data-state')).toBe('lost');
    expect(await lost.getByTestId('executor-loss-reason').innerText()).toBe(live.lost![1]);
    await open(page, base, `/app/${app.appId}/als`);
    expect(await texts(page, '[data-testid=iteration-row]')).toEqual(live.als);
    for (const field of ['seconds', 'rmse']) expect(await page.locator(`[data-testid=iteration-chart][data-field=${field}] [data-testid=point]`).count()).toBe(ALS_ITERATIONS);
    if (process.env.DATAFLOW_UI_SCREENSHOTS === '1') await page.screenshot({ path: join(ROOT, 'docs', 'ui-als.png'), fullPage: true });
    expect(await page.getByTestId('live').innerText()).toBe(''); // a finished application is not polled

    await open(page, base, `/app/${app.appId}`);
    expect(await page.getByTestId('skipped-lines').count()).toBe(0);
    appendFileSync(join(app.eventLogDir, logs[0]!), '{"event":"TaskEnd","time":17,"stageId":\n');
    await open(page, base, `/app/${app.appId}`);
    expect(await page.getByTestId('skipped-lines').innerText()).toBe('1 corrupt event-log line skipped');

    // an application of more tasks than the UI keeps one by one: its oldest stage shows its counts and
    // distributions, and says its tasks are no longer kept; a later stage still lists every task
    await open(page, base, `/app/${manyTasks}/stage/0`);
    expect(await page.getByTestId('stage-tasks').innerText()).toContain(`${perStage} / ${perStage}`);
    expect(await page.getByTestId('tasks-empty').innerText()).toContain('no longer kept one by one');
    expect(await page.locator('[data-testid=distribution-row][data-metric=durationMs] td').allInnerTexts()).toEqual(['Task duration', '0 ms', '2 ms', '4 ms', '2.0× skew']);
    expect((await getJson<StageStatus>(`${base}/api/applications/${manyTasks}/stages/3`)).tasks).toHaveLength(perStage);

    const missing = await page.goto(`${base}/app/no-such-app`);
    expect(missing!.status()).toBe(404);
    expect(await page.locator('body').innerText()).toContain('no-such-app');
    await page.goto(`${base}/app/${app.appId}/job/9999`);
    await page.waitForSelector('main[data-status=not-found]');
    expect(await page.getByTestId('not-found').innerText()).toMatch(/has no job 9999/);
  });
});
