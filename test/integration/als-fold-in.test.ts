// Fold-in (model.foldInUsers / foldInItems) against an independent reference: for each folded user
// (item) the test forms the regularised normal equations against the model's fixed item (user)
// factors itself, densely, and solves them by Gaussian elimination; the model stores factors as
// float32, so the reference's solution is rounded the same way. Predictions of the folded model
// must equal the reference's to 1e-9, for explicit, explicit with biases and implicit feedback, on
// a new user, a changed user and a new item; and the folded users' recommendations are their best
// unrated items by those predictions. On real executors (local[2]) the folded factors are the same
// bits, and a folded model saved and loaded keeps its factors and its record of the fold-in.
// The same reference, with λ·n^ν, checks training with `regExponent` (its last item half).

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlsModel, Session, trainAls } from '../../index.ts';
import type { AlsOptions } from '../../index.ts';

type Rating = { userId: number; itemId: number; rating: number };

function ratings(): Rating[] {
  const out: Rating[] = [];
  for (let u = 0; u < 40; u++) {
    for (let i = 0; i < 30; i++) {
      if ((u * 7 + i * 13) % 3 === 0) continue;
      out.push({ userId: 100 + u, itemId: 10 * i, rating: 1 + ((u * i + u) % 5) });
    }
  }
  return out;
}

/** Solves A x = b (A dense n × n) by Gaussian elimination with partial pivoting. */
function solveDense(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= m[r]![k]! * x[k]!;
    x[r] = s / m[r]![r]!;
  }
  return x;
}

/**
 * The factor vector (model width, float32-rounded) of one row from its ratings against the fixed
 * side's vectors, by the ALS normal equations written out plainly.
 */
function reference(model: AlsModel, side: 'user' | 'item', rated: Array<{ other: number; rating: number }>): number[] {
  const o = model.options;
  const k = model.rank;
  const w = model.width;
  const fixed = side === 'user' ? model.itemFactors : model.userFactors;
  const fixedIndex = (id: number): number => (side === 'user' ? model.itemIndex(id) : model.userIndex(id));
  const known = rated.filter((r) => fixedIndex(r.other) >= 0);
  // biases: users solve [x, b_u] from item features [y, 1] and target r − μ − b_i (item layout [y, 1, b_i]); items symmetrically
  const featureAt = o.biases ? [...Array(k).keys(), side === 'user' ? k : k + 1] : [...Array(k).keys()];
  const offsetAt = o.biases ? (side === 'user' ? k + 1 : k) : -1;
  const n = featureAt.length;
  const vec = (j: number): number[] => featureAt.map((d) => fixed[j * w + d]!);
  const a = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const b = new Array<number>(n).fill(0);
  let count = 0;
  if (o.implicitPrefs) {
    const numFixed = fixed.length / w;
    for (let j = 0; j < numFixed; j++) { const y = vec(j); for (let p = 0; p < n; p++) for (let q = 0; q < n; q++) a[p]![q]! += y[p]! * y[q]!; }
    for (const { other, rating } of known) {
      const y = vec(fixedIndex(other));
      const c = o.alpha * Math.abs(rating);
      for (let p = 0; p < n; p++) for (let q = 0; q < n; q++) a[p]![q]! += c * y[p]! * y[q]!;
      if (rating > 0) { count++; for (let p = 0; p < n; p++) b[p]! += (1 + c) * y[p]!; }
    }
  } else {
    const mean = o.biases ? model.parts.plan.mean : 0;
    for (const { other, rating } of known) {
      const j = fixedIndex(other);
      const y = vec(j);
      const target = rating - mean - (offsetAt >= 0 ? fixed[j * w + offsetAt]! : 0);
      for (let p = 0; p < n; p++) { b[p]! += target * y[p]!; for (let q = 0; q < n; q++) a[p]![q]! += y[p]! * y[q]!; }
      count++;
    }
  }
  for (let p = 0; p < n; p++) a[p]![p]! += o.regParam * count ** o.regExponent; // λ·n^ν (ν = 1: ALS-WR)
  const x = solveDense(a, b);
  const out = new Array<number>(w).fill(0);
  featureAt.forEach((d, t) => { out[d] = Math.fround(x[t]!); });
  if (o.biases) out[side === 'user' ? k + 1 : k] = 1;
  return out;
}

/** Prediction from two width-long vectors, as the model computes it (offset, then the dot product in order). */
function predictFrom(model: AlsModel, user: number[], item: number[]): number {
  let s = model.parts.plan.mean;
  for (let d = 0; d < model.width; d++) s += user[d]! * item[d]!;
  return s;
}

