import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { generateRatings, ratingBatches, writeRatingsParquet } from '../../../../connectors/generate/ratings.ts';
import { planParquetScan } from '../../../../connectors/parquet/scan.ts';
import { readParquetPartition } from '../../../../connectors/parquet/read.ts';
import { InvalidInputError } from '../../../../engine/errors.ts';

const OPTS = { users: 300, items: 200, ratings: 20_000, seed: 42 };

const col = <T>(t: arrow.Table, name: string) => t.getChild(name)!.toArray() as T;

/** Byte-wise equality of two typed arrays (much faster than a deep toEqual on 20k elements). */
const sameBytes = (a: ArrayBufferView, b: ArrayBufferView) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('generateRatings', () => {
  it('has the documented schema and row count', () => {
    const t = generateRatings(OPTS);
    expect(t.schema.fields.map((f) => `${f.name}: ${String(f.type)}`)).toEqual(['userId: Int32', 'itemId: Int32', 'rating: Float32', 'timestamp: Int64']);
    expect(t.numRows).toBe(20_000);
  });

  it('is deterministic for a seed and changes with the seed', () => {
    const a = generateRatings(OPTS);
    const b = generateRatings(OPTS);
    const c = generateRatings({ ...OPTS, seed: 43 });
    for (const name of ['userId', 'itemId', 'rating', 'timestamp']) {
      expect(sameBytes(col<Int32Array>(b, name), col<Int32Array>(a, name))).toBe(true);
    }
    expect(sameBytes(col<Int32Array>(c, 'itemId'), col<Int32Array>(a, 'itemId'))).toBe(false);
    expect(sameBytes(col<Float32Array>(c, 'rating'), col<Float32Array>(a, 'rating'))).toBe(false);
  });

  it('gives every user a rating, never repeats a (user, item) pair, and keeps values in range', () => {
    const t = generateRatings(OPTS);
    const users = col<Int32Array>(t, 'userId');
    const items = col<Int32Array>(t, 'itemId');
    const ratings = col<Float32Array>(t, 'rating');
    const times = col<BigInt64Array>(t, 'timestamp');
    const perUser = new Int32Array(OPTS.users + 1);
    const bad = { order: 0, item: 0, rating: 0, time: 0 };
    for (let i = 0; i < t.numRows; i++) {
      perUser[users[i]!]!++;
      // sorted by user, then strictly by item: no duplicate pair
      if (i > 0 && !(users[i]! > users[i - 1]! || (users[i] === users[i - 1] && items[i]! > items[i - 1]!))) bad.order++;
      if (items[i]! < 1 || items[i]! > OPTS.items) bad.item++;
      const r = ratings[i]!;
      if (r * 2 !== Math.round(r * 2) || r < 0.5 || r > 5) bad.rating++;
      if (times[i]! < 789_652_009n || times[i]! > 1_537_799_250n) bad.time++;
    }
    expect(bad).toEqual({ order: 0, item: 0, rating: 0, time: 0 });
    expect(perUser.slice(1).every((n) => n >= 1)).toBe(true);
  });

  it('is skewed like MovieLens: popular items and heavy users dominate', () => {
    const t = generateRatings({ users: 2000, items: 1000, ratings: 100_000, seed: 1 });
    const count = (ids: Int32Array, n: number) => {
      const c = new Int32Array(n + 1);
      for (const id of ids) c[id]!++;
      return [...c.slice(1)].sort((a, b) => b - a);
    };
    const items = count(col<Int32Array>(t, 'itemId'), 1000);
    const users = count(col<Int32Array>(t, 'userId'), 2000);
    const share = (sorted: number[], top: number) => sorted.slice(0, top).reduce((a, b) => a + b, 0) / 100_000;
    expect(share(items, 100)).toBeGreaterThan(0.3); // top 10% of items: far more than 10% of ratings
    expect(share(users, 200)).toBeGreaterThan(0.3);
    expect(users[1000]!).toBeLessThan(50); // median user well below the mean of 50
  });

  it('has learnable structure: item means from half the data predict the other half better than the global mean', () => {
    const t = generateRatings({ users: 1000, items: 100, ratings: 40_000, seed: 5 });
    const items = col<Int32Array>(t, 'itemId');
    const ratings = col<Float32Array>(t, 'rating');
    const sum = new Float64Array(101);
    const n = new Float64Array(101);
    let total = 0;
    let count = 0;
    for (let i = 0; i < t.numRows; i += 2) {
      sum[items[i]!]! += ratings[i]!;
      n[items[i]!]!++;
      total += ratings[i]!;
      count++;
    }
    const globalMean = total / count;
    let errGlobal = 0;
    let errItem = 0;
    for (let i = 1; i < t.numRows; i += 2) {
      const item = items[i]!;
      const predicted = n[item]! > 0 ? sum[item]! / n[item]! : globalMean;
      errGlobal += (ratings[i]! - globalMean) ** 2;
      errItem += (ratings[i]! - predicted) ** 2;
    }
    expect(Math.abs(globalMean - 3.5)).toBeLessThan(0.2);
    expect(errItem / errGlobal).toBeLessThan(0.9);
  });

  it('can fill every (user, item) pair', () => {
    const t = generateRatings({ users: 20, items: 30, ratings: 600, seed: 3 });
    expect(new Set(Array.from(col<Int32Array>(t, 'userId'), (u, i) => u * 1000 + col<Int32Array>(t, 'itemId')[i]!)).size).toBe(600);
  });

  it('rejects impossible options, saying why', () => {
    expect(() => generateRatings({ users: 10, items: 5, ratings: 9, seed: 1 })).toThrow(/ratings \(9\) must be at least users \(10\)/);
    expect(() => generateRatings({ users: 2, items: 3, ratings: 7, seed: 1 })).toThrow(/exceeds users × items \(6\)/);
    expect(() => generateRatings({ users: 2.5, items: 3, ratings: 7, seed: 1 })).toThrow(InvalidInputError);
  });
});

