// Partition counts from data size: a shuffle not told its partition count writes
// dataflow.shuffle.maxPartitions buckets and, once its map side ran, groups them into partitions of
// about dataflow.shuffle.targetPartitionBytes. The same jobs on local and local[2] (one executor in
// process, two executor processes) must choose the same counts and give identical rows, in order.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session, count, sum } from '../../engine/index.ts';
import type { Dataset, Row } from '../../engine/index.ts';

const CONF = ['dataflow.ui.progress=false', 'dataflow.shuffle.targetPartitionBytes=256k'];

interface Outcome {
  rows: Record<string, Row[]>;
  partitions: Record<string, number>;
  /** The cuts each action made: buckets, map output bytes and partitions. */
  cuts: Record<string, Array<{ buckets: number; bytes: number; partitions: number }>>;
  /** numPartitions of the big aggregate before any action: its bucket count. */
  before: number;
}

/** The same jobs on any master; collects rows in partition order (no sorting). */
async function runJobs(session: Session): Promise<Outcome> {
  const small = session.range(0, 1_000).map((r) => ({ k: Number(r.id) % 10, v: Number(r.id) }))
    .aggregateByKey(['k'], { n: count(), s: sum('v') });
  const bigInput = session.range(0, 300_000, { numPartitions: 6 }).map((r) => ({ k: Number(r.id) % 60_000, v: Number(r.id) % 7 }));
  const big = bigInput.aggregateByKey(['k'], { n: count(), s: sum('v') });
  const before = big.numPartitions;
  const sorted = big.sortBy([{ column: 's', ascending: false }, { column: 'k', ascending: true }]);
  const names = session.fromRows(Array.from({ length: 50 }, (_, i) => ({ k: i * 1_000, name: `k${i}` })));
  const joined = big.join(names, ['k'], { broadcast: false }); // both sides shuffled, cut alike
  const broadcast = big.join(names, ['k']); // `names` shipped whole: the aggregate's cut partitions kept
  const explicit = bigInput.aggregateByKey(['k'], { n: count() }, { numPartitions: 5 });
  const datasets: Record<string, Dataset<Row>> = { small, big, sorted, joined, broadcast, explicit };
  const rows: Record<string, Row[]> = {};
  const partitions: Record<string, number> = {};
  const cuts: Outcome['cuts'] = {};
  for (const [name, ds] of Object.entries(datasets)) {
    rows[name] = await ds.collect();
    partitions[name] = ds.numPartitions;
    cuts[name] = session.lastJobMetrics!.partitionCuts.map(({ buckets, bytes, partitions: n }) => ({ buckets, bytes, partitions: n }));
  }
  return { rows, partitions, cuts, before };
}

