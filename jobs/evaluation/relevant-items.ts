// relevantItems: the {user, item} pairs that count as relevant for ranking metrics — the held-out
// test ratings, optionally only those at or above a rating threshold.

import type { Table } from 'apache-arrow';
import type { Dataset, Row } from '../../engine/index.ts';
import { columnData, isNumericType, readNumbers, filterRows, libraryFunctions } from '../../engine/extend.ts';
import { resolveColumns } from './columns.ts';
import type { RatingColumns } from './columns.ts';
import { EvaluationError } from './errors.ts';

export interface RelevantItemsOptions extends RatingColumns {
  /** Keep only ratings >= minRating (e.g. 4 on a 0.5–5 scale). Default: keep every test rating. */
  minRating?: number;
}

/**
 * The user and item columns of `test`, filtered to rating >= minRating when given (null and NaN
 * ratings are dropped then). Columnar (no row objects).
 *
 * @example
 * const relevant = relevantItems(test, { minRating: 4, itemColumn: 'movieId' }); // {userId, movieId}
 */
export function relevantItems<T extends Row>(test: Dataset<T>, options: RelevantItemsOptions = {}): Dataset<Row> {
  const { userColumn, itemColumn, ratingColumn } = resolveColumns(options, 'relevantItems');
  const { minRating } = options;
  if (minRating !== undefined && (typeof minRating !== 'number' || Number.isNaN(minRating))) {
    throw new EvaluationError('EVAL_BAD_OPTION', `relevantItems: minRating must be a number, got ${String(minRating)}.`);
  }
  const keep = relevantKernels.keepRelevant;
  const spec: RelevantSpec = { userColumn, itemColumn, ratingColumn, minRating: minRating ?? null };
  return test.mapBatches((batch) => keep(batch, spec), { keep, spec });
}

export interface RelevantSpec {
  userColumn: string;
  itemColumn: string;
  ratingColumn: string;
  minRating: number | null;
}

/**
 * Executor side of relevantItems: select user and item, keeping rows with rating >= minRating.
 *
 * @example
 * keepRelevant(batch, { userColumn: 'userId', itemColumn: 'itemId', ratingColumn: 'rating', minRating: 4 });
 */
export function keepRelevant(batch: Table, spec: RelevantSpec): Table {
  for (const name of [spec.userColumn, spec.itemColumn]) columnData(batch, name, 'by relevantItems'); // a clear error when missing
  const pair = batch.select([spec.userColumn, spec.itemColumn]);
  if (spec.minRating === null) return pair;
  const data = columnData(batch, spec.ratingColumn, 'by relevantItems (minRating)');
  if (!isNumericType(data.type)) {
    throw new EvaluationError('EVAL_COLUMN', `relevantItems: rating column '${spec.ratingColumn}' is ${String(data.type)}; expected a numeric column.`);
  }
  const { values, valid } = readNumbers(data, false)!;
  const mask = new Uint8Array(batch.numRows);
  for (let i = 0; i < mask.length; i++) mask[i] = values[i] >= spec.minRating && (valid === null || valid[i] === 1) ? 1 : 0;
  return filterRows(pair, mask);
}

export const relevantKernels = libraryFunctions(import.meta.url, { keepRelevant });
