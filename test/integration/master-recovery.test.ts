// The standalone master is not a single point of failure (real processes on 127.0.0.1): a master
// SIGKILLed mid-job and restarted on the same address (with and without --recovery-dir) lets the
// job finish with the result of a run without the fault, and the next job runs on the same
// executor processes; an executor stopped (SIGSTOP) until it is declared lost and then continued
// rejoins and runs tasks of a later job.

import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, TestCluster, commandsOf, waitUntil } from '../helpers/cluster.ts';
import type { ProcessHandle, SubmitResult } from '../helpers/cluster.ts';

const SLOW_JOB = join(ROOT, 'test', 'fixtures', 'jobs', 'cluster-slow-job.ts');

/** Submits the slow job (16 map tasks of `taskMs`) and resolves once its application has registered with the master. */
async function submitSlowJob(cluster: TestCluster, taskMs: number): Promise<{ appId: string; done: Promise<SubmitResult> }> {
  const before = cluster.master.stdout.match(/application app-\S+ \(.*\) registered;/g)?.length ?? 0;
  let driver: ProcessHandle | undefined;
  const done = cluster.submit([SLOW_JOB, '--', String(taskMs)], { onStart: (p) => { driver = p; }, timeoutMs: 90_000 });
  const registered = await cluster.master.waitUntil(() => {
    const all = [...cluster.master.stdout.matchAll(/application (app-\S+) \(.*\) registered;/g)];
    return all.length > before ? all[before]![1] : undefined;
  }, 'the application registered', 60_000).catch(async (error: unknown) => { await driver?.kill('SIGKILL'); throw error; });
  return { appId: registered, done };
}

/** Waits until the driver has sent tasks to the executors (the master logs nothing of that; the executors' app folders tell). */
async function waitForTasks(cluster: TestCluster, appId: string): Promise<void> {
  await waitUntil(() => cluster.appDirs().filter((d) => d.endsWith(appId)).length === cluster.executors.size, `${appId} on every executor`, 60_000);
  await new Promise((r) => setTimeout(r, 1_000));
}

/** What the slow job prints, computed here: per key of 7, the count and sum of the ids 0..7999. */
function slowJobOutput(): string {
  const lines = ['keys: 7'];
  for (let k = 0; k < 7; k++) {
    let n = 0;
    let total = 0;
    for (let id = k; id < 8_000; id += 7) { n++; total += id; }
    lines.push(`k=${k} n=${n} total=${total}`);
  }
  return `${lines.join('\n')}\n`;
}

const pids = (cluster: TestCluster): Record<string, number> => Object.fromEntries([...cluster.executors].map(([id, e]) => [id, e.pid]));

