// Errors raised by the truncated SVD job: bad ratings, bad options, a solver that did not converge.
// Each names the option, column or value at fault and how to fix it.

import { DataflowError } from '../../engine/index.ts';

/** The ratings (NaN, nulls, no rows) or the options (k too large, unknown mode) cannot be used. */
export class SvdInputError extends DataflowError {
  constructor(message: string) {
    super('SVD_INPUT', message);
  }
}

/** The Lanczos solver used up maxIter restarts before every requested singular value converged. */
export class SvdConvergenceError extends DataflowError {
  constructor(message: string) {
    super('SVD_NO_CONVERGENCE', message);
  }
}

/** A saved model folder is missing, of another kind (an ALS model), or of another format version. */
export class SvdModelFormatError extends DataflowError {
  constructor(message: string) {
    super('SVD_MODEL_FORMAT', message);
  }
}
