// The map side of a shuffle under a tiny memory budget: a flatMap that multiplies each partition
// 40 times holds far more than its task's share, so its map tasks write their output in spilled
// parts, merged bucket by bucket into the map output's files. The result equals the same job
// without the budget (rows and their order), on local and local[2]; the spill bytes are reported
// for the map stage; no spill file remains.

import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from '../../engine/index.ts';
import type { JobMetrics, Row } from '../../engine/index.ts';

const TINY = 'dataflow.executor.memory=1m'; // about 0.6 MB per task; each map task outputs ~2 MB

async function multiplied(session: Session): Promise<{ rows: Row[]; metrics: JobMetrics }> {
  const rows = await session.range(0, 3_000, { numPartitions: 2 })
    .flatMap((r) => Array.from({ length: 40 }, (_, j) => ({ k: (Number(r.id) * 40 + j) % 997, id: r.id, j, label: `row ${String(r.id)}/${j}` })))
    .repartition(['k'], { numPartitions: 3 })
    .collect();
  return { rows, metrics: session.lastJobMetrics! };
}

/** Task spill folders anywhere under a session's work directory. */
function spillLeftovers(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (!statSync(path).isDirectory()) return [];
    return entry.startsWith('task-') && dir.endsWith('spill') ? [path] : spillLeftovers(path);
  });
}

async function withSession<T>(master: string, conf: string[], body: (s: Session) => Promise<T>): Promise<T> {
  const session = await Session.create({ master, conf });
  try {
    return await body(session);
  } finally {
    await session.stop();
  }
}

describe('map outputs larger than the task memory share', () => {
  it('spill in parts and give the result of the job without a budget, on local and local[2]', async () => {
    const expected = await withSession('local', [], multiplied);
    expect(expected.metrics.spillBytes).toBe(0);
    expect(expected.rows).toHaveLength(120_000);
    for (const master of ['local', 'local[2]']) {
      await withSession(master, [TINY], async (session) => {
        const got = await multiplied(session);
        const [mapStage] = got.metrics.stages;
        expect(mapStage!.spillBytes, `map stage on ${master}`).toBeGreaterThan(0);
        expect(got.metrics.spillBytes).toBe(got.metrics.stages.reduce((sum, st) => sum + st.spillBytes, 0));
        expect(got.rows, master).toEqual(expected.rows);
        expect(spillLeftovers(session.workDir)).toEqual([]);
      });
    }
  }, 120_000);
});
