// Tuning on real executor processes (local[2]): every candidate's per-fold and mean scores, the
// refitted best equal to training that candidate directly, each fold's sets built once and read by
// every candidate, ranking metrics beside most-popular with early stopping, SVD, and invalid grids
// refused before any job runs.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Session, generateRatings, kFold, paramGrid, regressionMetrics, trainAls, tuneAls, tuneSvd, tuningTable, TuningError,
} from '../../index.ts';
import type { AlsOptions, Dataset, Row, SvdParams } from '../../index.ts';
import { countingKernel } from '../fixtures/counting-kernel.ts';
import { useTmpDir } from '../helpers/tmp-dir.ts';

let session: Session;
let ratings: Dataset<Row>;
const tmp = useTmpDir('tuning');
const launched = (): number => session.driver.history.filter((c) => c.type === 'LaunchTask').length;

beforeAll(async () => {
  // executors given longer to register: this machine runs several suites at once
  session = await Session.create({ master: 'local[2]', conf: ['dataflow.ui.progress=false', 'dataflow.executor.registrationTimeoutMs=120000'] });
  ratings = session.fromTable(generateRatings({ users: 120, items: 90, ratings: 4_000, seed: 3 }), { numPartitions: 3 }).select('userId', 'itemId', 'rating');
}, 180_000);
afterAll(async () => { await session?.stop(); });

