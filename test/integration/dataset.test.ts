// Every Dataset verb run on real executor processes (local[2]) gives the same result as the
// in-process executor (local) and as the same computation done in plain JavaScript.

import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromArrays } from 'apache-arrow';
import { Session, count, mean, sum, min, max, JobFailedError } from '../../engine/index.ts';
import type { Row } from '../../engine/index.ts';

const sorted = (rows: Row[]): Row[] => [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

async function everyVerb(session: Session, dir: string): Promise<Record<string, unknown>> {
  const limit = 90;
  const base = session.range(0, 5000, { numPartitions: 5 }).map((r) => ({ id: r.id, k: r.id % 13, v: (r.id * 7) % 101 }));
  const names = session.fromRows(Array.from({ length: 10 }, (_, k) => ({ k, name: `key-${k}` })), { numPartitions: 2 });
  const agg = base.aggregateByKey(['k'], { n: count(), total: sum('v'), avg: mean('v'), lo: min('v'), hi: max('v') }, { numPartitions: 3 });
  const out = join(dir, 'agg.parquet');
  await agg.writeParquet(out);
  const reread = await session.readParquet(out);
  return {
    count: await base.count(),
    filter: await base.filter((r) => r.v > limit, { limit }).count(),
    flatMap: await base.flatMap((r) => (r.id < 3 ? [{ x: r.id }, { x: -r.id }] : [])).collect(),
    mapPartitions: await base.mapPartitions((rows) => [{ n: rows.length }]).collect(),
    select: await base.select('k').take(3),
    agg: sorted(await agg.collect()),
    reduceByKey: sorted(await base.select('k', 'v').reduceByKey(['k'], (a, b) => ({ v: Math.max(Number(a.v), Number(b.v)) })).collect()),
    groupByKey: sorted((await base.filter((r) => r.id < 30).select('k', 'id').groupByKey(['k']).collect()).map((r) => ({ k: r.k, ids: (r.values as Row[]).map((v) => v.id).sort() }))),
    innerJoin: sorted(await agg.select('k', 'n').join(names, ['k']).collect()),
    leftJoin: sorted(await agg.select('k', 'n').join(names, ['k'], { how: 'left' }).collect()),
    sortBy: (await base.sortBy([{ column: 'v', ascending: false }, { column: 'id', ascending: true }], { numPartitions: 4 }).take(20)),
    distinct: sorted(await base.select('k').distinct().collect()),
    union: await base.union(base).count(),
    repartition: (await base.repartition(['k'], { numPartitions: 4 }).mapPartitions((rows) => [{ keys: [...new Set(rows.map((r) => r.k))].sort((a, b) => Number(a) - Number(b)).join(',') }]).collect()),
    reduce: await base.select('v').reduce((a, b) => ({ v: Number(a.v) + Number(b.v) })),
    parquetRoundTrip: sorted(await reread.collect()),
    parquetFiles: readdirSync(out).sort(),
  };
}

describe('Dataset verbs on local and local[2]', () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'dataflow-verbs-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('give identical results, equal to plain JavaScript', async () => {
    const results: Array<Record<string, unknown>> = [];
    for (const master of ['local', 'local[2]']) {
      const session = await Session.create({ master });
      try {
        const d = join(dir, master.replace(/\W/g, ''));
        results.push(await everyVerb(session, d));
      } finally {
        await session.stop();
      }
    }
    const [local, cluster] = results;
    expect(cluster).toEqual(local);

    const rows = Array.from({ length: 5000 }, (_, id) => ({ id, k: id % 13, v: (id * 7) % 101 }));
    expect(local!.count).toBe(5000);
    expect(local!.filter).toBe(rows.filter((r) => r.v > 90).length);
    expect(local!.union).toBe(10000);
    expect(local!.reduce).toEqual({ v: rows.reduce((s, r) => s + r.v, 0) });
    const byKey = new Map<number, number[]>();
    for (const r of rows) byKey.set(r.k, [...(byKey.get(r.k) ?? []), r.v]);
    expect(local!.agg).toEqual(sorted([...byKey].map(([k, vs]) => ({
      k, n: vs.length, total: vs.reduce((a, b) => a + b, 0), avg: vs.reduce((a, b) => a + b, 0) / vs.length, lo: Math.min(...vs), hi: Math.max(...vs),
    }))));
    expect(local!.parquetRoundTrip).toEqual(local!.agg);
    expect(local!.parquetFiles).toContain('_SUCCESS');
    const expectedSort = [...rows].sort((a, b) => b.v - a.v || a.id - b.id).slice(0, 20);
    expect(local!.sortBy).toEqual(expectedSort);
    expect((local!.innerJoin as Row[]).length).toBe(10);
    expect((local!.leftJoin as Row[]).length).toBe(13);
    expect((local!.leftJoin as Row[]).filter((r) => r.name === null).map((r) => r.k)).toEqual([10, 11, 12]);
    expect(local!.distinct).toEqual(sorted(Array.from({ length: 13 }, (_, k) => ({ k }))));
    // each key lands in exactly one partition after repartition
    const seen = (local!.repartition as Row[]).flatMap((r) => String(r.keys).split(',').filter(Boolean));
    expect(seen.length).toBe(13);
  });

  it('reuses shuffle outputs in later jobs and keeps cached partitions on executors', async () => {
    const session = await Session.create({ master: 'local[2]' });
    try {
      const agg = session.range(0, 1000).map((r) => ({ k: r.id % 5 })).aggregateByKey(['k'], { n: count() });
      await agg.count();
      const launchesBefore = session.driver.history.filter((c) => c.type === 'LaunchTask').length;
      await agg.collect();
      const launched = session.driver.history.slice().filter((c) => c.type === 'LaunchTask').length - launchesBefore;
      expect(launched).toBe(agg.numPartitions); // only the result stage ran again

      const noisy = session.range(0, 100, { numPartitions: 4 }).map((r) => ({ id: r.id, noise: Math.random() })).cache();
      const first = await noisy.collect();
      const second = await noisy.collect();
      expect(second).toEqual(first); // not recomputed: Math.random() would differ
    } finally {
      await session.stop();
    }
  });

  it('counts a dataset the driver holds without launching a task, and anything derived from it with a job', async () => {
    const session = await Session.create({ master: 'local[2]' });
    try {
      const held = session.fromRows(Array.from({ length: 1234 }, (_, i) => ({ i })), { numPartitions: 3 });
      const launches = () => session.driver.history.filter((c) => c.type === 'LaunchTask').length;
      const before = launches();
      expect(await held.count()).toBe(1234);
      expect(launches()).toBe(before);
      expect(await held.filter((r) => r.i % 2 === 0).count()).toBe(617);
      expect(launches()).toBe(before + 3);
      expect(await held.cache().count()).toBe(1234); // caching is work for the executors: a job
      expect(launches()).toBe(before + 6);
    } finally {
      await session.stop();
    }
    await expect(session.fromRows([{ i: 1 }]).count()).rejects.toThrow(/stopped/);
  });

  it('fails a job whose task throws, after bounded retries, with the cause', async () => {
    const session = await Session.create({ master: 'local[2]', conf: ['dataflow.task.maxAttempts=2'] });
    try {
      const failing = session.range(0, 10).map((r) => { if (r.id === 3) throw new RangeError('three is not allowed'); return r; });
      const error = await failing.count().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JobFailedError);
      expect((error as JobFailedError).message).toMatch(/RangeError: three is not allowed/);
      expect((error as JobFailedError).failure.causes).toHaveLength(2);
      expect((error as JobFailedError).failure.causes[0]!.kind).toBe('UserCodeError');
      // the session is still usable
      expect(await session.range(0, 10).count()).toBe(10);
    } finally {
      await session.stop();
    }
  });

  it('rejects a function with a free variable when the plan is built', async () => {
    const session = await Session.create();
    try {
      const limit = 3;
      expect(() => session.range(0, 10).filter((r) => r.id < limit)).toThrow(/'limit'/);
    } finally {
      await session.stop();
    }
  });

  it('reports an unknown Parquet column with the columns that exist', async () => {
    const session = await Session.create();
    const file = join(mkdtempSync(join(tmpdir(), 'dataflow-pq-')), 'x.parquet');
    try {
      await session.fromTable(tableFromArrays({ a: new Int32Array([1, 2]), b: new Float64Array([3, 4]) }), { numPartitions: 1 }).writeParquet(file);
      await expect(session.readParquet(file, { columns: ['a', 'nope'] })).rejects.toThrow(/nope.*\b(a|b)\b/);
      expect(existsSync(join(file, '_SUCCESS'))).toBe(true);
    } finally {
      await session.stop();
      rmSync(join(file, '..'), { recursive: true, force: true });
    }
  });
});
