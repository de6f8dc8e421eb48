// The package's face: what `import … from 'dataflow'` gives a job script or an application. It only
// re-exports: the engine's public API (engine/index.ts), the library jobs (ALS, SVD, evaluation, tuning)
// and the connectors' own utilities. Library jobs themselves import engine/index.ts and the Door
// (engine/extend.ts, `dataflow/extend`), never this file, so nothing imports in a circle.
//
// @example
//   import { trainAls, kFold, regressionMetrics, type Session } from 'dataflow';

export * from './engine/index.ts';

export { trainAls, AlsModel, AlsOptionError, AlsInputError, AlsNumericError, AlsModelFormatError } from './jobs/als/index.ts';
export type { AlsOptions, AlsTrainingSummary } from './jobs/als/index.ts';
export { svd, SvdModel, SvdInputError, SvdConvergenceError, MAX_GRAMIAN_SIDE } from './jobs/svd/index.ts';
export type { SvdOptions, SvdMode, SvdCentering, SvdStats } from './jobs/svd/index.ts';
export type { RecommendOptions } from './jobs/shared/recommend-options.ts';
export { SvdModelFormatError } from './jobs/svd/index.ts';
export type { FoldInOptions, FoldInRecord, SaveAlsOptions, TrainingData } from './jobs/als/index.ts';
export type { ModelIoOptions, SaveModelOptions } from './jobs/shared/model-dir.ts';
export { EvaluationError, randomSplit, kFold, leaveKOut, regressionMetrics, rmse, mae, rankingMetrics, relevantItems, mostPopular } from './jobs/evaluation/index.ts';
export type { EvaluationErrorCode, RatingColumns, KFoldOptions, Fold, LeaveKOutOptions, RegressionMetricOptions, RegressionMetrics, RankingMetricOptions, RankingMetrics, RelevantItemsOptions, MostPopularOptions } from './jobs/evaluation/index.ts';
export { paramGrid, randomSearch, tuneAls, tuneSvd, tuningTable, TuningError } from './jobs/tuning/index.ts';
export type { ParamGridSpec, ParamRange, RandomSearchSpace, RandomSearchOptions, AlsTuningOptions, SvdParams, SvdTuningOptions, TuningErrorCode, TuningMetric, TuningValidation, TuningOptions, TuningResult, TuningProgress, CandidateResult, FoldInfo, BaselineResult } from './jobs/tuning/index.ts';

export { generateRatings, writeRatingsParquet } from './connectors/generate/ratings.ts';
export { exampleRatingsFile, EXAMPLE_RATINGS_FILE } from './connectors/generate/example-ratings.ts';
export type { RatingsOptions } from './connectors/generate/ratings.ts';
export { readMovieTitles } from './connectors/movielens/index.ts';
export { CsvBadRowError, CsvHeaderError, CsvNotFoundError } from './connectors/csv/index.ts';
export { StorageError, storageFor } from './connectors/storage/index.ts';
export type { Storage, StorageErrorCode } from './connectors/storage/index.ts';