const vectorOf = (f: Float32Array, width: number, index: number): number[] => Array.from(f.subarray(index * width, (index + 1) * width));

let session: Session;
beforeAll(async () => {
  session = await Session.create({ master: 'local', conf: ['dataflow.ui.progress=false'] });
});
afterAll(async () => {
  await session?.stop();
});

const NEW_USER: Rating[] = [
  { userId: 9001, itemId: 0, rating: 5 }, { userId: 9001, itemId: 30, rating: 4 }, { userId: 9001, itemId: 70, rating: 1 },
  { userId: 9001, itemId: 120, rating: 3 }, { userId: 9001, itemId: 250, rating: 2 }, { userId: 9001, itemId: 290, rating: 5 },
  { userId: 9001, itemId: 99_999, rating: 4 }, // an item the model does not know: skipped
];
const CHANGED_USER: Rating[] = [
  { userId: 105, itemId: 10, rating: 1 }, { userId: 105, itemId: 20, rating: 5 }, { userId: 105, itemId: 200, rating: 4 }, { userId: 105, itemId: 210, rating: 2 },
];
const NEW_ITEM: Rating[] = [100, 101, 107, 113, 121, 130].map((userId, j) => ({ userId, itemId: 7777, rating: 1 + (j % 5) }));

describe.each<[string, AlsOptions]>([
  ['explicit', { rank: 4, maxIter: 4, regParam: 0.1 }],
  ['explicit with biases', { rank: 3, maxIter: 4, regParam: 0.2, biases: true }],
  ['implicit', { rank: 4, maxIter: 4, regParam: 0.05, implicitPrefs: true, alpha: 2 }],
  ['explicit with biases, λ·√n', { rank: 3, maxIter: 4, regParam: 0.6, regExponent: 0.5, biases: true }],
  ['implicit, constant λ', { rank: 4, maxIter: 4, regParam: 0.3, regExponent: 0, implicitPrefs: true, alpha: 2, solver: 'cholesky' }],
])('fold-in, %s', (_, options) => {
  it('folded users and items predict as factors solved independently against the fixed side (1e-9)', async () => {
    const model = await trainAls(session.fromRows(ratings(), { numPartitions: 2 }), { ...options, numUserBlocks: 2, numItemBlocks: 2 });
    const folded = await model.foldInUsers(session.fromRows([...NEW_USER, ...CHANGED_USER], { numPartitions: 2 }));
    expect(folded.userIds.length).toBe(model.userIds.length + 1);
    expect(folded.itemIds).toEqual(model.itemIds);
    expect(folded.foldIns.map((f) => ({ side: f.side, ids: f.ids, ratings: f.ratings }))).toEqual([{ side: 'user', ids: 2, ratings: 10 }]);
    for (const [user, rows] of [[9001, NEW_USER], [105, CHANGED_USER]] as const) {
      const x = reference(model, 'user', rows.map((r) => ({ other: r.itemId, rating: r.rating })));
      for (const item of model.itemIds as Float64Array) {
        const want = predictFrom(model, x, vectorOf(model.itemFactors, model.width, model.itemIndex(item)));
        expect(Math.abs(folded.predictOne(user, item) - want)).toBeLessThan(1e-9);
      }
    }
    // every other user keeps its factors
    for (const user of [100, 139]) expect(vectorOf(folded.userFactors, folded.width, folded.userIndex(user))).toEqual(vectorOf(model.userFactors, model.width, model.userIndex(user)));

    const withItem = await model.foldInItems(session.fromRows(NEW_ITEM));
    const y = reference(model, 'item', NEW_ITEM.map((r) => ({ other: r.userId, rating: r.rating })));
    for (const user of model.userIds as Float64Array) {
      const want = predictFrom(model, vectorOf(model.userFactors, model.width, model.userIndex(user)), y);
      expect(Math.abs(withItem.predictOne(user, 7777) - want)).toBeLessThan(1e-9);
    }

    // recommendations of the folded user: its best items by those predictions, rated ones left out
    const top = (await folded.recommendForUsers([9001], 5).collect()).sort((a, b) => Number(a.rank) - Number(b.rank)).map((r) => r.itemId);
    const rated = new Set(NEW_USER.map((r) => r.itemId));
    const expected = [...(model.itemIds as Float64Array)].filter((i) => !rated.has(i))
      .map((i) => [i, folded.predictOne(9001, i)] as const)
      .sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 5).map(([i]) => i);
    expect(top).toEqual(expected);
  });
});

