// Out-of-core operators on real executor processes: with a memory budget of a few MB every
// spilling operator (sortBy, aggregateByKey, reduceByKey, distinct, groupByKey, join) writes spill files and still
// gives exactly the result of the same job held in memory, on local and local[2]; spill files
// are gone after tasks that succeed and tasks that fail; a work directory that fills up while
// spilling fails the task with a message naming the executor and the path, and the task is
// retried on another executor.

import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Session, count, max, mean, sum, JobFailedError } from '../../engine/index.ts';
import type { Dataset, JobMetrics, Row } from '../../engine/index.ts';

const TINY = 'dataflow.executor.memory=512k'; // 0.3 MB per task: every operator below spills

const ROWS = 60_000;

function data(session: Session): Dataset<Row> {
  return session.range(0, ROWS, { numPartitions: 4 })
    .map((r) => ({ id: r.id, k: (r.id * 7919) % 50_000, v: ((r.id * 31) % 1000) / 7 }))
    .cache();
}

const jobs: Record<string, (d: Dataset<Row>) => Promise<Row[]>> = {
  sortBy: (d) => d.sortBy([{ column: 'v', ascending: false }], { numPartitions: 2 }).collect(),
  aggregateByKey: (d) => d.aggregateByKey(['k'], { n: count(), s: sum('v'), m: mean('v'), hi: max('v') }, { numPartitions: 2 }).collect(),
  reduceByKey: (d) => d.select('k', 'v').reduceByKey(['k'], (a, b) => ({ v: Number(a.v) + Number(b.v) }), { numPartitions: 2 }).collect(),
  distinct: (d) => d.select('k', 'v').distinct({ numPartitions: 1 }).collect(),
  groupByKey: (d) => d.select('k', 'v').groupByKey(['k'], { numPartitions: 2 }).collect(),
  // a full join: keys 20,000..59,999 on the right, some twice; unmatched rows on both sides
  join: (d) => d.select('id', 'k').join(d.map((r) => ({ k: (Number(r.id) % 40_000) + 20_000, w: r.v })), ['k'], { how: 'full', numPartitions: 2 }).collect(),
};

async function runAll(session: Session): Promise<{ results: Record<string, Row[]>; metrics: Record<string, JobMetrics | undefined> }> {
  const d = data(session);
  await d.count();
  const results: Record<string, Row[]> = {};
  const metrics: Record<string, JobMetrics | undefined> = {};
  for (const [name, job] of Object.entries(jobs)) {
    results[name] = await job(d);
    metrics[name] = session.lastJobMetrics;
  }
  return { results, metrics };
}

async function within(ms: number, ok: () => boolean): Promise<void> {
  const end = Date.now() + ms;
  while (!ok() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
}

/** Task spill folders anywhere under a session's work directory. */
function spillLeftovers(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (!statSync(path).isDirectory()) continue;
    if (entry.startsWith('task-') && dir.endsWith('spill')) out.push(path);
    else out.push(...spillLeftovers(path));
  }
  return out;
}

