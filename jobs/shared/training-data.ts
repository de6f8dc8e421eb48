// What a model records about the ratings it was trained on: how many rows, how many users and
// items with their smallest and largest ids, and a content hash of the (user, item, rating) rows.
//
// The hash is the sum over rows, mod 2^32 in each of two lanes, of a murmur3 hash of the row's three
// values (numbers hash by float64 value, so an Int32 rating 4 and a Float64 4.0 agree): it depends
// on the set of rows (with repeats), never on their order, partitioning or batch sizes.
//
//   { rows: 1000, users: { count: 50, min: 1, max: 50 }, items: {...}, hash: '9f3a0c1d2b4e5f60' }

import { Table, makeVector } from 'apache-arrow';
import { columnData, hashColumnInto, libraryFunctions } from '../../engine/extend.ts';
import type { Dataset, Row } from '../../engine/index.ts';
import type { IdEncoding } from './id-encoding.ts';

/** Ids in JSON: numbers as they are, Int64 ids as decimal strings. */
export type JsonId = number | string;

export interface IdRange { column: string; count: number; min: JsonId | null; max: JsonId | null }

export interface TrainingData {
  rows: number;
  users: IdRange;
  items: IdRange;
  /** 16 hex digits: the order-independent content hash of the (user, item, rating) rows. */
  hash: string;
  /** Columns the hash read, in order. */
  hashOf: [string, string, string];
}

const SEEDS = [0x2f1a_07c3, 0x5bd1_e995] as const;

/** Kernel: { n, h0, h1 } of one batch: its row count and the sums (mod 2^32) of its row hashes. */
export function digestBatch(batch: Table, columns: readonly string[]): Table {
  const n = batch.numRows;
  const sums = [0, 0];
  if (n > 0) {
    for (let lane = 0; lane < 2; lane++) {
      const h = new Uint32Array(n).fill(SEEDS[lane]);
      for (const c of columns) hashColumnInto(columnData(batch, c, 'a rating column the model hash reads'), h);
      let s = 0;
      for (let i = 0; i < n; i++) s = (s + h[i]!) >>> 0;
      sums[lane] = s;
    }
  }
  return new Table({ n: makeVector(Float64Array.of(n)), h0: makeVector(Uint32Array.of(sums[0]!)), h1: makeVector(Uint32Array.of(sums[1]!)) });
}

export const trainingDataKernels = libraryFunctions(import.meta.url, { digestBatch });

/**
 * One pass over `ratings`: row count and content hash, with the id ranges of the encodings.
 *
 * @example
 *   const data = await describeTrainingData(ratings, users, items, 'rating');
 */
export async function describeTrainingData(ratings: Dataset<Row>, users: IdEncoding, items: IdEncoding, ratingColumn: string): Promise<TrainingData> {
  const columns = [users.column, items.column, ratingColumn];
  const digest = trainingDataKernels.digestBatch;
  const t = await ratings.mapBatches((b) => digest(b, columns), { digest, columns }).toTable();
  let rows = 0;
  let h0 = 0;
  let h1 = 0;
  for (let i = 0; i < t.numRows; i++) {
    rows += t.getChild('n')!.get(i) as number;
    h0 = (h0 + (t.getChild('h0')!.get(i) as number)) >>> 0;
    h1 = (h1 + (t.getChild('h1')!.get(i) as number)) >>> 0;
  }
  const hex = (x: number): string => x.toString(16).padStart(8, '0');
  return { rows, users: idRange(users), items: idRange(items), hash: hex(h0) + hex(h1), hashOf: [columns[0]!, columns[1]!, columns[2]!] };
}

/** Count, smallest and largest id of an encoding (its ids are sorted). */
export function idRange(encoding: IdEncoding): IdRange {
  const ids = encoding.ids;
  const n = ids.length;
  const json = (v: number | bigint | string | undefined): JsonId | null => (v === undefined ? null : typeof v === 'bigint' ? v.toString() : v);
  return { column: encoding.column, count: n, min: json(ids[0]), max: json(ids[n - 1]) };
}
