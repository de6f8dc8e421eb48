// The reduce side of a join against the one-piece hash join, on budgets small enough that it
// streams the left side or spills both (grace hash join, re-partitioned for a hot key), with real
// files in a temporary spill folder: every join kind gives the same rows in the same order.

import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Int32, Table, Utf8, makeVector, tableToIPC, vectorFromArray } from 'apache-arrow';
import { MemoryBudget } from '../../../engine/executor/memory-budget.ts';
import { TaskSpill } from '../../../engine/executor/spill-files.ts';
import { spillingJoin } from '../../../engine/executor/spilling-join.ts';
import { JoinKeyTooLargeError } from '../../../engine/executor/join-key-too-large.ts';
import { engineFailure } from '../../../engine/executor/user-code.ts';
import type { ReduceInput } from '../../../engine/executor/reduce-input.ts';
import { concatTables } from '../../../engine/kernels/concat-tables.ts';
import { JOIN_KINDS, hashJoin } from '../../../engine/kernels/join.ts';
import { tableToRows } from '../../../engine/kernels/rows.ts';
import { useTmpDir } from '../../helpers/tmp-dir.ts';

function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x / 2 ** 32;
  };
}

/** Blocks of (k, payload) rows: keys in [0, keys) with nulls; `hot` of the rows carry key 7. */
function blocksOf(blocks: number, rows: number, keys: number, seed: number, payload: string, hot = 0): Table[] {
  const next = random(seed);
  return Array.from({ length: blocks }, (_, b) => {
    const k = Array.from({ length: rows }, () => { const r = next(); return r < 0.03 ? null : r < 0.03 + hot ? 7 : Math.floor(next() * keys); });
    const v = Array.from({ length: rows }, (_, i) => b * rows + i + next());
    const s = Array.from({ length: rows }, () => `${payload}${Math.floor(next() * 500)}`);
    return new Table({ k: vectorFromArray(k, new Int32()), [payload]: makeVector(Float64Array.from(v)), [`${payload}s`]: vectorFromArray(s, new Utf8()) });
  });
}

function input(tables: Table[]): ReduceInput {
  return {
    bytes: tables.reduce((s, t) => s + tableToIPC(t, 'stream').byteLength, 0),
    async *[Symbol.asyncIterator]() { yield* tables; },
  };
}

async function all(gen: AsyncIterable<Table>): Promise<Table[]> {
  const out: Table[] = [];
  for await (const t of gen) out.push(t);
  return out;
}

const rows = (tables: Table[]): string[] => tables.flatMap((t) => tableToRows(t)).map((r) => JSON.stringify(r));

