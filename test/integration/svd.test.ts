// Distributed truncated SVD end to end: against an independent dense SVD (one-sided Jacobi, in this
// file) on small synthetic matrices, on local and local[2], both modes, every centering; the result
// is bit-identical across masters and input partitionings; predictions and top-K lists match the
// dense U·Σ·Vᵀ; bad input fails clearly; and scipy's svds values on ml-latest-small (fixture).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Table, makeVector, vectorFromArray, Utf8 } from 'apache-arrow';
import { Session } from '../../engine/index.ts';
import type { Row } from '../../engine/index.ts';
import { svd, SvdInputError } from '../../jobs/svd/index.ts';
import type { SvdCentering } from '../../jobs/svd/index.ts';
import { readRatingsCsv } from '../unit/jobs/svd/ratings-csv.ts';
import { ML_LATEST_SMALL, hasMlLatestSmall } from '../helpers/movielens.ts';

const ML_DIR = `${ML_LATEST_SMALL}/`;
const FIXTURE = JSON.parse(readFileSync(new URL('../fixtures/svd-ml-latest-small-scipy.json', import.meta.url), 'utf8')) as {
  results: Array<{ k: number; center: string; singular_values: number[] }>;
};

/** Ratings of `users` × `items` with ~40% density, string item ids, one duplicated pair. */
function synthetic(users: number, items: number, seed: number): { table: Table; dense: number[][]; userIds: number[]; itemIds: string[] } {
  let s = seed;
  const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647);
  const userIds = Array.from({ length: users }, (_, u) => 1000 + 3 * u);
  const itemIds = Array.from({ length: items }, (_, i) => `m${String(i).padStart(3, '0')}`);
  const u: number[] = [];
  const it: string[] = [];
  const r: number[] = [];
  for (let a = 0; a < users; a++) for (let b = 0; b < items; b++) if (rnd() < 0.4 || b === a % items) {
    u.push(userIds[a]!);
    it.push(itemIds[b]!);
    r.push(Math.round(1 + rnd() * 8) / 2);
  }
  u.push(u[0]!); it.push(it[0]!); r.push(2); // a duplicate pair: summed
  const table = new Table({ userId: makeVector(Int32Array.from(u)), itemId: vectorFromArray(it, new Utf8()), rating: makeVector(Float64Array.from(r)) });
  return { table, dense: [], userIds, itemIds };
}

/** The matrix scipy would build (duplicates summed; centering on stored entries only). */
function denseOf(table: Table, centering: SvdCentering): { a: number[][]; users: number[]; items: string[]; offset: (u: number) => number } {
  const u = Array.from(table.getChild('userId')!.toArray() as Int32Array);
  const it = Array.from({ length: table.numRows }, (_, i) => table.getChild('itemId')!.get(i) as string);
  const r = Array.from(table.getChild('rating')!.toArray() as Float64Array);
  const users = [...new Set(u)].sort((a, b) => a - b);
  const items = [...new Set(it)].sort();
  const mean = r.reduce((x, y) => x + y, 0) / r.length;
  const userMean = users.map((id) => { const mine = r.filter((_, i) => u[i] === id); return mine.reduce((x, y) => x + y, 0) / mine.length; });
  const a = users.map(() => items.map(() => 0));
  r.forEach((v, i) => {
    const ui = users.indexOf(u[i]!);
    a[ui]![items.indexOf(it[i]!)]! += v - (centering === 'global' ? mean : centering === 'user' ? userMean[ui]! : 0);
  });
  return { a, users, items, offset: (ui) => (centering === 'global' ? mean : centering === 'user' ? userMean[ui]! : 0) };
}

/** One-sided Jacobi SVD (Hestenes): singular values of a small dense matrix, descending. */
function jacobiSingularValues(a: number[][]): number[] {
  const m = a.length;
  const n = a[0]!.length;
  const cols = Array.from({ length: n }, (_, j) => a.map((row) => row[j]!));
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) {
      let alpha = 0; let beta = 0; let gamma = 0;
      for (let i = 0; i < m; i++) { alpha += cols[p]![i]! ** 2; beta += cols[q]![i]! ** 2; gamma += cols[p]![i]! * cols[q]![i]!; }
      if (Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) continue;
      off = Math.max(off, Math.abs(gamma) / Math.sqrt(alpha * beta));
      const zeta = (beta - alpha) / (2 * gamma);
      const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
      const c = 1 / Math.sqrt(1 + t * t);
      const s = c * t;
      for (let i = 0; i < m; i++) { const x = cols[p]![i]!; const y = cols[q]![i]!; cols[p]![i] = c * x - s * y; cols[q]![i] = s * x + c * y; }
    }
    if (off < 1e-15) break;
  }
  return cols.map((c) => Math.hypot(...c)).sort((x, y) => y - x);
}

