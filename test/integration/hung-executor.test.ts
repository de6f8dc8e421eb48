// A hung executor (SIGSTOP: its sockets stay open, nothing answers) while reducers on the other
// executors fetch its shuffle blocks, on a standalone cluster of real processes. Their fetches must
// give up after the network timeout (FetchFailed, naming the executor), its map outputs are
// recomputed elsewhere, and the job ends with the fault-free result instead of stalling until the
// process is continued. The same for cached partitions other executors read from it (recomputed).
// Prints the time from the stop to the result.

import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { Session, count, sum, min } from '../../engine/index.ts';
import type { Dataset, Row } from '../../engine/index.ts';
import { TestCluster, commandsOf, waitUntil } from '../helpers/cluster.ts';

/** 12 map tasks → 6 reduce tasks that sleep `reduceMs` each (two waves on three 1-core executors) → 3. */
function shuffleJob(session: Session, reduceMs: number): Dataset<Row> {
  return session.range(0, 24_000, { numPartitions: 12 })
    .map((r) => ({ k: Number(r.id) % 101, v: (Number(r.id) * 7919) % 1000, id: Number(r.id) }))
    .repartition(['k'], { numPartitions: 6 })
    .mapPartitions((rows) => { if (reduceMs > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, reduceMs); return rows; }, { reduceMs })
    .aggregateByKey(['k'], { n: count(), total: sum('v'), first: min('id') }, { numPartitions: 3 });
}

const byKey = (rows: Row[]): Row[] => [...rows].sort((a, b) => Number(a.k) - Number(b.k));

/** Short enough for a quick test, long enough that a loaded machine does not lose healthy executors. */
const NETWORK_TIMEOUT_MS = 4_000;

