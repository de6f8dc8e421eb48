// Every join kind on real executor processes: equal to the join computed here in plain JavaScript;
// under a tiny memory budget each kind spills on local[2] and gives exactly (same rows, same order)
// the in-memory result of local; a broadcast join (asked for, or chosen by size) gives the rows of
// the shuffled join without shuffling the big side, and a kind that cannot broadcast a side says so.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import v8 from 'node:v8';
import vm from 'node:vm';
import { InvalidInputError, Session } from '../../engine/index.ts';
import type { Dataset, JoinHow, Row } from '../../engine/index.ts';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const TINY = 'dataflow.executor.memory=512k';
const KINDS: JoinHow[] = ['inner', 'left', 'right', 'full', 'semi', 'anti'];
const N = 24_000;

/** Left: ids with keys 0..14,999 (some twice, every 97th null); right: keys 5,000..24,999 (some twice). */
const leftKey = (id: number): number | null => (id % 97 === 0 ? null : (id * 7919) % 15_000);
const rightKey = (id: number): number => ((id * 104_729) % 20_000) + 5_000;

function sides(session: Session): { left: Dataset<Row>; right: Dataset<Row> } {
  const left = session.range(0, N, { numPartitions: 3 })
    .map((r) => ({ id: r.id, k: leftKey(Number(r.id)), a: Number(r.id) / 4 }), { leftKey });
  const right = session.range(0, N, { numPartitions: 3 })
    .map((r) => ({ k: rightKey(Number(r.id)), b: r.id, c: `c${Number(r.id) % 7}` }), { rightKey });
  return { left, right };
}

/** The join straight from its definition, over the same generated rows. */
function expected(how: JoinHow): Row[] {
  const ids = Array.from({ length: N }, (_, i) => i);
  const byKey = new Map<number, number[]>();
  for (const id of ids) byKey.set(rightKey(id), [...(byKey.get(rightKey(id)) ?? []), id]);
  const right = (id: number): Row => ({ b: id, c: `c${id % 7}` });
  const out: Row[] = [];
  const matchedKeys = new Set<number>();
  for (const id of ids) {
    const k = leftKey(id);
    const matches = k === null ? [] : byKey.get(k) ?? [];
    if (k !== null && matches.length > 0) matchedKeys.add(k);
    const left = { k, id, a: id / 4 };
    if (how === 'semi') { if (matches.length > 0) out.push({ id, k, a: id / 4 }); continue; }
    if (how === 'anti') { if (matches.length === 0) out.push({ id, k, a: id / 4 }); continue; }
    for (const r of matches) out.push({ ...left, ...right(r) });
    if (matches.length === 0 && (how === 'left' || how === 'full')) out.push({ ...left, b: null, c: null });
  }
  if (how === 'right' || how === 'full') {
    for (const id of ids) if (!matchedKeys.has(rightKey(id))) out.push({ k: rightKey(id), id: null, a: null, ...right(id) });
  }
  return out;
}

const sorted = (rows: Row[]): string[] => rows.map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))).sort();

async function joinAll(session: Session): Promise<Record<string, { rows: Row[]; spillBytes: number }>> {
  const { left, right } = sides(session);
  const out: Record<string, { rows: Row[]; spillBytes: number }> = {};
  for (const how of KINDS) {
    const rows = await left.join(right, ['k'], { how, numPartitions: 2 }).collect();
    out[how] = { rows, spillBytes: session.lastJobMetrics?.spillBytes ?? 0 };
  }
  return out;
}

describe('join kinds', () => {
  let inMemory: Awaited<ReturnType<typeof joinAll>>;
  beforeAll(async () => {
    const session = await Session.create({ master: 'local' });
    try {
      inMemory = await joinAll(session);
    } finally {
      await session.stop();
    }
  }, 120_000);

  it('each kind equals the join computed in plain JavaScript', () => {
    for (const how of KINDS) {
      expect(inMemory[how]!.spillBytes, how).toBe(0);
      expect(sorted(inMemory[how]!.rows), how).toEqual(sorted(expected(how)));
    }
    expect(inMemory.full!.rows.length).toBeGreaterThan(inMemory.inner!.rows.length);
  });

  it('each kind spills on local[2] under a tiny budget and gives exactly the in-memory result', async () => {
    const session = await Session.create({ master: 'local[2]', conf: [TINY] });
    try {
      const spilled = await joinAll(session);
      for (const how of KINDS) {
        expect(spilled[how]!.spillBytes, how).toBeGreaterThan(0);
        expect(spilled[how]!.rows, how).toEqual(inMemory[how]!.rows);
      }
    } finally {
      await session.stop();
    }
  }, 240_000);
});