const vectorsById = (rows: Row[], column: string) => new Map(rows.map((r) => [r[column], r.vector as Float64Array]));

describe.each(['local', 'local[2]'])('svd on %s', (master) => {
  let session: Session;
  const data = synthetic(41, 23, 5); // items are the narrow side
  beforeAll(async () => { session = await Session.create({ master }); });
  afterAll(async () => { await session.stop(); });

  it.each(['gramian', 'lanczos'] as const)('matches a dense Jacobi SVD in mode %s for every centering, and A·V = U·Σ', async (mode) => {
    for (const centering of ['none', 'global', 'user'] as const) {
      const k = 6;
      const model = await svd(session.fromTable(data.table, { numPartitions: 3 }), k, { mode, centering, tol: 1e-12, maxBasis: 20, blockSize: 4 });
      const { a, users, items } = denseOf(data.table, centering);
      const expected = jacobiSingularValues(a).slice(0, k);
      model.sigma.forEach((s, i) => expect(Math.abs(s - expected[i]!) / expected[i]!).toBeLessThan(1e-10));
      const U = vectorsById(await model.U.collect(), 'userId');
      const V = vectorsById(await model.V.collect(), 'itemId');
      expect(U.size).toBe(users.length);
      expect(V.size).toBe(items.length);
      for (let c = 0; c < k; c++) {
        users.forEach((id, ui) => {
          const av = items.reduce((sum, item, ii) => sum + a[ui]![ii]! * V.get(item)![c]!, 0);
          expect(av).toBeCloseTo(U.get(id)![c]! * model.sigma[c]!, 9);
        });
      }
    }
  });

  it('works when users are the narrow side (AAᵀ) and predicts pairs and top-K lists from the factors', async () => {
    const wide = synthetic(12, 30, 9); // 12 users < 30 items
    const centering = 'user';
    const model = await svd(session.fromTable(wide.table), 5, { mode: 'lanczos', centering, tol: 1e-12 });
    const { a, users, items, offset } = denseOf(wide.table, centering);
    expect(Math.abs(model.sigma[0]! - jacobiSingularValues(a)[0]!)).toBeLessThan(1e-9 * model.sigma[0]!);
    const U = vectorsById(await model.U.collect(), 'userId');
    const V = vectorsById(await model.V.collect(), 'itemId');
    const predictOf = (ui: number, ii: number) => offset(ui) + Array.from(model.sigma).reduce((s, sig, c) => s + U.get(users[ui]!)![c]! * sig * V.get(items[ii]!)![c]!, 0);
    const pairs = session.fromRows([{ userId: users[3]!, itemId: items[7]! }, { userId: users[0]!, itemId: items[29]! }, { userId: 99, itemId: items[0]! }]);
    const predicted = (await model.predict(pairs).collect()).sort((x, y) => Number(x.userId) - Number(y.userId));
    expect(Number.isNaN(predicted[0]!.prediction)).toBe(true); // user 99: never seen (cold start → NaN)
    expect(predicted[1]!.prediction).toBeCloseTo(predictOf(0, 29), 9);
    expect(predicted[2]!.prediction).toBeCloseTo(predictOf(3, 7), 9);
    const top = await (await model.recommendForUsers([users[2]!], 4)).collect();
    const rated = new Set(a[2]!.map((v, ii) => (wide.table.toArray().some((r) => r.userId === users[2] && r.itemId === items[ii]) ? ii : -1)).filter((ii) => ii >= 0));
    const brute = items.map((_, ii) => ii).filter((ii) => !rated.has(ii)).sort((x, y) => predictOf(2, y) - predictOf(2, x) || x - y).slice(0, 4);
    expect(top.map((r) => r.itemId)).toEqual(brute.map((ii) => items[ii]));
    expect(top.map((r) => r.rank)).toEqual([1, 2, 3, 4]);
    const all = await (await model.recommendForAllUsers(2, { exclude: false })).count();
    expect(all).toBe(2 * users.length);
  });
});

