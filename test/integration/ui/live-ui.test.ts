// The live UI of a real local[2] application: the JSON API answers with its job, the stages and
// their task counts, the executors; unknown ids are 404s (JSON and page); the page routes and
// /static serve the pages; a second UI asked for a port in use takes the next one; bound beyond
// loopback it asks for the UI token derived from the secret, the master's scheme, never the secret.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:net';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ApplicationStatus, ApplicationSummary, JobStatus, StageStatus } from '../../../engine/events/status.ts';
import { Session } from '../../../engine/dataset/session.ts';
import { uiToken } from '../../../engine/metrics/index.ts';
import { getJson, runSampleJob, startUiApp, type UiApp } from '../../helpers/ui-job.ts';

describe('live UI of a local[2] application', () => {
  let app: UiApp;
  beforeAll(async () => {
    app = await startUiApp();
    await runSampleJob(app.session);
  });
  afterAll(async () => { await app?.stop(); });

  it('lists the application, its job with both stages and their task counts, and the two executors', async () => {
    const apps = await getJson<ApplicationSummary[]>(`${app.url}/api/applications`);
    expect(apps).toEqual([expect.objectContaining({ appId: app.appId, appName: 'ui-test', master: 'local[2]', status: 'running' })]);
    const status = await getJson<ApplicationStatus>(`${app.url}/api/applications/${app.appId}`);
    expect(status.executors.map((e) => [e.executorId, e.state, e.cores]).sort()).toEqual([['exec-1', 'alive', 1], ['exec-2', 'alive', 1]]);
    expect(status.executors.every((e) => e.memoryBytes > 0 && e.port > 0)).toBe(true);
    expect(status.executors.reduce((n, e) => n + e.completedTasks, 0)).toBe(6);
    const job = status.jobs.find((j) => j.status === 'succeeded' && j.numTasks === 6)!;
    expect(job).toMatchObject({ completedTasks: 6, failedTasks: 0 });
    expect(job.description).toMatch(/^collect at .*ui-job\.ts:\d+$/);

    const detail = await getJson<JobStatus>(`${app.url}/api/applications/${app.appId}/jobs/${job.jobId}`);
    expect(detail.stages.map((s) => [s.numTasks, s.status, s.completedTasks])).toEqual([[4, 'succeeded', 4], [2, 'succeeded', 2]]);
    expect(detail.stages[1]!.parentStageIds).toEqual([detail.stages[0]!.stageId]);
    expect(detail.stages[0]!.name).toBe('range → map → reduceRows → shuffle ' + detail.stages[0]!.shuffleId);
    expect(detail.plan).toMatch(/^== 2 stages ==/);

    const map = await getJson<StageStatus>(`${app.url}/api/applications/${app.appId}/stages/${detail.stages[0]!.stageId}`);
    expect(map).toMatchObject({ status: 'succeeded', numTasks: 4, completedTasks: 4, failedTasks: 0, attempt: 0 });
    expect(map.tasks.map((t) => t.partition).sort()).toEqual([0, 1, 2, 3]);
    expect(map.tasks.every((t) => ['exec-1', 'exec-2'].includes(t.executorId) && t.status === 'succeeded' && t.endTime! >= t.startTime)).toBe(true);
    expect(map.io.inputRecords).toBe(1000);
    expect(map.io.shuffleWriteRecords).toBe(4 * 7);
    expect(map.io.shuffleWriteBytes).toBeGreaterThan(0);
    expect(map.distributions.durationMs.max).toBeGreaterThanOrEqual(map.distributions.durationMs.min);
    const reduce = await getJson<StageStatus>(`${app.url}/api/applications/${app.appId}/stages/${detail.stages[1]!.stageId}`);
    expect(reduce.io.shuffleReadRecords).toBe(4 * 7);
    expect(reduce.io.shuffleReadBytes).toBe(map.io.shuffleWriteBytes);
    expect(reduce.io.outputRecords).toBe(7);
  });

  it('answers unknown applications, jobs and stages with 404 (JSON for the API, a page for pages), and serves the pages', async () => {
    for (const path of ['/api/applications/app-nope', `/api/applications/${app.appId}/jobs/999`, `/api/applications/${app.appId}/stages/999`, `/api/applications/${app.appId}/stages/x`, '/api/nothing']) {
      const response = await fetch(app.url + path);
      expect(response.status, path).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/json/);
      expect((await response.json() as { error: string }).error).toBeTruthy();
    }
    const page = await fetch(`${app.url}/app/app-nope/stage/1`);
    expect(page.status).toBe(404);
    expect(await page.text()).toContain('No application app-nope');
    const index = readFileSync(join(import.meta.dirname, '../../../engine/ui/static/index.html'), 'utf8');
    for (const path of ['/', `/app/${app.appId}`, `/app/${app.appId}/job/0`, `/app/${app.appId}/stage/0`, `/app/${app.appId}/executors`]) {
      const response = await fetch(app.url + path);
      expect(response.status, path).toBe(200);
      expect(await response.text()).toBe(index);
    }
    const staticFile = readdirSync(join(import.meta.dirname, '../../../engine/ui/static'))[0]!;
    expect((await fetch(`${app.url}/static/${staticFile}`)).status).toBe(200);
    expect((await fetch(`${app.url}/static/..%2f..%2fserver.ts`)).status).toBe(404);
    expect((await fetch(`${app.url}/static/nothing.js`)).status).toBe(404);
    expect((await fetch(`${app.url}/api/applications`, { method: 'POST' })).status).toBe(405);
  });

  it('a UI asked for a port in use takes the next free one; with the UI and the log off there is neither', async () => {
    const blocker = await listenAnywhere();
    const port = (blocker.address() as { port: number }).port;
    const session = await Session.create({ master: 'local', conf: [`dataflow.ui.port=${port}`, 'dataflow.eventLog.enabled=false'] });
    try {
      expect(session.uiUrl).toBeDefined();
      const uiPort = Number(new URL(session.uiUrl!).port);
      expect(uiPort).toBeGreaterThan(port);
      expect(uiPort).toBeLessThanOrEqual(port + 16);
      expect(session.eventLogLocation).toBeUndefined();
      expect((await getJson<ApplicationSummary[]>(`${session.uiUrl}/api/applications`))[0]!.appId).toBe(session.appId);
    } finally {
      await session.stop();
      blocker.close();
    }
    const off = await Session.create({ master: 'local', conf: ['dataflow.ui.enabled=false', 'dataflow.eventLog.enabled=false'] });
    expect(off.uiUrl).toBeUndefined();
    expect(off.eventLogLocation).toBeUndefined();
    expect(await off.range(0, 10).count()).toBe(10);
    await off.stop();
  });
});

