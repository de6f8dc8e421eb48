// Recommender evaluation: seeded splits (random, per-user leave-k-out, k-fold), regression metrics
// (RMSE, MAE), top-K ranking metrics (precision, recall, MAP, NDCG @k) and a most-popular baseline.

export { EvaluationError } from './errors.ts';
export type { EvaluationErrorCode } from './errors.ts';
export type { RatingColumns } from './columns.ts';
export { randomSplit } from './random-split.ts';
export { kFold } from './k-fold.ts';
export type { KFoldOptions, Fold } from './k-fold.ts';
export { leaveKOut } from './leave-k-out.ts';
export type { LeaveKOutOptions } from './leave-k-out.ts';
export { regressionMetrics, rmse, mae } from './regression-metrics.ts';
export type { RegressionMetricOptions, RegressionMetrics } from './regression-metrics.ts';
export { rankingMetrics } from './ranking-metrics.ts';
export type { RankingMetricOptions, RankingMetrics } from './ranking-metrics.ts';
export { relevantItems } from './relevant-items.ts';
export type { RelevantItemsOptions } from './relevant-items.ts';
export { mostPopular } from './most-popular.ts';
export type { MostPopularOptions } from './most-popular.ts';
