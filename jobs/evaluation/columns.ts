// Column names the evaluation functions read, with MovieLens-style defaults, and the small option
// checks they share (positive integers, seeds).

import { EvaluationError } from './errors.ts';

/**
 * Which columns hold the user, the item, the rating and the timestamp. Every evaluation function
 * takes these as options; the defaults are the MovieLens names userId / itemId / rating / timestamp.
 * User and item ids may be of any integer or string type.
 *
 * @example
 * randomSplit(ratings, [0.8, 0.2], 42, { itemColumn: 'movieId' });
 */
export interface RatingColumns {
  /** Default 'userId'. */
  userColumn?: string;
  /** Default 'itemId'. */
  itemColumn?: string;
  /** Default 'rating'. */
  ratingColumn?: string;
  /** Default 'timestamp' (numeric epoch, Timestamp or Date; read as a number). */
  timestampColumn?: string;
}

/** {@link RatingColumns} with every default filled in. */
export type ResolvedColumns = Required<RatingColumns>;

/**
 * The column names with defaults applied; rejects empty or non-string names.
 *
 * @example
 * resolveColumns({ itemColumn: 'movieId' }); // { userColumn: 'userId', itemColumn: 'movieId', ratingColumn: 'rating', timestampColumn: 'timestamp' }
 */
export function resolveColumns(options: RatingColumns, fn: string): ResolvedColumns {
  const out: ResolvedColumns = {
    userColumn: options.userColumn ?? 'userId',
    itemColumn: options.itemColumn ?? 'itemId',
    ratingColumn: options.ratingColumn ?? 'rating',
    timestampColumn: options.timestampColumn ?? 'timestamp',
  };
  for (const [option, name] of Object.entries(out)) {
    if (typeof name !== 'string' || name === '') {
      throw new EvaluationError('EVAL_BAD_OPTION', `${fn}: option '${option}' must be a non-empty column name, got ${JSON.stringify(name)}.`);
    }
  }
  return out;
}

/** `value` if it is an integer >= `min`, else an error naming the option. */
export function requireInteger(value: unknown, option: string, fn: string, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new EvaluationError('EVAL_BAD_OPTION', `${fn}: option '${option}' must be an integer >= ${min}, got ${String(value)}.`);
  }
  return value;
}

/** A split seed: any finite number (it only seeds a hash, so 42 and 42.0 are the same seed). */
export function requireSeed(value: unknown, fn: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new EvaluationError('EVAL_BAD_OPTION', `${fn}: seed must be a finite number, got ${String(value)}. Pass e.g. 42; the same seed always gives the same split.`);
  }
  return value;
}