describe('the live UI bound beyond loopback', () => {
  it('asks every request for the UI token derived from the secret (as the master and executors do), not for the secret', async () => {
    const secret = 'a-secret-of-the-test-0123456789';
    const session = await Session.create({ master: 'local', secret, conf: ['dataflow.ui.host=0.0.0.0', 'dataflow.ui.port=0', 'dataflow.eventLog.enabled=false'] });
    try {
      const token = uiToken(secret);
      const opened = new URL(session.uiUrl!);
      expect(opened.searchParams.get('token')).toBe(token);
      expect(session.uiUrl).not.toContain(secret);
      const base = opened.origin;
      const api = `${base}/api/applications`;
      expect((await fetch(api)).status).toBe(401);
      expect((await fetch(api, { headers: { authorization: `Bearer ${secret}` } })).status).toBe(401);
      expect((await fetch(`${api}?secret=${secret}`)).status).toBe(401);
      expect((await fetch(api, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      expect((await fetch(`${base}/metrics`, { headers: { authorization: `Basic ${Buffer.from(`prometheus:${token}`).toString('base64')}` } })).status).toBe(200);
      // a browser opens the printed address once; the cookie then carries the token to the pages' requests
      const visit = await fetch(session.uiUrl!);
      expect(visit.status).toBe(200);
      const cookie = visit.headers.get('set-cookie')!.split(';')[0]!;
      expect(cookie).not.toContain(secret);
      expect((await getJson<ApplicationSummary[]>(api, { headers: { cookie } }))[0]!.appId).toBe(session.appId);
    } finally {
      await session.stop();
    }
  });
});

function listenAnywhere(): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}
