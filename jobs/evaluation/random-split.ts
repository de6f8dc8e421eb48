// randomSplit: a seeded train/test (or any n-way) split of ratings, decided per row by a hash of
// (user, item, seed), so it is the same on local and local[N] and for any partition count.

import type { Dataset, Row } from '../../engine/index.ts';
import { resolveColumns, requireSeed } from './columns.ts';
import type { RatingColumns } from './columns.ts';
import { EvaluationError } from './errors.ts';
import { splitKernels } from './split-kernels.ts';
import type { HashRangeSpec } from './split-kernels.ts';

/**
 * Splits `ratings` into `fractions.length` disjoint datasets whose union is `ratings`. Fractions
 * are weights, normalized to sum to 1 (as Spark's randomSplit). Row r goes to part i when
 * u(r) = hash(user, item, seed) / 2^32 falls in [c_i, c_{i+1}) of the cumulative normalized
 * weights — so membership depends only on the row's (user, item) and the seed, never on partition
 * layout, order, executor count or Math.random. Duplicate (user, item) rows land in the same part.
 * The sizes are therefore about (not exactly) the fractions.
 *
 * No shuffle: every part is a filter of `ratings`, recomputed per part; `cache()` the input when
 * it is expensive to compute.
 *
 * @example
 * const [train, test] = randomSplit(ratings, [0.8, 0.2], 42);
 * const [a, b, c] = randomSplit(ratings, [1, 1, 2], 7, { itemColumn: 'movieId' });
 */
export function randomSplit<T extends Row>(ratings: Dataset<T>, fractions: number[], seed: number, options: RatingColumns = {}): Dataset<T>[] {
  const { userColumn, itemColumn } = resolveColumns(options, 'randomSplit');
  requireSeed(seed, 'randomSplit');
  const bounds = cumulativeBounds(fractions);
  return bounds.slice(0, -1).map((lo, i) => hashRange(ratings, { userColumn, itemColumn, seed, lo, hi: bounds[i + 1], inside: true }));
}

/**
 * Cumulative bounds [0, c_1, ..., 1] of normalized weights; the last bound is 2 (above every u) so
 * that rounding in the normalization can never leave a row out.
 *
 * @example
 * cumulativeBounds([3, 1]); // [0, 0.75, 2]
 */
export function cumulativeBounds(fractions: number[]): number[] {
  if (!Array.isArray(fractions) || fractions.length < 1 || fractions.some((f) => typeof f !== 'number' || !Number.isFinite(f) || f < 0)) {
    throw new EvaluationError(
      'EVAL_BAD_OPTION',
      `randomSplit: fractions must be a non-empty array of finite numbers >= 0, got ${JSON.stringify(fractions)}. Example: [0.8, 0.2].`,
    );
  }
  const total = fractions.reduce((a, b) => a + b, 0);
  if (total <= 0) {
    throw new EvaluationError('EVAL_BAD_OPTION', `randomSplit: fractions ${JSON.stringify(fractions)} sum to 0; at least one must be positive.`);
  }
  const bounds = [0];
  let running = 0;
  for (let i = 0; i < fractions.length - 1; i++) {
    running += fractions[i];
    bounds.push(running / total);
  }
  bounds.push(2);
  return bounds;
}

/** The rows of `ratings` whose split hash is inside (or outside) [lo, hi). */
export function hashRange<T extends Row>(ratings: Dataset<T>, spec: HashRangeSpec): Dataset<T> {
  // An inline function shipped by source; `keep` travels by reference as a library function.
  const keep = splitKernels.keepHashRange;
  return ratings.mapBatches<T>((batch) => keep(batch, spec), { keep, spec });
}
