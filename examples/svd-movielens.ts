// Truncated SVD of a MovieLens ratings matrix: prints the singular values, the time taken, and a few
// users' top-5 recommendations (with titles when the folder has movies.csv, u.item or movies.dat).
// Without a directory it runs on generated MovieLens-shaped ratings.
//
//   npx dataflow submit examples/svd-movielens.ts --master local[2] -- [movielens-dir] [k] [mode] [centering]
//   npx dataflow submit examples/svd-movielens.ts --master local[2] -- ../shared/data/ml-latest-small 10 auto user

import { generateRatings, readMovieTitles, svd, type Session, type SvdCentering, type SvdMode } from 'dataflow';

export default async function main(session: Session, args: string[]): Promise<void> {
  const [dir, kArg, modeArg, centeringArg] = args;
  const k = Number(kArg ?? 10);
  const mode = (modeArg ?? 'auto') as SvdMode;
  const centering = (centeringArg ?? 'user') as SvdCentering;
  const ratings = dir
    ? await session.readMovieLens(dir)
    : session.fromTable(generateRatings({ users: 3000, items: 1500, ratings: 150_000, seed: 1 }));
  console.log(`ratings: ${dir ?? 'generated (3,000 users × 1,500 items, 150,000 ratings)'}; k = ${k}, mode ${mode}, centering ${centering}`);

  const started = performance.now();
  const model = await svd(ratings, k, { mode, centering, seed: 1 });
  const seconds = (performance.now() - started) / 1000;
  const s = model.stats;
  console.log(`${s.users} users × ${s.items} items, mode ${model.mode}: ${seconds.toFixed(2)} s ` +
    `(layout ${s.prepareSeconds.toFixed(2)} s, solve + U ${s.solveSeconds.toFixed(2)} s, ${s.passes} distributed passes, ${s.restarts} restarts)`);
  console.log('singular values:');
  console.log(Array.from(model.sigma, (v, i) => `  σ${i + 1} = ${v.toPrecision(12)}`).join('\n'));

  const titles = dir ? await readMovieTitles(dir, { missing: 'empty' }) : new Map<number, string>();
  const someUsers = (await model.U.take(3)).map((r) => r.userId);
  const recommendations = await (await model.recommendForUsers(someUsers, 5)).collect();
  for (const user of someUsers) {
    console.log(`top 5 for user ${String(user)} (rated items excluded):`);
    for (const r of recommendations.filter((x) => x.userId === user)) {
      const title = titles.get(Number(r.itemId)) ?? `item ${String(r.itemId)}`;
      console.log(`  ${String(r.rank)}. ${title}  (predicted ${(r.prediction as number).toFixed(2)})`);
    }
  }
}
