// Columnar functions of the out-of-core benchmark: generate (key, value) rows from range ids (also
// with a hot key) and a table of distinct keys to join them with, and reduce a batch of results
// (aggregated, grouped or joined) to one summary row.
// Bundled like a job (bench/lib/sessions.ts), so they travel to executors by name; the benchmark's checker imports `groupHash` directly to
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

/** The key of row `id` in the skewed data: `hotPercent`% of the rows have key 0, the rest spread as keyOf. */
export function skewedKeyOf(id: number, keys: number, hotPercent: number): number {
  return ((Math.imul(id ^ 0x5bd1e995, 0x9e3779b1) >>> 0) % 100) < hotPercent ? 0 : keyOf(id, keys);
}

/** Range ids → { key: Int32, value: Float64 } with one hot key (skewedKeyOf). */
export function generateSkewed(batch: Table, keys: number, hotPercent: number): Table {
  const ids = batch.getChild('id')!.toArray() as ArrayLike<number>;
  const n = ids.length;
  const key = new Int32Array(n);
  const value = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    key[i] = skewedKeyOf(ids[i]!, keys, hotPercent);
    value[i] = valueOf(ids[i]!);
  }
  return new Table({ key: makeVector(key), value: makeVector(value) });
}

/**
 * An order-sensitive fingerprint of a group's values (integers 0..999): Σ (position + 1) · (value + 1)
 * modulo 2^32, so a value missing, added or out of input order changes it.
 */
export function orderStep(w: number, position: number, value: number): number {
  return (w + Math.imul(position + 1, value + 1)) >>> 0;
}

/**
 * One summary row (as `summarize`'s) per batch of groupByKey output (key, values: List<{ value }>):
 * rows, Σn, Σs, Σ groupHash(key ^ order fingerprint, n, s), and in `first` the largest group's n.
 * Reads the list's offsets and the values' Float64 buffer directly (no rows are built).
 */
export function summarizeGroups(batch: Table): Table {
  let rows = 0;
  let sumN = 0;
  let sumS = 0;
  let hash = 0;
  let largest = 0;
  const keyColumn = batch.getChild('key')!;
  const listColumn = batch.getChild('values')!;
  let row = 0;
  for (const list of listColumn.data) {
    const offsets = list.valueOffsets as Int32Array;
    const struct = list.children[0]!;
    const at = struct.type.children.findIndex((f: { name: string }) => f.name === 'value');
    const values = struct.children[at]!.values as Float64Array;
    for (let r = 0; r < list.length; r++, row++) {
      const key = keyColumn.get(row) as number;
      const start = offsets[r]!;
      const n = offsets[r + 1]! - start;
      let s = 0;
      let w = 0;
      for (let j = 0; j < n; j++) {
        const v = values[start + j]!;
        s += v;
        w = orderStep(w, j, v);
      }
      rows++;
      sumN += n;
      sumS += s;
      hash = (hash + groupHash(key ^ w, n, s)) >>> 0;
      if (n > largest) largest = n;
    }
  }
  return new Table({
    rows: makeVector(Float64Array.of(rows)),
    sumN: makeVector(Float64Array.of(sumN)),
    sumS: makeVector(Float64Array.of(sumS)),
    hash: makeVector(Float64Array.of(hash)),
    first: makeVector(Float64Array.of(largest)),
    last: makeVector(Float64Array.of(NaN)),
    descending: makeVector(Int32Array.of(1)),
  });
}

/** The weight of key `key` in the joined table: a small positive integer, so sums stay exact. */
export function weightOf(key: number): number {
  return ((key * 13) % 1000) + 1;
}

/** Range ids → the joined table { key: Int32, w: Float64 }: distinct keys id + shift. */
export function generateTable(batch: Table, shift: number): Table {
  const ids = batch.getChild('id')!.toArray() as ArrayLike<number>;
  const n = ids.length;
  const key = new Int32Array(n);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    key[i] = ids[i]! + shift;
    w[i] = weightOf(key[i]!);
  }
  return new Table({ key: makeVector(key), w: makeVector(w) });
}

/** An order-independent fingerprint of one joined row; -1 stands for a null value or weight. */
export function joinHash(key: number, value: number, w: number): number {
  return groupHash(key, value, w);
}

/**
 * One summary row (as `summarize`'s) per batch of the full join (key, value, w): rows, Σ value
 * (in sumN), Σ w (in sumS), Σ joinHash mod 2^32; `first` counts rows without a value, `last` rows
 * without a weight.
 */
export function summarizeJoin(batch: Table): Table {
  const key = batch.getChild('key')!;
  const value = batch.getChild('value')!;
  const w = batch.getChild('w')!;
  const keys = key.toArray() as Int32Array;
  const values = value.toArray() as Float64Array;
  const weights = w.toArray() as Float64Array;
  let sumV = 0;
  let sumW = 0;
  let hash = 0;
  let noValue = 0;
  let noWeight = 0;
  for (let i = 0; i < keys.length; i++) {
    const v = value.isValid(i) ? values[i]! : -1;
    const x = w.isValid(i) ? weights[i]! : -1;
    if (v < 0) noValue++; else sumV += v;
    if (x < 0) noWeight++; else sumW += x;
    hash = (hash + joinHash(keys[i]!, v, x)) >>> 0;
  }
  return new Table({
    rows: makeVector(Float64Array.of(keys.length)),
    sumN: makeVector(Float64Array.of(sumV)),
    sumS: makeVector(Float64Array.of(sumW)),
    hash: makeVector(Float64Array.of(hash)),
    first: makeVector(Float64Array.of(noValue)),
    last: makeVector(Float64Array.of(noWeight)),
    descending: makeVector(Int32Array.of(1)),
  });
}
