// Implicit-feedback ALS (Hu, Koren, Volinsky; confidence c = 1 + alpha·|r|, preference r > 0) on
// MovieLens with the same 5 folds as als-movielens.ts: each user's top 10 (training items excluded)
// scored by precision@10 and NDCG@10 against the test items rated ≥ 4, beside the most-popular
// baseline computed by the same evaluation code.
//
//   npx dataflow submit examples/implicit-als.ts --master local[2] -- ../shared/data/ml-latest-small
//   npx dataflow submit examples/implicit-als.ts --master local[2] -- <dir> rank=64 alpha=10 solver=cholesky
//   npx dataflow submit examples/implicit-als.ts --master local[2] -- <dir> rank=8 maxIter=3 maxFolds=1   (a quick look)
//
// Without a directory it runs on the project's generated ratings (data/ratings.parquet). Options are
// key=value arguments; maxFolds=N evaluates only the first N of the 5 folds.
// alpha 0.5 is what examples/tune-als.ts chose on ml-latest-small (precision@10 0.207 over 5 folds,
// where the former alpha 5 gave 0.161).

import { exampleRatingsFile, kFold, mostPopular, rankingMetrics, relevantItems, trainAls } from 'dataflow';
import type { AlsOptions, Session } from 'dataflow';

export default async function main(session: Session, args: string[]): Promise<void> {
  const dir = args.find((a) => !a.includes('='));
  const { maxFolds = 5, ...overrides } = parseOverrides(args.filter((a) => a.includes('=')));
  const options: AlsOptions = {
    implicitPrefs: true, rank: 32, maxIter: 10, regParam: 0.05, alpha: 0.5, numUserBlocks: 2, numItemBlocks: 2, seed: 42,
    ...overrides,
  };
  const source = dir ? await session.readMovieLens(dir) : await session.readParquet(await exampleRatingsFile());
  const ratings = source.select('userId', 'itemId', 'rating').cache();
  console.log(`implicit ALS options: ${JSON.stringify(options)}`);
  const sums = { als: { p: 0, n: 0 }, pop: { p: 0, n: 0 } };
  const folds = kFold(ratings, { folds: 5, seed: 7 }).slice(0, maxFolds);
  for (const [f, { train, test }] of folds.entries()) {
    const cachedTrain = train.cache();
    const relevant = relevantItems(test, { minRating: 4 }).cache();
    const model = await trainAls(cachedTrain, options);
    const als = await rankingMetrics(model.recommendForAllUsers(10), relevant, { k: 10 });
    const pop = await rankingMetrics(await mostPopular(cachedTrain, { k: 10 }), relevant, { k: 10 });
    console.log(
      `fold ${f + 1}: ALS precision@10 ${als.precisionAtK.toFixed(4)} NDCG@10 ${als.ndcgAtK.toFixed(4)} | ` +
        `most-popular precision@10 ${pop.precisionAtK.toFixed(4)} NDCG@10 ${pop.ndcgAtK.toFixed(4)} (${als.users} users; ${model.summary!.iterateSeconds.toFixed(2)} s)`,
    );
    sums.als.p += als.precisionAtK; sums.als.n += als.ndcgAtK;
    sums.pop.p += pop.precisionAtK; sums.pop.n += pop.ndcgAtK;
  }
  const k = folds.length;
  console.log(`ALS          precision@10 ${(sums.als.p / k).toFixed(4)}  NDCG@10 ${(sums.als.n / k).toFixed(4)}`);
  console.log(`most-popular precision@10 ${(sums.pop.p / k).toFixed(4)}  NDCG@10 ${(sums.pop.n / k).toFixed(4)}`);
}

function parseOverrides(pairs: string[]): Partial<AlsOptions> & { maxFolds?: number } {
  const out: Record<string, unknown> = {};
  for (const p of pairs) {
    const [key, v] = p.split('=');
    out[key!] = v === 'true' ? true : v === 'false' ? false : Number.isNaN(Number(v)) ? v : Number(v);
  }
  return out as Partial<AlsOptions> & { maxFolds?: number };
}
