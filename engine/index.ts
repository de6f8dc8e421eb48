// The public API of dataflow. Job scripts and applications import only from here.
//
// @example
//   import { type Session, count, mean } from 'dataflow';
//   export default async function main(session: Session) {
//     const ratings = await session.readParquet('ratings.parquet');
//     const stats = ratings.aggregateByKey(['itemId'], { n: count(), avg: mean('rating') });
//     console.log(await stats.sortBy([{ column: 'n', ascending: false }]).take(10));
//   }

export { Session } from './dataset/session.ts';
export type { SessionOptions } from './dataset/session.ts';
export { Dataset } from './dataset/dataset.ts';
export type { WriteParquetOptions } from './dataset/dataset.ts';
export { Broadcast } from './dataset/broadcast.ts';
export { count, sum, mean, min, max } from './dataset/aggregations.ts';
export type { AggSpec, Aggregations } from './kernels/aggregate.ts';
export type { Row } from './kernels/rows.ts';
export type { SortKey } from './plan/nodes.ts';
export { DataflowError, InvalidInputError } from './errors.ts';
export { JobFailedError } from './cluster/driver.ts';
export { generateRatings, writeRatingsParquet } from '../connectors/generate/ratings.ts';
export type { RatingsOptions } from '../connectors/generate/ratings.ts';
export { EvaluationError, randomSplit, kFold, leaveKOut, regressionMetrics, rmse, mae, rankingMetrics, relevantItems, mostPopular } from '../jobs/evaluation/index.ts';
export type { EvaluationErrorCode, RatingColumns, KFoldOptions, Fold, LeaveKOutOptions, RegressionMetricOptions, RegressionMetrics, RankingMetricOptions, RankingMetrics, RelevantItemsOptions, MostPopularOptions } from '../jobs/evaluation/index.ts';
export { readMovieTitles } from '../connectors/movielens/index.ts';
export type { MovieLensOptions, MovieLensFormat } from '../connectors/movielens/index.ts';
export { CsvBadRowError, CsvHeaderError, CsvNotFoundError } from '../connectors/csv/index.ts';
export type { CsvOptions, CsvColumnType } from '../connectors/csv/index.ts';
export { trainAls, AlsModel, AlsOptionError, AlsInputError, AlsNumericError, AlsModelFormatError } from '../jobs/als/index.ts';
export type { AlsOptions, AlsTrainingSummary, RecommendOptions } from '../jobs/als/index.ts';
export type { ParquetFilter, ParquetPredicate } from '../connectors/parquet/predicate.ts';
export type { ParquetScanOptions } from '../connectors/parquet/scan.ts';
export { svd, SvdModel, SvdInputError, SvdConvergenceError, MAX_GRAMIAN_SIDE } from '../jobs/svd/index.ts';
export type { SvdOptions, SvdMode, SvdCentering, SvdStats, RecommendOptions as SvdRecommendOptions } from '../jobs/svd/index.ts';
export { StorageError, storageFor } from '../connectors/storage/index.ts';
export type { Storage, StorageOptions, StorageErrorCode } from '../connectors/storage/index.ts';
