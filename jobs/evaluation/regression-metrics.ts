// Regression metrics (RMSE, MAE) of predicted ratings, as distributed aggregates: every batch
// sums its errors on its executor, the driver adds the per-batch partials.
//
// Determinism: sums are exact (Shewchuk's algorithm, as Python's math.fsum; see exact-sum.ts)
// and rounded once at the end, so RMSE and MAE are bit-identical for any partitioning, row order,
// batch size or master.

import type { Dataset, Row } from '../../engine/index.ts';
import { EvaluationError } from './errors.ts';
import { REGRESSION_STATS, regressionKernels } from './regression-kernel.ts';
import { mergeStats } from './stat-table.ts';

export interface RegressionMetricOptions {
  /** The true rating column. Default 'rating'. */
  labelColumn?: string;
  /** The predicted rating column. Default 'prediction'. */
  predictionColumn?: string;
  /**
   * Skip rows whose prediction or label is NaN or null (cold-start users/items) instead of failing.
   * Default false: such rows are an error naming how many there are.
   */
  skipNaN?: boolean;
}

export interface RegressionMetrics {
  /** sqrt(Σ (prediction − label)² / count) */
  rmse: number;
  /** Σ |prediction − label| / count */
  mae: number;
  /** Rows evaluated. */
  count: number;
  /** Rows skipped because of a NaN/null prediction or label (0 unless skipNaN). */
  skipped: number;
}

/**
 * RMSE, MAE and counts in one distributed pass (one job). Labels and predictions may be any
 * numeric column type (Int*, Float32, Float64, ...).
 *
 * Errors (EvaluationError): a missing or non-numeric column (EVAL_COLUMN); NaN/null predictions or
 * labels without `skipNaN` (EVAL_NAN_PREDICTION: says how many rows, and suggests
 * coldStartStrategy 'drop' or a fallback); nothing left to evaluate (EVAL_NO_ROWS).
 *
 * @example
 * const { rmse, mae, count } = await regressionMetrics(model.transform(test));
 * // test rows (rating, prediction): (4, 3.5) (2, 3) → rmse = sqrt((0.25 + 1) / 2) ≈ 0.7906, mae = 0.75
 */
export async function regressionMetrics<T extends Row>(predictions: Dataset<T>, options: RegressionMetricOptions = {}): Promise<RegressionMetrics> {
  const spec = { labelColumn: options.labelColumn ?? 'rating', predictionColumn: options.predictionColumn ?? 'prediction' };
  for (const [option, name] of Object.entries(spec)) {
    if (typeof name !== 'string' || name === '') {
      throw new EvaluationError('EVAL_BAD_OPTION', `regressionMetrics: option '${option}' must be a non-empty column name, got ${JSON.stringify(name)}.`);
    }
  }
  const stats = regressionKernels.regressionStats;
  const partials = await predictions.mapBatches((batch) => stats(batch, spec), { stats, spec }).toTable();
  const [sse, sae, count, badPrediction, badLabel] = mergeStats(partials, REGRESSION_STATS);
  const skipped = badPrediction + badLabel;
  if (skipped > 0 && !options.skipNaN) {
    const parts: string[] = [];
    if (badPrediction > 0) parts.push(`${badPrediction} row(s) have a NaN or null '${spec.predictionColumn}'`);
    if (badLabel > 0) parts.push(`${badLabel} row(s) have a NaN or null '${spec.labelColumn}'`);
    throw new EvaluationError(
      'EVAL_NAN_PREDICTION',
      `regressionMetrics: ${parts.join(' and ')} (of ${count + skipped}). NaN predictions usually come from users or items ` +
        `absent from the training data: predict with coldStartStrategy 'drop' (or a fallback strategy), or pass { skipNaN: true } ` +
        `to leave those rows out of the metric.`,
    );
  }
  if (count === 0) {
    throw new EvaluationError(
      'EVAL_NO_ROWS',
      skipped > 0
        ? `regressionMetrics: all ${skipped} rows were skipped for NaN/null values; there is nothing to evaluate.`
        : `regressionMetrics: the predictions dataset is empty; there is nothing to evaluate.`,
    );
  }
  return { rmse: Math.sqrt(sse / count), mae: sae / count, count, skipped };
}

/**
 * Root mean squared error sqrt(Σ (prediction − label)² / n); see {@link regressionMetrics}.
 *
 * @example
 * await rmse(predictions);                                        // columns 'rating', 'prediction'
 * await rmse(predictions, { labelColumn: 'stars', skipNaN: true });
 */
export async function rmse<T extends Row>(predictions: Dataset<T>, options: RegressionMetricOptions = {}): Promise<number> {
  return (await regressionMetrics(predictions, options)).rmse;
}

/**
 * Mean absolute error Σ |prediction − label| / n; see {@link regressionMetrics}.
 *
 * @example
 * await mae(predictions); // (4, 3.5) (2, 3) → 0.75
 */
export async function mae<T extends Row>(predictions: Dataset<T>, options: RegressionMetricOptions = {}): Promise<number> {
  return (await regressionMetrics(predictions, options)).mae;
}
