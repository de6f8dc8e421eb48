// groupByKey out of core on real executor processes: with a memory budget of a few hundred KB and
// a hot key holding 40% of the rows, groupByKey spills and gives exactly the result of the same job
// held in memory, on local and local[2]; a group past the limit fails the job at once (no retry)
// with an input error naming the key, its size and the ways out, and the executors live on.

import { beforeAll, describe, expect, it } from 'vitest';
import { Session, JobFailedError } from '../../engine/index.ts';
import type { Dataset, Row } from '../../engine/index.ts';

const TINY = 'dataflow.executor.memory=512k'; // 0.3 MB per task: the grouping spills
const ROWS = 60_000;
const HOT = 0;

/** Rows (id, k, v): 40% have k = HOT, the rest spread over 3,000 keys. */
function data(session: Session): Dataset<Row> {
  return session.range(0, ROWS, { numPartitions: 4 })
    .map((r) => ({ id: r.id, k: r.id % 10 < 4 ? 0 : 1 + ((r.id * 7919) % 5000), v: ((r.id * 31) % 1000) / 7 }));
}

async function grouped(session: Session, options: { maxGroupBytes?: string } = {}): Promise<Row[]> {
  return data(session).groupByKey(['k'], { numPartitions: 2, ...options }).collect();
}

describe('groupByKey under a tiny memory budget', () => {
  let inMemory: Row[];
  beforeAll(async () => {
    const session = await Session.create({ master: 'local', conf: ['dataflow.ui.progress=false'] });
    try {
      inMemory = await grouped(session);
      expect(session.lastJobMetrics!.spillBytes).toBe(0);
    } finally {
      await session.stop();
    }
    expect(inMemory.length).toBe(3001); // the non-hot ids (id % 10 >= 4) reach 3,000 of the 5,000 keys
    expect((inMemory.find((r) => r.k === HOT)!.values as unknown[]).length).toBe(24_000);
  }, 120_000);

  it.each(['local', 'local[2]'])('spills on %s, gives the in-memory result, and refuses a group past the limit by name', async (master) => {
    const session = await Session.create({ master, conf: [TINY, 'dataflow.ui.progress=false'] });
    try {
      // The hot group (24,000 rows, about 0.6 MB) is more than the task's share: allowed explicitly.
      const spilled = await grouped(session, { maxGroupBytes: '4m' });
      const metrics = session.lastJobMetrics!;
      expect(metrics.spillBytes, JSON.stringify(metrics)).toBeGreaterThan(0);
      expect(spilled).toEqual(inMemory);

      // Without the option the hot key is past the default limit: an input error, not retried.
      const launchedBefore = session.driver.history.length;
      const error = await grouped(session).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JobFailedError);
      const failure = (error as JobFailedError).failure;
      expect(failure.causes.map((c) => c.kind)).toEqual(['InputError']);
      const message = failure.causes[0]!.message;
      expect(message).toMatch(/groupByKey\(\['k'\]\): key k=0 has 24,000 rows \(about 0\.\d MB\), more than one group may hold \(0\.3 MB: by default the task's memory share/);
      expect(message).toMatch(/use aggregateByKey or reduceByKey/);
      expect(message).toMatch(/maxGroupBytes: '\d+m'/);
      const launches = session.driver.history.slice(launchedBefore).flatMap((c) => (c.type === 'LaunchTask' ? [c.task] : []));
      const groupStage = Math.max(...launches.map((t) => t.stageId));
      const attempts = launches.filter((t) => t.stageId === groupStage && t.partition === failure.partition);
      expect(attempts.length, 'input errors are not retried').toBe(1);

      // The executors are alive and the session goes on.
      expect(await data(session).count()).toBe(ROWS);
    } finally {
      await session.stop();
    }
  }, 180_000);
});
