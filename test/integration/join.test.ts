// Every join kind on real executor processes: equal to the join computed here in plain JavaScript;
// under a tiny memory budget each kind spills on local[2] and gives exactly (same rows, same order)
// the in-memory result of local.

import { beforeAll, describe, expect, it } from 'vitest';
import { Session } from '../../engine/index.ts';
import type { Dataset, JoinHow, Row } from '../../engine/index.ts';

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
