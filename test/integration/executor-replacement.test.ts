// A local[2] executor process that dies while running a task (SIGKILL, as the kernel's OOM killer
// sends) is named in the reason its task's retry carries, replaced by a new process, and the job
// completes; one that stops answering (SIGSTOP) is killed and replaced, never left behind; a job
// that kills every executor ends with a clear message once no replacement is
// left, without hanging and without leaving processes behind. Inside a memory cgroup, an executor
// that fills the memory is ended by the kernel's OOM killer, and the loss says so.

import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session, count, sum } from '../../engine/index.ts';
import type { Dataset, Row } from '../../engine/index.ts';
import { commandsOf, waitUntil } from '../helpers/cluster.ts';
import { BIN, ROOT, runCli } from '../helpers/cli.ts';
import { createMemoryCgroup } from '../helpers/memory-cgroup.ts';
import { memoryHog } from '../fixtures/memory-hog.ts';

const { pause, killProcess } = memoryHog;

/** 4 partitions of 1000 ids → `act(marker, ms)` on the one holding id 2500 (partition 2) → a shuffle → per key count and sum. */
function job(session: Session, act: (marker: string, ms: number) => void, marker: string, ms = 0): Dataset<Row> {
  return session.range(0, 4000, { numPartitions: 4 })
    .mapPartitions((rows) => {
      if (rows.some((r) => r.id === 2500)) act(marker, ms);
      return rows;
    }, { act, marker, ms })
    .map((r) => ({ k: Number(r.id) % 10, v: Number(r.id) }))
    .aggregateByKey(['k'], { n: count(), total: sum('v') }, { numPartitions: 2 });
}

const EXPECTED = Array.from({ length: 10 }, (_, k) => ({ k, n: 400, total: 400 * k + 10 * (399 * 400) / 2 }));
const byKey = (rows: Row[]): Row[] => [...rows].sort((a, b) => Number(a.k) - Number(b.k)).map((r) => ({ k: r.k, n: Number(r.n), total: Number(r.total) }));

/** Pids of this process's children that are dataflow executors. */
function executorChildren(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && readFileSync(`/proc/${name}/cmdline`, 'utf8').includes('--executor-id')) pids.push(Number(name));
    } catch { /* gone meanwhile */ }
  }
  return pids;
}

describe('executor processes that die on local[2]', () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'dataflow-replace-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('replaces a process SIGKILLed while running a task, names it, and the job completes', async () => {
    const session = await Session.create({ master: 'local[2]', conf: ['dataflow.ui.progress=false'] });
    try {
      const marker = join(dir, 'paused');
      const result = job(session, pause, marker, 60_000).collect();
      // the task writes its process's pid, then waits: kill that process as the OOM killer would
      await waitUntil(() => existsSync(marker) && readFileSync(marker, 'utf8').endsWith('\n'), 'the paused task', 30_000);
      const pid = Number(readFileSync(marker, 'utf8').trim());
      expect(executorChildren()).toContain(pid);
      process.kill(pid, 'SIGKILL');

      expect(byKey(await result)).toEqual(EXPECTED);
      const lost = session.lastJobMetrics!.taskFailures;
      expect(lost, JSON.stringify(lost)).toHaveLength(1);
      expect(lost[0]!.reason.kind).toBe('ExecutorLost');
      expect(lost[0]!.partition).toBe(2);
      expect(lost[0]!.reason.message).toMatch(
        /^its process was killed by SIGKILL while running task \d+ of stage \d+ \(partition 2, attempt 0\); replaced by exec-3$/,
      );
      const victim = lost[0]!.reason.kind === 'ExecutorLost' ? lost[0]!.reason.executorId : '';
      // the lost map output was recomputed (or never registered), and the replacement joins: the
      // next job runs tasks on it
      await waitUntil(() => session.driver.executorCount === 2, 'the replacement executor', 30_000);
      const before = commandsOf(session, 'LaunchTask').length;
      await session.range(0, 100, { numPartitions: 8 }).map((r) => ({ id: Number(r.id) })).count();
      const next = commandsOf(session, 'LaunchTask').slice(before).map((c) => c.task.executorId);
      expect(next).toContain('exec-3');
      expect(next).not.toContain(victim);
      expect(executorChildren()).not.toContain(pid);
      expect(executorChildren()).toHaveLength(2);
    } finally {
      await session.stop();
    }
    expect(executorChildren()).toEqual([]);
  });

  it('kills and replaces a process that stopped answering (SIGSTOP), so none is left behind', async () => {
    const session = await Session.create({ master: 'local[2]', conf: ['dataflow.ui.progress=false', 'dataflow.network.timeoutMs=5000'] });
    let pid = 0;
    try {
      const marker = join(dir, 'stopped');
      const result = job(session, pause, marker, 60_000).collect();
      await waitUntil(() => existsSync(marker) && readFileSync(marker, 'utf8').endsWith('\n'), 'the paused task', 30_000);
      pid = Number(readFileSync(marker, 'utf8').trim());
      process.kill(pid, 'SIGSTOP');

      expect(byKey(await result)).toEqual(EXPECTED);
      const lost = session.lastJobMetrics!.taskFailures;
      expect(lost.map((f) => [f.partition, f.attempt, f.reason.kind])).toEqual([[2, 0, 'ExecutorLost']]);
      expect(lost[0]!.reason.message).toMatch(
        /^connection closed: .+; its process did not exit within 3000 ms and was killed while running task \d+ of stage \d+ \(partition 2, attempt 0\); replaced by exec-3$/,
      );
      expect(executorChildren()).not.toContain(pid);
    } finally {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone, as it should be */ }
      await session.stop();
    }
    expect(executorChildren()).toEqual([]);
  });

  it('ends a job that kills every executor with a clear message once no replacement is left', async () => {
    const session = await Session.create({ master: 'local[2]', conf: ['dataflow.ui.progress=false', 'dataflow.executor.maxReplacements=1', 'dataflow.task.maxAttempts=6'] });
    try {
      const error = await job(session, killProcess, '').collect().then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(
        /^job \d+ failed: all executors are lost; the last one: executor exec-\d was lost \(its process was killed by SIGKILL while running task \d+ of stage \d+ \(partition 2, attempt 2\); not replaced: 1 lost executor was replaced already \(dataflow\.executor\.maxReplacements = 1\)\)$/,
      );
      const failures = session.lastJobMetrics!.taskFailures;
      expect(failures.map((f) => [f.partition, f.attempt, f.reason.kind])).toEqual([[2, 0, 'ExecutorLost'], [2, 1, 'ExecutorLost'], [2, 2, 'ExecutorLost']]);
      expect(failures[0]!.reason.message).toMatch(/; replaced by exec-3$/);
    } finally {
      await session.stop();
    }
    expect(executorChildren()).toEqual([]);
  });
});