describe('spilling operators under a tiny memory budget', () => {
  let inMemory: Awaited<ReturnType<typeof runAll>>;
  beforeAll(async () => {
    const session = await Session.create({ master: 'local' });
    try {
      inMemory = await runAll(session);
    } finally {
      await session.stop();
    }
    for (const name of Object.keys(jobs)) expect(inMemory.metrics[name]!.spillBytes, name).toBe(0);
    expect(inMemory.results.sortBy).toHaveLength(ROWS);
    expect(inMemory.results.aggregateByKey).toHaveLength(50_000);
  }, 120_000);

  const expectSameAsInMemory = (spilled: Awaited<ReturnType<typeof runAll>>, master: string): void => {
    for (const name of Object.keys(jobs)) {
      const m = spilled.metrics[name]!;
      expect(m.spillBytes, `${name} on ${master}`).toBeGreaterThan(0);
      expect(m.stages.reduce((sum, st) => sum + st.spillBytes, 0)).toBe(m.spillBytes);
      expect(spilled.results[name], `${name} on ${master}`).toEqual(inMemory.results[name]);
    }
  };

  it('spill on local and give the in-memory result; no spill files remain', async () => {
    const session = await Session.create({ master: 'local', conf: [TINY] });
    try {
      expectSameAsInMemory(await runAll(session), 'local');
      expect(spillLeftovers(session.workDir)).toEqual([]);
    } finally {
      await session.stop();
    }
  }, 120_000);

  it('spill on local[2] and give the in-memory result; a failed task leaves no spill files; a full disk moves the task', async () => {
    const session = await Session.create({ master: 'local[2]', conf: [TINY] });
    const unmount: Array<() => void> = [];
    try {
      expectSameAsInMemory(await runAll(session), 'local[2]');
      expect(spillLeftovers(session.workDir)).toEqual([]);

      // A task that fails after its sort spilled removes its files (the other partition's task
      // may still be running when the job fails: its files go when it ends).
      const failing = data(session).sortBy([{ column: 'v', ascending: true }], { numPartitions: 2 })
        .map((r) => { if (r.id === 123) throw new Error('row 123 is bad'); return r; });
      await expect(failing.count()).rejects.toThrow(/row 123 is bad/);
      await within(10_000, () => spillLeftovers(session.workDir).length === 0);
      expect(spillLeftovers(session.workDir)).toEqual([]);

      // exec-1's spill folder on a disk too small: the job's tasks that spill there (the map side
      // of the sort's shuffle spills too) fail for want of disk and run again on exec-2.
      const full = tinyDisk(join(session.workDir, 'exec-1', 'app-local', 'spill'));
      if (!full) {
        console.warn('skipped the full-disk part: mounting a tmpfs needs root');
        return;
      }
      unmount.push(full);
      const launchedBefore = session.driver.history.length;
      const sorted = await data(session).sortBy([{ column: 'id', ascending: false }], { numPartitions: 2 }).collect();
      expect(sorted.map((r) => r.id)).toEqual(Array.from({ length: ROWS }, (_, i) => ROWS - 1 - i));
      const launches = session.driver.history.slice(launchedBefore).flatMap((c) => (c.type === 'LaunchTask' ? [c.task] : []));
      const byTask = new Map<string, string[]>();
      for (const t of launches) byTask.set(`${t.stageId}/${t.partition}`, [...(byTask.get(`${t.stageId}/${t.partition}`) ?? []), t.executorId]);
      expect([...byTask.values()].some((execs) => execs.length > 1 && execs[0] === 'exec-1' && execs.at(-1) === 'exec-2'), JSON.stringify([...byTask])).toBe(true);

      // With both executors' disks full the job fails, and says where and why.
      const second = tinyDisk(join(session.workDir, 'exec-2', 'app-local', 'spill'));
      if (second) unmount.push(second);
      const error = await data(session).sortBy([{ column: 'v', ascending: false }], { numPartitions: 2 }).count().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JobFailedError);
      const causes = (error as JobFailedError).failure.causes;
      expect(causes.every((c) => c.kind === 'ExecutorResourceExhausted')).toBe(true);
      expect(causes.map((c) => c.message).join('\n')).toMatch(/executor exec-[12] could not spill to \S*exec-[12]\/app-local\/spill\/task-\S+: the disk is full \(ENOSPC\)/);
      // Tasks of two partitions failed on each for want of disk: both are excluded, and the job says so.
      // exec-1 was excluded after tasks of two partitions failed there for want of disk, so exec-2
      // alone ran this job, and its full disk ends it naming the path.
      const excluded = session.driver.history.flatMap((c) => (c.type === 'ExecutorExcluded' ? [c] : []));
      expect(excluded.map((c) => c.executorId)).toEqual(['exec-1']);
      expect(excluded[0]!.message).toMatch(/executor exec-1 is excluded for this application: tasks of 2 partitions failed there for want of a resource \(last: executor exec-1 could not spill .*ENOSPC/);
      expect((error as JobFailedError).failure.message).toMatch(/last failure: executor exec-2 could not spill to \S*exec-2\/app-local\/spill\/\S+: the disk is full \(ENOSPC\)/);
      expect((error as JobFailedError).failure.message).toMatch(/so it spills less\. Each attempt ran out of a resource on its executor/);
    } finally {
      for (const u of unmount) u();
      await session.stop();
    }
  }, 240_000);
});

/** Mounts a tmpfs of 128 KB on `dir` (root only); returns how to unmount it, or undefined when that is not possible here. */
function tinyDisk(dir: string): (() => void) | undefined {
  try {
    mkdirSync(dir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=128k', 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  return () => execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
}