describe('broadcast join', () => {
  let session: Session;
  beforeAll(async () => {
    session = await Session.create({ master: 'local[2]' });
  }, 60_000);
  afterAll(async () => { await session?.stop(); });

  /** A big side of unknown size (a map over a range) and a small in-memory one. */
  const parts = (s: Session): { big: Dataset<Row>; small: Dataset<Row> } => ({
    big: s.range(0, N, { numPartitions: 5 }).map((r) => ({ k: Number(r.id) % 4_000, v: r.id }), {}),
    small: s.fromRows(Array.from({ length: 3_000 }, (_, i) => ({ k: i * 2, name: `n${i}` })), { numPartitions: 3 }),
  });

  it('gives the rows of the shuffled join, asked for or chosen by size, without shuffling the big side', async () => {
    const { big, small } = parts(session);
    for (const how of ['inner', 'left', 'semi', 'anti'] as const) {
      const shuffled = await big.join(small, ['k'], { how, broadcast: false }).collect();
      const shuffledStages = session.lastJobMetrics!.stages.length;
      const asked = big.join(small, ['k'], { how, broadcast: 'right' });
      expect(asked.numPartitions, how).toBe(5); // the big side's partitions
      const rows = await asked.collect();
      // the small side collected (3 tasks, counted in the job), then one stage of the big side's 5 tasks: no shuffle
      expect(session.lastJobMetrics!.stages.map((st) => st.tasks), how).toEqual([3, 5]);
      expect(shuffledStages, how).toBe(3); // both sides' map stages and the join's reduce stage
      expect(sorted(rows), how).toEqual(sorted(shuffled));
      expect(sorted(rows), how).toEqual(sorted(expectedSmall(how)));
      // chosen by size: the small side is an in-memory source under dataflow.join.broadcastThreshold
      expect(sorted(await big.join(small, ['k'], { how }).collect()), how).toEqual(sorted(shuffled));
      expect(session.lastJobMetrics!.stages.map((st) => st.tasks), how).toEqual([3, 5]);
    }
    // the left side broadcast, for inner and right joins
    for (const how of ['inner', 'right'] as const) {
      const shuffled = await small.join(big, ['k'], { how, broadcast: false }).collect();
      const rows = await small.join(big, ['k'], { how, broadcast: 'left' }).collect();
      expect(session.lastJobMetrics!.stages.map((st) => st.tasks), how).toEqual([3, 5]);
      expect(sorted(rows), how).toEqual(sorted(shuffled));
    }
  }, 240_000);

  it('is deterministic, and the same on local', async () => {
    const once = await parts(session).big.join(parts(session).small, ['k'], { how: 'left' }).collect();
    const local = await Session.create({ master: 'local' });
    try {
      const p = parts(local);
      expect(await p.big.join(p.small, ['k'], { how: 'left' }).collect()).toEqual(once);
    } finally {
      await local.stop();
    }
  }, 120_000);

  it('frees the broadcast side on the driver and the executors once the joined dataset is unreachable', async () => {
    const executorBroadcasts = async (): Promise<number> => (await session.driver.executorStats()).reduce((n, e) => n + e.broadcasts, 0);
    await (async () => {
      const { big, small } = parts(session);
      const joined = big.join(small, ['k'], { broadcast: 'right' });
      expect(await joined.count()).toBe(expectedSmall('inner').length);
      expect(await executorBroadcasts()).toBeGreaterThan(0); // fetched once per executor thread that ran a task
      expect(joined.numPartitions).toBe(5); // `joined` (and its broadcast) stays reachable up to here
    })();
    // nothing of this session's earlier tests is reachable either: every broadcast goes
    for (let round = 0; round < 50 && (session.stateSizes().broadcasts! > 0 || await executorBroadcasts() > 0); round++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(session.stateSizes().broadcasts).toBe(0);
    expect(await executorBroadcasts()).toBe(0);
  }, 60_000);

  it('is not chosen over the threshold, for a full join or with numPartitions; a side a kind cannot broadcast is refused', async () => {
    const off = await Session.create({ master: 'local', conf: ['dataflow.join.broadcastThreshold=0'] });
    try {
      const p = parts(off);
      await p.big.join(p.small, ['k']).count();
      expect(off.lastJobMetrics!.stages.length).toBe(3);
    } finally {
      await off.stop();
    }
    const { big, small } = parts(session);
    await big.join(small, ['k'], { how: 'full' }).count();
    expect(session.lastJobMetrics!.stages.length).toBe(3);
    await big.join(small, ['k'], { numPartitions: 3 }).count();
    expect(session.lastJobMetrics!.stages.length).toBe(3);
    expect(() => big.join(small, ['k'], { how: 'full', broadcast: 'right' })).toThrow(InvalidInputError);
    expect(() => big.join(small, ['k'], { how: 'full', broadcast: 'right' })).toThrow(/a full join cannot broadcast its right side .* drop the broadcast option/);
    expect(() => big.join(small, ['k'], { how: 'left', broadcast: 'left' })).toThrow(/a left join cannot broadcast its left side .* broadcast the right side/);
    expect(() => big.join(small, ['k'], { broadcast: 'right', numPartitions: 4 })).toThrow(/numPartitions sets the partitions of a shuffled join/);
  }, 120_000);
});

/** parts().big joined with parts().small, from the definitions. */
function expectedSmall(how: 'inner' | 'left' | 'semi' | 'anti'): Row[] {
  const out: Row[] = [];
  for (let id = 0; id < N; id++) {
    const k = id % 4_000;
    const match = k % 2 === 0 && k / 2 < 3_000;
    if (how === 'semi') { if (match) out.push({ k, v: id }); continue; }
    if (how === 'anti') { if (!match) out.push({ k, v: id }); continue; }
    if (match) out.push({ k, v: id, name: `n${k / 2}` });
    else if (how === 'left') out.push({ k, v: id, name: null });
  }
  return out;
}