/** The cgroup's limit: room for the driver and two executors with room to spare (a second executor was OOM-killed too at 700 MB under load, while the first one's memory was still being freed), not for two more gigabytes. */
const CGROUP_LIMIT_MB = 1000;
const FLOOD_MB = 2048;

describe('an executor process the OOM killer ends (dataflow submit --master local[2] inside a memory cgroup)', () => {
  const cgroup = createMemoryCgroup(`dataflow-test-oom-${process.pid}`, CGROUP_LIMIT_MB * 2 ** 20);
  if (!cgroup) console.log('skipping the OOM-killer test: no memory cgroup could be made here (it needs root and a memory controller)');
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'dataflow-cgroup-')); });
  afterAll(() => { rmSync(dir, { recursive: true, force: true }); cgroup?.remove(); });

  it.skipIf(!cgroup)('is named as killed by the OOM killer with the cgroup limit, replaced, and the job completes', async () => {
    const marker = join(dir, 'flooded');
    const result = await runCli([], {
      command: ['sh', '-c', `echo $$ > '${cgroup!.procs}' && exec "$0" "$@"`, process.execPath, BIN, 'submit',
        join(ROOT, 'test', 'fixtures', 'jobs', 'memory-flood-job.ts'), '--master', 'local[2]', '--conf', 'dataflow.ui.progress=false', '--', marker, String(FLOOD_MB)],
      timeoutMs: 120_000,
    });
    expect(result.code, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout.trim().split('\n').pop()!) as { rows: Row[]; failures: Array<{ partition: number; attempt: number; reason: { kind: string; message: string } }> };
    expect(byKey(out.rows)).toEqual(EXPECTED);
    expect(out.failures, result.stderr).toHaveLength(1);
    expect(out.failures[0]!.reason.kind).toBe('ExecutorLost');
    const lost = new RegExp(`^its process was killed by the OOM killer \\(cgroup limit ${CGROUP_LIMIT_MB} MB\\) while running task \\d+ of stage \\d+ \\(partition 2, attempt 0\\); replaced by exec-3$`);
    expect(out.failures[0]!.reason.message).toMatch(lost);
    // what the person running it sees on stderr
    expect(result.stderr).toMatch(new RegExp(`executor exec-\\d was lost \\(its process was killed by the OOM killer \\(cgroup limit ${CGROUP_LIMIT_MB} MB\\)\\); executor exec-3 replaces it`));
    expect(result.orphans).toEqual([]);
    expect(result.leftovers).toEqual([]);
  }, 150_000);
});
