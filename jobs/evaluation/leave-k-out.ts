// leaveKOut: per-user hold-out. Each user with more than k ratings gives k of them to the test set
// (chosen at random by a seeded hash, or the k latest by timestamp); the rest stay in train.

import type { Dataset, Row } from '../../engine/index.ts';
import { requireInteger, requireSeed, resolveColumns } from './columns.ts';
import type { RatingColumns } from './columns.ts';
import { EvaluationError } from './errors.ts';
import type { Fold } from './k-fold.ts';
import { GROUP_KEY, leaveKOutKernels } from './leave-k-out-kernel.ts';
import type { HeldOutSpec } from './leave-k-out-kernel.ts';

export interface LeaveKOutOptions extends RatingColumns {
  /** Ratings held out per user, >= 1. */
  k: number;
  /** Seed of the (user, item) hash: the selection order for 'random', the tie-break for 'latest'. */
  seed: number;
  /**
   * 'random' (default): hold out the k ratings with the smallest hash(user, item, seed);
   * 'latest': the k ratings with the largest timestamp (ties broken by the hash; null timestamps
   * count as oldest).
   */
  by?: 'random' | 'latest';
  /** Partitions of the by-user shuffle (default: the engine's default for a shuffle of `ratings`). */
  numPartitions?: number;
}

/**
 * Splits `ratings` per user: a user with more than `k` ratings has exactly `k` of them in `test`
 * and the others in `train`; a user with `k` or fewer ratings stays wholly in `train` (so that
 * every test user has training data). Membership depends only on the rows' values and the seed,
 * never on partitioning or the master.
 *
 * Data movement: one shuffle groups each user's rows (groupByKey on the user); `train` and `test`
 * are two columnar passes over that one shuffle output (the engine reuses it across jobs).
 * Output columns are the input's, in the same order; row order follows the user grouping.
 * Duplicate (user, item) rows have equal hashes and are ordered by their position in the input.
 *
 * @example
 * const { train, test } = leaveKOut(ratings, { k: 1, seed: 42, by: 'latest', itemColumn: 'movieId' });
 */
export function leaveKOut<T extends Row>(ratings: Dataset<T>, options: LeaveKOutOptions): Fold<T> {
  if (options === null || typeof options !== 'object') {
    throw new EvaluationError('EVAL_BAD_OPTION', `leaveKOut: options { k, seed } are required, got ${String(options)}.`);
  }
  const { userColumn, itemColumn, timestampColumn } = resolveColumns(options, 'leaveKOut');
  const k = requireInteger(options.k, 'k', 'leaveKOut', 1);
  const seed = requireSeed(options.seed, 'leaveKOut');
  const by = options.by ?? 'random';
  if (by !== 'random' && by !== 'latest') {
    throw new EvaluationError('EVAL_BAD_OPTION', `leaveKOut: option 'by' must be 'random' or 'latest', got ${JSON.stringify(by)}.`);
  }
  const { withGroupKey: addKey, heldOutSide: pick } = leaveKOutKernels;
  const keyed = ratings.mapBatches((batch) => addKey(batch, userColumn), { addKey, userColumn });
  const grouped = keyed.groupByKey([GROUP_KEY], { numPartitions: options.numPartitions });
  const side = (which: 'train' | 'test'): Dataset<T> => {
    const spec: HeldOutSpec = { userColumn, itemColumn, timestampColumn, seed, k, by, side: which };
    return grouped.mapBatches<T>((batch) => pick(batch, spec), { pick, spec });
  };
  return { train: side('train'), test: side('test') };
}
