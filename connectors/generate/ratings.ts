// Synthetic MovieLens-shaped ratings for tests, examples and benchmarks: a table or a Parquet file
// of (userId, itemId, rating, timestamp) with a hidden low-rank structure (see ratings-model.ts).
// Deterministic for a seed; typed arrays throughout (20M rows take seconds, not minutes).

import * as arrow from 'apache-arrow';
import { InvalidInputError } from '../../engine/errors.ts';
import { DEFAULT_ROW_GROUP_SIZE, type ParquetCompression, writeParquetBatches } from '../parquet/write.ts';
import { type RatingColumns, RatingsModel, type RatingsOptions } from './ratings-model.ts';

export type { RatingsOptions } from './ratings-model.ts';

/** userId: Int32, itemId: Int32, rating: Float32 (0.5..5.0 in half stars), timestamp: Int64 seconds. */
export const RATINGS_SCHEMA = new arrow.Schema([
  new arrow.Field('userId', new arrow.Int32(), true),
  new arrow.Field('itemId', new arrow.Int32(), true),
  new arrow.Field('rating', new arrow.Float32(), true),
  new arrow.Field('timestamp', new arrow.Int64(), true),
]);

/**
 * Generates the whole ratings table in memory (one record batch), sorted by userId then itemId.
 * Every user has at least one rating; no (userId, itemId) pair repeats; ids start at 1.
 *
 * @example
 * const t = generateRatings({ users: 1000, items: 500, ratings: 50_000, seed: 7 });
 * t.numRows; // 50000
 */
export function generateRatings(options: RatingsOptions): arrow.Table {
  checkOptions(options);
  const batches = [...ratingBatches(options, Number.POSITIVE_INFINITY)];
  return new arrow.Table(RATINGS_SCHEMA, batches);
}

/**
 * Generates the ratings as record batches of whole users, each of about `rowsPerBatch` rows (a
 * batch ends at the first user boundary at or past it). Same rows, same order as generateRatings.
 *
 * @example
 * for (const batch of ratingBatches({ users: 1e5, items: 2e4, ratings: 1e7, seed: 1 }, 1 << 20)) { ... }
 */
export function* ratingBatches(options: RatingsOptions, rowsPerBatch: number): Generator<arrow.RecordBatch> {
  checkOptions(options);
  const model = new RatingsModel(options);
  let user = 0;
  while (user < model.users) {
    let rows = 0;
    let end = user;
    while (end < model.users && (rows < rowsPerBatch || end === user)) rows += model.counts[end++]!;
    const timestamp = new BigInt64Array(rows);
    const columns: RatingColumns = {
      userId: new Int32Array(rows),
      itemId: new Int32Array(rows),
      rating: new Float32Array(rows),
      timestampLow: new Uint32Array(timestamp.buffer),
    };
    let offset = 0;
    for (; user < end; user++) offset += model.nextUserInto(columns, offset);
    yield toRecordBatch(columns, timestamp, rows);
  }
}

/**
 * Writes generated ratings to the Parquet file `out`, streaming batches of users so memory holds
 * about one row group at a time. Row groups have `rowGroupSize` rows (default 1,048,576).
 *
 * @example
 * await writeRatingsParquet('/data/ratings-20m.parquet', { users: 138_000, items: 27_000, ratings: 20_000_000, seed: 1 });
 */
export async function writeRatingsParquet(
  out: string,
  options: RatingsOptions & { rowGroupSize?: number; compression?: ParquetCompression },
): Promise<void> {
  checkOptions(options);
  const rowGroupSize = options.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE;
  await writeParquetBatches(ratingBatches(options, rowGroupSize), RATINGS_SCHEMA, out, {
    rowGroupSize,
    compression: options.compression ?? 'snappy',
  });
}

function toRecordBatch(columns: RatingColumns, timestamp: BigInt64Array, rows: number): arrow.RecordBatch {
  const children = [
    arrow.makeData({ type: new arrow.Int32(), length: rows, nullCount: 0, data: columns.userId }),
    arrow.makeData({ type: new arrow.Int32(), length: rows, nullCount: 0, data: columns.itemId }),
    arrow.makeData({ type: new arrow.Float32(), length: rows, nullCount: 0, data: columns.rating }),
    arrow.makeData({ type: new arrow.Int64(), length: rows, nullCount: 0, data: timestamp }),
  ];
  const struct = arrow.makeData({ type: new arrow.Struct(RATINGS_SCHEMA.fields), length: rows, nullCount: 0, children });
  return new arrow.RecordBatch(RATINGS_SCHEMA, struct);
}

function checkOptions(options: RatingsOptions): void {
  const { users, items, ratings, seed } = options;
  const rank = options.rank ?? 8;
  const positive = (name: string, v: number, max = 2 ** 31 - 1) => {
    if (!Number.isInteger(v) || v < 1 || v > max) {
      throw new InvalidInputError(`generateRatings: ${name} must be an integer from 1 to ${max}, got ${v}`);
    }
  };
  positive('users', users);
  positive('items', items);
  positive('ratings', ratings);
  positive('rank', rank, 1024);
  if (!Number.isSafeInteger(seed)) throw new InvalidInputError(`generateRatings: seed must be a safe integer, got ${seed}`);
  if (ratings < users) {
    throw new InvalidInputError(`generateRatings: ratings (${ratings}) must be at least users (${users}): every user has at least one rating`);
  }
  if (ratings > users * items) {
    throw new InvalidInputError(
      `generateRatings: ratings (${ratings}) exceeds users × items (${users * items}), the number of distinct (user, item) pairs`,
    );
  }
}
