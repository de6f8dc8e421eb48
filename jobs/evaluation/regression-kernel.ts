// Executor-side kernel of regressionMetrics: one batch's exact sums of squared and absolute
// errors and its counts, as a stat table (stat-table.ts) the driver merges:
//   stat 0: Σ (p − l)²   1: Σ |p − l|   2: rows evaluated
//   3: rows whose prediction is NaN/null (and label is not)   4: rows whose label is NaN/null
// Rows counted in 3 or 4 are left out of the sums; the driver decides whether that is an error.

import type { Table } from 'apache-arrow';
import { columnData, describeSchema, isNumericType, readNumbers, libraryFunctions } from '../../engine/extend.ts';
import { EvaluationError } from './errors.ts';
import { ExactSum } from './exact-sum.ts';
import { statTable } from './stat-table.ts';

export const REGRESSION_STATS = 5;

/**
 * The stat table of one batch of predictions.
 *
 * @example
 * regressionStats(batch, { labelColumn: 'rating', predictionColumn: 'prediction' });
 */
export function regressionStats(batch: Table, spec: { labelColumn: string; predictionColumn: string }): Table {
  const label = numericColumn(batch, spec.labelColumn, 'labelColumn');
  const prediction = numericColumn(batch, spec.predictionColumn, 'predictionColumn');
  const sums = Array.from({ length: REGRESSION_STATS }, () => new ExactSum());
  const [sse, sae] = sums;
  let n = 0;
  let badPrediction = 0;
  let badLabel = 0;
  for (let i = 0; i < batch.numRows; i++) {
    const l = label.values[i];
    const p = prediction.values[i];
    if (l !== l || (label.valid !== null && label.valid[i] === 0)) {
      badLabel++;
      continue;
    }
    if (p !== p || (prediction.valid !== null && prediction.valid[i] === 0)) {
      badPrediction++;
      continue;
    }
    const d = p - l;
    sse.add(d * d);
    sae.add(Math.abs(d));
    n++;
  }
  sums[2].add(n);
  sums[3].add(badPrediction);
  sums[4].add(badLabel);
  return statTable(sums);
}

function numericColumn(batch: Table, name: string, option: string): { values: Float64Array; valid: Uint8Array | null } {
  if (!batch.schema.fields.some((f) => f.name === name)) {
    throw new EvaluationError(
      'EVAL_COLUMN',
      `regression metrics: ${option} '${name}' is not a column of the predictions; columns are [${describeSchema(batch.schema)}]. ` +
        `Pass { ${option}: '<name>' }.`,
    );
  }
  const data = columnData(batch, name);
  if (!isNumericType(data.type)) {
    throw new EvaluationError('EVAL_COLUMN', `regression metrics: ${option} '${name}' is ${String(data.type)}; expected a numeric column.`);
  }
  return readNumbers(data, false)!;
}

export const regressionKernels = libraryFunctions(import.meta.url, { regressionStats });
