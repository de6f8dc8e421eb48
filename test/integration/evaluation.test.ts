// Recommender evaluation on real executor processes: the same splits and metrics give the same
// numbers on local[2] as on local. On MovieLens ml-latest-small (when present) it reports the
// most-popular baseline's precision@10 and NDCG@10 under 5-fold cross-validation (rating >= 4 relevant).

import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Table, makeVector } from 'apache-arrow';
import { Session, kFold, leaveKOut, mostPopular, randomSplit, rankingMetrics, regressionMetrics, relevantItems } from '../../index.ts';
import type { Dataset, RankingMetrics } from '../../index.ts';

import { ML_LATEST_SMALL as MOVIELENS, hasMlLatestSmall } from '../helpers/movielens.ts';

/** Synthetic ratings with a popularity skew and a fake prediction column. */
function syntheticRatings(): Table {
  const users: number[] = [], items: number[] = [], ratings: number[] = [], times: number[] = [];
  for (let u = 0; u < 150; u++) {
    for (let j = 0; j < 8 + (u % 13); j++) {
      users.push(u);
      items.push(Math.floor(((j * 7919 + u * 104729) % 1000) ** 2 / 5000)); // skewed towards small ids
      ratings.push(1 + ((u + j * 3) % 5));
      times.push(1_000_000 + u * 100 + ((j * 17) % 31));
    }
  }
  return new Table({
    userId: makeVector(Int32Array.from(users)),
    itemId: makeVector(Int32Array.from(items)),
    rating: makeVector(Float64Array.from(ratings)),
    timestamp: makeVector(Float64Array.from(times)),
  });
}

async function evaluateAll(session: Session, table: Table): Promise<Record<string, unknown>> {
  const ratings = session.fromTable(table, { numPartitions: 4 });
  const pairs = async (ds: Dataset) => (await ds.collect()).map((r) => `${String(r.userId)}:${String(r.itemId)}`).sort();
  const [train, test] = randomSplit(ratings, [0.8, 0.2], 42);
  // A stand-in model: predicts 3 + (itemId mod 3) / 2.
  const predictions = test.map((r) => ({ ...r, prediction: 3 + (Number(r.itemId) % 3) / 2 }));
  const lko = leaveKOut(ratings, { k: 2, seed: 5, by: 'latest' });
  const folds = kFold(ratings, { folds: 3, seed: 9 });
  const recs = await mostPopular(train, { k: 10 });
  return {
    randomSplitTest: await pairs(test),
    leaveKOutTest: await pairs(lko.test),
    foldSizes: await Promise.all(folds.map((f) => f.test.count())),
    regression: await regressionMetrics(predictions),
    ranking: await rankingMetrics(recs, relevantItems(test, { minRating: 4 }), { k: 10 }),
    rankingAll: await rankingMetrics(recs, relevantItems(test), { k: 5 }),
  };
}

describe('evaluation on local and local[2]', () => {
  it('gives identical splits and metrics', async () => {
    const table = syntheticRatings();
    const results: Array<Record<string, unknown>> = [];
    for (const master of ['local', 'local[2]']) {
      const session = await Session.create({ master });
      try {
        results.push(await evaluateAll(session, table));
      } finally {
        await session.stop();
      }
    }
    expect(results[1]).toEqual(results[0]);
    expect((results[0].foldSizes as number[]).reduce((a, b) => a + b, 0)).toBe(table.numRows);
    expect((results[0].ranking as { users: number }).users).toBeGreaterThan(50);
  });
});

/** ratings.csv (userId,movieId,rating,timestamp) as an Arrow table, parsed without row objects. */
function readRatingsCsv(file: string): Table {
  const lines = readFileSync(file, 'utf8').split('\n');
  const n = lines.length - 1;
  const users = new Int32Array(n), items = new Int32Array(n), ratings = new Float64Array(n), times = new Float64Array(n);
  let rows = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line.length === 0) continue;
    const a = line.indexOf(','), b = line.indexOf(',', a + 1), c = line.indexOf(',', b + 1);
    users[rows] = Number(line.slice(0, a));
    items[rows] = Number(line.slice(a + 1, b));
    ratings[rows] = Number(line.slice(b + 1, c));
    times[rows] = Number(line.slice(c + 1));
    rows++;
  }
  return new Table({
    userId: makeVector(users.subarray(0, rows)),
    movieId: makeVector(items.subarray(0, rows)),
    rating: makeVector(ratings.subarray(0, rows)),
    timestamp: makeVector(times.subarray(0, rows)),
  });
}

const hasMovieLens = hasMlLatestSmall('the most-popular baseline on ml-latest-small');

describe.skipIf(!hasMovieLens)('most-popular baseline on ml-latest-small, 5-fold CV', () => {
  it('reports precision@10 and NDCG@10 with test ratings >= 4 as the relevant items', async () => {
    const table = readRatingsCsv(join(MOVIELENS, 'ratings.csv'));
    expect(table.numRows).toBe(100_836);
    const session = await Session.create({ master: 'local[2]' });
    try {
      const ratings = session.fromTable(table, { numPartitions: 4 }).cache();
      const cols = { itemColumn: 'movieId' };
      const perFold: RankingMetrics[] = [];
      for (const { train, test } of kFold(ratings, { folds: 5, seed: 42, ...cols })) {
        const recs = await mostPopular(train, { k: 10, ...cols });
        perFold.push(await rankingMetrics(recs, relevantItems(test, { minRating: 4, ...cols }), { k: 10, ...cols }));
      }
      const mean = (key: 'precisionAtK' | 'ndcgAtK' | 'mapAtK' | 'recallAtK') => perFold.reduce((s, f) => s + f[key], 0) / perFold.length;
      console.log('most-popular baseline, ml-latest-small, kFold(folds 5, seed 42), k = 10, training items excluded, relevant = test rating >= 4');
      perFold.forEach((f, i) => console.log(`  fold ${i}: P@10 ${f.precisionAtK.toFixed(4)} NDCG@10 ${f.ndcgAtK.toFixed(4)} MAP@10 ${f.mapAtK.toFixed(4)} R@10 ${f.recallAtK.toFixed(4)} (${f.users} users)`));
      console.log(`  mean:   P@10 ${mean('precisionAtK').toFixed(4)} NDCG@10 ${mean('ndcgAtK').toFixed(4)} MAP@10 ${mean('mapAtK').toFixed(4)} R@10 ${mean('recallAtK').toFixed(4)}`);
      // Sanity bounds for a popularity baseline here (random picks of 10 of ~9.7k items score ~0.001).
      expect(mean('precisionAtK')).toBeGreaterThan(0.05);
      expect(mean('precisionAtK')).toBeLessThan(0.3);
      expect(mean('ndcgAtK')).toBeGreaterThan(mean('mapAtK'));
    } finally {
      await session.stop();
    }
  });
});
