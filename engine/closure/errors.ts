// Errors of user-code shipping: bundling the job, loading the bundle, checking and shipping
// functions, and rebuilding them on executors. Each names the job file, function or capture at fault.

import { DataflowError } from '../errors.ts';

/** The job script could not be bundled (missing file, syntax error, unresolvable import). */
export class JobBundleError extends DataflowError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('JOB_BUNDLE', message, options);
  }
}

/** A bundle could not be written or imported in this process. */
export class BundleLoadError extends DataflowError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BUNDLE_LOAD_FAILED', message, options);
  }
}

/** A shipped inline function reads a variable defined outside it that was not passed as a capture. */
export class FreeVariableError extends DataflowError {
  /** The variables at fault, in order of first use. */
  readonly variables: string[];
  constructor(variables: string[], message: string) {
    super('FREE_VARIABLE', message);
    this.variables = variables;
  }
}

/** A function or one of its captures cannot be shipped (native function, class instance, symbol…). */
export class UnshippableError extends DataflowError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('UNSHIPPABLE', message, options);
  }
}

/** An executor could not rebuild a shipped function (wrong bundle, missing export, bad source). */
export class MaterializeError extends DataflowError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('MATERIALIZE_FAILED', message, options);
  }
}
