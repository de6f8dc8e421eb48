// The spilling operators alone, in one thread, without a cluster: one reduce partition's worth of
// partial aggregates (key, n, s) merged by spillingGroupBy, and the groups sorted by externalSort,
// under the budget an 8m executor gives a task. What bench/out-of-core measures end to end, without
// the shuffle, the map stage and the load of two executors: for profiling (--cpu-prof) and
// before/after figures of the spill path itself.
//
//   npx tsx bench/spill-operators.ts [--rows 600000] [--keys 250000] [--budget 4.8m] [--repeat 3]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Table, makeVector } from 'apache-arrow';
import { parseSize } from '../engine/config.ts';
import { MemoryBudget, tableBytes } from '../engine/executor/memory-budget.ts';
import { TaskSpill } from '../engine/executor/spill-files.ts';
import { externalSort } from '../engine/executor/external-sort.ts';
import { spillingGroupBy } from '../engine/executor/spilling-group-by.ts';
import { finishAggregate, mergePartials, partialAggregate } from '../engine/kernels/aggregate.ts';
import type { Aggregations } from '../engine/kernels/aggregate.ts';
import { count, sum } from '../engine/index.ts';

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1]! : fallback;
}

const rows = Number(option('--rows', '600000'));
const keys = Number(option('--keys', '250000'));
const budgetBytes = parseSize(option('--budget', '4.8m'), '--budget');
const repeat = Number(option('--repeat', '3'));

const aggs: Aggregations = { n: count(), s: sum('value') };

/** Map-side partials as a reduce task receives them: blocks of (key, n, s), keys scattered. */
function partials(): Table[] {
  const blocks: Table[] = [];
  const perBlock = 40_000;
  for (let start = 0; start < rows; start += perBlock) {
    const n = Math.min(perBlock, rows - start);
    const key = new Int32Array(n);
    const value = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const id = start + i;
      key[i] = (Math.imul(id, 2654435761) >>> 0) % keys;
      value[i] = (id * 7) % 1000;
    }
    blocks.push(partialAggregate(new Table({ key: makeVector(key), value: makeVector(value) }), ['key'], aggs));
  }
  return blocks;
}

async function* stream(tables: Table[]): AsyncGenerator<Table> {
  yield* tables;
}

const blocks = partials();
const inputBytes = blocks.reduce((b, t) => b + tableBytes(t), 0);
console.log(`${rows} partial rows (${(inputBytes / 2 ** 20).toFixed(1)} MB), ${keys} keys, budget ${(budgetBytes / 2 ** 20).toFixed(2)} MB`);
for (let r = 0; r < repeat; r++) {
  const dir = mkdtempSync(path.join(tmpdir(), 'spill-bench-'));
  try {
    const memory = { budget: new MemoryBudget(budgetBytes), spill: new TaskSpill(dir, 'bench') };
    let t = performance.now();
    let cpu = process.cpuUsage();
    const grouped: Table[] = [];
    for await (const out of spillingGroupBy(stream(blocks), inputBytes, {
      keys: () => ['key'],
      merge: (table, groups) => mergePartials(table, ['key'], aggs, groups),
      finish: (merged) => finishAggregate(merged, ['key'], aggs),
      once: (table) => finishAggregate(mergePartials(table, ['key'], aggs), ['key'], aggs),
    }, memory)) grouped.push(out);
    const groupMs = performance.now() - t;
    const groupCpu = process.cpuUsage(cpu);
    const groupSpill = memory.spill.bytesWritten;
    const groupRows = grouped.reduce((n, g) => n + g.numRows, 0);
    t = performance.now();
    cpu = process.cpuUsage();
    let sortedRows = 0;
    const sortInput = grouped.reduce((b, g) => b + tableBytes(g), 0);
    for await (const out of externalSort(stream(grouped), sortInput, [{ column: 's', ascending: false }], memory)) sortedRows += out.numRows;
    const sortMs = performance.now() - t;
    const sortCpu = process.cpuUsage(cpu);
    const ms = (u: NodeJS.CpuUsage): string => ((u.user + u.system) / 1000).toFixed(0);
    console.log(`group ${groupMs.toFixed(0)} ms, CPU ${ms(groupCpu)} ms (${groupRows} groups in ${grouped.length} batches, spilled ${(groupSpill / 2 ** 20).toFixed(1)} MB); ` +
      `sort ${sortMs.toFixed(0)} ms, CPU ${ms(sortCpu)} ms (${sortedRows} rows, spilled ${((memory.spill.bytesWritten - groupSpill) / 2 ** 20).toFixed(1)} MB)`);
    memory.spill.remove();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