describe('tuneAls on local[2]', () => {
  it('scores every candidate on every fold, builds each fold once, and refits the best as training it directly would', { timeout: 240_000 }, async () => {
    const file = join(tmp(), 'reads');
    const count = countingKernel.countBatch;
    const input = ratings.mapBatches((b) => count(b, file), { count, file });
    const lines = (): number => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').length - 1 : 0);
    await input.count();
    const perScan = lines(); // batches of one full read of the input
    expect(perScan).toBeGreaterThan(0);

    const base: AlsOptions = { maxIter: 3, biases: true, coldStartStrategy: 'fallback', numUserBlocks: 2, numItemBlocks: 2, seed: 5 };
    const result = await tuneAls(input, { base, candidates: paramGrid<AlsOptions>({ rank: [2, 4], regParam: [0.05, 0.5] }), metric: 'rmse', validation: { folds: 3, seed: 7 } });

    // 3 folds × (train + test) built once each, then the refit's one read. Were the folds not
    // cached, each of the 4 candidates would read the input twice per fold: 24 more scans. (The
    // engine recomputes a cached partition when the executor holding it cannot serve it: a few
    // partitions, well under one scan per candidate, are allowed for that.)
    const scans = lines() / perScan - 1;
    expect(scans).toBeGreaterThanOrEqual(3 * 2 + 1);
    expect(scans).toBeLessThan(3 * 2 + 1 + 4);
    expect(result.folds).toHaveLength(3);
    for (const fold of result.folds) {
      expect(fold.trainRows + fold.testRows).toBe(4_000);
      expect(fold.cachedBytes).toBeGreaterThan(0);
    }
    expect(result.candidates.map((c) => c.params)).toEqual([{ rank: 2, regParam: 0.05 }, { rank: 2, regParam: 0.5 }, { rank: 4, regParam: 0.05 }, { rank: 4, regParam: 0.5 }]);
    for (const c of result.candidates) {
      expect(c.status).toBe('complete');
      expect(c.scores).toHaveLength(3);
      expect(c.metrics.map((m) => m.rmse)).toEqual(c.scores);
      for (const m of c.metrics) expect(m.mae).toBeLessThan(m.rmse!);
      expect(c.mean).toBeCloseTo(c.scores.reduce((a, b) => a + b, 0) / 3, 12);
      expect(c.sd).toBeGreaterThan(0);
    }
    expect(new Set(result.candidates.map((c) => c.mean)).size).toBe(4);
    expect(result.best.mean).toBe(Math.min(...result.candidates.map((c) => c.mean)));
    expect(result.bestOptions).toEqual({ ...base, ...result.best.params });
    expect(result.label).toBe('RMSE');
    const table = tuningTable(result).split('\n');
    expect(table).toHaveLength(5);
    expect(table[0]).toMatch(/rank\s+regParam\s+RMSE mean ± sd\s+seconds/);
    expect(table.filter((l) => l.startsWith('*'))).toEqual([table[result.best.index + 1]]);

    // the score of fold 2 is what training that candidate directly on fold 2 gives
    const { train, test } = kFold(ratings, { folds: 3, seed: 7 })[1]!;
    const direct = await trainAls(train, result.bestOptions);
    const { rmse } = await regressionMetrics(direct.transform(test), { skipNaN: true });
    expect(rmse).toBe(result.best.scores[1]);
    // the refitted model is the best candidate trained on all the ratings
    const all = await trainAls(ratings, result.bestOptions);
    const model = result.model!;
    expect(model.rank).toBe(result.best.params.rank);
    expect(Buffer.from(model.userFactors.buffer).equals(Buffer.from(all.userFactors.buffer))).toBe(true);
    expect(Buffer.from(model.itemFactors.buffer).equals(Buffer.from(all.itemFactors.buffer))).toBe(true);
  });

  it('implicit: ranks by NDCG@k beside most-popular on the same folds, and stops hopeless candidates early', { timeout: 240_000 }, async () => {
    const result = await tuneAls(ratings, {
      base: { implicitPrefs: true, maxIter: 2, numUserBlocks: 2, numItemBlocks: 2 },
      candidates: paramGrid<AlsOptions>({ rank: [3], alpha: [0.5, 40], regParam: [0.05, 5] }),
      metric: 'ndcgAtK', k: 5, minRating: 4, validation: { folds: 2, seed: 11 }, baseline: 'mostPopular',
      earlyStop: { afterFolds: 1, margin: 0 }, refit: false, parallelism: 3,
    });
    expect(result.higherIsBetter).toBe(true);
    expect(result.label).toBe('NDCG@5');
    expect(result.model).toBeUndefined();
    const stopped = result.candidates.filter((c) => c.status === 'stopped');
    const complete = result.candidates.filter((c) => c.status === 'complete');
    expect(stopped.length).toBeGreaterThan(0); // margin 0: every candidate below the best of fold 1
    for (const c of stopped) { expect(c.scores).toHaveLength(1); expect(c.scores[0]).toBeLessThan(Math.max(...complete.map((x) => x.scores[0]!))); }
    for (const c of complete) expect(c.scores).toHaveLength(2);
    expect(result.best.mean).toBe(Math.max(...complete.map((c) => c.mean)));
    for (const c of result.candidates) {
      for (const m of c.metrics) {
        expect(Object.keys(m).sort()).toEqual(['mapAtK', 'ndcgAtK', 'precisionAtK', 'recallAtK']);
        for (const v of Object.values(m)) { expect(v).toBeGreaterThanOrEqual(0); expect(v).toBeLessThanOrEqual(1); }
      }
      expect(c.metrics.map((m) => m.ndcgAtK)).toEqual(c.scores);
    }
    expect(result.baseline!.scores).toHaveLength(2);
    expect(result.baseline!.mean).toBeGreaterThan(0);
    expect(tuningTable(result)).toMatch(/mostPopular .* baseline$/m);
  });

  it('refuses an invalid grid, naming the parameter and the value, before any job runs', async () => {
    const before = launched();
    const tune = (candidates: AlsOptions[], metric = 'rmse') => tuneAls(ratings, { candidates, metric: metric as 'rmse' });
    await expect(tune(paramGrid<AlsOptions>({ rank: [4, 0] }))).rejects.toThrow(/tuneAls: candidate 2 of 2 \{"rank":0\} is invalid: rank must be an integer in \[1, 4096\], got 0/);
    await expect(tune(paramGrid<AlsOptions>({ regParam: [0.1, -0.5] }))).rejects.toThrow(/candidate 2 of 2 \{"regParam":-0.5\} is invalid: regParam must be a finite number ≥ 0, got -0.5/);
    await expect(tune([{ rnak: 8 } as AlsOptions])).rejects.toThrow(/candidate 1 of 1 \{"rnak":8\} is invalid: unknown ALS option 'rnak'/);
    await expect(tune([{ rank: 4 }], 'auc')).rejects.toThrow(/unknown tuning metric "auc"; known metrics: rmse, mae, precisionAtK/);
    await expect(tuneSvd(ratings, { candidates: paramGrid<SvdParams>({ k: [3, 0] }), metric: 'rmse' })).rejects.toThrow(/tuneSvd: candidate 2 of 2 \{"k":0\} is invalid: svd: k must be a positive integer/);
    await expect(tuneSvd(ratings, { candidates: [{ k: 3, centring: 'user' } as SvdParams], metric: 'mae' })).rejects.toThrow(/unknown SVD parameter 'centring' \(value "user"\)/);
    await expect(tune(paramGrid<AlsOptions>({ rank: [4, 0] }))).rejects.toBeInstanceOf(TuningError);
    expect(launched()).toBe(before);
  });
});

describe('tuneSvd on local[2]', () => {
  it('scores each k on a train/validation split and refits the best', { timeout: 120_000 }, async () => {
    const result = await tuneSvd(ratings, { base: { centering: 'user' }, candidates: paramGrid<SvdParams>({ k: [2, 6] }), metric: 'mae', validation: { trainRatio: 0.75, seed: 3 } });
    expect(result.validation).toEqual({ kind: 'split', trainRatio: 0.75, seed: 3 });
    expect(result.folds).toHaveLength(1);
    for (const c of result.candidates) {
      expect(c.scores).toHaveLength(1);
      expect(c.metrics[0]!.rmse).toBeGreaterThan(c.metrics[0]!.mae!);
      expect(c.mean).toBeGreaterThan(0.3);
      expect(c.mean).toBeLessThan(2);
    }
    expect(result.best.mean).toBe(Math.min(...result.candidates.map((c) => c.mean)));
    expect(result.model!.k).toBe(result.best.params.k);
    expect(result.model!.stats.users).toBe(120);
  });
});
