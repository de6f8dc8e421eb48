// Library jobs report to the event log and the UI: ALS one event per iteration (its seconds and the
// bytes its messages shuffled), SVD one per Lanczos restart (its largest residual). Reporting puts
// each ALS iteration at a job boundary that reuses the shuffle it wrote, so the factors are the
// same bits as with the event log and the UI off. A report with a bad value is refused, naming it.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from '../../../engine/index.ts';
import type { ApplicationStatus } from '../../../engine/events/status.ts';
import { trainAls } from '../../../jobs/als/index.ts';
import { svd } from '../../../jobs/svd/index.ts';
import { getJson, startUiApp, type UiApp } from '../../helpers/ui-job.ts';

/** A small rating matrix with structure: rating = f(user, item) plus noise from a fixed LCG. */
function ratings(users: number, items: number): Array<{ userId: number; itemId: number; rating: number }> {
  let s = 17;
  const rnd = (): number => ((s = (s * 16807) % 2147483647) / 2147483647);
  const rows: Array<{ userId: number; itemId: number; rating: number }> = [];
  for (let u = 0; u < users; u++) for (let i = 0; i < items; i++) if (rnd() < 0.5) rows.push({ userId: u, itemId: i, rating: 1 + ((u * 7 + i * 3) % 5) + rnd() * 0.1 });
  return rows;
}

describe('library events', () => {
  let app: UiApp;
  let off: Session;
  beforeAll(async () => {
    [app, off] = await Promise.all([startUiApp({ master: 'local' }), Session.create({ master: 'local', conf: ['dataflow.ui.enabled=false', 'dataflow.eventLog.enabled=false'] })]);
  });
  afterAll(async () => { await Promise.all([app?.stop(), off?.stop()]); });

  it('ALS reports each iteration, and its factors are the bits it gives with reporting off', async () => {
    const data = ratings(40, 30);
    const options = { rank: 4, maxIter: 3, regParam: 0.1, seed: 3, numUserBlocks: 2, numItemBlocks: 2 };
    expect(app.session.recordsEvents).toBe(true);
    expect(off.recordsEvents).toBe(false);
    const reported = await trainAls(app.session.fromRows(data, { numPartitions: 3 }), options);
    const quiet = await trainAls(off.fromRows(data, { numPartitions: 3 }), options);
    expect(Array.from(reported.userFactors)).toEqual(Array.from(quiet.userFactors));
    expect(Array.from(reported.itemFactors)).toEqual(Array.from(quiet.itemFactors));

    const status = await getJson<ApplicationStatus>(`${app.url}/api/applications/${app.appId}`);
    const iterations = status.appEvents.filter((e) => e.source === 'als' && e.kind === 'iteration');
    expect(iterations.map((e) => e.data.iteration)).toEqual([1, 2, 3]);
    for (const e of iterations) expect(e.data.seconds).toBeGreaterThan(0);
    expect(iterations.slice(0, 2).every((e) => Number(e.data.shuffleBytes) > 0)).toBe(true);
    expect(iterations[0]!.data.rank).toBe(4);
  });

  it('SVD (lanczos) reports each restart with its residual, the last one within the tolerance', async () => {
    const data = ratings(60, 45);
    const model = await svd(app.session.fromRows(data, { numPartitions: 2 }), 3, { mode: 'lanczos', blockSize: 2, maxBasis: 9, tol: 1e-9, seed: 5 });
    const status = await getJson<ApplicationStatus>(`${app.url}/api/applications/${app.appId}`);
    const restarts = status.appEvents.filter((e) => e.source === 'svd' && e.kind === 'restart');
    expect(restarts.length).toBe(model.stats.restarts + 1);
    expect(restarts.map((e) => e.data.restart)).toEqual(restarts.map((_, i) => i));
    expect(Number(restarts[restarts.length - 1]!.data.residual)).toBeLessThanOrEqual(1e-9);
    expect(Number(restarts[0]!.data.residual)).toBeGreaterThan(1e-9);
  });

  it('writes the reports to the event log, and refuses a report whose value is not flat', async () => {
    app.session.reportEvent('my-job', 'step', { n: 1, ok: true, note: 'x', nothing: null, nan: Number.NaN });
    expect(() => app.session.reportEvent('my-job', 'step', { bad: [1, 2] as unknown as number })).toThrow(/field bad is a object/);
    expect(() => app.session.reportEvent('', 'step', {})).toThrow(/non-empty source/);
    const appId = app.appId;
    await app.session.stop();
    const lines = readFileSync(join(app.eventLogDir, `${appId}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: string; source?: string; data?: unknown });
    expect(lines[0]!.event).toBe('ApplicationStart');
    expect(lines[lines.length - 1]!.event).toBe('ApplicationEnd');
    expect(lines.filter((l) => l.event === 'AppEvent' && l.source === 'als')).toHaveLength(3);
    expect(lines.find((l) => l.source === 'my-job')!.data).toEqual({ n: 1, ok: true, note: 'x', nothing: null, nan: null });
  });
});
