// Tuning ALS on MovieLens with 5-fold cross-validation (the folds of als-movielens.ts and
// implicit-als.ts): a grid over rank, regParam and regExponent (λ·n as Spark, or λ·√n) for
// explicit ALS scored by RMSE, then a grid over alpha and regParam for implicit ALS scored by
// precision@10 with NDCG@10 and the most-popular baseline beside it on the same folds. Each
// prints one row per candidate (mean ± sd over the folds, seconds) and the winner, refitted on
// all the ratings.
//
//   npx dataflow submit examples/tune-als.ts --master local[2] -- ../shared/data/ml-latest-small
//   npx dataflow submit examples/tune-als.ts --master local[2] -- <dir> part=explicit parallelism=3
//   npx dataflow submit examples/tune-als.ts --master local[2] -- <dir> quick=true   (a tiny grid, 2 folds)
//
// Without a directory it runs on the project's generated ratings (data/ratings.parquet, created if
// absent). Candidates whose mean after two folds is over 2 % (explicit) or 10 % (implicit) worse
// than the best are stopped early.

import { exampleRatingsFile, paramGrid, tuneAls, tuningTable } from 'dataflow';
import type { AlsOptions, AlsTuningOptions, Session, TuningProgress } from 'dataflow';

export default async function main(session: Session, args: string[]): Promise<void> {
  const dir = args.find((a) => !a.includes('='));
  const flags = Object.fromEntries(args.filter((a) => a.includes('=')).map((a) => a.split('=') as [string, string]));
  const quick = flags.quick === 'true';
  const part = flags.part ?? 'both';
  const parallelism = flags.parallelism === undefined ? undefined : Number(flags.parallelism);
  const source = dir ? await session.readMovieLens(dir) : await session.readParquet(await exampleRatingsFile());
  const ratings = source.select('userId', 'itemId', 'rating').cache();
  const validation = { folds: quick ? 2 : 5, seed: 7 };
  const progress = (e: TuningProgress): void => console.error(`  fold ${e.fold + 1}/${e.folds} candidate ${e.candidate + 1} ${JSON.stringify(e.params)}: ${e.score.toFixed(4)} (${e.seconds.toFixed(1)} s)`);
  const blocks = { numUserBlocks: 2, numItemBlocks: 2, seed: 42 };

  if (part !== 'implicit') {
    // Spark's ALS-WR (λ·n, regExponent 1; als-movielens.ts used rank 50, λ 0.15) beside λ·√n
    // (regExponent 0.5, frequency-scaled as Rendle et al. 2021), which needs a larger λ. 15 iterations.
    const candidates = quick
      ? paramGrid<AlsOptions>({ rank: [4, 8], regParam: [0.1, 0.3] })
      : [...paramGrid<AlsOptions>({ rank: [50], regExponent: [1], regParam: [0.1, 0.15] }), ...paramGrid<AlsOptions>({ rank: [50, 100], regExponent: [0.5], regParam: [1, 1.3, 1.6] })];
    const options: AlsTuningOptions = {
      base: { maxIter: quick ? 3 : 15, biases: true, coldStartStrategy: 'fallback', ...blocks },
      candidates,
      metric: 'rmse', validation, parallelism, earlyStop: { afterFolds: 2, margin: 0.02 }, onProgress: progress,
    };
    const started = performance.now();
    const result = await tuneAls(ratings, options);
    console.log(`explicit ALS, ${result.candidates.length} candidates × ${validation.folds} folds (${JSON.stringify(options.base)}):`);
    console.log(tuningTable(result));
    console.log(`best: ${JSON.stringify(result.best.params)} RMSE ${result.best.mean.toFixed(4)} ± ${result.best.sd.toFixed(4)}`);
    console.log(`tuned in ${((performance.now() - started) / 1000).toFixed(1)} s (refit on all ${result.model!.summary!.ratings} ratings ${result.seconds.refit.toFixed(1)} s)`);
  }

  if (part !== 'explicit') {
    // implicit-als.ts's settings: rank 32, 10 iterations; relevant = test ratings ≥ 4
    const options: AlsTuningOptions = {
      base: { implicitPrefs: true, rank: quick ? 8 : 32, maxIter: quick ? 3 : 10, ...blocks },
      candidates: paramGrid<AlsOptions>(quick ? { alpha: [1, 5], regParam: [0.05] } : { alpha: [0.5, 1, 5], regParam: [0.05, 0.5] }),
      metric: 'precisionAtK', k: 10, minRating: 4, baseline: 'mostPopular', validation, parallelism,
      earlyStop: { afterFolds: 2, margin: 0.1 }, onProgress: progress,
    };
    const started = performance.now();
    const result = await tuneAls(ratings, options);
    console.log(`implicit ALS, ${result.candidates.length} candidates × ${validation.folds} folds (${JSON.stringify(options.base)}):`);
    console.log(tuningTable(result));
    const mean = (values: Array<number | undefined>): number => values.reduce<number>((a, b) => a + (b ?? 0), 0) / values.length;
    const best = result.best;
    const pop = result.baseline!;
    console.log(`best: ${JSON.stringify(best.params)} precision@10 ${best.mean.toFixed(4)} NDCG@10 ${mean(best.metrics.map((m) => m.ndcgAtK)).toFixed(4)}`);
    console.log(`most-popular precision@10 ${pop.mean.toFixed(4)} NDCG@10 ${mean(pop.metrics.map((m) => m.ndcgAtK)).toFixed(4)}`);
    console.log(`tuned in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}
