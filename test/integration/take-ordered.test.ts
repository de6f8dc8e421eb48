// take(n) on a sortBy runs as a top-n per partition merged on the driver (plan/take-ordered.ts):
// on local and local[2] it must return exactly the first n rows of the full sort (ties in input
// order, nulls first descending and last ascending, NaN above numbers), without the sort's
// sampling job and shuffle.

import { describe, expect, it } from 'vitest';
import { Session, count, mean } from '../../engine/index.ts';
import type { Row } from '../../engine/index.ts';

const input = Array.from({ length: 4000 }, (_, id) => ({
  id,
  k: (id * 7919) % 97,
  v: id % 50 === 0 ? null : id % 61 === 0 ? NaN : ((id * 31) % 23) / 2,
}));

async function results(master: string): Promise<Record<string, unknown>> {
  const session = await Session.create({ master });
  try {
    const base = session.fromRows(input, { numPartitions: 5 });
    const stats = base.aggregateByKey(['k'], { n: count(), avg: mean('v') }, { numPartitions: 3 });
    const byCount = stats.sortBy([{ column: 'n', ascending: false }, { column: 'k', ascending: true }], { numPartitions: 2 });
    const byValueDesc = base.sortBy([{ column: 'v', ascending: false }], { numPartitions: 3 });
    const byValueAsc = base.sortBy(['v'], { numPartitions: 2 });
    const jobsOf = async <T>(action: () => Promise<T>): Promise<{ result: T; jobs: number }> => {
      const before = session.driver.history.filter((c) => c.type === 'StageSubmitted').length;
      const result = await action();
      return { result, jobs: session.driver.history.filter((c) => c.type === 'StageSubmitted').length - before };
    };
    const topCount = await jobsOf(() => byCount.take(10));
    const out: Record<string, unknown> = {
      topCount: topCount.result,
      topCountStages: topCount.jobs,
      topDesc: await byValueDesc.take(130),
      topAsc: await byValueAsc.take(7),
      topAll: await byValueAsc.take(5000),
      none: await byValueDesc.take(0),
    };
    // The full sorts, for comparison (these run the sampling job and the shuffle).
    out.fullCount = (await byCount.collect()).slice(0, 10);
    out.fullDesc = (await byValueDesc.collect()).slice(0, 130);
    out.fullAsc = (await byValueAsc.collect()).slice(0, 7);
    // Once the sort's shuffle ran, take reads its sorted partitions instead: the same rows.
    out.afterSort = await byValueDesc.take(130);
    return out;
  } finally {
    await session.stop();
  }
}

describe('take(n) on a sorted dataset', () => {
  it('gives the first n rows of the full sort on local and local[2], without running the sort', async () => {
    const local = await results('local');
    const cluster = await results('local[2]');
    expect(cluster).toEqual(local);
    expect(local.topCount).toEqual(local.fullCount);
    expect(local.topDesc).toEqual(local.fullDesc);
    expect(local.topAsc).toEqual(local.fullAsc);
    expect(local.afterSort).toEqual(local.fullDesc);
    expect(local.none).toEqual([]);
    expect(local.topAll).toHaveLength(input.length);

    // Against plain JavaScript: descending puts nulls first, then NaN, then numbers; ties by input order.
    const rank = (v: number | null): number => (v === null ? Infinity : Number.isNaN(v) ? Number.MAX_VALUE : v);
    const expectedDesc = input.map((r, i) => ({ r, i })).sort((a, b) => rank(b.r.v) - rank(a.r.v) || a.i - b.i).slice(0, 130).map((x) => x.r);
    expect((local.topDesc as Row[]).map((r) => r.id)).toEqual(expectedDesc.map((r) => r.id));
    const counts = new Map<number, number>();
    for (const r of input) counts.set(r.k, (counts.get(r.k) ?? 0) + 1);
    const expectedCount = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 10);
    expect((local.topCount as Row[]).map((r) => [r.k, r.n])).toEqual(expectedCount);
    // The aggregate's map stage and the top-n stage; the full sort would add a sampling stage and the sort's map stage.
    expect(local.topCountStages).toBe(2);
  });
});
