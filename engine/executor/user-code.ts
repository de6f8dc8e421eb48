// Turns the ShippedFunctions of one task into callable functions, and turns what they throw into
// a typed failure: the engine's own errors keep their kind (bad input → InputError, a fault of
// dataflow → InternalError, whichever code called the engine), anything else is a UserCodeError that
// carries the job's own source location.

import type { LoadedBundle } from '../closure/load-bundle.ts';
import type { ShippedFunction } from '../closure/ship.ts';
import { materializeFunction } from '../closure/materialize.ts';
import { locateUserError } from '../closure/error-location.ts';
import { TaskError, type TaskFailureReason } from '../protocol/index.ts';
import { forEachRecord } from '../closure/walk.ts';
import { Broadcast } from '../protocol/broadcast.ts';
import { DataflowError, InternalError } from '../errors.ts';

type Callable = (...args: unknown[]) => unknown;

export class UserCode {
  constructor(
    private readonly bundle: LoadedBundle | undefined,
    private readonly broadcasts: ReadonlyMap<number, unknown>,
  ) {}

  /** The value of a broadcast the task's plan reads (fetched before the task ran). */
  broadcastValue(id: number): unknown {
    if (!this.broadcasts.has(id)) throw new InternalError('BROADCAST_NOT_FETCHED', `broadcast ${id} was not fetched before the task ran (task-runner fetches every broadcast its plan reads)`);
    return this.broadcasts.get(id);
  }

  /** A function that runs the user's code and rethrows its errors as TaskError(UserCodeError). */
  callable(shipped: ShippedFunction): Callable {
    let fn: Callable;
    try {
      fn = materializeFunction(shipped, {
        bundle: this.bundle,
        broadcast: (id: number) => {
          if (!this.broadcasts.has(id)) throw new InternalError('BROADCAST_NOT_FETCHED', `broadcast ${id} was not fetched before the task ran (task-runner fetches every broadcast its functions capture)`);
          return new Broadcast(id, this.broadcasts.get(id));
        },
      }) as Callable;
    } catch (error) {
      throw this.userError(error, shipped);
    }
    return (...args: unknown[]) => {
      try {
        return fn(...args);
      } catch (error) {
        throw this.userError(error, shipped);
      }
    };
  }

  userError(error: unknown, shipped: ShippedFunction): TaskError {
    if (error instanceof TaskError) return error;
    const engine = engineFailure(error);
    if (engine) return new TaskError(engine);
    const located = locateUserError(error, shipped, this.bundle);
    return new TaskError({ kind: 'UserCodeError', message: located.message, location: located.location, stack: located.stack });
  }
}

/**
 * The failure reason of an error the engine (or a library job: ALS, SVD) raised on purpose, or
 * undefined for any other error. A DataflowError describes bad input or options, the same on every
 * attempt, so it is an InputError (unless marked retryable, like a storage timeout); an
 * InternalError is the engine's own fault. Neither is "the job's code threw", wherever it was raised.
 *
 * @example engineFailure(new AlsInputError('column rating holds NaN …')); // { kind: 'InputError', code: 'ALS_INVALID_INPUT', … }
 */
export function engineFailure(error: unknown): TaskFailureReason | undefined {
  if (error instanceof InternalError) return { kind: 'InternalError', code: error.code, message: error.message };
  if (error instanceof DataflowError && (error as { retryable?: boolean }).retryable !== true) {
    return { kind: 'InputError', code: error.code, message: error.message };
  }
  return undefined;
}

/** Every broadcast id referenced anywhere in a value (captures carry `{ $broadcast: id }`). */
export function broadcastIdsIn(value: unknown): Set<number> {
  const found = new Set<number>();
  forEachRecord(value, (record) => {
    if (typeof record.$broadcast === 'number') found.add(record.$broadcast);
  });
  return found;
}
