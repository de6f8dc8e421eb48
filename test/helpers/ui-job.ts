// Test helper: a real application with its web UI on a free port (local[2] by default) and its
// event log in a fresh folder, plus a small two-stage job to give the pages something to show.
// The UI tests (JSON API, headless browser) start one, fetch its URL, and stop it.
//
// @example
//   const app = await startUiApp();
//   await runSampleJob(app.session);            // a job of 2 stages: 4 map tasks, 2 reduce tasks
//   const jobs = await getJson(`${app.url}/api/applications/${app.appId}`);
//   await app.stop();                           // the log is then <app.eventLogDir>/<appId>.jsonl

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from '../../engine/dataset/session.ts';

export interface UiApp {
  session: Session;
  /** The UI's base address, e.g. http://127.0.0.1:38211 (no trailing slash). */
  url: string;
  appId: string;
  /** The folder holding this application's event log (removed by stop() unless keepLog). */
  eventLogDir: string;
  /** Stops the session (ApplicationEnd written, the UI closed); removes the log folder unless told to keep it. */
  stop(options?: { keepLog?: boolean }): Promise<void>;
}

export async function startUiApp(options: { master?: string; conf?: string[]; appName?: string } = {}): Promise<UiApp> {
  const eventLogDir = await mkdtemp(join(tmpdir(), 'dataflow-ui-test-'));
  const session = await Session.create({
    master: options.master ?? 'local[2]', appName: options.appName ?? 'ui-test',
    conf: ['dataflow.ui.port=0', `dataflow.eventLog.dir=${eventLogDir}`, ...(options.conf ?? [])],
  });
  const url = session.uiUrl;
  if (!url) {
    await session.stop();
    await rm(eventLogDir, { recursive: true, force: true });
    throw new Error('the session started without a UI');
  }
  return {
    session, url, appId: session.appId, eventLogDir,
    async stop(stopOptions = {}) {
      await session.stop();
      if (!stopOptions.keepLog) await rm(eventLogDir, { recursive: true, force: true });
    },
  };
}

/** A job of two stages (range → map → reduceByKey → collect): 4 map tasks, `reducers` reduce tasks. */
export async function runSampleJob(session: Session, reducers = 2): Promise<Array<{ k: number; n: number }>> {
  const rows = await session.range(0, 1000, { numPartitions: 4 })
    .map((r) => ({ k: r.id % 7, n: 1 }))
    .reduceByKey(['k'], (a, b) => ({ n: Number(a.n) + Number(b.n) }), {}, { numPartitions: reducers })
    .collect();
  return (rows as Array<{ k: number; n: number }>).sort((a, b) => a.k - b.k);
}

/** GET `url` as JSON; throws with the status and body when it is not 200. */
export async function getJson<T = unknown>(url: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(url, init);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}
