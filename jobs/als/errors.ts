// Errors of the ALS job: bad options, bad ratings, and numerical failures (NaN/∞ factors, a
// singular normal-equation system). Each names the option, column, value or row at fault.

import { DataflowError } from '../../engine/index.ts';

/** An ALS option is out of range or inconsistent with the data. */
export class AlsOptionError extends DataflowError {
  constructor(message: string) {
    super('ALS_INVALID_OPTION', message);
  }
}

/** The ratings cannot be trained on as they are (NaN, null ids, a missing column, duplicates refused, empty). */
export class AlsInputError extends DataflowError {
  constructor(message: string) {
    super('ALS_INVALID_INPUT', message);
  }
}

/** A solve produced NaN/∞ or met a system that is not positive definite. */
export class AlsNumericError extends DataflowError {
  constructor(message: string) {
    super('ALS_NUMERIC', message);
  }
}

/** A saved model folder is missing files or was written by an incompatible version. */
export class AlsModelFormatError extends DataflowError {
  constructor(message: string) {
    super('ALS_MODEL_FORMAT', message);
  }
}

/** A kernel's WebAssembly text does not compile: a bug in dataflow's own kernel source. */
export class AlsKernelSourceError extends DataflowError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ALS_KERNEL_SOURCE', message, options);
  }
}
