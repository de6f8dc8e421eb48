// Executors on separate network hosts: each executor runs in its own Linux network namespace, joined
// to a bridge in the root namespace by a veth pair, with addresses in a private /24 that exists only
// on these links (created and removed by the test). The master and the driver listen on the bridge
// address. Mid-job one executor's link is taken down: no packet gets through any more, nothing is
// reset, so only the heartbeat timeout can notice; the job must still finish with the right result.
// Needs root and `ip netns`; skipped with a message elsewhere.

import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { Session, count, sum, min } from '../../engine/index.ts';
import type { Dataset, Row } from '../../engine/index.ts';
import { TestCluster, commandsOf, waitUntil } from '../helpers/cluster.ts';
import type { ExecutorProcess } from '../helpers/cluster.ts';

/** Short unique names (interface names are limited to 15 characters). */
const TAG = `df${process.pid % 100_000}`;
const SUBNET = `10.231.${process.pid % 250}`;
const BRIDGE = `${TAG}br`;
const EXECUTORS = 3;
const nsName = (i: number): string => `${TAG}n${i}`;
const hostVeth = (i: number): string => `${TAG}h${i}`;
const nsVeth = (i: number): string => `${TAG}e${i}`;
const nsAddress = (i: number): string => `${SUBNET}.${i + 2}`;
const BRIDGE_ADDRESS = `${SUBNET}.1`;

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Removes everything this test creates; safe to call at any point (and twice). */
function teardownNetwork(): void {
  for (let i = 0; i < EXECUTORS; i++) {
    try { ip('netns', 'del', nsName(i)); } catch { /* not there */ }
    try { ip('link', 'del', hostVeth(i)); } catch { /* went with its namespace */ }
  }
  try { ip('link', 'del', BRIDGE); } catch { /* not there */ }
}

/** Why this machine cannot run the test, or undefined when it can (tries a namespace and a veth pair). */
function whyUnsupported(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces are Linux-only';
  if (process.getuid?.() !== 0) return 'creating network namespaces needs root';
  const probe = `${TAG}p`;
  try {
    ip('netns', 'add', probe);
    ip('link', 'add', `${probe}a`, 'type', 'veth', 'peer', 'name', `${probe}b`);
    ip('link', 'add', `${probe}br`, 'type', 'bridge');
  } catch (error) {
    return `ip netns / veth / bridge not permitted here (${(error as Error).message.split('\n')[0]})`;
  } finally {
    try { ip('link', 'del', `${probe}a`); } catch { /* not created */ }
    try { ip('link', 'del', `${probe}br`); } catch { /* not created */ }
    try { ip('netns', 'del', probe); } catch { /* not created */ }
  }
  if (ip('-o', 'addr').includes(` ${SUBNET}.`)) return `subnet ${SUBNET}.0/24 is already in use on this machine`;
  return undefined;
}

const unsupported = whyUnsupported();
if (unsupported) console.warn(`netns.test.ts skipped: ${unsupported}`);

/** bridge in the root namespace ← veth → one namespace per executor. */
function setupNetwork(): void {
  process.once('exit', teardownNetwork);
  ip('link', 'add', BRIDGE, 'type', 'bridge');
  ip('addr', 'add', `${BRIDGE_ADDRESS}/24`, 'dev', BRIDGE);
  ip('link', 'set', BRIDGE, 'up');
  for (let i = 0; i < EXECUTORS; i++) {
    ip('netns', 'add', nsName(i));
    ip('link', 'add', hostVeth(i), 'type', 'veth', 'peer', 'name', nsVeth(i));
    ip('link', 'set', nsVeth(i), 'netns', nsName(i));
    ip('link', 'set', hostVeth(i), 'master', BRIDGE);
    ip('link', 'set', hostVeth(i), 'up');
    ip('-n', nsName(i), 'addr', 'add', `${nsAddress(i)}/24`, 'dev', nsVeth(i));
    ip('-n', nsName(i), 'link', 'set', nsVeth(i), 'up');
    ip('-n', nsName(i), 'link', 'set', 'lo', 'up');
  }
}

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
    teardownNetwork(); // leftovers of an earlier run killed mid-way
    setupNetwork();
    try {
      cluster = await TestCluster.start({ executors: 0, masterHost: BRIDGE_ADDRESS, networkTimeoutMs: 2_000 });
      for (let i = 0; i < EXECUTORS; i++) {
        executors.push(await cluster.startExecutor({ id: `ns-exec-${i}`, host: nsAddress(i), prefix: ['ip', 'netns', 'exec', nsName(i)] }));
      }
    } catch (error) {
      await cluster?.stop();
      teardownNetwork();
      throw error;
    }
  });

  afterAll(async () => {
    try {
      await cluster?.stop();
    } finally {
      teardownNetwork();
    }
    expect(ip('-o', 'link').includes(TAG)).toBe(false);
    expect(ip('netns', 'list').includes(TAG)).toBe(false);
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
