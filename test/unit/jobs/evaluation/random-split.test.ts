// randomSplit: parts are disjoint and complete, follow the weights roughly, and membership depends
// only on (user, item, seed) — not on partition count, column types or row order.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session } from '../../../../engine/index.ts';
import { randomSplit } from '../../../../jobs/evaluation/index.ts';
import { cumulativeBounds } from '../../../../jobs/evaluation/random-split.ts';
import { fixtureRatings, fixtureTable, pairKeys } from './ratings-fixture.ts';

describe('randomSplit', () => {
  let session: Session;
  beforeAll(async () => { session = await Session.create({ master: 'local' }); });
  afterAll(async () => { await session.stop(); });

  const rows = fixtureRatings(200);

  it('gives disjoint parts whose union is the input, sized about as the weights', async () => {
    const parts = randomSplit(session.fromRows(rows, { numPartitions: 3 }), [0.6, 0.3, 0.1], 42);
    const keys = await Promise.all(parts.map(async (p) => pairKeys(await p.collect())));
    expect(keys.flat().sort()).toEqual(pairKeys(rows));
    expect(new Set(keys.flat()).size).toBe(rows.length);
    const sizes = keys.map((k) => k.length / rows.length);
    expect(sizes[0]).toBeGreaterThan(0.5);
    expect(sizes[0]).toBeLessThan(0.7);
    expect(sizes[2]).toBeGreaterThan(0.05);
    expect(sizes[2]).toBeLessThan(0.15);
  });

  it('is the same for any partition count, row order and id column type, and changes with the seed', async () => {
    const split = async (ds: ReturnType<Session['fromRows']>, seed: number) => pairKeys(await randomSplit(ds, [0.8, 0.2], seed)[1].collect());
    const base = await split(session.fromRows(rows, { numPartitions: 1 }), 7);
    expect(await split(session.fromRows(rows, { numPartitions: 5 }), 7)).toEqual(base);
    expect(await split(session.fromRows([...rows].reverse(), { numPartitions: 2 }), 7)).toEqual(base);
    // Int32 ids in an Arrow table vs Float64 numbers from rows: the hash reads values, not types.
    expect(await split(session.fromTable(fixtureTable(rows), { numPartitions: 4 }), 7)).toEqual(base);
    expect(await split(session.fromRows(rows, { numPartitions: 3 }), 8)).not.toEqual(base);
  });

  it('reads configurable column names, including string ids', async () => {
    const named = rows.map((r) => ({ u: `user-${r.userId}`, m: `movie-${r.itemId}`, rating: r.rating }));
    const [a, b] = randomSplit(session.fromRows(named, { numPartitions: 2 }), [1, 1], 3, { userColumn: 'u', itemColumn: 'm' });
    const keys = [...pairKeys(await a.collect(), 'u', 'm'), ...pairKeys(await b.collect(), 'u', 'm')].sort();
    expect(keys).toEqual(pairKeys(named, 'u', 'm'));
  });

  it('normalizes weights and rejects bad ones with the option named', () => {
    expect(cumulativeBounds([3, 1])).toEqual([0, 0.75, 2]);
    expect(cumulativeBounds([1])).toEqual([0, 2]);
    const ds = session.fromRows(rows);
    expect(() => randomSplit(ds, [], 1)).toThrow(/fractions must be a non-empty array/);
    expect(() => randomSplit(ds, [0.5, -0.1], 1)).toThrow(/fractions must be/);
    expect(() => randomSplit(ds, [0, 0], 1)).toThrow(/sum to 0/);
    expect(() => randomSplit(ds, [0.5, 0.5], Number.NaN)).toThrow(/seed must be a finite number/);
  });

  it('fails with the column named when the user column is missing', async () => {
    const [train] = randomSplit(session.fromRows(rows), [0.5, 0.5], 1, { userColumn: 'user' });
    await expect(train.count()).rejects.toThrow(/column 'user' is needed as the user column of a split/);
  });
});