describe('regExponent: λ·n^ν in training', () => {
  it('the last item half solves λ·n^ν normal equations; ν is kept by save and load', async () => {
    const train = (o: AlsOptions): Promise<AlsModel> => trainAls(session.fromRows(ratings(), { numPartitions: 2 }), { rank: 3, maxIter: 4, biases: true, numUserBlocks: 2, numItemBlocks: 2, ...o });
    const model = await train({ regParam: 0.6, regExponent: 0.5 });
    const byItem = new Map<number, Array<{ other: number; rating: number }>>();
    for (const r of ratings()) byItem.set(r.itemId, [...(byItem.get(r.itemId) ?? []), { other: r.userId, rating: r.rating }]);
    // each item's factors are the exact solve against the final user factors (float32 apart)
    for (const item of [0, 50, 290]) {
      const y = reference(model, 'item', byItem.get(item)!);
      const stored = vectorOf(model.itemFactors, model.width, model.itemIndex(item));
      for (let d = 0; d < model.width; d++) expect(Math.abs(stored[d]! - y[d]!)).toBeLessThan(1e-5 * Math.max(1, Math.abs(y[d]!)));
    }
    // ν = 1 (ALS-WR) is another model: the option reaches the solves
    const wr = await train({ regParam: 0.6 });
    expect(Math.abs(wr.predictOne(100, 10) - model.predictOne(100, 10))).toBeGreaterThan(1e-4);
    const dir = await mkdtemp(join(tmpdir(), 'dataflow-reg-exponent-'));
    try {
      await model.save(join(dir, 'm'));
      const back = await AlsModel.load(session, join(dir, 'm'));
      expect(back.options.regExponent).toBe(0.5);
      // folding in after loading uses the loaded ν
      const folded = await back.foldInUsers(session.fromRows(CHANGED_USER));
      const x = reference(model, 'user', CHANGED_USER.map((r) => ({ other: r.itemId, rating: r.rating })));
      expect(Math.abs(folded.predictOne(105, 20) - predictFrom(model, x, vectorOf(model.itemFactors, model.width, model.itemIndex(20))))).toBeLessThan(1e-9);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('fold-in on executors, saved and loaded', () => {
  it('local[2] folds the same bits as local; the folded model round-trips with its fold-in record', { timeout: 180_000 }, async () => {
    const options: AlsOptions = { rank: 4, maxIter: 3, implicitPrefs: true, alpha: 1.5, seed: 5 };
    const here = await trainAls(session.fromRows(ratings()), options);
    const foldedHere = await here.foldInUsers(session.fromRows([...NEW_USER, ...CHANGED_USER]));
    const cluster = await Session.create({ master: 'local[2]', conf: ['dataflow.ui.progress=false'] });
    const dir = await mkdtemp(join(tmpdir(), 'dataflow-fold-in-'));
    try {
      const there = await trainAls(cluster.fromRows(ratings(), { numPartitions: 3 }), options);
      const folded = await there.foldInUsers(cluster.fromRows([...NEW_USER, ...CHANGED_USER], { numPartitions: 3 }), { numPartitions: 3 });
      expect([...folded.userIds]).toEqual([...foldedHere.userIds]);
      expect(Buffer.from(folded.userFactors.buffer).equals(Buffer.from(foldedHere.userFactors.buffer))).toBe(true);
      await folded.save(join(dir, 'folded'));
      const back = await AlsModel.load(session, join(dir, 'folded'));
      expect(back.foldIns).toEqual(folded.foldIns);
      expect(Buffer.from(back.userFactors.buffer).equals(Buffer.from(folded.userFactors.buffer))).toBe(true);
      expect(await back.trainingData()).toEqual(await there.trainingData());
    } finally {
      await cluster.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('fold-in input errors', () => {
  it('names an unknown option and a user id of the wrong type', async () => {
    const model = await trainAls(session.fromRows(ratings()), { rank: 3, maxIter: 2 });
    await expect(model.foldInUsers(session.fromRows(NEW_USER), { rank: 5 } as never)).rejects.toThrow(/unknown fold-in option 'rank'/);
    await expect(model.foldInUsers(session.fromRows([{ userId: 'new-user', itemId: 0, rating: 3 }]))).rejects.toThrow(/userId "new-user" is a string, but the model's userId ids are float64/);
  });
});
