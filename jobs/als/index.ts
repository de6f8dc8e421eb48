// Public surface of the ALS job (re-exported by the package face, index.ts).

export { trainAls } from './als.ts';
export type { AlsTrainingSummary } from './als.ts';
export { AlsModel } from './model.ts';
export type { RecommendOptions, FoldInOptions, FoldInRecord, SaveAlsOptions, TrainingData } from './model.ts';
export type { AlsOptions } from './options.ts';
export { AlsOptionError, AlsInputError, AlsNumericError, AlsModelFormatError } from './errors.ts';
