// Library jobs report to the event log and the UI: ALS one event per iteration (its seconds, the
// bytes its messages shuffled, its train RMSE and loss, checked against a plain loop over the final
// factors), SVD one per Lanczos restart (its largest residual). Reporting puts
// each ALS iteration at a job boundary that reuses the shuffle it wrote, so the factors are the
// same bits as with the event log and the UI off. A report with a bad value is refused, naming it.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from '../../../engine/index.ts';
import type { ApplicationStatus } from '../../../engine/events/status.ts';
import { trainAls } from '../../../jobs/als/index.ts';
import type { AlsModel } from '../../../jobs/als/index.ts';
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

type Rating = { userId: number; itemId: number; rating: number };

/**
 * The objective ALS minimizes, by plain loops over the model's factors: explicit Σ (r − μ − u·v)² over
 * the ratings (rmse from it), implicit Σ over all pairs of c·(p − u·v)²; plus λ·n·|x|² for every row,
 * x its regularized components (with biases [x, b_u] of [x, b_u, 1], [y, b_i] of [y, 1, b_i]).
 */
function directObjective(model: AlsModel, data: Rating[], o: { regParam: number; regExponent?: number; implicitPrefs?: boolean; alpha?: number; biases?: boolean }): { rmse: number; loss: number } {
  const w = model.width;
  const k = model.rank;
  const U = model.userFactors;
  const V = model.itemFactors;
  const nu = model.userIds.length;
  const ni = model.itemIds.length;
  const dot = (u: number, i: number): number => { let d = 0; for (let q = 0; q < w; q++) d += U[u * w + q] * V[i * w + q]; return d; };
  const counts = { user: new Float64Array(nu), item: new Float64Array(ni) };
  let error = 0;
  if (o.implicitPrefs) {
    const rated = new Map<number, number>();
    for (const r of data) rated.set(model.userIndex(r.userId) * ni + model.itemIndex(r.itemId), r.rating);
    for (let u = 0; u < nu; u++) {
      for (let i = 0; i < ni; i++) {
        const r = rated.get(u * ni + i) ?? 0;
        const c = 1 + (o.alpha ?? 1) * Math.abs(r);
        const p = r > 0 ? 1 : 0;
        error += c * (p - dot(u, i)) ** 2;
        if (r > 0) { counts.user[u]++; counts.item[i]++; }
      }
    }
  } else {
    for (const r of data) {
      const u = model.userIndex(r.userId);
      const i = model.itemIndex(r.itemId);
      error += (r.rating - (o.biases ? model.globalMean : 0) - dot(u, i)) ** 2;
      counts.user[u]++; counts.item[i]++;
    }
  }
  const norm = (f: Float32Array, row: number, fixed: number): number => { let s = 0; for (let q = 0; q < w; q++) if (q !== fixed) s += f[row * w + q] ** 2; return s; };
  let penalty = 0;
  const nuExp = o.regExponent ?? 1; // λ·n^ν
  for (let u = 0; u < nu; u++) penalty += o.regParam * counts.user[u] ** nuExp * norm(U, u, o.biases ? k + 1 : -1);
  for (let i = 0; i < ni; i++) penalty += o.regParam * counts.item[i] ** nuExp * norm(V, i, o.biases ? k : -1);
  return { rmse: Math.sqrt(error / data.length), loss: error + penalty };
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

    // the train RMSE and loss the solves summed are those of each iteration's final factors, falling
    const rmse = iterations.map((e) => Number(e.data.rmse));
    const loss = iterations.map((e) => Number(e.data.loss));
    for (let t = 1; t < 3; t++) { expect(rmse[t]).toBeLessThan(rmse[t - 1]!); expect(loss[t]).toBeLessThan(loss[t - 1]!); }
    const direct = directObjective(reported, data, options);
    expect(Math.abs(rmse[2]! - direct.rmse) / direct.rmse).toBeLessThan(1e-6);
    expect(Math.abs(loss[2]! - direct.loss) / direct.loss).toBeLessThan(1e-6);
  });

  it('ALS reports the loss with biases, nonnegative, and implicit (conjugate gradient and Cholesky) as a plain loop over the factors finds it', async () => {
    const data = ratings(30, 24);
    const variants = [
      { rank: 3, maxIter: 2, regParam: 0.05, seed: 4, biases: true },
      { rank: 3, maxIter: 2, regParam: 0.05, seed: 4, nonnegative: true },
      { rank: 20, maxIter: 2, regParam: 0.05, seed: 4 }, // the blocked kernels (rank > 15)
      { rank: 20, maxIter: 2, regParam: 0.3, seed: 4, biases: true, regExponent: 0.5 }, // λ·√n
      { rank: 3, maxIter: 2, regParam: 0.5, seed: 4, implicitPrefs: true, alpha: 2, regExponent: 0 }, // a constant λ, CG
      { rank: 3, maxIter: 2, regParam: 0.05, seed: 4, implicitPrefs: true, alpha: 2 },
      { rank: 3, maxIter: 2, regParam: 0.05, seed: 4, implicitPrefs: true, alpha: 2, solver: 'cholesky' as const },
    ];
    for (const options of variants) {
      const model = await trainAls(app.session.fromRows(data, { numPartitions: 2 }), { ...options, numUserBlocks: 2, numItemBlocks: 3 });
      const status = await getJson<ApplicationStatus>(`${app.url}/api/applications/${app.appId}`);
      const last = status.appEvents.filter((e) => e.source === 'als' && e.kind === 'iteration').at(-1)!;
      const direct = directObjective(model, data, options);
      expect(Math.abs(Number(last.data.loss) - direct.loss) / direct.loss, JSON.stringify(options)).toBeLessThan(1e-6);
      if (options.implicitPrefs) expect(last.data.rmse).toBeUndefined();
      else expect(Math.abs(Number(last.data.rmse) - direct.rmse) / direct.rmse, JSON.stringify(options)).toBeLessThan(1e-6);
    }
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
    expect(lines.filter((l) => l.event === 'AppEvent' && l.source === 'als')).toHaveLength(3 + 7 * 2); // the two ALS tests above (3 iterations; 7 variants of 2)
    expect(lines.find((l) => l.source === 'my-job')!.data).toEqual({ n: 1, ok: true, note: 'x', nothing: null, nan: null });
  });
});
