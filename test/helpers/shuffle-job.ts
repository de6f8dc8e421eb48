// The small shuffle the TLS and transport-fuzz tests run on their clusters, and the rows an
// in-process run of it gives (what every cluster run must match).

import { Session, count, sum } from '../../engine/index.ts';
import type { Row } from '../../engine/index.ts';

/** 20,000 ids in 4 partitions, counted and summed per `id % 23` over 3 reduce partitions; the rows as sorted JSON. */
export async function shuffleJob(session: Session): Promise<string> {
  const rows = await session.range(0, 20_000, { numPartitions: 4 })
    .map((r) => ({ k: Number(r.id) % 23, v: Number(r.id) }))
    .aggregateByKey(['k'], { n: count(), total: sum('v') }, { numPartitions: 3 }).collect();
  return JSON.stringify([...rows].sort((a: Row, b: Row) => Number(a.k) - Number(b.k)));
}

/** shuffleJob's rows from a `local` (in-process) session. */
export async function shuffleJobInProcess(): Promise<string> {
  const local = await Session.create({ master: 'local', conf: ['dataflow.ui.progress=false'] });
  try {
    return await shuffleJob(local);
  } finally {
    await local.stop();
  }
}
