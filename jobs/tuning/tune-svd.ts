// tuneSvd: a grid or random search over truncated-SVD options (k, centering, ...), each candidate
// checked by svd()'s own option validation before any training, scored by k-fold or a split.

import type { Dataset, Row } from '../../engine/index.ts';
import { svd, SvdModel, SvdConvergenceError, SvdInputError } from '../svd/index.ts';
import type { SvdOptions } from '../svd/index.ts';
import { resolveSvdOptions } from '../svd/options.ts';
import { regressionMetrics } from '../evaluation/index.ts';
import { TuningError } from './errors.ts';
import { describe } from './param-grid.ts';
import { checkTuningOptions, crossValidate } from './cross-validate.ts';
import type { Learner, TuningOptions, TuningResult } from './cross-validate.ts';

/** svd()'s options with the number of singular values `k` as one more parameter. */
export interface SvdParams extends SvdOptions {
  k?: number;
}

export interface SvdTuningOptions extends TuningOptions<SvdParams> {
  /** Options every candidate starts from; `k` here or in every candidate. */
  base?: SvdParams;
}

const SVD_PARAMS = ['k', 'mode', 'tol', 'maxIter', 'seed', 'centering', 'blockSize', 'maxBasis', 'numBlocks', 'userColumn', 'itemColumn', 'ratingColumn'];

/**
 * Factorizes each fold's training ratings with every candidate and scores it with `metric`:
 * regression metrics on the predictions for the test pairs (pairs with an unseen user or item are
 * skipped), ranking metrics on recommendForAllUsers(k) (rated items excluded). The best is refitted
 * on all of `ratings`.
 *
 * @example
 *   const r = await tuneSvd(ratings, { candidates: paramGrid<SvdParams>({ k: [5, 10, 20], centering: ['user'] }), metric: 'rmse' });
 */
export async function tuneSvd(ratings: Dataset<Row>, options: SvdTuningOptions): Promise<TuningResult<SvdParams, SvdModel>> {
  checkTuningOptions('tuneSvd', options);
  const base = options.base ?? {};
  const full = options.candidates.map((params, i) => {
    const merged = { ...base, ...params } as SvdParams;
    const bad = (message: string, cause?: unknown): TuningError =>
      new TuningError('TUNING_BAD_CANDIDATE', `tuneSvd: candidate ${i + 1} of ${options.candidates.length} ${describe(params)} is invalid: ${message}`, { cause });
    const unknown = Object.keys(merged).find((key) => !SVD_PARAMS.includes(key));
    if (unknown !== undefined) throw bad(`unknown SVD parameter '${unknown}' (value ${describe((merged as Record<string, unknown>)[unknown])}); known parameters: ${SVD_PARAMS.join(', ')}`);
    if (merged.k === undefined) throw bad(`k (the number of singular values) is not set; give it in base or in every candidate`);
    const { k, ...rest } = merged;
    try {
      resolveSvdOptions(k, rest);
    } catch (error) {
      if (!(error instanceof SvdInputError)) throw error;
      throw bad(error.message, error);
    }
    return merged;
  });
  const columns = resolveSvdOptions(1, base);
  const userColumn = columns.userColumn;
  const itemColumn = columns.itemColumn;
  const ratingColumn = columns.ratingColumn;
  const learner: Learner<SvdParams, SvdModel> = {
    name: 'tuneSvd',
    columns: { userColumn, itemColumn, ratingColumn },
    train: (train, { k, ...rest }) => svd(train, k!, rest),
    regression: async (model, test) => {
      // predict() returns { user, item, prediction }: join each distinct pair's prediction back to the test ratings
      const predicted = model.predict(test.select(userColumn, itemColumn).distinct());
      const scored = test.select(userColumn, itemColumn, ratingColumn).join(predicted, [userColumn, itemColumn], { how: 'inner' });
      const { rmse, mae } = await regressionMetrics(scored, { labelColumn: ratingColumn, skipNaN: true });
      return { rmse, mae };
    },
    recommend: (model, k) => model.recommendForAllUsers(k),
    candidateError: (error) => error instanceof SvdConvergenceError,
  };
  return crossValidate(ratings, learner, full, options);
}
