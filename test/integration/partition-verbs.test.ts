// The verbs a job like ALS is built from, on the in-process executor (local) and on two executor
// processes (local[2]): mapPartitionTables (one Arrow table per partition) and a join that reuses
// the shuffle of a side already partitioned on its keys (co-partitioned join).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session } from '../../engine/index.ts';
import type { Row } from '../../engine/index.ts';
import { partitionKernels } from '../fixtures/partition-kernels.ts';

const { summarize } = partitionKernels;

const sorted = (rows: Row[]): Row[] => [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
const launches = (session: Session): number => session.driver.history.filter((c) => c.type === 'LaunchTask').length;

describe.each(['local', 'local[2]'])('partition verbs on %s', (master) => {
  let session: Session;
  beforeAll(async () => { session = await Session.create({ master }); });
  afterAll(async () => { await session?.stop(); });

  it('session.defaultParallelism is the executors\' slots', () => {
    expect(session.defaultParallelism).toBe(master === 'local' ? 1 : 2);
  });

  it('mapPartitionTables calls the function once per partition, with all its batches', async () => {
    // a reduce partition holds one record batch per map partition that sent it rows
    const spread = session.range(0, 300, { numPartitions: 3 }).repartition(['id'], { numPartitions: 2 });
    const perPartition = await spread.mapPartitionTables((t) => summarize(t), { summarize }).collect();
    expect(perPartition).toHaveLength(2);
    expect(perPartition.reduce((s, r) => s + Number(r.rows), 0)).toBe(300);
    expect(perPartition.reduce((s, r) => s + Number(r.sum), 0)).toBe((299 * 300) / 2);
    expect(perPartition.every((r) => Number(r.batches) > 1)).toBe(true); // one table, several batches
    // mapBatches, by contrast, is called once per batch
    const perBatch = await spread.mapBatches((t) => summarize(t), { summarize }).count();
    expect(perBatch).toBe(perPartition.reduce((s, r) => s + Number(r.batches), 0));
    // a partition left without rows still has its columns, and is passed too
    const some = await session.range(0, 40, { numPartitions: 4 }).filter((r) => r.id < 10)
      .mapPartitionTables((t) => summarize(t), { summarize }).collect();
    expect(some.map((r) => [r.rows, r.sum])).toEqual([[10, 45], [0, 0], [0, 0], [0, 0]]);
  });

  it('a join reuses the shuffle of a side repartitioned on the join keys', async () => {
    const rows = Array.from({ length: 200 }, (_, i) => ({ k: i % 17, v: i }));
    const blocks = session.fromRows(rows, { numPartitions: 4 }).repartition(['k'], { numPartitions: 3 });
    await blocks.count(); // writes blocks' shuffle once
    const expected = (names: Row[]): Row[] => sorted(rows.map((r) => ({ ...r, name: names.find((n) => n.k === r.k)?.name ?? null })));
    for (const round of [0, 1]) {
      const names = Array.from({ length: 10 }, (_, k) => ({ k, name: `r${round}-${k}` }));
      const other = session.fromRows(names, { numPartitions: 2 });
      const joined = blocks.join(other, ['k'], { how: 'left' });
      expect(joined.numPartitions).toBe(3); // the partitioned side decides
      const before = launches(session);
      expect(sorted(await joined.collect())).toEqual(expected(names));
      // only `other` was shuffled (2 map tasks) and the join ran (3 tasks): blocks' shuffle was reused
      expect(launches(session) - before).toBe(2 + 3);
    }
    // another partition count: both sides are shuffled (as any join), same rows
    const reshuffled = blocks.join(session.fromRows([{ k: 1, w: 9 }]), ['k'], { numPartitions: 5 });
    expect(reshuffled.numPartitions).toBe(5);
    expect(sorted(await reshuffled.collect())).toEqual(sorted(rows.filter((r) => r.k === 1).map((r) => ({ ...r, w: 9 }))));
  });
});
