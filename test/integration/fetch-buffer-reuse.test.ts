// Reduce tasks on local[2] receive remote blocks of 1 MiB and more into buffers their thread reuses
// (engine/executor/fetch-buffers.ts): shuffles run one after another give the rows local gives, and
// a partition cached from a shuffle (its tables views of the received bytes) stays intact while
// later shuffles reuse the other tasks' buffers.

import { describe, expect, it } from 'vitest';
import { Session, count, sum } from '../../engine/index.ts';
import type { Dataset, Row } from '../../engine/index.ts';

const ROWS = 600_000; // 16 bytes a row: each reducer fetches ~2.4 MB from the other executor

function keyed(session: Session, salt: number): Dataset {
  return session.range(0, ROWS, { numPartitions: 4 }).map((r) => ({ k: (Number(r.id) * 7 + salt) % 997, v: Number(r.id) * 0.5 + salt }), { salt });
}

async function totals(ds: Dataset): Promise<string> {
  const rows = await ds.aggregateByKey(['k'], { n: count(), total: sum('v') }, { numPartitions: 2 }).collect();
  return JSON.stringify([...rows].sort((a: Row, b: Row) => Number(a.k) - Number(b.k)));
}

async function run(master: string): Promise<{ cachedBefore: string; others: string[]; cachedAfter: string }> {
  const session = await Session.create({ master, conf: ['dataflow.ui.progress=false'] });
  try {
    const cached = keyed(session, 1).repartition(['k'], { numPartitions: 2 }).cache();
    const cachedBefore = await totals(cached);
    const others: string[] = [];
    for (let salt = 2; salt <= 4; salt++) others.push(await totals(keyed(session, salt).repartition(['k'], { numPartitions: 2 })));
    const cachedAfter = await totals(cached);
    return { cachedBefore, others, cachedAfter };
  } finally {
    await session.stop();
  }
}

describe('fetch buffers reused across reduce tasks', () => {
  it('give the rows local gives, and leave a cached shuffled partition intact', async () => {
    const local = await run('local');
    const cluster = await run('local[2]');
    expect(JSON.parse(local.cachedBefore)).toHaveLength(997);
    expect(cluster.cachedBefore).toBe(local.cachedBefore);
    expect(cluster.others).toEqual(local.others);
    expect(cluster.cachedAfter).toBe(local.cachedBefore);
  }, 180_000);
});
