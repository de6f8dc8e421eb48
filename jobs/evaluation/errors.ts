// Errors of the evaluation module (splits and metrics). Each message names the option, column or
// value at fault, what was expected, and how to fix it.

import { DataflowError } from '../../engine/index.ts';

export type EvaluationErrorCode =
  | 'EVAL_BAD_OPTION' // an option has the wrong type or range (fractions, k, folds, seed, ...)
  | 'EVAL_NAN_PREDICTION' // predictions or labels are NaN/null and skipNaN is off
  | 'EVAL_NO_ROWS' // nothing left to evaluate (empty input, or every row skipped)
  | 'EVAL_COLUMN'; // a column is missing or has a type the metric cannot read

/** An evaluation step cannot run as asked. `code` says which kind of problem it is. */
export class EvaluationError extends DataflowError {
  constructor(code: EvaluationErrorCode, message: string) {
    super(code, message);
  }
}
