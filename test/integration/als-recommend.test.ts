// recommendForAllUsers / recommendForAllItems on real executor processes (local[2]) equal the
// in-process run (its target rows are two columns on one typed array, which apache-arrow's IPC
// writer used to corrupt: issue 8); the blockwise top-K equals a brute-force ranking done here on
// the driver for every user and every item, with ties (integer factors), rated pairs excluded and
// k past the item count; on ml-latest-small (when ../shared is present) for every user.

import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AlsModel, Session, trainAls } from '../../index.ts';
import type { Row } from '../../index.ts';
import { ROOT } from '../helpers/cli.ts';

const ML = join(ROOT, '..', 'shared', 'data', 'ml-latest-small');

function ratings(): Array<{ userId: number; itemId: number; rating: number }> {
  const out = [];
  for (let u = 0; u < 60; u++) {
    for (let i = 0; i < 45; i++) {
      if ((u * 7 + i * 13) % 3 === 0) continue;
      out.push({ userId: 1000 + u, itemId: 7 * i, rating: 1 + ((u * i) % 5) });
    }
  }
  return out;
}

const ordered = (rows: Row[], a: string, b: string): Row[] =>
  [...rows].sort((x, y) => Number(x[a]) - Number(y[a]) || Number(x.rank) - Number(y.rank) || Number(x[b]) - Number(y[b]));

async function recommendations(master: string): Promise<{ users: Row[]; items: Row[] }> {
  const session = await Session.create({ master, conf: ['dataflow.ui.progress=false'] });
  try {
    const model = await trainAls(session.fromRows(ratings(), { numPartitions: 3 }), { rank: 4, maxIter: 3, numUserBlocks: 2, numItemBlocks: 2 });
    return {
      users: ordered(await model.recommendForAllUsers(5).collect(), 'userId', 'itemId'),
      items: ordered(await model.recommendForAllItems(4, { numPartitions: 3 }).collect(), 'itemId', 'userId'),
    };
  } finally {
    await session.stop();
  }
}

/** The top k unrated items of `users`, ranked on the driver from the model's factors (the sum of predictOne, in dense indices). */
function bruteForceTopK(model: AlsModel, users: number[], rated: Set<string>, k: number): Map<number, number[]> {
  const out = new Map<number, number[]>();
  const w = model.width;
  const items = model.itemIds as Float64Array;
  for (const user of users) {
    const u = model.userIndex(user);
    const scored: Array<[number, number]> = [];
    for (let i = 0; i < items.length; i++) {
      if (rated.has(`${user}:${items[i]}`)) continue;
      let s = model.parts.plan.mean;
      for (let d = 0; d < w; d++) s += model.userFactors[u * w + d] * model.itemFactors[i * w + d];
      scored.push([i, s]);
    }
    scored.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    out.set(user, scored.slice(0, k).map(([i]) => items[i]));
  }
  return out;
}

/** (target, other, rank) rows of the top k by a plain ranking on the driver: score desc, then the smaller other id. */
function bruteForceRows(model: AlsModel, side: 'user' | 'item', rated: Set<string>, k: number): Array<[number, number, number]> {
  const [own, other] = side === 'user' ? [model.userIds, model.itemIds] : [model.itemIds, model.userIds];
  const rows: Array<[number, number, number]> = [];
  for (const t of own as Float64Array) {
    const scored: Array<[number, number]> = [];
    for (const o of other as Float64Array) {
      const [u, i] = side === 'user' ? [t, o] : [o, t];
      if (!rated.has(`${u}:${i}`)) scored.push([o, model.predictOne(u, i)]);
    }
    scored.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    scored.slice(0, k).forEach(([o], r) => rows.push([t, o, r + 1]));
  }
  return rows;
}

describe('ALS recommendations on local[2]', () => {
  it('recommendForAllUsers and recommendForAllItems equal the in-process run', async () => {
    const local = await recommendations('local');
    const cluster = await recommendations('local[2]');
    expect(local.users).toHaveLength(60 * 5);
    expect(local.items).toHaveLength(45 * 4);
    expect(cluster).toEqual(local);
  }, 120_000);

  it('with ties and k past the item count, every user and every item equal a brute-force ranking, on local and local[2]', async () => {
    const data = ratings();
    const rated = new Set(data.map((r) => `${r.userId}:${r.itemId}`));
    for (const master of ['local', 'local[2]']) {
      const session = await Session.create({ master, conf: ['dataflow.ui.progress=false'] });
      try {
        const trained = await trainAls(session.fromRows(data, { numPartitions: 3 }), { rank: 3, maxIter: 1, numUserBlocks: 2, numItemBlocks: 2 });
        // integer factors: many exactly equal scores, so the order of ties is what is tested
        const tie = (f: Float32Array, salt: number): Float32Array => f.map((_, j) => ((j * 7 + salt) % 5) - 2);
        const model = new AlsModel(session, { ...trained.parts, userFactors: tie(trained.userFactors, 1), itemFactors: tie(trained.itemFactors, 3) });
        const asRows = (rows: Row[], a: string, b: string): Array<[number, number, number]> =>
          ordered(rows, a, b).map((r) => [Number(r[a]), Number(r[b]), Number(r.rank)]);
        const users = asRows(await model.recommendForAllUsers(50, { numPartitions: 5 }).collect(), 'userId', 'itemId');
        const items = asRows(await model.recommendForAllItems(7, { numPartitions: 2 }).collect(), 'itemId', 'userId');
        expect(users, master).toEqual(bruteForceRows(model, 'user', rated, 50));
        expect(items, master).toEqual(bruteForceRows(model, 'item', rated, 7));
        expect(users.length).toBe(60 * 45 - data.length); // k = 50 > 45 items: every unrated item of every user
        const scores = (await model.recommendForAllUsers(3).collect()).map((r) => Number(r.score));
        expect(new Set(scores).size).toBeLessThan(scores.length / 4); // ties among the top 3
      } finally {
        await session.stop();
      }
    }
  }, 120_000);

  describe.skipIf(!existsSync(ML))('ml-latest-small', () => {
    it('every user has a top 10, equal to a brute-force ranking on the driver', async () => {
      const session = await Session.create({ master: 'local[2]', conf: ['dataflow.ui.progress=false'] });
      try {
        const data = (await session.readMovieLens(ML)).select('userId', 'itemId', 'rating').cache();
        const model = await trainAls(data, { rank: 8, maxIter: 2, numUserBlocks: 2, numItemBlocks: 2 });
        const rated = new Set((await data.collect()).map((r) => `${r.userId}:${r.itemId}`));
        const got = new Map<number, number[]>();
        for (const r of ordered(await model.recommendForAllUsers(10).collect(), 'userId', 'itemId')) {
          got.set(Number(r.userId), [...(got.get(Number(r.userId)) ?? []), Number(r.itemId)]);
        }
        expect(got.size).toBe(610);
        expect(got).toEqual(bruteForceTopK(model, [...got.keys()], rated, 10));
      } finally {
        await session.stop();
      }
    }, 120_000);
  });
});
if (!existsSync(ML)) console.log(`skipping the ml-latest-small recommendation test: ${ML} is absent`);
