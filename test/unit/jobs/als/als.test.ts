import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from '../../../../engine/dataset/session.ts';
import { trainAls } from '../../../../jobs/als/als.ts';
import { AlsModel } from '../../../../jobs/als/model.ts';
import type { Row } from '../../../../engine/kernels/rows.ts';

/** A planted rank-3 matrix plus 3, 50% observed: users 0,10,..,590; items 1000..1039. */
function planted(): Array<{ userId: number; itemId: number; rating: number }> {
  const rows = [];
  for (let u = 0; u < 60; u++) {
    for (let i = 0; i < 40; i++) {
      if ((u * 31 + i * 17) % 2 === 0) continue;
      let r = 3;
      for (let d = 0; d < 3; d++) r += Math.sin(u * 1.3 + d * 2.1) * Math.cos(i * 0.7 + d * 1.7);
      rows.push({ userId: u * 10, itemId: 1000 + i, rating: r });
    }
  }
  return rows;
}

function rmseOn(model: AlsModel, rows: Array<{ userId: number | string; itemId: number | string; rating: number }>): number {
  let se = 0;
  for (const r of rows) se += (model.predictOne(r.userId, r.itemId) - r.rating) ** 2;
  return Math.sqrt(se / rows.length);
}

/** The implicit objective Σ_all c·(p − x·y)² + λ(Σ n_u|x|² + Σ n_i|y|²), by brute force. */
function implicitLoss(model: AlsModel, rows: Array<{ userId: number; itemId: number; rating: number }>, alpha: number, reg: number): number {
  const k = model.width;
  const nu = model.userIds.length;
  const ni = model.itemIds.length;
  const R = new Map<number, number>();
  const cu = new Float64Array(nu);
  const ci = new Float64Array(ni);
  for (const r of rows) {
    const u = model.userIndex(r.userId);
    const i = model.itemIndex(r.itemId);
    R.set(u * ni + i, r.rating);
    if (r.rating > 0) { cu[u]++; ci[i]++; }
  }
  let loss = 0;
  for (let u = 0; u < nu; u++) {
    for (let i = 0; i < ni; i++) {
      let s = 0;
      for (let d = 0; d < k; d++) s += model.userFactors[u * k + d] * model.itemFactors[i * k + d];
      const r = R.get(u * ni + i) ?? 0;
      const c = 1 + alpha * Math.abs(r);
      loss += c * ((r > 0 ? 1 : 0) - s) ** 2;
    }
  }
  const norm = (f: Float32Array, i: number): number => { let s = 0; for (let d = 0; d < k; d++) s += f[i * k + d] ** 2; return s; };
  for (let u = 0; u < nu; u++) loss += reg * cu[u] * norm(model.userFactors, u);
  for (let i = 0; i < ni; i++) loss += reg * ci[i] * norm(model.itemFactors, i);
  return loss;
}

