// `dataflow history` over real event logs: a driver SIGKILLed mid-job leaves a log (written in
// batches while it ran, in the default folder under its temp folder) that opens as an incomplete
// application with its finished job and the job it was running; a corrupt line is skipped and
// counted; a finished application shows succeeded; unknown ids are 404s; a log written later
// shows up without a restart.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApplicationStatus, ApplicationSummary, JobStatus } from '../../../engine/events/status.ts';
import { parseEventLine } from '../../../engine/events/log-reader.ts';
import { spawnDataflow, type ProcessHandle } from '../../helpers/cluster.ts';
import { getJson, runSampleJob, startUiApp } from '../../helpers/ui-job.ts';

const job = (name: string): string => join(import.meta.dirname, '../../fixtures/jobs', name);

describe('dataflow history', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'history-test-'));
  const logs = join(tmp, 'dataflow-events');
  let history: ProcessHandle | undefined;
  let url = '';
  let killedAppId = '';

  beforeAll(async () => {
    // A driver killed outright mid-job: its log stays <appId>.jsonl.inprogress.
    const driver = spawnDataflow('submit', ['submit', '--no-typecheck', job('interruptible-job.ts'), '--master', 'local[2]'], { env: { ...process.env, TMPDIR: tmp } });
    try {
      await driver.waitFor(/job running/, 150_000);
      const log = await waitForLog(logs, 30_000);
      killedAppId = log.replace(/\.jsonl\.inprogress$/, '');
    } finally {
      await driver.kill('SIGKILL');
      killOrphans(tmp);
    }
    // A line cut by the crash is possible; add a corrupt one on purpose too.
    appendFileSync(join(logs, `${killedAppId}.jsonl.inprogress`), '\n{"event":"TaskEnd","time":\nnot json\n');
    history = spawnDataflow('history', ['history', logs, '--port', '0'], { env: process.env });
    url = (await history.waitFor(/at (http:\/\/\S+)/, 60_000))[1]!;
  }, 240_000);

  afterAll(async () => {
    await history?.kill('SIGTERM');
    rmSync(tmp, { recursive: true, force: true });
  });

  it('opens the log of a SIGKILLed driver as incomplete, with its finished job, the running one, and the skipped lines counted', async () => {
    const apps = await getJson<ApplicationSummary[]>(`${url}/api/applications`);
    expect(apps.map((a) => [a.appId, a.status])).toEqual([[killedAppId, 'incomplete']]);
    const app = await getJson<ApplicationStatus>(`${url}/api/applications/${killedAppId}`);
    expect(app).toMatchObject({ master: 'local[2]', status: 'incomplete' });
    expect(app.skippedLogLines).toBeGreaterThanOrEqual(2);
    expect(app.jobs.map((j) => j.status)).toEqual(['succeeded', 'running']);
    expect(app.jobs[1]!.numTasks).toBe(8);
    expect(app.executors.map((e) => e.executorId).sort()).toEqual(['exec-1', 'exec-2']);
    const running = await getJson<JobStatus>(`${url}/api/applications/${killedAppId}/jobs/${app.jobs[1]!.jobId}`);
    expect(running.stages[0]!.status).toBe('running');
    const page = await fetch(`${url}/app/${killedAppId}/job/${app.jobs[1]!.jobId}`);
    expect(page.status).toBe(200);
    expect((await fetch(`${url}/api/applications/app-unknown`)).status).toBe(404);
    expect((await fetch(`${url}/app/app-unknown`)).status).toBe(404);
  });

  it('shows an application logged after it started, finished, with its jobs and stages', async () => {
    const app = await startUiApp({ master: 'local', conf: [`dataflow.eventLog.dir=${logs}`] });
    await runSampleJob(app.session);
    const appId = app.appId;
    await app.stop({ keepLog: true });
    expect(existsSync(join(logs, `${appId}.jsonl`))).toBe(true);
    const apps = await getJson<ApplicationSummary[]>(`${url}/api/applications`);
    expect(apps.find((a) => a.appId === appId)).toMatchObject({ status: 'succeeded', appName: 'ui-test' });
    const status = await getJson<ApplicationStatus>(`${url}/api/applications/${appId}`);
    expect(status.skippedLogLines).toBe(0);
    expect(status.jobs.find((j) => j.numTasks === 6)).toMatchObject({ status: 'succeeded', completedTasks: 6 });
    expect(status.executors.map((e) => e.executorId)).toEqual(['driver']);
    // a log that grew is read again
    writeFileSync(join(logs, `${appId}.jsonl`), `${readFileSync(join(logs, `${appId}.jsonl`), 'utf8')}{"event":"AppEvent","time":1,"source":"t","kind":"k","data":{"x":1}}\n`);
    expect((await getJson<ApplicationStatus>(`${url}/api/applications/${appId}`)).appEvents).toEqual([{ time: 1, source: 't', kind: 'k', data: { x: 1 } }]);
  });

  it('refuses a folder that does not exist, naming it', async () => {
    const missing = join(tmp, 'no-such-folder');
    const run = spawnDataflow('history', ['history', missing, '--port', '0'], { env: process.env });
    const exit = await run.exited;
    expect(exit.code).toBe(1);
    expect(run.stderr).toContain(`event log folder ${missing} does not exist`);
  });
});

/**
 * The in-progress log once it holds the long job's start and its first two tasks (after the first
 * job's 4): the writer flushes every 250 ms, so the file is polled.
 */
async function waitForLog(logs: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const name = existsSync(logs) ? readdirSync(logs).find((f) => f.endsWith('.jsonl.inprogress')) : undefined;
    const text = name ? readFileSync(join(logs, name), 'utf8') : '';
    // a task started: a TaskStart as the log reader reads the lines (a TaskEnd or Tasks line carries the
    // starts of tasks that ended within their batch)
    const started = text.split('\n').flatMap((line) => parseEventLine(line) ?? []).filter((e) => e.event === 'TaskStart').length;
    if (name && (text.match(/"event":"JobStart"/g) ?? []).length >= 2 && started >= 6) return name;
    if (Date.now() > deadline) throw new Error(`no log of a running second job in ${logs} within ${timeoutMs} ms:\n${text}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Executors of the killed driver, found by their work dir under `tmp`. */
function killOrphans(tmp: string): void {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  for (const line of out.split('\n')) {
    const m = /^\s*(\d+)\s+(.*)$/.exec(line);
    if (m && m[2]!.includes(tmp) && !m[2]!.includes('ps -eo')) {
      try { process.kill(Number(m[1]), 'SIGKILL'); } catch { /* gone */ }
    }
  }
}
