// groupByKey's spilling reduce side against groupRows held in memory: many keys (partitions laid
// out in memory), a hot key (a partition laid out by external sorts), and a group past the limit
// (an error naming the key and its exact row count), with real files in a temporary spill folder.

import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Field, Int32, Struct, Table, TimestampNanosecond, Utf8, makeData, makeVector, tableToIPC, vectorFromArray } from 'apache-arrow';
import type { Table as ArrowTable } from 'apache-arrow';
import { MemoryBudget } from '../../../engine/executor/memory-budget.ts';
import { TaskSpill } from '../../../engine/executor/spill-files.ts';
import { GroupTooLargeError, spillingGroupRows } from '../../../engine/executor/spilling-group-rows.ts';
import type { GroupLimit } from '../../../engine/executor/spilling-group-rows.ts';
import { concatTables } from '../../../engine/kernels/concat-tables.ts';
import { groupRows } from '../../../engine/kernels/group-rows.ts';
import { decodeIpc, encodeIpc } from '../../../engine/kernels/ipc.ts';
import { tableToRows } from '../../../engine/kernels/rows.ts';
import { useTmpDir } from '../../helpers/tmp-dir.ts';

function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x / 2 ** 32;
  };
}

/** Blocks of (k, s, v, id): `hot` of the rows have k = 7, s = 'hot'; the rest spread over 3000 keys; nulls, NaN and -0 among v and s. */
function blocksOf(blocks: number, rows: number, hot: number, seed: number): ArrowTable[] {
  const next = random(seed);
  let id = 0;
  return Array.from({ length: blocks }, () => {
    const k = new Int32Array(rows);
    const s: Array<string | null> = [];
    const v: Array<number | null> = [];
    const ids = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      const isHot = next() < hot;
      k[i] = isHot ? 7 : Math.floor(next() * 3000);
      const r = next();
      s.push(isHot ? 'hot' : r < 0.05 ? null : `s${Math.floor(r * 4)}`);
      const x = next();
      v.push(x < 0.02 ? null : x < 0.03 ? NaN : x < 0.04 ? -0 : Math.round(x * 1e6) / 7);
      ids[i] = id++;
    }
    return new Table({ k: makeVector(k), s: vectorFromArray(s, new Utf8()), v: vectorFromArray(v), id: makeVector(ids) });
  });
}

const ipcBytes = (tables: ArrowTable[]): number => tables.reduce((s, t) => s + tableToIPC(t, 'stream').byteLength, 0);

async function* stream(tables: ArrowTable[]): AsyncGenerator<ArrowTable> {
  yield* tables;
}

async function all(gen: AsyncIterable<ArrowTable>): Promise<ArrowTable[]> {
  const out: ArrowTable[] = [];
  for await (const t of gen) out.push(t);
  return out;
}

const unlimited: GroupLimit = { bytes: 1e12, isDefault: false };

