// recommendForAllUsers / recommendForAllItems on real executor processes (local[2]) equal the
// in-process run (its target rows are two columns on one typed array, which apache-arrow's IPC
// writer used to corrupt: issue 8); on ml-latest-small (when ../shared is present) the top 10 of
// a sample of users equal a brute-force ranking of the model's own scores on the driver.

import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Session, trainAls } from '../../index.ts';
import type { AlsModel, Row } from '../../index.ts';
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

/** The top k unrated items of `users`, ranked on the driver from the model's factors. */
function bruteForceTopK(model: AlsModel, users: number[], rated: Set<string>, k: number): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const user of users) {
    const scored: Array<[number, number]> = [];
    for (const item of model.itemIds) if (!rated.has(`${user}:${item}`)) scored.push([item as number, model.predictOne(user, item)]);
    scored.sort((a, b) => b[1] - a[1] || model.itemIndex(a[0]) - model.itemIndex(b[0]));
    out.set(user as number, scored.slice(0, k).map(([item]) => item));
  }
  return out;
}

describe('ALS recommendations on local[2]', () => {
  it('recommendForAllUsers and recommendForAllItems equal the in-process run', async () => {
    const local = await recommendations('local');
    const cluster = await recommendations('local[2]');
    expect(local.users).toHaveLength(60 * 5);
    expect(local.items).toHaveLength(45 * 4);
    expect(cluster).toEqual(local);
  }, 120_000);

  describe.skipIf(!existsSync(ML))('ml-latest-small', () => {
    it('every user has a top 10; those of every fifth user equal a brute-force ranking on the driver', async () => {
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
        const sample = [...got.keys()].filter((u) => u % 5 === 1);
        expect(new Map(sample.map((u) => [u, got.get(u)]))).toEqual(bruteForceTopK(model, sample, rated, 10));
      } finally {
        await session.stop();
      }
    }, 120_000);
  });
});
if (!existsSync(ML)) console.log(`skipping the ml-latest-small recommendation test: ${ML} is absent`);
