// MovieLens ratings in any of their published formats, read as one schema — the same one the
// ratings generator writes, so jobs work alike on real and synthetic data:
//
//   userId: Int32, itemId: Int32, rating: Float32, timestamp: Int64 (seconds since 1970, UTC)
//
// Int64 timestamps: MovieLens seconds fit Int32 until 2038, but Int64 matches the generator's
// Parquet files and Spark's LongType, so a job never has to care which source it read.

import { planCsvScan, type CsvScan } from '../csv/scan.ts';
import { CsvHeaderError } from '../csv/errors.ts';
import { locateRatings, MOVIELENS_SYNTAX, type MovieLensFormat } from './formats.ts';
import type { StorageOptions } from '../storage/resolve.ts';
import { shippableStorageOptions } from '../storage/shipping.ts';

export interface MovieLensOptions {
  /** Force a format instead of detecting it from the file or directory name. */
  format?: MovieLensFormat;
  /** A malformed line: fail (default) or skip and count it. */
  badRows?: 'error' | 'skip';
  /** Target bytes per partition. Default 64 MiB. */
  partitionBytes?: number;
  /** Options of the storage backend (e.g. an S3 endpoint); they travel with the plan, so never credentials. */
  storage?: StorageOptions;
}

export const MOVIELENS_COLUMNS = ['userId', 'itemId', 'rating', 'timestamp'] as const;
const HEADER = ['userId', 'movieId', 'rating', 'timestamp'];

/**
 * Plans reading MovieLens ratings from a MovieLens directory or a ratings file.
 *
 * @example
 * const scan = await planMovieLensScan('/data/ml-100k');   // reads u.data, tab-separated
 * await planMovieLensScan('s3://bucket/ml-latest-small/');  // reads s3://bucket/ml-latest-small/ratings.csv
 * scan.schema.fields.map((f) => f.name);                   // ['userId', 'itemId', 'rating', 'timestamp']
 */
export async function planMovieLensScan(pathOrDir: string, options: MovieLensOptions = {}): Promise<CsvScan & { format: MovieLensFormat }> {
  const storage = shippableStorageOptions(options.storage, `readMovieLens(${pathOrDir})`);
  const { file, format } = await locateRatings(pathOrDir, options.format, storage);
  const scan = await planCsvScan(file, {
    ...MOVIELENS_SYNTAX[format],
    columnNames: [...MOVIELENS_COLUMNS],
    schema: { userId: 'int32', itemId: 'int32', rating: 'float32', timestamp: 'int64' },
    multiLine: false,
    ...(options.badRows !== undefined ? { badRows: options.badRows } : {}),
    ...(options.partitionBytes !== undefined ? { partitionBytes: options.partitionBytes } : {}),
    ...(storage !== undefined ? { storage } : {}),
  });
  if (format === 'csv' && scan.headerNames?.join(',') !== HEADER.join(',')) {
    throw new CsvHeaderError(
      `${file} has header (${scan.headerNames?.join(', ')}) but MovieLens ratings.csv has (${HEADER.join(', ')}); ` +
      'use readCsv for other CSV files, or pass format if this is a MovieLens file in another format',
    );
  }
  return { ...scan, format };
}
