// External sort and spilling hash aggregation against their in-memory results, on budgets small
// enough that they spill (and re-partition), with real files in a temporary spill folder.

import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Float64, Table, Utf8, makeVector, tableFromArrays, tableToIPC, vectorFromArray } from 'apache-arrow';
import type { Table as ArrowTable } from 'apache-arrow';
import { MemoryBudget, tableBytes } from '../../../engine/executor/memory-budget.ts';
import { TaskSpill } from '../../../engine/executor/spill-files.ts';
import { externalSort } from '../../../engine/executor/external-sort.ts';
import { spillingGroupBy } from '../../../engine/executor/spilling-group-by.ts';
import { mergeSortedRuns } from '../../../engine/executor/merge-runs.ts';
import { concatTables } from '../../../engine/kernels/concat-tables.ts';
import { sortTable } from '../../../engine/kernels/sort.ts';
import { partialAggregate, mergePartials, finishAggregate } from '../../../engine/kernels/aggregate.ts';
import { distinctRows } from '../../../engine/kernels/distinct.ts';
import { takeRows } from '../../../engine/kernels/take.ts';
import { tableToRows } from '../../../engine/kernels/rows.ts';
import { useTmpDir } from '../../helpers/tmp-dir.ts';

/** Deterministic pseudo-random numbers (xorshift). */
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x / 2 ** 32;
  };
}

/** `blocks` tables of rows with duplicate keys, nulls, NaN, -0 and strings. */
function blocksOf(blocks: number, rows: number, seed: number): ArrowTable[] {
  const next = random(seed);
  return Array.from({ length: blocks }, () => {
    const k = Array.from({ length: rows }, () => Math.floor(next() * 2000));
    const v = Array.from({ length: rows }, () => { const r = next(); return r < 0.02 ? null : r < 0.03 ? NaN : r < 0.04 ? -0 : Math.round(r * 1e6) / 7; });
    const s = Array.from({ length: rows }, () => { const r = next(); return r < 0.05 ? null : `s${Math.floor(r * 300)}`; });
    return new Table({ k: makeVector(Int32Array.from(k)), v: makeVector(Float64Array.from(v.map((x) => (x === null ? 0 : x)))), s: vectorFromArray(s, new Utf8()) });
  }).map((t, b) => (b % 3 === 0 ? withNulls(t) : t));
}

/** Some blocks carry nulls in v (through a round trip of rows). */
function withNulls(t: ArrowTable): ArrowTable {
  const v = (t.getChild('v')!.toArray() as Float64Array);
  return new Table({
    k: t.getChild('k')!,
    v: vectorFromArray(Array.from(v, (x, i) => (i % 17 === 0 ? null : x)), new Float64()),
    s: t.getChild('s')!,
  });
}

async function* stream(tables: ArrowTable[]): AsyncGenerator<ArrowTable> {
  yield* tables;
}

async function all(gen: AsyncIterable<ArrowTable>): Promise<ArrowTable> {
  const out: ArrowTable[] = [];
  for await (const t of gen) out.push(t);
  return concatTables(out);
}

const ipcBytes = (tables: ArrowTable[]): number => tables.reduce((s, t) => s + tableToIPC(t, 'stream').byteLength, 0);
const rows = (t: ArrowTable): unknown[] => tableToRows(t).map((r) => JSON.stringify(r, (_k, x) => (typeof x === 'number' && Number.isNaN(x) ? 'NaN' : Object.is(x, -0) ? '-0' : x)));

