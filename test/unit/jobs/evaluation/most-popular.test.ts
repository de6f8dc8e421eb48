// mostPopular: top-k by training count, ties by item id, each user's rated items excluded (or
// not), ids of any type, and fewer than k items when a user rated nearly everything.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session } from '../../../../engine/index.ts';
import type { Row } from '../../../../engine/index.ts';
import { mostPopular } from '../../../../jobs/evaluation/index.ts';

const byUserThenRank = (rows: Row[]) => [...rows].sort((a, b) => String(a.userId).localeCompare(String(b.userId)) || Number(a.rank) - Number(b.rank));

describe('mostPopular', () => {
  let session: Session;
  beforeAll(async () => { session = await Session.create({ master: 'local' }); });
  afterAll(async () => { await session.stop(); });

  // counts: item 3 → 3, item 1 → 2, items 2 and 4 → 1 (tie: 2 before 4)
  const train = [
    { userId: 7, itemId: 1 }, { userId: 7, itemId: 2 }, { userId: 8, itemId: 3 },
    { userId: 9, itemId: 3 }, { userId: 9, itemId: 1 }, { userId: 10, itemId: 4 }, { userId: 11, itemId: 3 },
  ];

  it('recommends the most popular unrated items, with rank and count', async () => {
    const recs = await mostPopular(session.fromRows(train, { numPartitions: 3 }), { k: 2 });
    expect(byUserThenRank(await recs.collect())).toEqual([
      { userId: 10, itemId: 3, rank: 1, score: 3 }, { userId: 10, itemId: 1, rank: 2, score: 2 },
      { userId: 11, itemId: 1, rank: 1, score: 2 }, { userId: 11, itemId: 2, rank: 2, score: 1 },
      { userId: 7, itemId: 3, rank: 1, score: 3 }, { userId: 7, itemId: 4, rank: 2, score: 1 },
      { userId: 8, itemId: 1, rank: 1, score: 2 }, { userId: 8, itemId: 2, rank: 2, score: 1 },
      { userId: 9, itemId: 2, rank: 1, score: 1 }, { userId: 9, itemId: 4, rank: 2, score: 1 },
    ]);
  });

  it('gives everyone the same list with excludeRated: false', async () => {
    const recs = await (await mostPopular(session.fromRows(train, { numPartitions: 2 }), { k: 2, excludeRated: false })).collect();
    expect(recs).toHaveLength(10);
    for (const r of recs) expect([r.itemId, r.rank]).toEqual(r.rank === 1 ? [3, 1] : [1, 2]);
  });

  it('returns fewer than k when the user rated almost every item, and keeps string ids', async () => {
    const named = train.map((r) => ({ user: `u${r.userId}`, movie: `m${r.itemId}` }));
    const recs = await (await mostPopular(session.fromRows(named), { k: 10, userColumn: 'user', itemColumn: 'movie' })).collect();
    const of9 = recs.filter((r) => r.user === 'u9').map((r) => r.movie);
    expect(of9).toEqual(['m2', 'm4']); // 4 items, 2 rated
    expect(recs.filter((r) => r.user === 'u7').map((r) => r.movie)).toEqual(['m3', 'm4']);
  });

  it('rejects an empty training set and a bad k', async () => {
    await expect(mostPopular(session.fromRows(train).filter(() => false), { k: 1 })).rejects.toThrow(/training dataset is empty/);
    await expect(mostPopular(session.fromRows(train), { k: 0 })).rejects.toThrow(/option 'k' must be an integer >= 1/);
  });
});
