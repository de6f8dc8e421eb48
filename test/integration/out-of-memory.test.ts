// Executors that run out of memory anyway, on local[2] with real processes: a task whose thread
// reaches its V8 heap limit fails as OutOfMemory (naming executor, heap limit, task and stage), the
// executor lives on with a new thread and the task is retried; one that always does fails the job
// with that message after maxTaskAttempts. When V8 ends the whole process instead (one allocation
// that cannot fit, such as a Map's new table), the process's loss says it ran out of memory and a
// new process replaces it. The cached partitions a thread that ran out held go with it (from disk
// too) and are recomputed.

import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session, count, sum } from '../../engine/index.ts';
import type { Dataset, Row } from '../../engine/index.ts';
import { JobFailedError } from '../../engine/cluster/driver.ts';
import { commandsOf, waitUntil } from '../helpers/cluster.ts';
import { memoryHog } from '../fixtures/memory-hog.ts';

/** Task threads inherit the executor's heap flags: a small heap makes the hog below fail in ~1 s. */
const SMALL_HEAP = 'dataflow.executor.extraNodeOptions=--max-old-space-size=128';

/**
 * 4 partitions of 1000 ids → a shuffle by `id % 10` → per key count and sum. The map task of the
 * partition holding `victim` fills its heap with small objects until V8 ends its thread — on its
 * first attempt only when `marker` is a path (the file records that it happened), on every attempt
 * when it is ''.
 */
function job(session: Session, victim: number, marker: string, hog: (marker: string) => void = fillHeap): Dataset<Row> {
  return session.range(0, 4000, { numPartitions: 4 })
    .mapPartitions((rows) => {
      if (rows.some((r) => r.id === victim)) hog(marker);
      return rows;
    }, { victim, marker, hog })
    .map((r) => ({ k: Number(r.id) % 10, v: Number(r.id) }))
    .aggregateByKey(['k'], { n: count(), total: sum('v') }, { numPartitions: 2 });
}

const { fillHeap, growMap } = memoryHog;

const EXPECTED = Array.from({ length: 10 }, (_, k) => ({ k, n: 400, total: 400 * k + 10 * (399 * 400) / 2 }));
const byKey = (rows: Row[]): Row[] => [...rows].sort((a, b) => Number(a.k) - Number(b.k)).map((r) => ({ k: r.k, n: Number(r.n), total: Number(r.total) }));
const OOM_MESSAGE = /^executor (exec-\d+) ran out of memory \(heap limit (\d+) MB\) in task (\d+) of stage (\d+) \(partition (\d+), attempt (\d+)\)$/;

