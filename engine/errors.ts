// Errors the engine raises. Every error says what is wrong, names the thing at fault (file, column,
// option, value) and, where it can, how to fix it. Layers subclass DataflowError with a stable `code`.

/** Base class of every error the engine throws on purpose. `code` is stable and machine-readable. */
export class DataflowError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A user-supplied value (CLI flag, option, path, column) is invalid. */
export class InvalidInputError extends DataflowError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_INPUT', message, options);
  }
}

/**
 * A fault of dataflow itself, not of the job or its input: data the engine wrote cannot be read back
 * (an IPC block that does not decode), an invariant broke. Never retried; the message says what was
 * being done and asks for a report.
 */
export class InternalError extends DataflowError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, `${message.replace(/\.+$/, '')}. This is a fault of dataflow, not of the job: please report it with this message.`, options);
  }
}
