// A long session stays the same size: 1,000 small jobs (shuffles, sorts, caches, broadcasts,
// in-memory sources) on real executor processes leave the driver's and the executors' state and
// heaps where they were after the first 300, because what a job or an unreachable dataset held is freed.
// (The warm-up covers what a session starts once, such as the event log's encoder thread after 4,096 events.)

import { describe, expect, it } from 'vitest';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Session, count, sum } from '../../engine/index.ts';
import type { ExecutorStats } from '../../engine/protocol/index.ts';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const JOBS = 1_000;
const WARM_UP = 300;

/** One small job or two, of a kind chosen by `i`; nothing it builds outlives it. */
async function smallJob(session: Session, i: number): Promise<void> {
  const rows = Array.from({ length: 24 }, (_, k) => ({ k: k % 5, v: k + i }));
  const source = session.fromRows(rows, { numPartitions: 2 });
  switch (i % 4) {
    case 0: {
      const agg = await source.aggregateByKey(['k'], { n: count(), total: sum('v') }, { numPartitions: 2 }).collect();
      expect(agg.reduce((s, r) => s + Number(r.n), 0)).toBe(24);
      return;
    }
    case 1: {
      const offset = session.broadcast({ add: i });
      const total = await source.map((r) => ({ v: r.v + offset.value.add }), { offset }).reduce((a, b) => ({ v: a.v + b.v }));
      expect(total?.v).toBe(rows.reduce((s, r) => s + r.v + i, 0));
      return;
    }
    case 2: {
      const top = await source.sortBy([{ column: 'v', ascending: false }], { numPartitions: 2 }).take(1);
      expect(top[0]?.v).toBe(23 + i);
      return;
    }
    case 3: {
      const cached = source.repartition(['k'], { numPartitions: 2 }).cache();
      expect(await cached.filter((r) => r.k === 0).count()).toBe(5);
      if (i % 8 === 3) cached.unpersist(); // the other half is freed by becoming unreachable
      return;
    }
  }
}

interface Snapshot { sizes: Record<string, number>; heap: number; executors: ExecutorStats[] }

/** Collects garbage (so finalizers release what is unreachable), lets the drops reach the executors, measures. */
async function snapshot(session: Session): Promise<Snapshot> {
  for (let round = 0; round < 3; round++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await session.driver.executorStats(); // a round trip after the drop messages: they are handled
  await new Promise((resolve) => setTimeout(resolve, 50));
  gc();
  // An executor's heap after a collection still moves by a few MB from one request to the next
  // (three isolates, buffers in flight): keep each one's smallest of three readings.
  const readings = [await session.driver.executorStats(), await session.driver.executorStats(), await session.driver.executorStats()];
  const executors = readings[0]!.map((first) => ({
    ...first,
    heapUsedBytes: Math.min(...readings.map((r) => r.find((e) => e.executorId === first.executorId)!.heapUsedBytes)),
  }));
  return { sizes: session.stateSizes(), heap: v8.getHeapStatistics().used_heap_size, executors };
}

const MiB = 1024 * 1024;

describe('a session running job after job', () => {
  it(`keeps driver and executor state and memory flat over ${JOBS} jobs on local[2]`, async () => {
    const session = await Session.create({
      master: 'local[2]',
      conf: ['dataflow.executor.extraNodeOptions=--expose-gc', 'dataflow.ui.progress=false'],
    });
    session.driver.historyLimit = 200; // the command history is bounded by design; keep its bound small here
    try {
      for (let i = 0; i < WARM_UP; i++) await smallJob(session, i);
      const early = await snapshot(session);
      for (let i = WARM_UP; i < JOBS; i++) await smallJob(session, i);
      const late = await snapshot(session);
      const report = JSON.stringify({ early, late });

      expect(late.sizes, report).toEqual(early.sizes);
      for (const key of ['jobs', 'stages', 'running', 'payloads', 'bundleByJob', 'pendingReleases', 'blobs', 'broadcasts'] as const) {
        expect(late.sizes[key], `${key}: ${report}`).toBe(0);
      }
      // At most the last job's shuffles may still wait for a collection; none of the 1,000 jobs' pile up.
      expect(late.sizes.stageIdByShuffle, report).toBeLessThanOrEqual(2);
      expect(late.heap - early.heap, report).toBeLessThan(3 * MiB);

      expect(late.executors.length).toBe(2);
      for (const exec of late.executors) {
        const before = early.executors.find((e) => e.executorId === exec.executorId)!;
        expect(exec.collected, 'executors run with --expose-gc').toBe(true);
        expect(exec.cachedBlocks, report).toBe(0);
        expect(exec.cachedMemoryBytes + exec.cachedDiskBytes, report).toBe(0);
        expect(exec.broadcasts, report).toBe(0);
        expect(exec.shuffleFiles, report).toBeLessThanOrEqual(before.shuffleFiles);
        expect(exec.heapUsedBytes - before.heapUsedBytes, report).toBeLessThan(6 * MiB);
      }
    } finally {
      await session.stop();
    }
  }, 240_000);
});
