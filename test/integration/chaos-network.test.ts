// --chaos on the network: executors that drop their connections to the driver and to other
// executors' block servers at random sends and delay every outgoing frame. A shuffle job on a
// standalone cluster (real processes, TCP) must still give exactly the result of a run without chaos.

import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { Session, count, sum, min } from '../../engine/index.ts';
import type { Dataset, Row } from '../../engine/index.ts';
import { TestCluster } from '../helpers/cluster.ts';

function shuffleJob(session: Session): Dataset<Row> {
  return session.range(0, 24_000, { numPartitions: 12 })
    .map((r) => ({ k: Number(r.id) % 101, v: (Number(r.id) * 7919) % 1000, id: Number(r.id) }))
    .repartition(['k'], { numPartitions: 6 })
    .aggregateByKey(['k'], { n: count(), total: sum('v'), first: min('id') }, { numPartitions: 3 });
}

const byKey = (rows: Row[]): Row[] => [...rows].sort((a, b) => Number(a.k) - Number(b.k));

describe('--chaos drop-connection and delay-ms (master + 3 executors as processes)', () => {
  let cluster: TestCluster;
  let expected: Row[];

  beforeAll(async () => {
    const local = await Session.create({ master: 'local', conf: ['dataflow.ui.progress=false'] });
    try {
      expected = byKey(await shuffleJob(local).collect());
    } finally {
      await local.stop();
    }
    expect(expected).toHaveLength(101);
    cluster = await TestCluster.start({ executors: 1, networkTimeoutMs: 5_000 });
  });
  afterAll(async () => { await cluster?.stop(); });

  it('gives the same result while executors drop connections and delay frames', async () => {
    // one plain executor keeps the job alive whatever the chaotic ones do
    const chaotic = await Promise.all([
      cluster.startExecutor({ chaos: 'drop-connection:0.2,delay-ms:0-200,seed:7' }),
      cluster.startExecutor({ chaos: 'drop-connection:0.05,delay-ms:0-200,seed:8' }),
    ]);
    const session = await cluster.session({ executors: 3, conf: ['dataflow.task.maxAttempts=8', 'dataflow.stage.maxAttempts=8'] });
    try {
      expect(byKey(await shuffleJob(session).collect())).toEqual(expected);
      // the faults happened: a connection was dropped by the chaos switch, and the job lived on
      const dropped = chaotic.map((e) => e.stderr).join('\n');
      expect(dropped, chaotic.map((e) => e.output).join('\n')).toMatch(/chaos: dropped the connection to (driver|block-server) /);
      // the second job of the same session runs as well
      expect(byKey(await shuffleJob(session).collect())).toEqual(expected);
    } finally {
      await session.stop();
    }
  });
});
