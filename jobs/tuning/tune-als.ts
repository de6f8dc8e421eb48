// tuneAls: a grid or random search over ALS options (explicit or implicit), each candidate
// validated by ALS's own option checks before any training, scored by k-fold or a split.

import type { Dataset, Row } from '../../engine/index.ts';
import { trainAls, AlsModel, AlsOptionError, AlsNumericError } from '../als/index.ts';
import type { AlsOptions } from '../als/index.ts';
import { resolveOptions } from '../als/options.ts';
import { regressionMetrics } from '../evaluation/index.ts';
import { TuningError } from './errors.ts';
import { describe } from './param-grid.ts';
import { checkTuningOptions, crossValidate } from './cross-validate.ts';
import type { Learner, TuningOptions, TuningResult } from './cross-validate.ts';

export interface AlsTuningOptions extends TuningOptions<AlsOptions> {
  /** Options every candidate starts from (its parameters override them). */
  base?: AlsOptions;
}

/**
 * Trains every candidate (base ⊕ its parameters) on each fold, scores it with `metric`, and refits
 * the best on all of `ratings`. Regression metrics score `model.transform(test)` with the
 * candidate's coldStartStrategy ('nan' pairs are skipped); ranking metrics score
 * `recommendForAllUsers(k)` (training items excluded) against the test items ≥ minRating.
 * A grid value ALS refuses (rank 0, a negative regParam, an unknown option) is an error naming the
 * parameter, the value and the candidate, before any job runs.
 *
 * @example
 *   const result = await tuneAls(ratings, {
 *     base: { maxIter: 10, biases: true, coldStartStrategy: 'fallback' },
 *     candidates: paramGrid<AlsOptions>({ rank: [10, 30], regParam: [0.1, 0.2] }),
 *     metric: 'rmse', validation: { folds: 5, seed: 7 },
 *   });
 *   result.best.params; result.best.mean; await result.model!.recommendForUsers([1], 10).collect();
 */
export async function tuneAls(ratings: Dataset<Row>, options: AlsTuningOptions): Promise<TuningResult<AlsOptions, AlsModel>> {
  checkTuningOptions('tuneAls', options);
  const base = options.base ?? {};
  const full = options.candidates.map((params, i) => {
    const merged = { ...base, ...params } as AlsOptions;
    try {
      resolveOptions(merged);
    } catch (error) {
      if (!(error instanceof AlsOptionError)) throw error;
      throw new TuningError('TUNING_BAD_CANDIDATE', `tuneAls: candidate ${i + 1} of ${options.candidates.length} ${describe(params)} is invalid: ${error.message}`, { cause: error });
    }
    return merged;
  });
  const o = resolveOptions(base);
  const learner: Learner<AlsOptions, AlsModel> = {
    name: 'tuneAls',
    columns: { userColumn: o.userCol, itemColumn: o.itemCol, ratingColumn: o.ratingCol },
    train: (train, opts) => trainAls(train, opts),
    regression: async (model, test) => {
      const { rmse, mae } = await regressionMetrics(model.transform(test), { labelColumn: model.options.ratingCol, skipNaN: true });
      return { rmse, mae };
    },
    recommend: async (model, k) => model.recommendForAllUsers(k),
    // a rank above the users or items of a fold, or a singular system: that candidate's, not the data's
    candidateError: (error) => error instanceof AlsOptionError || error instanceof AlsNumericError,
  };
  return crossValidate(ratings, learner, full, options);
}