describe('a task thread that runs out of memory (local[2], --max-old-space-size=128)', () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'dataflow-oom-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is named, retried, and the job completes with the right result; the executor lives on', async () => {
    const session = await Session.create({ master: 'local[2]', conf: ['dataflow.ui.progress=false', SMALL_HEAP] });
    try {
      const marker = join(dir, 'first-attempt');
      expect(byKey(await job(session, 2500, marker).collect())).toEqual(EXPECTED);

      const metrics = session.lastJobMetrics!;
      expect(metrics.taskFailures, JSON.stringify(metrics)).toHaveLength(1);
      const [failure] = metrics.taskFailures;
      expect(failure!.reason.kind).toBe('OutOfMemory');
      const [, executorId, heapMb, taskId, stageId, partition, attempt] = OOM_MESSAGE.exec(failure!.reason.message) ?? [];
      expect(failure!.reason.message).toMatch(OOM_MESSAGE);
      // 128 MB of old space plus V8's young generation
      expect(Number(heapMb)).toBeGreaterThanOrEqual(128);
      expect(Number(heapMb)).toBeLessThan(256);
      expect([Number(stageId), Number(partition), Number(attempt)]).toEqual([failure!.stageId, 2, 0]);
      const launches = commandsOf(session, 'LaunchTask').map((c) => c.task).filter((t) => t.stageId === failure!.stageId && t.partition === 2);
      expect(launches.map((t) => t.attempt)).toEqual([0, 1]);
      expect(launches[0]!.taskId).toBe(Number(taskId));
      expect(launches[0]!.executorId).toBe(executorId);
      // retried on the other executor (the partition avoids the one that ran out while another lives)
      expect(launches[1]!.executorId).not.toBe(executorId);
      expect(metrics.stages.find((s) => s.stageId === failure!.stageId)!.failedTasks).toBe(1);

      // both executors are still there, the one that ran out included, and run the next job
      expect(session.driver.executorCount).toBe(2);
      expect(commandsOf(session, 'StageResubmitted')).toEqual([]);
      const again = await session.range(0, 100, { numPartitions: 4 }).map((r) => ({ id: Number(r.id) * 2 })).collect();
      expect(again.map((r) => r.id)).toEqual(Array.from({ length: 100 }, (_, i) => i * 2));
    } finally {
      await session.stop();
    }
  });

  it('fails the job after maxTaskAttempts with the out-of-memory message, not as an error of the job code', async () => {
    const session = await Session.create({ master: 'local[2]', conf: ['dataflow.ui.progress=false', SMALL_HEAP, 'dataflow.task.maxAttempts=2'] });
    try {
      const error = await job(session, 10, '').collect().then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(JobFailedError);
      const failure = (error as JobFailedError).failure;
      expect(failure.causes.map((c) => c.kind)).toEqual(['OutOfMemory', 'OutOfMemory']);
      expect(failure.message).toMatch(
        /^Partition 0 of stage \d+ failed 2 times \(maxTaskAttempts = 2\); last failure: executor exec-\d ran out of memory \(heap limit \d+ MB\) in task \d+ of stage \d+ \(partition 0, attempt 1\)\. The task needs more memory than an executor gives it: /,
      );
      expect(failure.message).not.toContain("the job's code threw");
      // the two attempts ran on the two executors, which are both still alive
      const executors = failure.causes.map((c) => (c.kind === 'OutOfMemory' ? c.executorId : ''));
      expect(new Set(executors).size).toBe(2);
      expect(session.driver.executorCount).toBe(2);
    } finally {
      await session.stop();
    }
  });

  it('names a process that V8 ended for want of heap, replaces it, and the job completes', async () => {
    const session = await Session.create({ master: 'local[2]', conf: ['dataflow.ui.progress=false', SMALL_HEAP] });
    try {
      expect(byKey(await job(session, 2500, join(dir, 'map-grown'), growMap).collect())).toEqual(EXPECTED);
      const failures = session.lastJobMetrics!.taskFailures;
      expect(failures, JSON.stringify(failures)).toHaveLength(1);
      expect(failures[0]!.reason).toMatchObject({ kind: 'ExecutorLost', outOfMemory: true });
      expect(failures[0]!.reason.message).toMatch(
        /^its process ran out of memory \(heap limit (1[3-9]\d|2[0-5]\d) MB\) while running task \d+ of stage \d+ \(partition 2, attempt 0\); replaced by exec-3$/,
      );
      await waitUntil(() => session.driver.executorCount === 2, 'the replacement executor', 30_000);
    } finally {
      await session.stop();
    }
  });

  it('drops the cached partitions a thread that ran out held, on disk too; they are recomputed', async () => {
    const session = await Session.create({
      master: 'local[2]',
      // 100 KB of cache memory per thread; a task waits for the executor holding its cached input
      conf: ['dataflow.ui.progress=false', SMALL_HEAP, 'dataflow.executor.memory=512k', 'dataflow.locality.waitMs=60000'],
    });
    // exec-N/app-local/cache/thread-T/cache-C-P.arrow: partition P that did not fit thread T's memory
    const onDisk = (): Array<{ folder: string; executor: string; partition: number }> => readdirSync(session.workDir).filter((e) => e.startsWith('exec-'))
      .flatMap((executor) => {
        const dir = join(session.workDir, executor, 'app-local', 'cache');
        return (existsSync(dir) ? readdirSync(dir) : []).flatMap((thread) => readdirSync(join(dir, thread))
          .map((f) => /^cache-\d+-(\d+)\.arrow/.exec(f)).filter((m) => m !== null)
          .map((m) => ({ folder: join(dir, thread), executor, partition: Number(m[1]) })));
      });
    try {
      // 16 partitions of 2,500 rows (40 KB): the first a thread caches fits its memory, the next go to disk
      const cached = session.range(0, 40_000, { numPartitions: 16 }).map((r) => ({ id: Number(r.id), v: Number(r.id) * 2 })).cache();
      expect(await cached.count()).toBe(40_000);
      const target = onDisk()[0]!;
      expect(target, 'a cached partition on disk').toBeDefined();

      // the task reading that partition runs where it is cached, and runs out of memory there
      const marker = join(dir, 'cached-first-attempt');
      const victim = target.partition * 2_500;
      const rows = await cached.mapPartitions((part) => {
        if (part.some((r) => r.id === victim)) fillHeap(marker);
        return part;
      }, { marker, victim, fillHeap }).collect();
      expect(rows.reduce((sum, r) => sum + Number(r.v), 0)).toBe(39_999 * 40_000);
      const [failure] = session.lastJobMetrics!.taskFailures;
      expect(failure!.reason).toMatchObject({ kind: 'OutOfMemory', executorId: target.executor, partition: target.partition });
      // the thread's cache folder went with it; its successor caches in a folder of its own
      expect(existsSync(target.folder)).toBe(false);
    } finally {
      await session.stop();
    }
  });
});
