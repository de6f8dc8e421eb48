// Hyper-parameter tuning of the recommenders: parameter grids and seeded random search, scored by
// k-fold cross-validation or a train/validation split with any metric of jobs/evaluation, folds
// cached once, candidates trained side by side on the session, the best refitted on all the data.

export { paramGrid } from './param-grid.ts';
export type { ParamGridSpec } from './param-grid.ts';
export { randomSearch } from './random-search.ts';
export type { ParamRange, RandomSearchSpace, RandomSearchOptions } from './random-search.ts';
export { tuneAls } from './tune-als.ts';
export type { AlsTuningOptions } from './tune-als.ts';
export { tuneSvd } from './tune-svd.ts';
export type { SvdParams, SvdTuningOptions } from './tune-svd.ts';
export { tuningTable } from './table.ts';
export { TuningError } from './errors.ts';
export type { TuningErrorCode } from './errors.ts';
export type { TuningMetric } from './metrics.ts';
export type { TuningValidation } from './validation.ts';
export type { TuningOptions, TuningResult, TuningProgress, CandidateResult, FoldInfo, BaselineResult } from './cross-validate.ts';
