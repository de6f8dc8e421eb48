// How candidates are validated: k-fold cross-validation or one train/validation split, both from
// jobs/evaluation's hash splits (by user, item and seed: the same rows on any master or partitioning).

import type { Dataset, Row } from '../../engine/index.ts';
import { kFold, randomSplit } from '../evaluation/index.ts';
import type { Fold } from '../evaluation/index.ts';
import { TuningError } from './errors.ts';
import { describe } from './param-grid.ts';

/** k-fold cross-validation (Spark's CrossValidator), or one split (Spark's TrainValidationSplit). */
export type TuningValidation = { folds: number; seed?: number } | { trainRatio: number; seed?: number };

export type ResolvedValidation = { kind: 'kFold'; folds: number; seed: number } | { kind: 'split'; trainRatio: number; seed: number };

/** Checks the validation option; default 5-fold with seed 42. */
export function resolveValidation(validation: TuningValidation | undefined): ResolvedValidation {
  const v = (validation ?? { folds: 5 }) as Record<string, unknown>;
  const seed = v.seed ?? 42;
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new TuningError('TUNING_BAD_OPTION', `validation.seed must be a finite number, got ${describe(seed)}.`);
  if ('folds' in v && 'trainRatio' in v) throw new TuningError('TUNING_BAD_OPTION', `validation takes either folds (k-fold) or trainRatio (one split), got both: ${describe(v)}.`);
  if ('folds' in v) {
    if (!Number.isInteger(v.folds) || (v.folds as number) < 2) throw new TuningError('TUNING_BAD_OPTION', `validation.folds must be an integer ≥ 2, got ${describe(v.folds)}. For one split use { trainRatio: 0.8 }.`);
    return { kind: 'kFold', folds: v.folds as number, seed };
  }
  if ('trainRatio' in v) {
    const r = v.trainRatio;
    if (typeof r !== 'number' || !(r > 0 && r < 1)) throw new TuningError('TUNING_BAD_OPTION', `validation.trainRatio must be a number in (0, 1), got ${describe(r)}. Example: { trainRatio: 0.8 }.`);
    return { kind: 'split', trainRatio: r, seed };
  }
  throw new TuningError('TUNING_BAD_OPTION', `validation must be { folds: k } or { trainRatio: r }, got ${describe(validation)}.`);
}

/** The train/test pairs of a validation (lazy filters of `ratings`; the tuner caches each in turn). */
export function splitsOf(ratings: Dataset<Row>, v: ResolvedValidation, columns: { userColumn: string; itemColumn: string }): Fold[] {
  if (v.kind === 'kFold') return kFold(ratings, { folds: v.folds, seed: v.seed, ...columns });
  const [train, test] = randomSplit(ratings, [v.trainRatio, 1 - v.trainRatio], v.seed, columns) as [Dataset<Row>, Dataset<Row>];
  return [{ train, test }];
}
