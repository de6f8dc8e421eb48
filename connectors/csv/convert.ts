// CSV (or MovieLens) → one Parquet file, streaming: partitions are read one after another in
// batches of one row group, each handed to the Parquet writer as it is parsed, so memory holds one
// read chunk and about one row group whatever the input size. The file appears atomically (the
// writer writes a hidden temp file and renames it), so a failed conversion leaves nothing behind.

import { writeParquetBatches, DEFAULT_ROW_GROUP_SIZE, type ParquetWriteOptions } from '../parquet/write.ts';
import type * as arrow from 'apache-arrow';
import { emptyCsvStats, readCsvBatches, type CsvReadStats } from './read.ts';
import type { CsvScan } from './scan.ts';

export interface ConvertResult extends CsvReadStats {
  /** Size of the Parquet file written. */
  bytes: number;
}

/**
 * Writes every row of a planned CSV scan to the Parquet file `out`.
 *
 * @example
 * const scan = await planCsvScan('ratings.csv');
 * await convertCsvToParquet(scan, 'ratings.parquet', { compression: 'zstd' }); // { rows: 100836, skippedRows: 0, bytes: 831234 }
 */
export async function convertCsvToParquet(scan: CsvScan, out: string, options: ParquetWriteOptions = {}): Promise<ConvertResult> {
  const stats = emptyCsvStats();
  const batchRows = options.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE;
  async function* batches(): AsyncGenerator<arrow.RecordBatch> {
    for (const part of scan.partitions) yield* readCsvBatches(part, scan.plan, { batchRows, stats });
  }
  const bytes = await writeParquetBatches(batches(), scan.schema, out, options);
  return { ...stats, bytes };
}
