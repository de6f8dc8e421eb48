// leaveKOut: exactly k test ratings per user with more than k, none for the others; 'latest'
// holds out the newest; the split is the same for any partitioning; columns keep their order.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session } from '../../../../engine/index.ts';
import type { Row } from '../../../../engine/index.ts';
import { leaveKOut } from '../../../../jobs/evaluation/index.ts';
import { fixtureRatings, fixtureTable, pairKeys } from './ratings-fixture.ts';
import type { FixtureRating } from './ratings-fixture.ts';

function perUser(rows: Row[]): Map<number, Row[]> {
  const out = new Map<number, Row[]>();
  for (const r of rows) {
    const u = Number(r.userId);
    if (!out.has(u)) out.set(u, []);
    out.get(u)!.push(r);
  }
  return out;
}

describe('leaveKOut', () => {
  let session: Session;
  beforeAll(async () => { session = await Session.create({ master: 'local' }); });
  afterAll(async () => { await session.stop(); });

  const rows = fixtureRatings(40); // users have 3..9 ratings
  const counts = perUser(rows as unknown as Row[]);

  for (const by of ['random', 'latest'] as const) {
    it(`holds out exactly k per user with more than k ratings (by ${by}), and the union is the input`, async () => {
      const k = 4;
      const { train, test } = leaveKOut(session.fromRows(rows, { numPartitions: 3 }), { k, seed: 9, by });
      const testRows = await test.collect();
      const trainRows = await train.collect();
      expect([...pairKeys(testRows), ...pairKeys(trainRows)].sort()).toEqual(pairKeys(rows));
      const held = perUser(testRows);
      for (const [user, own] of counts) {
        expect(held.get(user)?.length ?? 0).toBe(own.length > k ? k : 0);
      }
    });
  }

  it("by 'latest' holds out the newest ratings of each user", async () => {
    const { test } = leaveKOut(session.fromRows(rows, { numPartitions: 2 }), { k: 2, seed: 1, by: 'latest' });
    const expected: string[] = [];
    for (const [user, own] of perUser(rows as unknown as Row[])) {
      if (own.length <= 2) continue;
      const newest = [...own].sort((a, b) => Number(b.timestamp) - Number(a.timestamp)).slice(0, 2);
      for (const r of newest) expected.push(`${user}:${String(r.itemId)}`);
    }
    expect(pairKeys(await test.collect())).toEqual(expected.sort());
  });

  it('is the same for any partition count, row order and id type; the seed changes the random pick', async () => {
    const testOf = async (data: FixtureRating[] | 'table', numPartitions: number, seed: number) => {
      const ds = data === 'table' ? session.fromTable(fixtureTable(rows), { numPartitions }) : session.fromRows(data, { numPartitions });
      return pairKeys(await leaveKOut(ds, { k: 1, seed, numPartitions: Math.max(1, numPartitions - 1) }).test.collect());
    };
    const base = await testOf(rows, 1, 3);
    expect(await testOf([...rows].reverse(), 4, 3)).toEqual(base);
    expect(await testOf('table', 3, 3)).toEqual(base);
    expect(await testOf(rows, 2, 4)).not.toEqual(base);
  });

  it('keeps the input columns in their order and types', async () => {
    const table = fixtureTable(rows);
    const { train, test } = leaveKOut(session.fromTable(table, { numPartitions: 2 }), { k: 1, seed: 2 });
    for (const part of [await train.toTable(), await test.toTable()]) {
      expect(part.schema.fields.map((f) => `${f.name}: ${String(f.type)}`)).toEqual(table.schema.fields.map((f) => `${f.name}: ${String(f.type)}`));
    }
  });

  it('rejects bad options and a non-numeric timestamp column', async () => {
    const ds = session.fromRows(rows);
    expect(() => leaveKOut(ds, { k: 0, seed: 1 })).toThrow(/option 'k' must be an integer >= 1, got 0/);
    expect(() => leaveKOut(ds, { k: 1, seed: 1, by: 'oldest' as never })).toThrow(/'by' must be 'random' or 'latest'/);
    const named = session.fromRows(rows.map((r) => ({ ...r, when: `t${r.timestamp}` })));
    await expect(leaveKOut(named, { k: 1, seed: 1, by: 'latest', timestampColumn: 'when' }).test.count()).rejects.toThrow(/timestamp column 'when' is Utf8/);
  });
});
