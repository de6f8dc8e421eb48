// Top-K ranking metrics (precision@k, recall@k, MAP@k, NDCG@k) of per-user recommendation lists
// against held-out relevant items, computed per user on the executors and averaged exactly.

import type { Dataset, Row } from '../../engine/index.ts';
import { requireInteger } from './columns.ts';
import { EvaluationError } from './errors.ts';
import { RANKING_STATS, USER_KEY, rankingKernels } from './ranking-kernel.ts';
import type { RankingRowsSpec } from './ranking-kernel.ts';
import { mergeStats } from './stat-table.ts';

export interface RankingMetricOptions {
  /** Cut-off: only each user's first k recommendations count. Default 10. */
  k?: number;
  /** User id column of both datasets. Default 'userId'. */
  userColumn?: string;
  /** Item id column of both datasets. Default 'itemId'. */
  itemColumn?: string;
  /** Position column of `recommendations` (1 = best, ascending). Default 'rank'. Used when present. */
  rankColumn?: string;
  /** Score column of `recommendations` (higher = better), used when there is no rank column. Default 'score'. */
  scoreColumn?: string;
  /** Partitions of the by-user shuffle (default: the engine's default). Does not change the result. */
  numPartitions?: number;
}

export interface RankingMetrics {
  precisionAtK: number;
  recallAtK: number;
  mapAtK: number;
  ndcgAtK: number;
  /** Users averaged over: those with at least one relevant item. */
  users: number;
  /** The cut-off used. */
  k: number;
}

/**
 * Ranking quality of `recommendations` ({user, item, rank} or {user, item, score}: each user's
 * top-K list, which should already exclude the user's training items) against `relevant`
 * ({user, item}: the held-out test items, e.g. those rated >= 4 — see relevantItems).
 *
 * For one user, let R = their set of relevant items (|R| >= 1), rec_1..rec_n their recommendations
 * ordered by rank ascending (or score descending; ties by item hash), cut at n' = min(n, k), and
 * hit_i = 1 if rec_i ∈ R (a repeated item keeps only its best position). Then, as Spark's RankingMetrics:
 *   precision@k = Σ_{i<=n'} hit_i / k                      (k, not n': short lists are penalized)
 *   recall@k    = Σ_{i<=n'} hit_i / |R|
 *   AP@k        = Σ_{i<=n'} hit_i · (Σ_{j<=i} hit_j / i) / min(k, |R|)
 *                 (Spark's meanAveragePrecisionAt(k); implicit's mean_average_precision_at_k)
 *   NDCG@k      = DCG / IDCG, DCG = Σ_{i<=n'} hit_i / log2(i + 1),
 *                 IDCG = Σ_{i<=min(k,|R|)} 1 / log2(i + 1)       (binary relevance)
 * Each metric is the mean over the users with |R| >= 1 (`users`); a user with relevant items but
 * no recommendations counts as 0; users with recommendations but no relevant items are ignored.
 *
 * Users and items are matched by a 53-bit hash of their value (numbers by value, so Int32 5 and
 * Float64 5 are the same id; strings by their UTF-8 bytes): for 10⁶ ids a collision has
 * probability below 10⁻⁴. The per-user sums are exact (exact-sum.ts), so the result does not depend
 * on partitioning or the master.
 *
 * @example
 * const recs = await mostPopular(train, { k: 10, itemColumn: 'movieId' });
 * const relevant = relevantItems(test, { minRating: 4, itemColumn: 'movieId' });
 * const m = await rankingMetrics(recs, relevant, { k: 10, itemColumn: 'movieId' });
 * // user 1: recs [a, b, c], R = {b, d}, k = 3 → precision 1/3, recall 1/2, AP (1/2)/2 = 0.25,
 * // NDCG (1/log2 3) / (1 + 1/log2 3) ≈ 0.3869
 */
export async function rankingMetrics<R extends Row, S extends Row>(recommendations: Dataset<R>, relevant: Dataset<S>, options: RankingMetricOptions = {}): Promise<RankingMetrics> {
  const k = requireInteger(options.k ?? 10, 'k', 'rankingMetrics', 1);
  const columns = {
    userColumn: options.userColumn ?? 'userId',
    itemColumn: options.itemColumn ?? 'itemId',
    rankColumn: options.rankColumn ?? 'rank',
    scoreColumn: options.scoreColumn ?? 'score',
  };
  for (const [option, name] of Object.entries(columns)) {
    if (typeof name !== 'string' || name === '') {
      throw new EvaluationError('EVAL_BAD_OPTION', `rankingMetrics: option '${option}' must be a non-empty column name, got ${JSON.stringify(name)}.`);
    }
  }
  const { rankingRows: normalize, userRankingStats: perUser } = rankingKernels;
  const recSpec: RankingRowsSpec = { ...columns, relevant: false };
  const relSpec: RankingRowsSpec = { ...columns, relevant: true };
  const recRows = recommendations.mapBatches((batch) => normalize(batch, recSpec), { normalize, recSpec });
  const relRows = relevant.mapBatches((batch) => normalize(batch, relSpec), { normalize, relSpec });
  const grouped = recRows.union(relRows).groupByKey([USER_KEY], { numPartitions: options.numPartitions });
  const partials = await grouped.mapBatches((batch) => perUser(batch, k), { perUser, k }).toTable();
  const [precision, recall, ap, ndcg, users] = mergeStats(partials, RANKING_STATS);
  if (users === 0) {
    throw new EvaluationError(
      'EVAL_NO_ROWS',
      `rankingMetrics: no user has a relevant item (the relevant dataset is empty), so there is nothing to average. ` +
        `Check the split, or lower the rating threshold of relevantItems.`,
    );
  }
  return { precisionAtK: precision / users, recallAtK: recall / users, mapAtK: ap / users, ndcgAtK: ndcg / users, users, k };
}
