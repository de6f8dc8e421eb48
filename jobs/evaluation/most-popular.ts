// mostPopular: the classic baseline recommender — every user gets the items with the most
// interactions in the training data, minus the items they already rated there.

import type { Dataset, Row } from '../../engine/index.ts';
import { count } from '../../engine/index.ts';
import { encodeIpc, sortTable } from '../../engine/extend.ts';
import { requireInteger, resolveColumns } from './columns.ts';
import type { RatingColumns } from './columns.ts';
import { EvaluationError } from './errors.ts';
import { COUNT_COLUMN, popularKernels } from './most-popular-kernel.ts';
import type { PopularSpec } from './most-popular-kernel.ts';

export interface MostPopularOptions extends RatingColumns {
  /** Items per user, >= 1. */
  k: number;
  /** Leave out the items each user rated in `train` (default true). */
  excludeRated?: boolean;
  /** Partitions of the by-user shuffle (default: the engine's default for `train`). */
  numPartitions?: number;
}

/**
 * Top-k recommendations per user of `train` by item popularity (number of rows of `train` per item,
 * ties by item id ascending): columns {userColumn, itemColumn, rank: Int32 (1 = most popular),
 * score: Float64 (the item's count)}, in the input's user and item types — the shape
 * rankingMetrics reads. A user who rated almost everything may get fewer than k items.
 *
 * Data movement: the item counts are one aggregateByKey, collected on the driver (one row per
 * item), sorted and broadcast; one groupByKey on the user brings each user's rated items together,
 * and a columnar kernel walks the popular list skipping them. With excludeRated false the users
 * are a `distinct()` of the user column instead.
 *
 * @example
 * const recs = await mostPopular(train, { k: 10, itemColumn: 'movieId' });
 * const m = await rankingMetrics(recs, relevantItems(test, { minRating: 4, itemColumn: 'movieId' }), { k: 10, itemColumn: 'movieId' });
 */
export async function mostPopular<T extends Row>(train: Dataset<T>, options: MostPopularOptions): Promise<Dataset<Row>> {
  if (options === null || typeof options !== 'object') {
    throw new EvaluationError('EVAL_BAD_OPTION', `mostPopular: options { k } are required, got ${String(options)}.`);
  }
  const { userColumn, itemColumn } = resolveColumns(options, 'mostPopular');
  const k = requireInteger(options.k, 'k', 'mostPopular', 1);
  const excludeRated = options.excludeRated ?? true;
  const ratings = train as unknown as Dataset<Row>;
  // 1. Popularity: one row per item, collected, sorted (count descending, item ascending), broadcast.
  const counts = await ratings.aggregateByKey([itemColumn], { [COUNT_COLUMN]: count() }).toTable();
  if (counts.numRows === 0) {
    throw new EvaluationError('EVAL_NO_ROWS', `mostPopular: the training dataset is empty; there is no item to recommend.`);
  }
  const sorted = sortTable(counts, [{ column: COUNT_COLUMN, ascending: false }, { column: itemColumn, ascending: true }]);
  const popular = ratings.session.broadcast(encodeIpc(sorted.select([itemColumn, COUNT_COLUMN])));
  // 2. Users (with their rated items when excluding them), then the per-user walk down the list.
  const users = excludeRated
    ? ratings.select(userColumn, itemColumn).groupByKey([userColumn], { numPartitions: options.numPartitions })
    : ratings.select(userColumn).distinct({ numPartitions: options.numPartitions });
  const spec: PopularSpec = { userColumn, itemColumn, k, excludeRated };
  const recommend = popularKernels.popularForUsers;
  return users.mapBatches((batch) => recommend(batch, spec, popular.value), { recommend, spec, popular });
}