describe('spilling groupByKey', () => {
  const dir = useTmpDir('group-rows');

  it('many keys: spilled partitions grouped in memory give groupRows exactly, groups and values in order', async () => {
    const blocks = blocksOf(6, 4000, 0, 3);
    const expected = tableToRows(groupRows(concatTables(blocks), ['s', 'k']));
    const spill = new TaskSpill(join(dir(), 'task-1'), 'exec-test');
    const budget = new MemoryBudget(Math.floor(ipcBytes(blocks) / 5));
    const out = await all(spillingGroupRows(stream(blocks), ipcBytes(blocks), ['s', 'k'], unlimited, { budget, spill }));
    expect(spill.bytesWritten).toBeGreaterThan(ipcBytes(blocks) / 2);
    expect(out.length).toBeGreaterThan(1); // streamed in batches of whole groups
    expect(tableToRows(concatTables(out))).toEqual(expected);
    expect(readdirSync(join(dir(), 'task-1'))).toEqual([]);
  });

  it('a hot key larger than the budget: laid out by external sorts, the same result; the output survives IPC', async () => {
    const blocks = blocksOf(8, 5000, 0.6, 11);
    const expected = tableToRows(groupRows(concatTables(blocks), ['k']));
    const hotRows = (expected.find((r) => r.k === 7)!.values as unknown[]).length;
    expect(hotRows).toBeGreaterThan(20_000);
    const spill = new TaskSpill(join(dir(), 'task-2'), 'exec-test');
    const budget = new MemoryBudget(Math.floor(ipcBytes(blocks) / 12)); // the hot partition is ~7 budgets
    const out = await all(spillingGroupRows(stream(blocks), ipcBytes(blocks), ['k'], unlimited, { budget, spill }));
    // Rows spilled once by hash, the hot partition's sort runs twice, each partition laid out once.
    expect(spill.bytesWritten).toBeGreaterThan(3 * ipcBytes(blocks));
    // The hot group is held whole when its row is built, and the budget's peak says so (past the limit).
    expect(budget.peakBytes).toBeGreaterThan(hotRows * 8);
    expect(budget.peakBytes).toBeGreaterThan(budget.limitBytes);
    expect(budget.usedBytes).toBe(0);
    const got = concatTables(out);
    expect(tableToRows(got)).toEqual(expected);
    expect(tableToRows(decodeIpc(encodeIpc(got), 'round trip'))).toEqual(expected);
    expect(readdirSync(join(dir(), 'task-2'))).toEqual([]);
  });

  it('keys the sort cannot compare as numbers (nanosecond timestamps 1 ns apart, structs) group exactly as in memory', async () => {
    // Epoch nanoseconds of 2023: as milliseconds in a double, values 1 ns apart are the same number.
    const base = 1_700_000_000_000_000_000n;
    const next = random(17);
    const blocks = Array.from({ length: 6 }, (_, b) => {
      const n = 4000;
      const ts = new BigInt64Array(n);
      const tag: Array<{ a: number; b: string } | null> = [];
      const id = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const hot = next() < 0.6;
        ts[i] = hot ? base + BigInt(i % 2) : base + BigInt(Math.floor(next() * 500));
        const r = next();
        tag.push(r < 0.05 ? null : { a: hot ? 1 : Math.floor(r * 5), b: hot ? 'h' : `t${Math.floor(r * 3)}` });
        id[i] = b * n + i;
      }
      return new Table({
        ts: makeVector(makeData({ type: new TimestampNanosecond(), length: n, data: ts } as never)),
        tag: vectorFromArray(tag, new Struct([new Field('a', new Int32(), true), new Field('b', new Utf8(), true)])),
        id: makeVector(id),
      });
    });
    const expected = groupRows(concatTables(blocks), ['ts', 'tag']);
    const spill = new TaskSpill(join(dir(), 'task-5'), 'exec-test');
    const budget = new MemoryBudget(Math.floor(ipcBytes(blocks) / 12));
    const got = concatTables(await all(spillingGroupRows(stream(blocks), ipcBytes(blocks), ['ts', 'tag'], unlimited, { budget, spill })));
    expect(spill.bytesWritten).toBeGreaterThan(3 * ipcBytes(blocks));
    expect(got.numRows).toBe(expected.numRows);
    expect(tableToRows(got)).toEqual(tableToRows(expected));
  });

  it('the same data in memory (fits the budget): no spill, groupRows itself', async () => {
    const blocks = blocksOf(2, 2000, 0.3, 5);
    const spill = new TaskSpill(join(dir(), 'task-3'), 'exec-test');
    const out = await all(spillingGroupRows(stream(blocks), ipcBytes(blocks), ['k', 's'], unlimited, { budget: new MemoryBudget(1e9), spill }));
    expect(spill.bytesWritten).toBe(0);
    expect(tableToRows(concatTables(out))).toEqual(tableToRows(groupRows(concatTables(blocks), ['k', 's'])));
  });

  it('a group past the limit fails with the key and its exact size, spilled or not', async () => {
    const blocks = blocksOf(8, 5000, 0.6, 11);
    const hotRows = tableToRows(concatTables(blocks)).filter((r) => r.k === 7).length;
    const limit: GroupLimit = { bytes: 64 * 1024, isDefault: false };
    for (const [name, budgetBytes] of [['spilled', Math.floor(ipcBytes(blocks) / 12)], ['in memory', 1e9]] as const) {
      const spill = new TaskSpill(join(dir(), `task-4-${name.replace(' ', '-')}`), 'exec-test');
      const error = await all(spillingGroupRows(stream(blocks), ipcBytes(blocks), ['k'], limit, { budget: new MemoryBudget(budgetBytes), spill }))
        .catch((e: unknown) => e);
      spill.remove();
      expect(error, name).toBeInstanceOf(GroupTooLargeError);
      const message = (error as Error).message;
      expect(message, name).toContain(`key k=7 has ${hotRows.toLocaleString('en-US')} rows`);
      expect(message, name).toMatch(/more than one group may hold \(0\.1 MB: groupByKey's maxGroupBytes\)/);
      expect(message, name).toMatch(/aggregateByKey or reduceByKey/);
    }
  });
});
