// ALS on real executor processes: local[2] and local[4] give factors bit-identical to the
// in-process executor, for explicit (rank 4 and 20) and implicit feedback; ml-latest-small when present.

import { describe, expect, it } from 'vitest';
import { Session, kFold, regressionMetrics, trainAls } from '../../index.ts';
import type { AlsOptions } from '../../index.ts';
import { ML_LATEST_SMALL as ML, hasMlLatestSmall } from '../helpers/movielens.ts';

function rows(): Array<{ userId: number; itemId: number; rating: number }> {
  const out = [];
  for (let u = 0; u < 80; u++) {
    for (let i = 0; i < 50; i++) {
      if ((u * 7 + i * 13) % 3 === 0) continue;
      out.push({ userId: u, itemId: 500 + i, rating: 1 + ((u * i) % 5) });
    }
  }
  return out;
}

async function factors(master: string, options: AlsOptions): Promise<{ users: Buffer; items: Buffer }> {
  const session = await Session.create({ master });
  try {
    const model = await trainAls(session.fromRows(rows(), { numPartitions: 3 }), options);
    return { users: Buffer.from(model.userFactors.buffer), items: Buffer.from(model.itemFactors.buffer) };
  } finally {
    await session.stop();
  }
}

describe('ALS on local[N]', () => {
  it('explicit and implicit factors are bit-identical on local, local[2] and local[4]', async () => {
    for (const options of [
      { rank: 4, maxIter: 3, regParam: 0.05, biases: true, numUserBlocks: 3, numItemBlocks: 2 },
      { rank: 4, maxIter: 3, implicitPrefs: true, alpha: 3, numUserBlocks: 2, numItemBlocks: 3 },
    ] satisfies AlsOptions[]) {
      const local = await factors('local', options);
      const two = await factors('local[2]', options);
      expect(two.users.equals(local.users)).toBe(true);
      expect(two.items.equals(local.items)).toBe(true);
    }
    const four = await factors('local[4]', { rank: 4, maxIter: 2, checkpointInterval: 1 });
    const local = await factors('local', { rank: 4, maxIter: 2, numUserBlocks: 1, numItemBlocks: 1 });
    expect(four.users.equals(local.users)).toBe(true);
  });

  it('explicit rank 20 (above 16 unknowns: the blocked syrk kernel and SIMD Cholesky) is bit-identical on local and local[2]', async () => {
    const options = { rank: 20, maxIter: 2, regParam: 0.1, biases: true, numUserBlocks: 3, numItemBlocks: 2 } satisfies AlsOptions;
    const local = await factors('local', options);
    const two = await factors('local[2]', options);
    expect(two.users.equals(local.users)).toBe(true);
    expect(two.items.equals(local.items)).toBe(true);
  });

  describe.skipIf(!hasMlLatestSmall('the ml-latest-small ALS test'))('ml-latest-small', () => {
    it('one fold of explicit ALS reaches RMSE < 0.87', async () => {
      const session = await Session.create({ master: 'local[2]' });
      try {
        const ratings = (await session.readMovieLens(ML)).select('userId', 'itemId', 'rating');
        const [{ train, test }] = kFold(ratings, { folds: 5, seed: 7 });
        const model = await trainAls(train.cache(), { rank: 10, maxIter: 10, regParam: 0.15, biases: true, numUserBlocks: 2, numItemBlocks: 2 });
        const { rmse } = await regressionMetrics(model.transform(test, { coldStartStrategy: 'fallback' }));
        expect(rmse).toBeLessThan(0.87);
      } finally {
        await session.stop();
      }
    });
  });
});