describe('ratingBatches and writeRatingsParquet', () => {
  it('produce the same rows as generateRatings, in batches of whole users', () => {
    const whole = generateRatings(OPTS);
    const batches = [...ratingBatches(OPTS, 3000)];
    expect(batches.length).toBeGreaterThan(3);
    let offset = 0;
    for (const [i, b] of batches.entries()) {
      if (i < batches.length - 1) expect(b.numRows).toBeGreaterThanOrEqual(3000); // a batch ends at the first user boundary at or past 3000 rows...
      const users = b.getChild('userId')!.toArray() as Int32Array;
      if (offset > 0) expect(users[0]).not.toBe(col<Int32Array>(whole, 'userId')[offset - 1]); // ...so no user is split
      expect(sameBytes(b.getChild('rating')!.toArray() as Float32Array, col<Float32Array>(whole, 'rating').subarray(offset, offset + b.numRows))).toBe(true);
      offset += b.numRows;
    }
    expect(offset).toBe(whole.numRows);
  });

  it('writes a Parquet file with row groups of the asked size that reads back identical', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dataflow-ratings-'));
    try {
      const file = path.join(dir, 'ratings.parquet');
      await writeRatingsParquet(file, { ...OPTS, rowGroupSize: 6000 });
      const scan = await planParquetScan(file);
      expect(scan.partitions.map((p) => p.numRows)).toEqual([6000, 6000, 6000, 2000]);
      const parts = await Promise.all(scan.partitions.map((p) => readParquetPartition(p)));
      const whole = generateRatings(OPTS);
      let offset = 0;
      for (const part of parts) {
        for (const name of ['userId', 'itemId', 'rating', 'timestamp']) {
          const got = part.getChild(name)!.toArray() as Int32Array;
          expect(got.length).toBe(part.numRows);
          expect(sameBytes(got, col<Int32Array>(whole, name).subarray(offset, offset + part.numRows))).toBe(true);
        }
        offset += part.numRows;
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
