// Columnar functions the core benchmark runs on executors. This module is bundled like a job
// (bench/lib/sessions.ts loadFunctions), so its exports travel by name and may import apache-arrow.
// Everything here works on typed arrays: one pass per column, no object per row.

import { Table, makeVector } from 'apache-arrow';

/**
 * Turns a batch of range ids into shuffle input: `key` (Int32, ids scattered over 1M keys) and
 * three Float64 payload columns derived from the id.
 *
 * @example
 * shuffleRows(new Table({ id: makeVector(Int32Array.of(0, 1)) })).schema.names; // ['key', 'a', 'b', 'c']
 */
export function shuffleRows(batch: Table): Table {
  const ids = batch.getChild('id')!.toArray() as ArrayLike<number>;
  const n = ids.length;
  const key = new Int32Array(n);
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  const c = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const id = ids[i]!;
    key[i] = Math.imul(id, 2654435761) >>> 12; // a multiplicative hash: keys spread over all reducers
    a[i] = id * 0.5;
    b[i] = id + 0.25;
    c[i] = 1 / (id + 1);
  }
  return new Table({ key: makeVector(key), a: makeVector(a), b: makeVector(b), c: makeVector(c) });
}

/**
 * Reads every row of column `a` (a sum) and returns one row { rows, sum }: an action input that
 * touches all the data but ships almost nothing back to the driver.
 */
export function sumShuffleRows(batch: Table): Table {
  const a = batch.getChild('a')!.toArray() as Float64Array;
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]!;
  return new Table({ rows: makeVector(Int32Array.of(a.length)), sum: makeVector(Float64Array.of(sum)) });
}

/**
 * Reads every value of the four ratings columns and returns one row { rows, checksum }, so a
 * benchmark that counts its output still decodes (and touches) every column of every row group.
 */
export function touchRatings(batch: Table): Table {
  let checksum = 0;
  for (const name of ['userId', 'itemId', 'rating', 'timestamp']) {
    const column = batch.getChild(name);
    if (!column) continue;
    for (const chunk of column.data) {
      const raw = chunk.values as ArrayLike<number> | BigInt64Array;
      // Int64 values are summed by their low 32-bit words: no BigInt per value.
      const values = raw instanceof BigInt64Array ? new Int32Array(raw.buffer, raw.byteOffset, raw.length * 2) : raw;
      const step = raw instanceof BigInt64Array ? 2 : 1;
      let s = 0;
      for (let i = 0; i < values.length; i += step) s += values[i]!;
      checksum += s;
    }
  }
  return new Table({ rows: makeVector(Int32Array.of(batch.numRows)), checksum: makeVector(Float64Array.of(checksum)) });
}
