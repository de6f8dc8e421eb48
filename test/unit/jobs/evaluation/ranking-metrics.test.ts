// rankingMetrics: hand-computed precision/recall/MAP/NDCG at k, rank vs score ordering, duplicate
// recommendations, ids of different types on the two sides, and agreement with a plain-JS
// reference implementation of the documented definitions on random data, for any partitioning.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Field, Float64, Int32, Schema, Utf8 } from 'apache-arrow';
import { Session } from '../../../../engine/index.ts';
import { rankingMetrics, relevantItems } from '../../../../jobs/evaluation/index.ts';

type Rec = { userId: number; itemId: string; rank: number };
type Rel = { userId: number; itemId: string };

/** The documented definitions, written plainly (recommendations already in rank order). */
function reference(recs: Rec[], rel: Rel[], k: number) {
  const users = [...new Set(rel.map((r) => r.userId))];
  let p = 0, r = 0, ap = 0, ndcg = 0;
  for (const u of users) {
    const R = new Set(rel.filter((x) => x.userId === u).map((x) => x.itemId));
    const list = recs.filter((x) => x.userId === u).sort((a, b) => a.rank - b.rank).map((x) => x.itemId).slice(0, k);
    let hits = 0, prec = 0, dcg = 0, idcg = 0;
    list.forEach((item, i) => {
      if (!R.has(item)) return;
      hits++;
      prec += hits / (i + 1);
      dcg += 1 / Math.log2(i + 2);
    });
    for (let i = 0; i < Math.min(k, R.size); i++) idcg += 1 / Math.log2(i + 2);
    p += hits / k; r += hits / R.size; ap += prec / Math.min(k, R.size); ndcg += dcg / idcg;
  }
  const n = users.length;
  return { precisionAtK: p / n, recallAtK: r / n, mapAtK: ap / n, ndcgAtK: ndcg / n, users: n, k };
}