describe('external sort', () => {
  const dir = useTmpDir('sort');

  it('spills runs and merges them into exactly the stable in-memory order', async () => {
    const blocks = blocksOf(8, 1000, 7);
    const keys = [{ column: 's', ascending: false }, { column: 'v', ascending: true }];
    const expected = sortTable(concatTables(blocks), keys);
    const spill = new TaskSpill(join(dir(), 'task-1'), 'exec-test');
    const budget = new MemoryBudget(100_000);
    const got = await all(externalSort(stream(blocks), ipcBytes(blocks), keys, { budget, spill }));
    expect(spill.bytesWritten).toBeGreaterThan(0);
    expect(spill.filesWritten).toBeGreaterThan(3);
    expect(rows(got)).toEqual(rows(expected));
    expect(readdirSync(join(dir(), 'task-1'))).toEqual([]); // runs are deleted once merged
    spill.remove();
    expect(existsSync(join(dir(), 'task-1'))).toBe(false);
  });

  it('merges in several passes when there are more runs than one merge takes', async () => {
    const blocks = blocksOf(70, 200, 11);
    const keys = [{ column: 'k', ascending: true }];
    const spill = new TaskSpill(join(dir(), 'task-2'), 'exec-test');
    const budget = new MemoryBudget(Math.floor((3 * blocks.reduce((sum, b) => sum + tableBytes(b), 0)) / 100)); // one block per run: 70 runs > 64
    const got = await all(externalSort(stream(blocks), ipcBytes(blocks), keys, { budget, spill }));
    expect(spill.filesWritten).toBeGreaterThan(71); // 70 runs, then 2 merged runs
    expect(rows(got)).toEqual(rows(sortTable(concatTables(blocks), keys)));
  });

  it('sorts in memory, without a file, when the partition fits', async () => {
    const blocks = blocksOf(3, 100, 3);
    const spill = new TaskSpill(join(dir(), 'task-3'), 'exec-test');
    const got = await all(externalSort(stream(blocks), ipcBytes(blocks), [{ column: 'v', ascending: true }], { budget: new MemoryBudget(1e9), spill }));
    expect(spill.bytesWritten).toBe(0);
    expect(rows(got)).toEqual(rows(sortTable(concatTables(blocks), [{ column: 'v', ascending: true }])));
  });

  it('mergeSortedRuns breaks ties by run order', () => {
    const a = [tableFromArrays({ k: Int32Array.of(1, 2, 2), tag: ['a0', 'a1', 'a2'] })];
    const b = [tableFromArrays({ k: Int32Array.of(0, 2), tag: ['b0', 'b1'] }), tableFromArrays({ k: Int32Array.of(3), tag: ['b2'] })];
    const out = concatTables([...mergeSortedRuns([a, b], [{ column: 'k', ascending: true }], 2)]);
    expect(tableToRows(out).map((r) => r.tag)).toEqual(['b0', 'a0', 'a1', 'a2', 'b1', 'b2']);
  });
});

describe('spilling hash aggregation', () => {
  const dir = useTmpDir('agg');
  const aggs = { n: { fn: 'count' as const }, total: { fn: 'sum' as const, column: 'v' }, avg: { fn: 'mean' as const, column: 'v' }, hi: { fn: 'max' as const, column: 'v' } };

  it('aggregateByKey: spilled partitions (split again when too big) give the one-shot result, bit for bit and in order', async () => {
    // Map-side partials, as a reduce task receives them: one per map task.
    const partials = blocksOf(8, 1500, 5).map((b) => partialAggregate(b, ['s', 'k'], aggs));
    const once = finishAggregate(mergePartials(concatTables(partials), ['s', 'k'], aggs), ['s', 'k'], aggs);
    const spill = new TaskSpill(join(dir(), 'task-1'), 'exec-test');
    const budget = new MemoryBudget(Math.floor(ipcBytes(partials) / 20)); // 16 partitions are not enough: split again
    const got = await all(spillingGroupBy(stream(partials), ipcBytes(partials), {
      keys: () => ['s', 'k'],
      merge: (t, groups) => mergePartials(t, ['s', 'k'], aggs, groups),
      finish: (t) => finishAggregate(t, ['s', 'k'], aggs),
      once: (t) => finishAggregate(mergePartials(t, ['s', 'k'], aggs), ['s', 'k'], aggs),
    }, { budget, spill }));
    expect(spill.bytesWritten).toBeGreaterThan(ipcBytes(partials)); // re-partitioned: more than one pass
    expect(got.numRows).toBe(once.numRows);
    expect(rows(got)).toEqual(rows(once));
    expect(readdirSync(join(dir(), 'task-1'))).toEqual([]);
  });

  it('distinct: spilled, the first occurrence of every row in input order', async () => {
    const blocks = blocksOf(6, 3000, 9).map((b) => b.select(['k', 's']));
    const expected = distinctRows(concatTables(blocks));
    const spill = new TaskSpill(join(dir(), 'task-2'), 'exec-test');
    const got = await all(spillingGroupBy(stream(blocks), ipcBytes(blocks), {
      keys: (t) => t.schema.fields.map((f) => f.name),
      merge: (t, groups) => (groups.numGroups === t.numRows ? t : takeRows(t, groups.firstRow)),
      finish: (t) => t,
      once: (t) => distinctRows(t),
    }, { budget: new MemoryBudget(Math.floor(ipcBytes(blocks) / 6)), spill }));
    expect(spill.bytesWritten).toBeGreaterThan(0);
    expect(rows(got)).toEqual(rows(expected));
  });
});

