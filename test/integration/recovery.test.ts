// Fault tolerance on a standalone cluster of real processes: an executor killed (SIGKILL) during
// the map stage of a shuffle, one killed during a later stage so that the map outputs it held are
// lost, and executors started with --chaos. Each job must finish with exactly the result of a run
// without failures, and the scheduler's history must show the recomputation.

import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { Session, count, sum, min } from '../../engine/index.ts';
import type { Dataset, Row } from '../../engine/index.ts';
import { TestCluster, commandsOf, waitUntil } from '../helpers/cluster.ts';

/**
 * 12 map tasks (each sleeps `mapMs` without using the CPU, once per partition) → repartition by key
 * into 6 → 6 tasks that sleep `reduceMs` → aggregate into 3. Three stages, two shuffles. (A sleep
 * blocks a 1-core executor's only thread, heartbeats included: keep it well under the timeout.)
 */
function shuffleJob(session: Session, mapMs: number, reduceMs: number): Dataset<Row> {
  return session.range(0, 24_000, { numPartitions: 12 })
    .mapPartitions((rows) => { if (mapMs > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, mapMs); return rows; }, { mapMs })
    .map((r) => ({ k: Number(r.id) % 101, v: (Number(r.id) * 7919) % 1000, id: Number(r.id) }))
    .repartition(['k'], { numPartitions: 6 })
    .mapPartitions((rows) => { if (reduceMs > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, reduceMs); return rows; }, { reduceMs })
    .aggregateByKey(['k'], { n: count(), total: sum('v'), first: min('id') }, { numPartitions: 3 });
}

const byKey = (rows: Row[]): Row[] => [...rows].sort((a, b) => Number(a.k) - Number(b.k));

/** The stage that writes the job's first shuffle: the first stage the scheduler submits. */
function firstStageId(session: Session): number {
  return commandsOf(session, 'StageSubmitted')[0]!.stageId;
}