describe('rankingMetrics', () => {
  let session: Session;
  beforeAll(async () => { session = await Session.create({ master: 'local' }); });
  afterAll(async () => { await session.stop(); });

  it('matches hand-computed values at k = 3', async () => {
    const recs = session.fromRows([
      { userId: 1, itemId: 'a', rank: 1 }, { userId: 1, itemId: 'b', rank: 2 }, { userId: 1, itemId: 'c', rank: 3 },
      { userId: 2, itemId: 'w', rank: 4 }, { userId: 2, itemId: 'x', rank: 1 }, { userId: 2, itemId: 'y', rank: 2 }, { userId: 2, itemId: 'z', rank: 3 },
      { userId: 4, itemId: 'a', rank: 1 }, // user 4 has no relevant items: ignored
    ], { numPartitions: 3 });
    const relevant = session.fromRows([
      { userId: 1, itemId: 'b' }, { userId: 1, itemId: 'd' },
      { userId: 2, itemId: 'x' }, { userId: 2, itemId: 'z' }, { userId: 2, itemId: 'w' },
      { userId: 3, itemId: 'q' }, // user 3 got no recommendations: counts as 0
    ], { numPartitions: 2 });
    // user 1: hits [0,1,0], |R| = 2: P = 1/3, R = 1/2, AP = (1/2)/min(3,2) = 1/4,
    //         NDCG = (1/log2 3) / (1 + 1/log2 3) = 0.6309298 / 1.6309298 = 0.3868528
    // user 2: top 3 = x y z (w is 4th, cut), hits [1,0,1], |R| = 3: P = 2/3, R = 2/3,
    //         AP = (1/1 + 2/3)/3 = 5/9, NDCG = (1 + 1/2) / (1 + 0.6309298 + 1/2) = 1.5 / 2.1309298 = 0.7039180
    // user 3: all 0.   Means over 3 users:
    const m = await rankingMetrics(recs, relevant, { k: 3 });
    expect(m.users).toBe(3);
    expect(m.k).toBe(3);
    expect(m.precisionAtK).toBeCloseTo(1 / 3, 14);
    expect(m.recallAtK).toBeCloseTo(7 / 18, 14);
    expect(m.mapAtK).toBeCloseTo(29 / 108, 14);
    expect(m.ndcgAtK).toBeCloseTo((0.38685280723454163 + 1.5 / (1.5 + 1 / Math.log2(3))) / 3, 14);
    expect(m.ndcgAtK).toBeCloseTo(0.3635903, 6);
  });

  it('orders by score (descending) when there is no rank column', async () => {
    const recs = session.fromRows([{ userId: 1, itemId: 'a', score: 0.9 }, { userId: 1, itemId: 'b', score: 0.5 }, { userId: 1, itemId: 'c', score: 0.7 }]);
    const relevant = session.fromRows([{ userId: 1, itemId: 'b' }]);
    // order a, c, b: at k = 2, b is cut → all 0; at k = 3 it is 3rd: P 1/3, R 1, AP (1/3)/1, NDCG (1/log2 4)/1 = 0.5
    expect(await rankingMetrics(recs, relevant, { k: 2 })).toEqual({ precisionAtK: 0, recallAtK: 0, mapAtK: 0, ndcgAtK: 0, users: 1, k: 2 });
    const m = await rankingMetrics(recs, relevant, { k: 3 });
    expect([m.precisionAtK, m.recallAtK, m.mapAtK, m.ndcgAtK]).toEqual([1 / 3, 1, 1 / 3, 0.5]);
  });

  it('counts a repeated recommendation once, at its best position', async () => {
    const recs = session.fromRows([{ userId: 1, itemId: 'a', rank: 1 }, { userId: 1, itemId: 'a', rank: 2 }, { userId: 1, itemId: 'b', rank: 3 }]);
    const relevant = session.fromRows([{ userId: 1, itemId: 'b' }, { userId: 1, itemId: 'b' }]);
    // list a, b: hit at 2 → P 1/2, R 1, AP 1/2, NDCG 1/log2 3
    const m = await rankingMetrics(recs, relevant, { k: 2 });
    expect([m.precisionAtK, m.recallAtK, m.mapAtK]).toEqual([0.5, 1, 0.5]);
    expect(m.ndcgAtK).toBeCloseTo(1 / Math.log2(3), 15);
  });

  it('matches ids by value across column types (Int32 vs Float64 users)', async () => {
    const recs = session.fromRows([{ u: 5, item: 'a', rank: 1 }], { schema: new Schema([new Field('u', new Int32()), new Field('item', new Utf8()), new Field('rank', new Int32())]) });
    const relevant = session.fromRows([{ u: 5, item: 'a' }], { schema: new Schema([new Field('u', new Float64()), new Field('item', new Utf8())]) });
    const m = await rankingMetrics(recs, relevant, { k: 1, userColumn: 'u', itemColumn: 'item' });
    expect(m.precisionAtK).toBe(1);
  });

  it('agrees with the reference definitions on random data, for any partition count', async () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const recs: Rec[] = [];
    const rel: Rel[] = [];
    for (let u = 0; u < 60; u++) {
      const items = Array.from({ length: 30 }, (_, i) => `i${i}`).sort(() => rand() - 0.5);
      const n = Math.floor(rand() * 14);
      items.slice(0, n).forEach((itemId, i) => recs.push({ userId: u, itemId, rank: i + 1 }));
      const m = u % 10 === 0 ? 0 : 1 + Math.floor(rand() * 8);
      for (const itemId of [...items].sort(() => rand() - 0.5).slice(0, m)) rel.push({ userId: u, itemId });
    }
    const expected = reference(recs, rel, 10);
    const results = [];
    for (const [a, b] of [[1, 1], [4, 3], [7, 2]]) {
      results.push(await rankingMetrics(session.fromRows(recs, { numPartitions: a }), session.fromRows(rel, { numPartitions: b }), { k: 10, numPartitions: b }));
    }
    for (const key of ['precisionAtK', 'recallAtK', 'mapAtK', 'ndcgAtK'] as const) expect(results[0][key]).toBeCloseTo(expected[key], 13);
    expect(results[0].users).toBe(expected.users);
    expect(results[1]).toEqual(results[0]); // bit-identical: exact sums
    expect(results[2]).toEqual(results[0]);
  });

  it('explains missing order columns and an empty relevant set', async () => {
    const recs = session.fromRows([{ userId: 1, itemId: 'a' }]);
    const relevant = session.fromRows([{ userId: 1, itemId: 'a' }]);
    await expect(rankingMetrics(recs, relevant)).rejects.toThrow(/neither a rank column 'rank' nor a score column 'score'/);
    await expect(rankingMetrics(session.fromRows([{ userId: 1, itemId: 'a', rank: 1 }]), relevant.filter(() => false))).rejects.toThrow(/no user has a relevant item/);
    await expect(rankingMetrics(recs, relevant, { k: 0 })).rejects.toThrow(/option 'k' must be an integer >= 1, got 0/);
  });
});

describe('relevantItems', () => {
  let session: Session;
  beforeAll(async () => { session = await Session.create({ master: 'local' }); });
  afterAll(async () => { await session.stop(); });

  it('keeps user and item of ratings at or above the threshold', async () => {
    const test = session.fromRows([
      { userId: 1, movieId: 10, rating: 4.5, timestamp: 1 },
      { userId: 1, movieId: 11, rating: 3.5, timestamp: 2 },
      { userId: 2, movieId: 10, rating: 4, timestamp: 3 },
    ], { numPartitions: 2 });
    expect(await relevantItems(test, { minRating: 4, itemColumn: 'movieId' }).collect()).toEqual([{ userId: 1, movieId: 10 }, { userId: 2, movieId: 10 }]);
    expect(await relevantItems(test, { itemColumn: 'movieId' }).count()).toBe(3);
  });
});
