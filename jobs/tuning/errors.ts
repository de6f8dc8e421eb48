// Errors of tuning: a search space, candidate or option that cannot be tuned as given. Each names
// the parameter and the value at fault (and the candidate), and is thrown before any training.

import { DataflowError } from '../../engine/index.ts';

export type TuningErrorCode =
  | 'TUNING_BAD_SPACE' // a grid or random-search space is malformed (empty list, bad range)
  | 'TUNING_BAD_CANDIDATE' // a candidate's parameter value is refused by the model's validation
  | 'TUNING_BAD_OPTION' // a tuning option (metric, validation, parallelism, earlyStop) is invalid
  | 'TUNING_NO_CANDIDATE'; // no candidate finished (each failed or was stopped)

/** Tuning cannot run as asked. `code` says which kind of problem it is. */
export class TuningError extends DataflowError {
  constructor(code: TuningErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