describe('recovery from lost executors (master + 3 executors as processes)', () => {
  let cluster: TestCluster;
  let expected: Row[];

  beforeAll(async () => {
    const local = await Session.create({ master: 'local', conf: ['dataflow.ui.progress=false'] });
    try {
      expected = byKey(await shuffleJob(local, 0, 0).collect());
    } finally {
      await local.stop();
    }
    expect(expected).toHaveLength(101);
    // SIGKILL is noticed at once (the connection closes); the heartbeat timeout only has to survive
    // a loaded machine while tasks block an executor's only thread for a few hundred ms
    cluster = await TestCluster.start({ executors: 3, networkTimeoutMs: 4_000 });
  });
  afterAll(async () => { await cluster?.stop(); });

  it('finishes with the same result when an executor is SIGKILLed during the map stage', async () => {
    await cluster.topUp(3);
    const session = await cluster.session({ executors: 3 });
    try {
      const result = shuffleJob(session, 300, 50).collect();
      // once some executor got a 4th map task, one of the first three finished: kill its executor,
      // whose map output is then lost along with the task it is running
      await waitUntil(() => commandsOf(session, 'LaunchTask').length > 3, 'a 4th map task', 30_000);
      const mapStage = firstStageId(session);
      const victim = commandsOf(session, 'LaunchTask')[3]!.task.executorId;
      expect(commandsOf(session, 'LaunchTask')[3]!.task.stageId).toBe(mapStage);
      await cluster.executors.get(victim)!.kill('SIGKILL');

      expect(byKey(await result)).toEqual(expected);
      const resubmitted = commandsOf(session, 'StageResubmitted').filter((c) => c.stageId === mapStage);
      expect(resubmitted.length, JSON.stringify(session.driver.history.filter((c) => c.type !== 'LaunchTask'))).toBeGreaterThan(0);
      expect(resubmitted.map((c) => c.because.kind)).toContain('ExecutorLost');
      expect(resubmitted.every((c) => 'executorId' in c.because && c.because.executorId === victim)).toBe(true);
      // no task ran on the dead executor after its loss was noticed, and the others did the work
      const launchedAfter = commandsOf(session, 'LaunchTask').slice(4).map((c) => c.task.executorId);
      expect(new Set(launchedAfter).size).toBeGreaterThanOrEqual(2);
    } finally {
      await session.stop();
    }
  });

  it('recomputes lost map outputs when an executor dies during a later stage', async () => {
    await cluster.topUp(3);
    const session = await cluster.session({ executors: 3 });
    try {
      const result = shuffleJob(session, 50, 300).collect();
      // wait for the second stage (it reads the first shuffle) to start, then kill an executor that
      // wrote map outputs of the first stage: reducers elsewhere can no longer fetch its blocks
      let mapStage = -1;
      await waitUntil(() => {
        const launches = commandsOf(session, 'LaunchTask');
        if (launches.length === 0) return false;
        mapStage = firstStageId(session);
        return launches.some((c) => c.task.stageId !== mapStage);
      }, 'a task of the second stage', 30_000);
      const mapWriters = new Set(commandsOf(session, 'LaunchTask').filter((c) => c.task.stageId === mapStage).map((c) => c.task.executorId));
      const secondStage = commandsOf(session, 'LaunchTask').find((c) => c.task.stageId !== mapStage)!.task;
      const victim = [...mapWriters].find((id) => id !== secondStage.executorId) ?? secondStage.executorId;
      await cluster.executors.get(victim)!.kill('SIGKILL');

      expect(byKey(await result)).toEqual(expected);
      const resubmitted = commandsOf(session, 'StageResubmitted').filter((c) => c.stageId === mapStage);
      expect(resubmitted.length, JSON.stringify(session.driver.history.filter((c) => c.type !== 'LaunchTask'))).toBeGreaterThan(0);
      for (const c of resubmitted) {
        expect(['ExecutorLost', 'FetchFailed']).toContain(c.because.kind);
        expect('executorId' in c.because && c.because.executorId).toBe(victim);
      }
      // only the lost map partitions ran again, not the whole stage
      const rerun = resubmitted.flatMap((c) => c.partitions);
      const ranOnVictim = commandsOf(session, 'LaunchTask').filter((c) => c.task.stageId === mapStage && c.task.executorId === victim).map((c) => c.task.partition);
      expect(new Set(rerun)).toEqual(new Set(ranOnVictim));
      expect(new Set(rerun).size).toBeLessThan(12);
    } finally {
      await session.stop();
    }
  });

  it('keeps the partitions of a shuffle sized by data when an executor holding its map outputs dies', async () => {
    const conf = ['dataflow.shuffle.targetPartitionBytes=64k'];
    const sized = (session: Session): Dataset<Row> => session.range(0, 60_000, { numPartitions: 12 })
      .map((r) => ({ k: Number(r.id) % 20_000, v: Number(r.id) % 13 }))
      .aggregateByKey(['k'], { n: count(), total: sum('v') }); // no count given: cut by size
    const local = await Session.create({ master: 'local', conf: ['dataflow.ui.progress=false', ...conf] });
    let onLocal: { rows: Row[]; partitions: number };
    try {
      const ds = sized(local);
      onLocal = { rows: await ds.collect(), partitions: 0 };
      onLocal.partitions = ds.numPartitions;
    } finally {
      await local.stop();
    }
    expect(onLocal.partitions).toBeGreaterThan(2);
    await cluster.topUp(3);
    const session = await cluster.session({ executors: 3, conf });
    try {
      const ds = sized(session);
      // same partitions and rows, in the same order, as on local
      expect(await ds.collect()).toEqual(onLocal.rows);
      expect(ds.numPartitions).toBe(onLocal.partitions);
      const mapStage = firstStageId(session);
      const writers = new Set(commandsOf(session, 'LaunchTask').filter((c) => c.task.stageId === mapStage).map((c) => c.task.executorId));
      const victim = [...writers][0]!;
      await cluster.executors.get(victim)!.kill('SIGKILL');
      await waitUntil(() => session.driver.executorCount === 2, 'the loss of the killed executor', 30_000);
      const launchedBefore = commandsOf(session, 'LaunchTask').length;
      // the lost map outputs are recomputed; the reduce side reads the ranges cut before
      expect(await ds.collect()).toEqual(onLocal.rows);
      expect(ds.numPartitions).toBe(onLocal.partitions);
      const resubmitted = commandsOf(session, 'StageResubmitted').filter((c) => c.stageId === mapStage);
      expect(resubmitted.map((c) => c.because.kind)).toContain('ExecutorLost');
      const resultTasks = commandsOf(session, 'LaunchTask').slice(launchedBefore).filter((c) => c.task.stageId !== mapStage);
      expect(new Set(resultTasks.map((c) => c.task.partition)).size).toBe(onLocal.partitions);
      expect(session.lastJobMetrics!.partitionCuts).toEqual([]); // no new cut
    } finally {
      await session.stop();
    }
  });

  it('gives the same result with executors started with --chaos seed:probability', async () => {
    // one plain executor stays up whatever happens; the chaos executors die at task starts chosen by
    // their seed (probability 1: at its first task), each at most once, so the job always ends
    for (const e of cluster.liveExecutors().slice(1)) await e.kill('SIGTERM');
    const chaotic = await Promise.all([cluster.startExecutor({ chaos: '11:1' }), cluster.startExecutor({ chaos: '12:0.5' })]);
    const session = await cluster.session({ executors: 3, conf: ['dataflow.task.maxAttempts=6', 'dataflow.stage.maxAttempts=6'] });
    try {
      expect(byKey(await shuffleJob(session, 50, 50).collect())).toEqual(expected);
      const sure = chaotic[0]!;
      await Promise.race([sure.exited, new Promise((r) => setTimeout(r, 5_000))]);
      expect(sure.exit?.signal, sure.output).toBe('SIGKILL');
      expect(sure.stderr).toMatch(/chaos: executor \d+ dies at task/);
      // its tasks were launched again elsewhere
      const lost = new Set(commandsOf(session, 'LaunchTask').filter((c) => c.task.executorId === sure.id).map((c) => `${c.task.stageId}:${c.task.partition}`));
      expect(lost.size).toBeGreaterThan(0);
      const reran = commandsOf(session, 'LaunchTask').filter((c) => c.task.executorId !== sure.id && lost.has(`${c.task.stageId}:${c.task.partition}`));
      expect(reran.length).toBeGreaterThanOrEqual(lost.size);
    } finally {
      await session.stop();
    }
  });
});
