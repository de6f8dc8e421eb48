// A join past what a task's memory can hold, on real executor processes with a tiny budget, on
// local and local[2]: a hot key whose right rows exceed the budget after the grace join's last
// re-split, and a broadcast side larger than the budget, each fail the job at once (an input
// error, not retried) naming the sizes and the ways out, and the executors live on; a side that
// would be broadcast by its size but does not fit the budget is shuffled instead, same rows.

import { describe, expect, it } from 'vitest';
import { JobFailedError, Session } from '../../engine/index.ts';
import type { Dataset, Row } from '../../engine/index.ts';

const TINY = 'dataflow.executor.memory=512k'; // about 230 KB for a task's operators
const ROWS = 60_000;

/** Right: (k, b), 40% of the rows with k = 0, the rest over 3,000 keys; left: (k, a) over the same keys, each once. */
function sides(session: Session): { left: Dataset<Row>; right: Dataset<Row> } {
  const right = session.range(0, ROWS, { numPartitions: 4 })
    .map((r) => ({ k: r.id % 10 < 4 ? 0 : 1 + ((r.id * 7919) % 3000), b: r.id }));
  const left = session.range(0, 3001, { numPartitions: 2 }).map((r) => ({ k: r.id, a: r.id * 2 }));
  return { left, right };
}

/** A failed job's only cause, and the attempts of the failing task (input errors are not retried). */
async function failureOf(session: Session, run: () => Promise<unknown>): Promise<{ code: string | undefined; message: string; attempts: number }> {
  const launchedBefore = session.driver.history.length;
  const error = await run().then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(JobFailedError);
  const failure = (error as JobFailedError).failure;
  expect(failure.causes.map((c) => c.kind)).toEqual(['InputError']);
  const launches = session.driver.history.slice(launchedBefore).flatMap((c) => (c.type === 'LaunchTask' ? [c.task] : []));
  const stage = Math.max(...launches.map((t) => t.stageId));
  const cause = failure.causes[0]! as { code?: string; message: string };
  return { code: cause.code, message: cause.message, attempts: launches.filter((t) => t.stageId === stage && t.partition === failure.partition).length };
}

describe('joins past the memory budget', () => {
  it.each(['local', 'local[2]'])('on %s: a hot key and a broadcast side too large are input errors naming their sizes; a side too large to broadcast by size is shuffled', async (master) => {
    const session = await Session.create({ master, conf: [TINY, 'dataflow.ui.progress=false'] });
    try {
      const { left, right } = sides(session);
      const hot = await failureOf(session, () => left.join(right, ['k'], { numPartitions: 2 }).count());
      expect(hot.code).toBe('JOIN_KEY_TOO_LARGE');
      expect(hot.message).toMatch(/^join on \['k'\] \(inner\): key k=0 has 24,000 rows \(about [\d.]+ (KB|MB)\) on the right side and 1 rows/);
      expect(hot.message).toMatch(/more than the task's memory share \(\d+ KB: dataflow\.executor\.memory/);
      expect(hot.message).toMatch(/raise dataflow\.executor\.memory .*broadcast the other side .*pre-aggregate the right side per key/);
      expect(hot.attempts, 'input errors are not retried').toBe(1);

      // A broadcast side asked for, bigger than a task's budget.
      const big = session.fromRows(Array.from({ length: 40_000 }, (_, i) => ({ k: i, name: `name-${i}` })), { numPartitions: 2 });
      const asked = await failureOf(session, () => left.join(big, ['k'], { broadcast: 'right' }).count());
      expect(asked.code).toBe('BROADCAST_TOO_LARGE');
      expect(asked.message).toMatch(/^broadcast join on \['k'\] \(inner\): the broadcast right side is [\d.]+ (KB|MB), more than a task's memory budget \(\d+ KB/);
      expect(asked.message).toMatch(/Use a shuffle join instead \(drop the broadcast option/);
      expect(asked.attempts, 'input errors are not retried').toBe(1);

      // Chosen by size (under the 10m threshold) it does not fit the budget either: shuffled instead.
      expect(session.taskBudgetBytes).toBeLessThan(300_000);
      const shuffled = await left.join(big, ['k'], { broadcast: false }).collect();
      const chosen = await left.join(big, ['k']).collect();
      expect(session.lastJobMetrics!.stages.length, 'both sides shuffled: two map stages and the join').toBe(3);
      expect(chosen).toEqual(shuffled);
      expect(chosen.length).toBe(3001);

      // The executors are alive and the session goes on; a small side is still broadcast by size.
      const small = session.fromRows(Array.from({ length: 100 }, (_, i) => ({ k: i, name: `n${i}` })));
      expect(await left.join(small, ['k']).count()).toBe(100);
      expect(session.lastJobMetrics!.stages.map((s) => s.tasks)).toEqual([4, 2]);
    } finally {
      await session.stop();
    }
  }, 180_000);
});
