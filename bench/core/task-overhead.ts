// Per-task overhead: a job of 1,000 tasks that do nothing (one row each, counted), timed from the
// action call to its result, divided by the task count. Session start-up is not included.

import { repeat, timed } from '../lib/measure.ts';
import type { Sample } from '../lib/measure.ts';
import { withSession } from '../lib/sessions.ts';

export interface OverheadResult {
  master: string;
  tasks: number;
  /** Milliseconds per task, one value per run. */
  msPerTask: Sample;
}

/**
 * @example
 * const { msPerTask } = await measureTaskOverhead('local[2]', { tasks: 1000, runs: 5 });
 */
export function measureTaskOverhead(master: string, options: { tasks: number; runs: number }): Promise<OverheadResult> {
  const { tasks, runs } = options;
  return withSession(master, async (session) => {
    const job = async (): Promise<number> => {
      const ms = await timed(async () => {
        const n = await session.range(0, tasks, { numPartitions: tasks }).count();
        if (n !== tasks) throw new Error(`task overhead job counted ${n} rows, expected ${tasks}`);
      });
      return ms / tasks;
    };
    return { master, tasks, msPerTask: await repeat(runs, job, 1) };
  });
}
