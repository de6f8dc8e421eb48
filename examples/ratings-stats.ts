// Per-item rating count and mean over a ratings Parquet file: one shuffle (aggregateByKey with
// map-side combine), a sort for the top 10, and the per-item table written back as Parquet.
//
//   npx dataflow submit examples/ratings-stats.ts --master local[2] [-- ratings.parquet out-dir]
//
// Without arguments it reads data/ratings.parquet, generating 100,836 synthetic MovieLens-shaped
// ratings there first if the file does not exist, and writes data/item-stats/.

import { count, exampleRatingsFile, mean } from 'dataflow';
import type { Session } from 'dataflow';

export default async function main(session: Session, args: string[]): Promise<void> {
  const input = args[0] ?? (await exampleRatingsFile());
  const output = args[1] ?? 'data/item-stats';

  const ratings = await session.readParquet(input, { columns: ['itemId', 'rating'] });
  const stats = ratings.aggregateByKey(['itemId'], { count: count(), mean: mean('rating') });
  const top = await stats
    .sortBy([{ column: 'count', ascending: false }, { column: 'itemId', ascending: true }])
    .take(10);

  console.log('itemId  count  mean');
  for (const row of top) {
    console.log(`${String(row.itemId).padStart(6)}  ${String(row.count).padStart(5)}  ${Number(row.mean).toFixed(3)}`);
  }
  const written = await stats.writeParquet(output, { mode: 'overwrite' });
  console.log(`wrote ${written.rows} items in ${written.files} files to ${output}`);
}