describe('trainAls (local)', () => {
  let session: Session;
  const rows = planted();
  let tmp: string;
  beforeAll(async () => {
    session = await Session.create({ master: 'local' });
    tmp = mkdtempSync(join(tmpdir(), 'als-test-'));
  });
  afterAll(async () => {
    await session.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('recovers a planted low-rank matrix (explicit, biases)', async () => {
    const model = await trainAls(session.fromRows(rows), { rank: 3, maxIter: 12, regParam: 0.001, biases: true });
    expect(rmseOn(model, rows)).toBeLessThan(0.05);
  });

  it('explicit training error decreases with iterations', async () => {
    const ds = session.fromRows(rows);
    const errs = [];
    for (const maxIter of [1, 3, 8]) errs.push(rmseOn(await trainAls(ds, { rank: 3, maxIter, regParam: 0.01 }), rows));
    expect(errs[1]).toBeLessThan(errs[0]);
    expect(errs[2]).toBeLessThan(errs[1]);
  });

  it('gives bit-identical factors for any block counts', async () => {
    const ds = session.fromRows(rows, { numPartitions: 3 });
    const a = await trainAls(ds, { rank: 4, maxIter: 3, numUserBlocks: 1, numItemBlocks: 1, seed: 5 });
    const b = await trainAls(ds, { rank: 4, maxIter: 3, numUserBlocks: 4, numItemBlocks: 3, seed: 5 });
    expect(Buffer.from(b.userFactors.buffer).equals(Buffer.from(a.userFactors.buffer))).toBe(true);
    expect(Buffer.from(b.itemFactors.buffer).equals(Buffer.from(a.itemFactors.buffer))).toBe(true);
    const c = await trainAls(ds, { rank: 4, maxIter: 3, seed: 6 });
    expect(Buffer.from(c.userFactors.buffer).equals(Buffer.from(a.userFactors.buffer))).toBe(false);
    // λ·n^ν (regExponent) with biases at a rank on the blocked path (> 15 unknowns): the same bits too
    const nu = { rank: 20, maxIter: 2, regParam: 0.8, regExponent: 0.5, biases: true, seed: 5 };
    const d = await trainAls(ds, { ...nu, numUserBlocks: 1, numItemBlocks: 1 });
    const e = await trainAls(ds, { ...nu, numUserBlocks: 3, numItemBlocks: 2 });
    expect(Buffer.from(e.userFactors.buffer).equals(Buffer.from(d.userFactors.buffer))).toBe(true);
    expect(Buffer.from(e.itemFactors.buffer).equals(Buffer.from(d.itemFactors.buffer))).toBe(true);
  });

  it('implicit (CG and Cholesky): loss decreases, block counts give identical bits', async () => {
    const implicitRows = rows.map((r) => ({ ...r, rating: Math.round(r.rating) - 2 })); // some ≤ 0
    const ds = session.fromRows(implicitRows);
    const opts = { rank: 4, regParam: 0.1, alpha: 2, implicitPrefs: true };
    const l1 = implicitLoss(await trainAls(ds, { ...opts, maxIter: 1 }), implicitRows, 2, 0.1);
    const l5 = implicitLoss(await trainAls(ds, { ...opts, maxIter: 5 }), implicitRows, 2, 0.1);
    expect(l5).toBeLessThan(l1);
    const chol = implicitLoss(await trainAls(ds, { ...opts, maxIter: 5, solver: 'cholesky' }), implicitRows, 2, 0.1);
    expect(chol).toBeLessThan(l1);
    const a = await trainAls(ds, { ...opts, maxIter: 2, numUserBlocks: 1, numItemBlocks: 1 });
    const b = await trainAls(ds, { ...opts, maxIter: 2, numUserBlocks: 3, numItemBlocks: 5 });
    expect(Buffer.from(b.userFactors.buffer).equals(Buffer.from(a.userFactors.buffer))).toBe(true);
    expect(Buffer.from(b.itemFactors.buffer).equals(Buffer.from(a.itemFactors.buffer))).toBe(true);
  });

  it('nonnegative gives factors ≥ 0', async () => {
    const model = await trainAls(session.fromRows(rows), { rank: 3, maxIter: 3, nonnegative: true });
    expect(Math.min(...model.userFactors, ...model.itemFactors)).toBeGreaterThanOrEqual(0);
  });

  it('encodes string ids and decodes them on output', async () => {
    const str = rows.map((r) => ({ userId: `u${r.userId}`, itemId: `item-${r.itemId}`, rating: r.rating }));
    const model = await trainAls(session.fromRows(str), { rank: 3, maxIter: 8, regParam: 0.01, biases: true });
    expect(model.userIds[0]).toBe('u0');
    expect(rmseOn(model, str)).toBeLessThan(0.1);
    const recs = await model.recommendForUsers(['u10'], 2).collect();
    expect(recs.map((r) => r.userId)).toEqual(['u10', 'u10']);
    expect(String(recs[0].itemId)).toMatch(/^item-10\d\d$/);
  });

  it('cold start: nan, drop and fallback', async () => {
    const model = await trainAls(session.fromRows(rows), { rank: 3, maxIter: 3, biases: true, regParam: 0.05 });
    const pairs = session.fromRows([{ userId: 0, itemId: 1001 }, { userId: 99999, itemId: 1001 }, { userId: 0, itemId: 5 }, { userId: -1, itemId: -1 }]);
    const nan = await model.transform(pairs, { coldStartStrategy: 'nan' }).collect();
    expect(nan.map((r) => Number.isNaN(r.prediction))).toEqual([false, true, true, true]);
    expect(await model.transform(pairs, { coldStartStrategy: 'drop' }).count()).toBe(1);
    const fb = await model.transform(pairs, { coldStartStrategy: 'fallback' }).collect();
    const mean = model.globalMean;
    const k = model.rank;
    const bi = model.itemFactors[model.itemIndex(1001) * model.width + k + 1];
    const bu = model.userFactors[model.userIndex(0) * model.width + k];
    expect(fb[1].prediction as number).toBeCloseTo(mean + bi, 5);
    expect(fb[2].prediction as number).toBeCloseTo(mean + bu, 5);
    expect(fb[3].prediction as number).toBeCloseTo(mean, 5);
    expect(fb[0].prediction as number).toBeCloseTo(model.predictOne(0, 1001), 5);
  });

  it('recommendations exclude rated items (switchable) and are sorted', async () => {
    const ds = session.fromRows(rows);
    const model = await trainAls(ds, { rank: 3, maxIter: 3 });
    const rated = new Set(rows.filter((r) => r.userId === 20).map((r) => r.itemId));
    const recs = await model.recommendForUsers([20], 40).collect();
    expect(recs.length).toBe(40 - rated.size);
    expect(recs.some((r) => rated.has(r.itemId as number))).toBe(false);
    for (let j = 1; j < recs.length; j++) expect(recs[j].score as number).toBeLessThanOrEqual(recs[j - 1].score as number);
    const all = await model.recommendForUsers([20], 40, { exclude: false }).collect();
    expect(all.length).toBe(40);
    const every = await model.recommendForAllUsers(3).count();
    expect(every).toBe(60 * 3);
    const itemSide = await model.recommendForItems([1000], 5).collect();
    const raters = new Set(rows.filter((r) => r.itemId === 1000).map((r) => r.userId));
    expect(itemSide.length).toBe(5);
    expect(itemSide.some((r) => raters.has(r.userId as number))).toBe(false);
    expect(await model.recommendForAllItems(2).count()).toBe(80);
  });

  it('save and load round-trip', async () => {
    const model = await trainAls(session.fromRows(rows), { rank: 3, maxIter: 2, biases: true });
    const dir = join(tmp, 'model');
    await model.save(dir);
    const back = await AlsModel.load(session, dir);
    expect(Array.from(back.userFactors)).toEqual(Array.from(model.userFactors));
    expect(Array.from(back.itemFactors)).toEqual(Array.from(model.itemFactors));
    expect(back.userIds).toEqual(model.userIds);
    expect(back.predictOne(10, 1003)).toBe(model.predictOne(10, 1003));
    await expect(AlsModel.load(session, join(tmp, 'nothing'))).rejects.toThrow(/holds no model: neither model\.json/);
  });

  describe('bad input', () => {
    const train = (data: Row[], opts = {}) => trainAls(session.fromRows(data), { rank: 1, maxIter: 1, ...opts });
    it('NaN and missing ratings', async () => {
      await expect(train([{ userId: 1, itemId: 1, rating: NaN }])).rejects.toThrow(/finite ratings/);
      await expect(train([{ userId: 1, itemId: 1, rating: 1 }, { userId: 1, itemId: 2, rating: null }])).rejects.toThrow(/null/);
    });
    it('missing ids', async () => {
      await expect(train([{ userId: 1, itemId: 1, rating: 1 }, { userId: null, itemId: 2, rating: 1 }])).rejects.toThrow(/null user ids|null id/);
    });
    it('negative ratings are fitted like any other (explicit, as Spark) and read as no preference (implicit)', async () => {
      const options = { rank: 3, maxIter: 4, biases: true, regParam: 0.1 };
      const a = await train(rows, options);
      const b = await train(rows.map((r) => ({ ...r, rating: Number(r.rating) - 10 })), options);
      for (const [u, i] of [[0, 1001], [590, 1039], [10, 1020]] as const) expect(b.predictOne(u, i)).toBeCloseTo(a.predictOne(u, i) - 10, 4);
      await expect(train([{ userId: 1, itemId: 1, rating: -1 }, { userId: 2, itemId: 1, rating: 2 }], { implicitPrefs: true })).resolves.toBeInstanceOf(AlsModel);
    });
    it('empty dataset', async () => {
      const empty = session.fromRows([{ userId: 1, itemId: 1, rating: 1 }]).filter(() => false);
      await expect(trainAls(empty, { rank: 1 })).rejects.toThrow(/empty/);
    });
    it('rank larger than the number of items', async () => {
      await expect(train([{ userId: 1, itemId: 1, rating: 1 }, { userId: 2, itemId: 1, rating: 2 }], { rank: 2 })).rejects.toThrow(/rank 2 is larger than the number of items \(1\)/);
    });
    it('duplicates are averaged (or rejected)', async () => {
      const dup = [{ userId: 1, itemId: 1, rating: 1 }, { userId: 1, itemId: 1, rating: 5 }, { userId: 2, itemId: 1, rating: 3 }];
      const a = await train(dup, { regParam: 0.001 });
      const b = await train([{ userId: 1, itemId: 1, rating: 3 }, { userId: 2, itemId: 1, rating: 3 }], { regParam: 0.001 });
      expect(Array.from(a.userFactors)).toEqual(Array.from(b.userFactors));
      await expect(train(dup, { duplicates: 'error' })).rejects.toThrow(/userId 1 rated itemId 1 more than once, and duplicates: 'error' refuses/);
    });
    it('singular systems and bad options are named', async () => {
      await expect(train(rows.slice(0, 50), { rank: 3, regParam: 0 })).rejects.toThrow(/not positive definite/);
      await expect(train(rows, { rank: 0 })).rejects.toThrow(/rank must be an integer/);
      await expect(train(rows, { colour: 1 } as never)).rejects.toThrow(/unknown ALS option 'colour'/);
      await expect(train(rows, { regExponent: -0.5 })).rejects.toThrow(/regExponent must be a number in \[0, 2\].*got -0.5/);
      await expect(train(rows, { implicitPrefs: true, biases: true })).rejects.toThrow(/explicit feedback only/);
    });
  });
});
