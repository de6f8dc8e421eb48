// kFold: the test sets partition the input (every rating in exactly one), each train is the
// complement of its test, and folds are the same for any partitioning.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session } from '../../../../engine/index.ts';
import { kFold } from '../../../../jobs/evaluation/index.ts';
import { fixtureRatings, pairKeys } from './ratings-fixture.ts';

describe('kFold', () => {
  let session: Session;
  beforeAll(async () => { session = await Session.create({ master: 'local' }); });
  afterAll(async () => { await session.stop(); });

  const rows = fixtureRatings(120);
  const all = pairKeys(rows);

  it('puts every rating in exactly one test fold, with train the complement', async () => {
    const folds = kFold(session.fromRows(rows, { numPartitions: 3 }), { folds: 5, seed: 11 });
    expect(folds).toHaveLength(5);
    const tests: string[][] = [];
    for (const { train, test } of folds) {
      const t = pairKeys(await test.collect());
      const r = pairKeys(await train.collect());
      expect([...t, ...r].sort()).toEqual(all);
      expect(t.some((k) => r.includes(k))).toBe(false);
      expect(t.length).toBeGreaterThan(rows.length * 0.1); // about a fifth each
      expect(t.length).toBeLessThan(rows.length * 0.3);
      tests.push(t);
    }
    expect(tests.flat().sort()).toEqual(all);
  });

  it('gives the same folds for any partition count, and other folds for another seed', async () => {
    const testsOf = async (numPartitions: number, seed: number) =>
      Promise.all(kFold(session.fromRows(rows, { numPartitions }), { folds: 3, seed }).map(async (f) => pairKeys(await f.test.collect())));
    const one = await testsOf(1, 5);
    expect(await testsOf(4, 5)).toEqual(one);
    expect(await testsOf(4, 6)).not.toEqual(one);
  });

  it('rejects fewer than 2 folds and a missing seed', () => {
    const ds = session.fromRows(rows);
    expect(() => kFold(ds, { folds: 1, seed: 1 })).toThrow(/option 'folds' must be an integer >= 2, got 1/);
    expect(() => kFold(ds, { folds: 2.5, seed: 1 })).toThrow(/'folds' must be an integer/);
    expect(() => kFold(ds, { folds: 3 } as never)).toThrow(/seed must be a finite number, got undefined/);
  });
});