describe('a hung executor does not stall a shuffle (master + 3 executors as processes)', () => {
  let cluster: TestCluster;
  let expected: Row[];

  beforeAll(async () => {
    const local = await Session.create({ master: 'local', conf: ['dataflow.ui.progress=false'] });
    try {
      expected = byKey(await shuffleJob(local, 0).collect());
    } finally {
      await local.stop();
    }
    expect(expected).toHaveLength(101);
    cluster = await TestCluster.start({ executors: 3, networkTimeoutMs: NETWORK_TIMEOUT_MS });
  });
  afterAll(async () => { await cluster?.stop(); });

  it('finishes within the network timeout plus the recompute when an executor is stopped while others fetch its blocks', async () => {
    const session = await cluster.session({ executors: 3 });
    let victim: { pid: number; id: string } | undefined;
    try {
      // a first run: every executor's task thread now holds an open connection to each other's
      // block server (a hung peer's new connections fail in the handshake; open ones used to wait forever)
      expect(byKey(await shuffleJob(session, 0).collect())).toEqual(expected);
      const before = session.driver.history.length;
      const result = shuffleJob(session, 600).collect();
      // the reduce stage starts: stop an executor that wrote map outputs. The reducers of the first
      // wave on the others may have read its blocks already; the second wave (600 ms later) cannot.
      let mapStage = -1;
      // commands of the second job only
      const since = <T extends Parameters<typeof commandsOf>[1]>(type: T): ReturnType<typeof commandsOf<T>> =>
        commandsOf(session, type).filter((c) => session.driver.history.indexOf(c) >= before);
      await waitUntil(() => {
        const launches = since('LaunchTask');
        if (launches.length === 0) return false;
        mapStage = launches[0]!.task.stageId;
        return launches.some((c) => c.task.stageId !== mapStage);
      }, 'a task of the reduce stage', 30_000);
      const reduceStage = since('LaunchTask').find((c) => c.task.stageId !== mapStage)!.task.stageId;
      const writers = new Set(since('LaunchTask').filter((c) => c.task.stageId === mapStage).map((c) => c.task.executorId));
      const id = [...writers].sort()[0]!;
      const handle = cluster.executors.get(id)!;
      victim = { pid: handle.pid, id };
      process.kill(handle.pid, 'SIGSTOP');
      const stoppedAt = Date.now();

      expect(byKey(await result)).toEqual(expected);
      const seconds = (Date.now() - stoppedAt) / 1000;
      console.log(`hung executor: job finished ${seconds.toFixed(1)} s after ${id} was stopped (network timeout ${NETWORK_TIMEOUT_MS / 1000} s)`);
      expect(seconds).toBeLessThan(60); // no indefinite stall (it stalled until SIGCONT before)

      const notLaunches = JSON.stringify(session.driver.history.filter((c) => c.type !== 'LaunchTask'));
      // the map outputs of the stopped executor were recomputed, on the others
      const mapReruns = commandsOf(session, 'StageResubmitted').filter((c) => c.stageId === mapStage);
      expect(mapReruns.length, notLaunches).toBeGreaterThan(0);
      for (const c of mapReruns) expect('executorId' in c.because && c.because.executorId).toBe(id);
      const ranOnVictim = commandsOf(session, 'LaunchTask').filter((c) => c.task.stageId === mapStage && c.task.executorId === id).map((c) => c.task.partition);
      expect(new Set(mapReruns.flatMap((c) => c.partitions))).toEqual(new Set(ranOnVictim));
      // a reducer on another executor gave up its fetch from the stopped one: FetchFailed, unreachable
      const fetchFailures = commandsOf(session, 'StageResubmitted').filter((c) => c.stageId === reduceStage && c.because.kind === 'FetchFailed');
      expect(fetchFailures.length, notLaunches).toBeGreaterThan(0);
      for (const { because } of fetchFailures) {
        expect(because).toMatchObject({ kind: 'FetchFailed', executorId: id, unreachable: true });
        expect(because.message).toMatch(new RegExp(`from executor ${id} at .*(stopped answering|handshake)`));
      }
    } finally {
      await session.stop();
      if (victim) {
        // no orphan: continue the stopped process (it finds its master gone and exits) or kill it
        process.kill(victim.pid, 'SIGCONT');
        await cluster.executors.get(victim.id)!.kill('SIGTERM', 3_000);
      }
    }
  });

  it('reads a cached partition of a stopped executor by recomputing it, after the network timeout', async () => {
    await cluster.topUp(3);
    // no locality wait: tasks go to any free executor and fetch the cached partitions held elsewhere
    const session = await cluster.session({ executors: 3, conf: ['dataflow.locality.waitMs=0'] });
    let victim: { pid: number; id: string } | undefined;
    try {
      const source = (s: Session): Dataset<Row> => s.range(0, 12_000, { numPartitions: 6 }).map((r) => ({ k: Number(r.id) % 13, v: Number(r.id) }));
      const summed = (ds: Dataset<Row>): Promise<Row[]> => ds.aggregateByKey(['k'], { n: count(), total: sum('v') }, { numPartitions: 2 }).collect();
      const local = await Session.create({ master: 'local', conf: ['dataflow.ui.progress=false'] });
      let want: Row[];
      try { want = byKey(await summed(source(local))); } finally { await local.stop(); }

      const cached = source(session).cache();
      const before = session.driver.history.length;
      expect(await cached.count()).toBe(12_000);
      const holders = commandsOf(session, 'LaunchTask').filter((c) => session.driver.history.indexOf(c) >= before).map((c) => c.task.executorId);
      // open connections between every pair of executors, as a running application has them
      expect(byKey(await shuffleJob(session, 0).collect())).toEqual(expected);
      // the executor holding the most cached partitions: its first one waits in its own (stopped)
      // slot, the others go to the free executors, which fetch them from it
      const held = (e: string): number => holders.filter((h) => h === e).length;
      const id = [...new Set(holders)].sort((a, b) => held(b) - held(a) || (a < b ? -1 : 1))[0]!;
      expect(held(id)).toBeGreaterThanOrEqual(2);
      const handle = cluster.executors.get(id)!;
      victim = { pid: handle.pid, id };
      process.kill(handle.pid, 'SIGSTOP');
      const stoppedAt = Date.now();

      expect(byKey(await summed(cached))).toEqual(want);
      const seconds = (Date.now() - stoppedAt) / 1000;
      console.log(`hung executor: cached read finished ${seconds.toFixed(1)} s after ${id} was stopped (network timeout ${NETWORK_TIMEOUT_MS / 1000} s)`);
      expect(seconds).toBeLessThan(60);
    } finally {
      await session.stop();
      if (victim) {
        process.kill(victim.pid, 'SIGCONT');
        await cluster.executors.get(victim.id)!.kill('SIGTERM', 3_000);
      }
    }
  });
});