describe('spillingJoin', () => {
  const dir = useTmpDir('join');

  it('a grace hash join of every kind gives the one-piece join, row for row; its files are gone', async () => {
    const left = blocksOf(6, 1500, 3000, 1, 'a');
    const right = blocksOf(5, 1500, 4000, 2, 'b');
    for (const how of JOIN_KINDS) {
      const spill = new TaskSpill(join(dir(), `task-${how}`), 'exec-test');
      const budget = new MemoryBudget(120_000);
      const got = await all(spillingJoin(input(left), input(right), ['k'], how, { budget, spill }));
      const expected = hashJoin(concatTables(left), concatTables(right), ['k'], how);
      expect(spill.bytesWritten, how).toBeGreaterThan(0);
      expect(rows(got), how).toEqual(rows([expected]));
      expect(got.every((t) => t.schema.fields.map(String).join() === expected.schema.fields.map(String).join()), how).toBe(true);
      expect(readdirSync(join(dir(), `task-${how}`)), how).toEqual([]);
      expect(budget.usedBytes, how).toBe(0);
      spill.remove();
      expect(existsSync(join(dir(), `task-${how}`))).toBe(false);
    }
  });

  it('re-partitions a hot key until it gives up splitting it, and is still exact', async () => {
    const left = blocksOf(4, 500, 500, 3, 'a', 0.02);
    const right = blocksOf(6, 600, 500, 4, 'b', 0.5);
    for (const how of ['inner', 'full', 'anti'] as const) {
      const spill = new TaskSpill(join(dir(), `hot-${how}`), 'exec-test');
      const got = await all(spillingJoin(input(left), input(right), ['k'], how, { budget: new MemoryBudget(60_000), spill }));
      // the hot key's right rows exceed half the budget: every level re-partitions them, the last holds them
      expect(spill.filesWritten, how).toBeGreaterThan(3 * 16);
      expect(rows(got), how).toEqual(rows([hashJoin(concatTables(left), concatTables(right), ['k'], how)]));
      spill.remove();
    }
  });

  it('a hot key whose right rows exceed the budget after the last split fails naming it, its rows on each side and the ways out', async () => {
    const left = blocksOf(4, 500, 500, 3, 'a', 0.02);
    const right = blocksOf(6, 1500, 500, 4, 'b', 0.5);
    const countOf7 = (tables: Table[]): number => tables.reduce((n, t) => n + [...t.getChild('k')!].filter((k) => k === 7).length, 0);
    const spill = new TaskSpill(join(dir(), 'too-hot'), 'exec-test');
    const budget = new MemoryBudget(60_000);
    const error = await all(spillingJoin(input(left), input(right), ['k'], 'inner', { budget, spill })).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(JoinKeyTooLargeError);
    expect(engineFailure(error)).toMatchObject({ kind: 'InputError', code: 'JOIN_KEY_TOO_LARGE' });
    const message = (error as Error).message;
    expect(message).toContain(`key k=7 has ${countOf7(right).toLocaleString('en-US')} rows (about `);
    expect(message).toContain(`on the right side and ${countOf7(left).toLocaleString('en-US')} rows (about `);
    expect(message).toMatch(/after 3 re-splits by hash the piece holding this key is still \d+ KB, more than the task's memory share \(59 KB/);
    expect(message).toMatch(/raise dataflow\.executor\.memory \(e\.g\. --conf dataflow\.executor\.memory=\d+m/);
    expect(message).toContain("broadcast: 'left'");
    expect(message).toContain('pre-aggregate the right side per key');
    expect(budget.usedBytes).toBe(0);
    spill.remove();
  });

  it('holds a small right side and streams the left through it without spilling', async () => {
    const left = blocksOf(8, 2000, 300, 5, 'a');
    const right = blocksOf(1, 300, 400, 6, 'b');
    for (const how of JOIN_KINDS) {
      const spill = new TaskSpill(join(dir(), `stream-${how}`), 'exec-test');
      const budget = new MemoryBudget(200_000);
      const got = await all(spillingJoin(input(left), input(right), ['k'], how, { budget, spill }));
      expect(spill.bytesWritten, how).toBe(0);
      expect(budget.peakBytes, how).toBeGreaterThan(0);
      expect(rows(got), how).toEqual(rows([hashJoin(concatTables(left), concatTables(right), ['k'], how)]));
    }
  });

  it('a blank side (an empty partition of unknown schema) joins as in memory', async () => {
    const big = blocksOf(6, 1500, 3000, 7, 'b');
    for (const how of JOIN_KINDS) {
      const spill = new TaskSpill(join(dir(), `blank-${how}`), 'exec-test');
      const got = await all(spillingJoin(input([new Table()]), input(big), ['k'], how, { budget: new MemoryBudget(60_000), spill }));
      expect(rows(got), how).toEqual(rows([hashJoin(new Table(), concatTables(big), ['k'], how)]));
      const other = await all(spillingJoin(input(big), input([new Table()]), ['k'], how, { budget: new MemoryBudget(60_000), spill }));
      expect(rows(other), how).toEqual(rows([hashJoin(concatTables(big), new Table(), ['k'], how)]));
      spill.remove();
    }
  });
});
