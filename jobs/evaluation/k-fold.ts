// kFold: k-fold cross-validation splits; every rating is in the test set of exactly one fold,
// chosen by a hash of (user, item, seed).

import type { Dataset, Row } from '../../engine/index.ts';
import { requireInteger, requireSeed, resolveColumns } from './columns.ts';
import type { RatingColumns } from './columns.ts';
import { EvaluationError } from './errors.ts';
import { cumulativeBounds, hashRange } from './random-split.ts';

export interface KFoldOptions extends RatingColumns {
  /** Number of folds, >= 2. */
  folds: number;
  /** Seed of the (user, item) hash that assigns folds. */
  seed: number;
}

/** One cross-validation fold: train on `train`, evaluate on `test`. */
export interface Fold<T extends Row = Row> {
  train: Dataset<T>;
  test: Dataset<T>;
}

/**
 * `folds` train/test pairs. Row r belongs to the test set of fold f when
 * u(r) = hash(user, item, seed) / 2^32 lies in [f/folds, (f+1)/folds) — the same hash and bounds
 * as {@link randomSplit} with equal weights — and to the train set of every other fold. So the
 * test sets are disjoint, cover every rating exactly once, and each train ∪ test is the whole
 * input. Identical for any partition count and on local or local[N]. No shuffle (filters only);
 * `cache()` the input when it is expensive to compute.
 *
 * @example
 * for (const { train, test } of kFold(ratings, { folds: 5, seed: 42, itemColumn: 'movieId' })) {
 *   const model = await als(train.cache(), { rank: 10 });
 *   console.log(await rmse(model.transform(test)));
 * }
 */
export function kFold<T extends Row>(ratings: Dataset<T>, options: KFoldOptions): Fold<T>[] {
  if (options === null || typeof options !== 'object') {
    throw new EvaluationError('EVAL_BAD_OPTION', `kFold: options { folds, seed } are required, got ${String(options)}.`);
  }
  const { userColumn, itemColumn } = resolveColumns(options, 'kFold');
  const folds = requireInteger(options.folds, 'folds', 'kFold', 2);
  const seed = requireSeed(options.seed, 'kFold');
  const bounds = cumulativeBounds(new Array<number>(folds).fill(1));
  return Array.from({ length: folds }, (_, f) => {
    const spec = { userColumn, itemColumn, seed, lo: bounds[f], hi: bounds[f + 1] };
    return { train: hashRange(ratings, { ...spec, inside: false }), test: hashRange(ratings, { ...spec, inside: true }) };
  });
}
