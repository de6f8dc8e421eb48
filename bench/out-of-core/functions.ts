// Columnar functions of the out-of-core benchmark: generate (key, value) rows from range ids,
// and reduce a batch of results to one summary row. Bundled like a job (bench/lib/sessions.ts),
// so they travel to executors by name; the benchmark's checker imports `groupHash` directly to
// compute the expected checksums without the engine.

import { Table, makeVector } from 'apache-arrow';

/** The key of row `id` among `keys` keys (a multiplicative hash: keys spread evenly, rows of a key scattered). */
export function keyOf(id: number, keys: number): number {
  return (Math.imul(id, 2654435761) >>> 0) % keys;
}

/** The value of row `id`: a small integer, so every sum is exact in Float64. */
export function valueOf(id: number): number {
  return (id * 7) % 1000;
}

/**
 * An order-independent fingerprint of one group (key, n, s): summed modulo 2^32 over all groups,
 * it changes if any group is missing, duplicated or wrong.
 */
export function groupHash(key: number, n: number, s: number): number {
  let h = Math.imul(key ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ n ^ (h >>> 13), 0xc2b2ae35);
  h ^= (s % 4294967296) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x27d4eb2f);
  return (h ^ (h >>> 15)) >>> 0;
}

/** Range ids → { key: Int32, value: Float64 } over `keys` keys. */
export function generate(batch: Table, keys: number): Table {
  const ids = batch.getChild('id')!.toArray() as ArrayLike<number>;
  const n = ids.length;
  const key = new Int32Array(n);
  const value = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    key[i] = keyOf(ids[i]!, keys);
    value[i] = valueOf(ids[i]!);
  }
  return new Table({ key: makeVector(key), value: makeVector(value) });
}

/**
 * One row per batch of aggregated groups (key, n, s): rows, Σn, Σs, Σ groupHash mod 2^32, the
 * first and last s, and whether s never increases inside the batch (for the sorted output).
 */
export function summarize(batch: Table): Table {
  const key = batch.getChild('key')!.toArray() as Int32Array;
  const n = batch.getChild('n')!.toArray() as Int32Array;
  const s = batch.getChild('s')!.toArray() as Float64Array;
  let sumN = 0;
  let sumS = 0;
  let hash = 0;
  let descending = 1;
  for (let i = 0; i < key.length; i++) {
    sumN += n[i]!;
    sumS += s[i]!;
    hash = (hash + groupHash(key[i]!, n[i]!, s[i]!)) >>> 0;
    if (i > 0 && s[i]! > s[i - 1]!) descending = 0;
  }
  const rows = key.length;
  return new Table({
    rows: makeVector(Float64Array.of(rows)),
    sumN: makeVector(Float64Array.of(sumN)),
    sumS: makeVector(Float64Array.of(sumS)),
    hash: makeVector(Float64Array.of(hash)),
    first: makeVector(Float64Array.of(rows > 0 ? s[0]! : NaN)),
    last: makeVector(Float64Array.of(rows > 0 ? s[rows - 1]! : NaN)),
    descending: makeVector(Int32Array.of(descending)),
  });
}