describe('the master is not a single point of failure (master + 2 executors as processes)', () => {
  it('a master SIGKILLed mid-job and restarted with --recovery-dir: the job finishes with the same result, the next job runs on the same executors', { timeout: 180_000 }, async () => {
    // the master waits 10 s for drivers and executors to come back; executors and drivers notice a dead master at once
    const cluster = await TestCluster.start({ executors: 2, masterRecovery: true, masterNetworkTimeoutMs: 10_000 });
    try {
      const executorPids = pids(cluster);
      const { appId, done } = await submitSlowJob(cluster, 1_000);
      await waitForTasks(cluster, appId);
      const recorded = JSON.parse(readFileSync(join(cluster.recoveryDir, 'master-state.json'), 'utf8')) as { snapshot: { apps: Array<{ appId: string }> } };
      expect(recorded.snapshot.apps.map((a) => a.appId)).toEqual([appId]);
      await cluster.master.kill('SIGKILL');
      const master = await cluster.restartMaster();
      await master.waitFor(new RegExp(`recovered 1 applications \\(${appId}\\) and 2 executors \\(exec-1, exec-2\\)`));
      // each comes back on its own: the driver under its application id, the executors still serving it
      await master.waitFor(new RegExp(`application ${appId} \\(.*\\) registered again; driver at`), 30_000);
      for (const id of ['exec-1', 'exec-2']) await master.waitFor(new RegExp(`executor ${id} registered .*\\(known from before\\), still serving ${appId}`), 30_000);

      const faulted = await done;
      expect(faulted.code, faulted.stderr).toBe(0);
      expect(faulted.stdout).toBe(slowJobOutput());
      expect(faulted.stderr).toMatch(new RegExp(`lost the master at 127\\.0\\.0\\.1:${cluster.masterPort} .*application ${appId} keeps its 2 executors`));
      expect(faulted.stderr).toMatch(new RegExp(`application ${appId} registered again with the master`));
      expect(faulted.tmpLeftovers).toEqual([]);

      const next = await cluster.submit([SLOW_JOB, '--', '0']);
      expect(next.code, next.stderr).toBe(0);
      expect(next.stdout).toBe(faulted.stdout); // the same job without a fault
      expect(cluster.liveExecutors().map((e) => e.id).sort()).toEqual(['exec-1', 'exec-2']);
      expect(pids(cluster)).toEqual(executorPids); // none restarted
      expect(master.stdout).not.toMatch(/forgotten|did not register again/);
    } finally {
      await cluster.stop();
    }
  });

  it('a master restarted without a recovery folder adopts the running application and the executors that register again', { timeout: 120_000 }, async () => {
    const cluster = await TestCluster.start({ executors: 2 });
    try {
      const executorPids = pids(cluster);
      const { appId, done } = await submitSlowJob(cluster, 600);
      await waitForTasks(cluster, appId);
      await cluster.master.kill('SIGKILL');
      const master = await cluster.restartMaster();
      await master.waitFor(new RegExp(`application ${appId} \\(.*\\) registered again \\(unknown to this master: adopted\\)`), 30_000);
      const faulted = await done;
      expect(faulted.code, faulted.stderr).toBe(0);
      expect(faulted.stdout).toBe(slowJobOutput());
      expect(master.stdout).toMatch(/executor exec-1 registered/);
      expect(master.stdout).toMatch(/executor exec-2 registered/);
      expect(pids(cluster)).toEqual(executorPids);
      expect(cluster.liveExecutors()).toHaveLength(2);
    } finally {
      await cluster.stop();
    }
  });

  it('a master stopped on purpose (SIGTERM) while a driver is connected exits at once, waiting for no driver, and stops its executors', { timeout: 120_000 }, async () => {
    // a dropped driver is waited for 30 s; the master must not wait for the one whose connection its own stop closed
    const cluster = await TestCluster.start({ executors: 1, masterNetworkTimeoutMs: 30_000 });
    try {
      const session = await cluster.session({ executors: 1 });
      try {
        expect(await cluster.master.kill('SIGTERM', 10_000)).toEqual({ code: 0, signal: null }); // not the SIGKILL after 10 s
        const executor = cluster.executors.get('exec-1')!;
        const exit = await Promise.race([executor.exited, new Promise<'running'>((r) => setTimeout(() => r('running'), 15_000))]);
        expect(exit, executor.output).toEqual({ code: 0, signal: null });
      } finally {
        await session.stop();
      }
    } finally {
      await cluster.stop();
    }
  });

  it('an executor stopped (SIGSTOP) until the driver and master declare it lost rejoins once continued, and runs tasks of a later job', { timeout: 120_000 }, async () => {
    const cluster = await TestCluster.start({ executors: 2, networkTimeoutMs: 2_000 });
    const stopped = cluster.executors.get('exec-2')!;
    try {
      const session = await cluster.session({ executors: 2 });
      try {
        const job = () => session.range(0, 20_000, { numPartitions: 8 })
          .map((r) => ({ k: Number(r.id) % 5, v: Number(r.id) }))
          .reduceByKey(['k'], (a, b) => ({ v: Number(a.v) + Number(b.v) }))
          .collect();
        const expected = (await job()).sort((a, b) => Number(a.k) - Number(b.k));
        process.kill(stopped.pid, 'SIGSTOP');
        await waitUntil(() => session.driver.executorCount === 1, 'the driver declaring exec-2 lost', 30_000);
        await cluster.master.waitFor(/executor exec-2 lost/, 30_000);
        process.kill(stopped.pid, 'SIGCONT');
        await waitUntil(() => session.driver.executorCount === 2, 'exec-2 rejoining the application', 30_000);
        expect(cluster.master.stdout.match(/executor exec-2 registered/g)).toHaveLength(2);
        const launchedBefore = commandsOf(session, 'LaunchTask').length;
        const again = (await job()).sort((a, b) => Number(a.k) - Number(b.k));
        expect(again).toEqual(expected);
        const later = commandsOf(session, 'LaunchTask').slice(launchedBefore);
        expect(later.some((c) => c.task.executorId === 'exec-2'), `tasks of the later job: ${later.map((c) => c.task.executorId).join(' ')}`).toBe(true);
        expect(stopped.alive).toBe(true);
      } finally {
        await session.stop();
      }
    } finally {
      if (stopped.alive) process.kill(stopped.pid, 'SIGCONT');
      await cluster.stop();
    }
  });
});
