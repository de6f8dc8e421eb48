// Queued tasks and their shuffle prefetch, with real executor processes: an executor holds one task
// beyond its core (dataflow.executor.queuedTasks) and fetches a queued reduce task's remote blocks
// on its main thread meanwhile. Results must be exactly local's (rows in map-partition order), a
// peer that dies while a prefetch waits on it must end in the usual recomputation, and
// queuedTasks=0 must hand an executor only the tasks it runs.

import { describe, expect, it } from 'vitest';
import { Session } from '../../engine/index.ts';
import type { Dataset, Row } from '../../engine/index.ts';
import { TestCluster, commandsOf } from '../helpers/cluster.ts';

/**
 * 8 map tasks → repartition by key into 8 → reduce tasks that sleep `reduceMs` (so that tasks
 * queue behind them). Rows stay in the order the reducers read them: blocks in map-partition order.
 */
function shuffleJob(session: Session, reduceMs: number): Dataset<Row> {
  return session.range(0, 60_000, { numPartitions: 8 })
    .map((r) => ({ k: Number(r.id) % 97, v: (Number(r.id) * 7919) % 1000, id: Number(r.id), pad: `row-${Number(r.id)}` }))
    .repartition(['k'], { numPartitions: 8 })
    .mapPartitions((rows) => { if (reduceMs > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, reduceMs); return rows; }, { reduceMs });
}

async function localResult(): Promise<Row[]> {
  const local = await Session.create({ master: 'local', conf: ['dataflow.ui.progress=false'] });
  try {
    return await shuffleJob(local, 0).collect();
  } finally {
    await local.stop();
  }
}

describe('queued tasks and shuffle prefetch', () => {
  it('local[2]: queued reduce tasks take blocks fetched ahead, and the result is exactly local\'s', { timeout: 120_000 }, async () => {
    const expected = await localResult();
    const session = await Session.create({ master: 'local[2]', conf: ['dataflow.ui.progress=false'] });
    try {
      // each executor holds its core's task and one queued (default dataflow.executor.queuedTasks=1)
      expect(session.driver.scheduler.executors().map((e) => e.slots)).toEqual([2, 2]);
      for (let run = 0; run < 2; run++) expect(await shuffleJob(session, 100).collect()).toEqual(expected);
      const stats = await session.driver.executorStats();
      expect(stats.reduce((n, s) => n + s.prefetchedBytes, 0)).toBeGreaterThan(0);
      // nothing fetched ahead is held once the tasks ended
      expect(stats.map((s) => s.prefetchesHeld)).toEqual([0, 0]);
    } finally {
      await session.stop();
    }
  });

  it('local[2] with dataflow.executor.queuedTasks=0: an executor holds only the task it runs, nothing is fetched ahead', { timeout: 120_000 }, async () => {
    const expected = await localResult();
    const session = await Session.create({ master: 'local[2]', conf: ['dataflow.ui.progress=false', 'dataflow.executor.queuedTasks=0'] });
    try {
      expect(session.driver.scheduler.executors().map((e) => e.slots)).toEqual([1, 1]);
      expect(await shuffleJob(session, 20).collect()).toEqual(expected);
      const stats = await session.driver.executorStats();
      expect(stats.map((s) => s.prefetchedBytes)).toEqual([0, 0]);
    } finally {
      await session.stop();
    }
  });

  it('a peer killed while a queued task\'s prefetch waits on it: the job recomputes its outputs and gives local\'s result', { timeout: 180_000 }, async () => {
    const expected = await localResult();
    // The victim delays every frame it sends by 600 ms: its block server's answer to a prefetch is
    // still on its way when it is killed, right after the reduce stage queued a task on the other.
    const cluster = await TestCluster.start({
      executors: 2, networkTimeoutMs: 4_000,
      executor: (i) => (i === 1 ? { id: 'victim', chaos: 'delay-ms:600,seed:1' } : { id: 'survivor' }),
    });
    try {
      const session = await cluster.session({ executors: 2 });
      try {
        const result = shuffleJob(session, 300).collect();
        const mapStage = (): number | undefined => commandsOf(session, 'StageSubmitted')[0]?.stageId;
        const queuedReduceOnSurvivor = (): boolean => commandsOf(session, 'LaunchTask')
          .filter((c) => c.task.stageId !== mapStage() && c.task.executorId === 'survivor').length >= 2;
        const deadline = Date.now() + 60_000;
        while (!queuedReduceOnSurvivor()) {
          if (Date.now() > deadline) throw new Error(`no reduce task was queued on the survivor within 60 s: ${JSON.stringify(session.driver.history.slice(-20))}`);
          await new Promise((r) => setTimeout(r, 5));
        }
        await cluster.executors.get('victim')!.kill('SIGKILL');
        expect(await result).toEqual(expected);
        // the victim's map outputs were run again (its loss, or a reducer's FetchFailed, said so)
        const resubmitted = commandsOf(session, 'StageResubmitted').filter((c) => c.stageId === mapStage());
        expect(resubmitted.length, JSON.stringify(session.driver.history.filter((c) => c.type !== 'LaunchTask'))).toBeGreaterThan(0);
        expect((await session.driver.executorStats()).map((s) => s.prefetchesHeld)).toEqual([0]);
      } finally {
        await session.stop();
      }
    } finally {
      await cluster.stop();
    }
  });
});
