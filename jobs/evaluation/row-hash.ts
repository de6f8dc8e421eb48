// Per-row hashes that decide split membership and identify ids, computed on typed arrays with the
// engine's key hash (MurmurHash3 over each value: numbers by their float64 value, strings by their
// UTF-8 bytes), so they are the same in every process and for every physical id type.
//
//   u(row) = murmur(item, seed = murmur(user, seed = murmur(splitSeed))) / 2^32   ∈ [0, 1)
//   key(id) = h1 + 2^32 · (h2 >>> 11), h1/h2 = murmur(id) under two fixed seeds  (a 53-bit integer)

import type { Table } from 'apache-arrow';
import { columnData, hashColumnInto, hashNumber } from '../../engine/extend.ts';

/** Salt mixed into the user's split seed, so split hashes differ from shuffle partition hashes. */
const SPLIT_SALT = 0x5eed5eed;
const KEY_SEED_1 = 0x9e3779b9;
const KEY_SEED_2 = 0x85ebca6b;

/**
 * One number in [0, 1) per row, a hash of (user, item, seed): uniform and independent across
 * seeds in practice, and equal for equal (user, item) values whatever the partition or column type.
 *
 * @example
 * const u = pairUniforms(batch, 'userId', 'itemId', 42); // u[i] < 0.8 → train
 */
export function pairUniforms(table: Table, userColumn: string, itemColumn: string, seed: number): Float64Array {
  const n = table.numRows;
  const hashes = new Uint32Array(n).fill(hashNumber(seed, SPLIT_SALT));
  hashColumnInto(columnData(table, userColumn, 'as the user column of a split'), hashes);
  hashColumnInto(columnData(table, itemColumn, 'as the item column of a split'), hashes);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = hashes[i] / 4294967296;
  return out;
}

/**
 * A 53-bit integer key per row identifying the value of `column` (for set membership of ids of
 * any type without decoding strings). Distinct ids collide with probability about n² / 2^54.
 *
 * @example
 * idKeys(batch, 'itemId'); // Float64Array of exact integers < 2^53
 */
export function idKeys(table: Table, column: string, purpose = 'as an id column'): Float64Array {
  const data = columnData(table, column, purpose);
  const n = data.length;
  const h1 = new Uint32Array(n).fill(KEY_SEED_1);
  const h2 = new Uint32Array(n).fill(KEY_SEED_2);
  hashColumnInto(data, h1);
  hashColumnInto(data, h2);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = h1[i] + 4294967296 * (h2[i] >>> 11);
  return out;
}
