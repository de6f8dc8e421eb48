// A one-task job whose task waits (test/fixtures/slow-task.ts), for the tests of what becomes of a
// task still running when its application or its executor goes away.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Session } from '../../engine/index.ts';
import { slowTask } from '../fixtures/slow-task.ts';
import { waitUntil } from './cluster.ts';

const { slowOrFailing } = slowTask;

/** The files the waiting task talks through: it writes `started`, waits for `go`, then writes `marker`. */
export interface SlowTaskFiles { slowId: number; failId: number; started: string; go: string; marker: string }

/** Starts the job on `session` (its failure is the caller's to await or ignore) and resolves once its task has started. */
export async function startSlowTask(session: Session, dir: string): Promise<{ files: SlowTaskFiles; job: Promise<number> }> {
  const files: SlowTaskFiles = { slowId: 5, failId: -1, started: join(dir, 'started'), go: join(dir, 'go'), marker: join(dir, 'marker') };
  const job = session.range(0, 10, { numPartitions: 1 }).mapPartitions((rows) => slowOrFailing(rows, files), { slowOrFailing, files }).count();
  job.catch(() => undefined);
  await waitUntil(() => existsSync(files.started), 'the task started', 60_000);
  return { files, job };
}
