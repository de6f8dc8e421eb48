// Executor-side kernel of the hash splits (randomSplit, kFold): keep the rows whose
// u = hash(user, item, seed) / 2^32 lies inside (or outside) [lo, hi). Registered as library
// functions, so they ship by reference and run on typed arrays.

import type { Table } from 'apache-arrow';
import { filterRows, libraryFunctions } from '../../engine/extend.ts';
import { pairUniforms } from './row-hash.ts';

/** Which rows a hash split keeps: inside (lo <= u < hi) or, with `inside: false`, the complement. */
export interface HashRangeSpec {
  userColumn: string;
  itemColumn: string;
  seed: number;
  lo: number;
  hi: number;
  inside: boolean;
}

/**
 * The rows of `batch` whose split hash is in [lo, hi) (or not, when `inside` is false).
 *
 * @example
 * keepHashRange(batch, { userColumn: 'userId', itemColumn: 'itemId', seed: 1, lo: 0, hi: 0.8, inside: true });
 */
export function keepHashRange(batch: Table, spec: HashRangeSpec): Table {
  const n = batch.numRows;
  if (n === 0) return batch;
  const u = pairUniforms(batch, spec.userColumn, spec.itemColumn, spec.seed);
  const mask = new Uint8Array(n);
  const { lo, hi } = spec;
  const want = spec.inside ? 1 : 0;
  for (let i = 0; i < n; i++) mask[i] = (u[i] >= lo && u[i] < hi ? 1 : 0) === want ? 1 : 0;
  return filterRows(batch, mask);
}

export const splitKernels = libraryFunctions(import.meta.url, { keepHashRange });
