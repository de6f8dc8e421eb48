// Executors on separate network hosts: each executor runs in its own Linux network namespace, joined
// to a bridge in the root namespace by a veth pair, with addresses in a private /24 that exists only
// on these links (created and removed by the test). The master and the driver listen on the bridge
// address. Mid-job one executor's link is taken down: no packet gets through any more, nothing is
// reset, so only the heartbeat timeout can notice; the job must still finish with the right result.
// Needs root and `ip netns`; skipped with a message elsewhere.

import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { Session, count, sum, min } from '../../engine/index.ts';
import type { Dataset, Row } from '../../engine/index.ts';
import { TestCluster, commandsOf, waitUntil } from '../helpers/cluster.ts';
import type { ExecutorProcess } from '../helpers/cluster.ts';
import { NetnsLab, ip } from '../helpers/netns.ts';

const EXECUTORS = 3;
const lab = new NetnsLab('n', 231, EXECUTORS);
const BRIDGE_ADDRESS = lab.bridgeAddress;
const nsAddress = (i: number): string => lab.nsAddress(i);
const hostVeth = (i: number): string => lab.hostVeth(i);

const unsupported = lab.whyUnsupported();
if (unsupported) console.warn(`netns.test.ts skipped: ${unsupported}`);

/** 12 slow map tasks → shuffle by key → 4 tasks → aggregate (as in recovery.test.ts). */
function shuffleJob(session: Session, mapMs: number): Dataset<Row> {
  return session.range(0, 12_000, { numPartitions: 12 })
    .mapPartitions((rows) => { if (mapMs > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, mapMs); return rows; }, { mapMs })
    .map((r) => ({ k: Number(r.id) % 53, v: (Number(r.id) * 31) % 977, id: Number(r.id) }))
    .repartition(['k'], { numPartitions: 4 })
    .aggregateByKey(['k'], { n: count(), total: sum('v'), first: min('id') }, { numPartitions: 2 });
}

const byKey = (rows: Row[]): Row[] => [...rows].sort((a, b) => Number(a.k) - Number(b.k));

describe.skipIf(unsupported !== undefined)('executors in separate network namespaces', () => {
  let cluster: TestCluster | undefined;
  const executors: ExecutorProcess[] = [];

  beforeAll(async () => {
    lab.setup();
    try {
      cluster = await TestCluster.start({ executors: 0, masterHost: BRIDGE_ADDRESS, networkTimeoutMs: 2_000 });
      for (let i = 0; i < EXECUTORS; i++) {
        executors.push(await cluster.startExecutor({ id: `ns-exec-${i}`, host: nsAddress(i), prefix: lab.prefix(i) }));
      }
    } catch (error) {
      await cluster?.stop();
      lab.teardown();
      throw error;
    }
  });

  afterAll(async () => {
    try {
      await cluster?.stop();
    } finally {
      lab.teardown();
    }
    expect(lab.leftovers()).toBe(false);
  });

  it('registers executors from their own addresses', () => {
    for (let i = 0; i < EXECUTORS; i++) {
      expect(cluster!.master.stdout).toMatch(new RegExp(`executor ns-exec-${i} registered with 1 cores from ${nsAddress(i).replace(/\./g, '\\.')}:\\d+`));
    }
  });

  it('finishes a job correctly when one executor\'s link goes down mid-job (lost by heartbeat timeout)', async () => {
    const local = await Session.create({ master: 'local', conf: ['dataflow.ui.progress=false'] });
    let expected: Row[];
    try {
      expected = byKey(await shuffleJob(local, 0).collect());
    } finally {
      await local.stop();
    }

    const session = await Session.create({
      master: cluster!.url, secret: cluster!.secret,
      conf: [
        'dataflow.ui.progress=false', `dataflow.driver.host=${BRIDGE_ADDRESS}`,
        'dataflow.network.timeoutMs=2000', 'dataflow.network.heartbeatIntervalMs=250',
      ],
    });
    try {
      await waitUntil(() => session.driver.executorCount === EXECUTORS, `${EXECUTORS} executors in the application`, 30_000);
      const result = shuffleJob(session, 400).collect();
      await waitUntil(() => commandsOf(session, 'LaunchTask').length > EXECUTORS, 'a map task to finish', 30_000);
      const victimId = commandsOf(session, 'LaunchTask')[EXECUTORS]!.task.executorId;
      const victim = executors.findIndex((e) => e.id === victimId);
      expect(victim).toBeGreaterThanOrEqual(0);
      ip('link', 'set', hostVeth(victim), 'down');

      expect(byKey(await result)).toEqual(expected);
      const lost = commandsOf(session, 'StageResubmitted').filter((c) => c.because.kind === 'ExecutorLost');
      expect(lost.length, JSON.stringify(session.driver.history.filter((c) => c.type !== 'LaunchTask'))).toBeGreaterThan(0);
      for (const c of lost) {
        expect(c.because).toMatchObject({ executorId: victimId });
        expect(c.because.message).toMatch(/heartbeat timeout/);
      }
      // the master noticed too; the cut-off executor does not exit but redials the master, and
      // registers again (same id, from its own address) once its link is back
      await cluster!.master.waitFor(new RegExp(`executor ${victimId} lost: heartbeat timeout`), 10_000);
      expect(executors[victim]!.alive, executors[victim]!.output).toBe(true);
      ip('link', 'set', hostVeth(victim), 'up');
      const registered = new RegExp(`executor ${victimId} registered with 1 cores from ${nsAddress(victim).replace(/\./g, '\\.')}:\\d+`, 'g');
      await waitUntil(() => (cluster!.master.stdout.match(registered) ?? []).length >= 2, `${victimId} to register again after its link came back`, 30_000);
      expect(executors.filter((e) => e.alive)).toHaveLength(EXECUTORS);
    } finally {
      await session.stop();
    }
  });
});