describe('svd determinism and bad input', () => {
  let session: Session;
  let other: Session;
  const data = synthetic(41, 23, 5);
  beforeAll(async () => { [session, other] = await Promise.all([Session.create({ master: 'local' }), Session.create({ master: 'local[2]' })]); });
  afterAll(async () => { await Promise.all([session.stop(), other.stop()]); });

  it('gives bit-identical σ, U and V on local and local[2], for any input partitioning, with the products on the executors or the driver', async () => {
    const run = async (s: Session, parts: number, products: 'driver' | 'executors' = 'executors') => {
      const model = await svd(s.fromTable(data.table, { numPartitions: parts }), 5, { mode: 'lanczos', seed: 7, centering: 'global', blockSize: 4, maxBasis: 17, products });
      expect(model.stats.products).toBe(products);
      const u = (await model.U.collect()).sort((x, y) => Number(x.userId) - Number(y.userId)).map((r) => Array.from(r.vector as Float64Array));
      const v = (await model.V.collect()).sort((x, y) => String(x.itemId).localeCompare(String(y.itemId))).map((r) => Array.from(r.vector as Float64Array));
      return { sigma: Array.from(model.sigma), u, v };
    };
    const reference = await run(session, 1);
    expect(await run(session, 5)).toEqual(reference);
    expect(await run(other, 3)).toEqual(reference);
    expect(await run(other, 3, 'driver')).toEqual(reference);
    expect(await run(session, 2, 'driver')).toEqual(reference);
  });

  it('top-K lists fold users in (a_uᵀV) when users are the wide side, matching U·Σ·Vᵀ by brute force', async () => {
    const model = await svd(session.fromTable(data.table), 4, { mode: 'gramian', centering: 'global' });
    const { a, users, items, offset } = denseOf(data.table, 'global');
    const U = vectorsById(await model.U.collect(), 'userId');
    const V = vectorsById(await model.V.collect(), 'itemId');
    const score = (ui: number, ii: number) => offset(ui) + Array.from(model.sigma).reduce((s, sig, c) => s + U.get(users[ui]!)![c]! * sig * V.get(items[ii]!)![c]!, 0);
    const rated = new Set(items.map((_, ii) => ii).filter((ii) => data.table.toArray().some((r) => r.userId === users[5] && r.itemId === items[ii])));
    const brute = items.map((_, ii) => ii).filter((ii) => !rated.has(ii)).sort((x, y) => score(5, y) - score(5, x) || x - y).slice(0, 3);
    const top = await (await model.recommendForUsers([users[5]!], 3)).collect();
    expect(top.map((r) => r.itemId)).toEqual(brute.map((ii) => items[ii]));
    top.forEach((r, i) => expect(r.prediction as number).toBeCloseTo(score(5, brute[i]!), 9));
    expect(a.length).toBe(41);
  });

  it('rejects k ≥ min(users, items), an empty dataset and NaN ratings with clear errors', async () => {
    await expect(svd(session.fromTable(data.table), 23)).rejects.toThrow(/k = 23 must be smaller than min\(users, items\) = min\(41, 23\) = 23/);
    const empty = session.fromTable(data.table).filter(() => false);
    await expect(svd(empty, 2)).rejects.toThrow(SvdInputError);
    await expect(svd(empty, 2)).rejects.toThrow(/empty/);
    const nan = new Table({ userId: makeVector(Int32Array.of(1, 2, 3)), itemId: makeVector(Int32Array.of(1, 2, 3)), rating: makeVector(Float64Array.of(4, Number.NaN, 3)) });
    await expect(svd(session.fromTable(nan), 1)).rejects.toThrow(/rating NaN for userId 2, itemId 2 is not a finite number/);
    await expect(svd(session.fromTable(data.table), 2, { mode: 'gramian', maxBasis: 1 })).rejects.toThrow(/maxBasis/);
  });
});

describe.skipIf(!hasMlLatestSmall('the scipy comparison on ml-latest-small'))('svd on ml-latest-small vs scipy svds (test/fixtures/svd-ml-latest-small-scipy.json)', () => {
  let session: Session;
  let table: Table;
  beforeAll(async () => {
    session = await Session.create({ master: 'local' });
    table = readRatingsCsv(`${ML_DIR}ratings.csv`);
  });
  afterAll(async () => { await session.stop(); });

  const cases = (['none', 'global', 'user'] as const).flatMap((centering) => (['gramian', 'lanczos'] as const).map((mode) => [mode, centering] as const));
  it.each(cases)('mode %s, centering %s: k = 10 and k = 50 within 1e-6 relative', async (mode, centering) => {
    const ratings = session.fromTable(table);
    for (const k of mode === 'gramian' ? [50] : [10, 50]) {
      const model = await svd(ratings, k, { mode, centering });
      expect(model.stats.users).toBe(610);
      expect(model.stats.items).toBe(9724);
      // The Gramian's top 10 of k = 50 are the same computation as k = 10.
      for (const kk of mode === 'gramian' ? [10, 50] : [k]) {
        const expected = FIXTURE.results.find((r) => r.k === kk && r.center === centering)!.singular_values;
        expected.forEach((s, i) => expect(Math.abs(model.sigma[i]! - s) / s).toBeLessThan(1e-6));
      }
    }
  }, 60_000);
});