describe('partition counts from data size', () => {
  let local: Outcome;
  let local2: Outcome;
  let session2: Session;

  beforeAll(async () => {
    const session = await Session.create({ master: 'local', conf: CONF });
    try {
      local = await runJobs(session);
    } finally {
      await session.stop();
    }
    session2 = await Session.create({ master: 'local[2]', conf: CONF });
    local2 = await runJobs(session2);
  }, 240_000);
  afterAll(async () => { await session2?.stop(); });

  it('chooses the same counts and gives identical rows, in the same order, on local and local[2]', () => {
    expect(local2.partitions).toEqual(local.partitions);
    expect(local2.rows).toEqual(local.rows);
    // the map sides wrote the same bytes per bucket whichever executor ran them
    expect(local2.cuts).toEqual(local.cuts);
    expect(local.cuts.big).toHaveLength(1);
  });

  it('puts small data in one partition and more data in more, never past the bucket count', () => {
    expect(local.before).toBe(64); // dataflow.shuffle.maxPartitions: the most it can have
    expect(local.partitions.small).toBe(1);
    expect(local.partitions.big).toBeGreaterThan(4);
    expect(local.partitions.big).toBeLessThan(64);
    expect(local.partitions.sorted).toBeGreaterThan(1);
    expect(local.partitions.explicit).toBe(5); // a count given by the job is kept exactly
    expect(local.partitions.broadcast).toBe(local.partitions.big);
  });

  it('computes the right rows: aggregates, a total order across partitions, a join', () => {
    expect([...local.rows.small!].sort((a, b) => Number(a.k) - Number(b.k))).toEqual(
      Array.from({ length: 10 }, (_, k) => ({ k, n: 100, s: 100 * k + 10 * (99 * 100) / 2 })),
    );
    expect(local.rows.big).toHaveLength(60_000);
    expect(local.rows.big!.reduce((n, r) => n + Number(r.n), 0)).toBe(300_000);
    const order = local.rows.sorted!.map((r) => [Number(r.s), Number(r.k)] as const);
    expect(order).toHaveLength(60_000);
    for (let i = 1; i < order.length; i++) {
      const [s0, k0] = order[i - 1]!;
      const [s1, k1] = order[i]!;
      expect(s0 > s1 || (s0 === s1 && k0 < k1)).toBe(true);
    }
    expect(local.rows.joined).toHaveLength(50);
    expect(local.rows.joined!.every((r) => r.name === `k${Number(r.k) / 1_000}` && Number(r.n) === 5)).toBe(true);
    const byKey = (rows: Row[]): Row[] => [...rows].sort((a, b) => Number(a.k) - Number(b.k));
    expect(byKey(local.rows.broadcast!)).toEqual(byKey(local.rows.joined!));
  });

  it('cuts a shuffle once: a later job reads the same partitions and does not rerun its map side', async () => {
    const big = session2.range(0, 300_000, { numPartitions: 6 }).map((r) => ({ k: Number(r.id) % 60_000, v: Number(r.id) % 7 }))
      .aggregateByKey(['k'], { n: count(), s: sum('v') });
    expect(await big.count()).toBe(60_000);
    const n = big.numPartitions;
    expect(n).toBe(local.partitions.big);
    // the job's metrics count the map-stage job run for it, and name the cut
    const metrics = session2.lastJobMetrics!;
    expect(metrics.stages.map((s) => s.tasks)).toEqual([6, n]);
    expect(metrics.partitionCuts).toHaveLength(1);
    expect(metrics.partitionCuts[0]).toMatchObject({ buckets: 64, partitions: n });
    // greedy grouping: each partition holds at most the target, two neighbours together more
    expect(metrics.partitionCuts[0]!.bytes).toBeGreaterThan(Math.floor(n / 2) * 256 * 1024);
    expect(metrics.partitionCuts[0]!.bytes).toBeLessThanOrEqual(n * 256 * 1024);
    expect(big.explain()).toMatch(new RegExp(`${n} partitions cut by size`));
    const launchesBefore = session2.driver.history.filter((c) => c.type === 'LaunchTask').length;
    expect(await big.filter((r) => Number(r.n) === 5).count()).toBe(60_000);
    // only the result stage ran: one task per cut partition
    expect(session2.driver.history.filter((c) => c.type === 'LaunchTask').length - launchesBefore).toBe(n);
    expect(session2.lastJobMetrics!.partitionCuts).toEqual([]);
  });

  it('a join reuses the shuffle of a side repartitioned by size on its keys, and cuts both sides alike', async () => {
    const rows = Array.from({ length: 3_000 }, (_, i) => ({ k: i % 700, v: i }));
    const blocks = session2.fromRows(rows).repartition(['k']);
    const names = session2.fromRows(Array.from({ length: 700 }, (_, k) => ({ k, name: `n${k}` })));
    const joined = blocks.join(names, ['k'], { broadcast: false });
    const deps = (joined.node as Extract<typeof joined.node, { kind: 'shuffled' }>).deps;
    expect(deps[0]).toBe((blocks.node as Extract<typeof blocks.node, { kind: 'shuffled' }>).deps[0]); // not shuffled again
    const out = await joined.collect();
    expect(out).toHaveLength(3_000);
    expect(out.every((r) => r.name === `n${Number(r.k)}` && Number(r.v) % 700 === Number(r.k))).toBe(true);
    expect(session2.lastJobMetrics!.partitionCuts.map((c) => c.shuffleIds)).toEqual([deps.map((d) => d.shuffleId)]);
  });

  it('makes one cut for two actions started together on the same shuffle', async () => {
    const agg = session2.range(0, 20_000, { numPartitions: 5 }).map((r) => ({ k: Number(r.id) % 5_000 }))
      .aggregateByKey(['k'], { n: count() });
    const before = session2.driver.history.filter((c) => c.type === 'LaunchTask').length;
    const [n, rows] = await Promise.all([agg.count(), agg.collect()]);
    expect(n).toBe(5_000);
    expect(rows).toHaveLength(5_000);
    const launched = session2.driver.history.filter((c) => c.type === 'LaunchTask').length - before;
    expect(launched).toBe(5 + 2 * agg.numPartitions); // the map stage ran once, each action read every partition
  });

  it('rejects a bad target size naming the key and the value', async () => {
    await expect(Session.create({ master: 'local', conf: ['dataflow.shuffle.targetPartitionBytes=lots'] }))
      .rejects.toThrow(/dataflow.shuffle.targetPartitionBytes lots is not a size \(e.g. 512m, 4g\)/);
    await expect(Session.create({ master: 'local', conf: ['dataflow.shuffle.maxPartitions=0'] }))
      .rejects.toThrow(/dataflow.shuffle.maxPartitions=0 must be at least 1/);
  });
});
