// Turns the ShippedFunctions of one task into callable functions, and turns what they throw into
// a typed UserCodeError that carries the job's own source location.

import type { LoadedBundle } from '../closure/load-bundle.ts';
import type { ShippedFunction } from '../closure/ship.ts';
import { materializeFunction } from '../closure/materialize.ts';
import { locateUserError } from '../closure/error-location.ts';
import { TaskError } from '../protocol/index.ts';
import { forEachRecord } from '../closure/walk.ts';
import { Broadcast } from '../dataset/broadcast.ts';

type Callable = (...args: unknown[]) => unknown;

export class UserCode {
  constructor(
    private readonly bundle: LoadedBundle | undefined,
    private readonly broadcasts: ReadonlyMap<number, unknown>,
  ) {}

  /** A function that runs the user's code and rethrows its errors as TaskError(UserCodeError). */
  callable(shipped: ShippedFunction): Callable {
    let fn: Callable;
    try {
      fn = materializeFunction(shipped, {
        bundle: this.bundle,
        broadcast: (id: number) => {
          if (!this.broadcasts.has(id)) throw new Error(`broadcast ${id} was not fetched before the task ran`);
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
    const located = locateUserError(error, shipped, this.bundle);
    return new TaskError({ kind: 'UserCodeError', message: located.message, location: located.location, stack: located.stack });
  }
}

/** Every broadcast id referenced anywhere in a value (captures carry `{ $broadcast: id }`). */
export function broadcastIdsIn(value: unknown): Set<number> {
  const found = new Set<number>();
  forEachRecord(value, (record) => {
    if (typeof record.$broadcast === 'number') found.add(record.$broadcast);
  });
  return found;
}
