// What observing ALS's training loss costs inside the solve (jobs/als/train-loss.ts): one block's
// solveRows at rank 10 (explicit: x·b identity; implicit CG: one direct pass) with and without the
// loss, alternating which goes first, in one process. The loss is computed only when the session
// records events (the event log or the UI is on), so this is the price of the per-iteration curve.
//
//   npx tsx bench/als-loss.ts                      rank 10, 3000 rows × 160 ratings, 3706 items
//   npx tsx bench/als-loss.ts --rank 50 --runs 9

import { loadavg } from 'node:os';
import { makePlan } from '../jobs/als/als.ts';
import { resolveOptions } from '../jobs/als/options.ts';
import type { InBlock } from '../jobs/als/in-blocks.ts';
import { solveRows } from '../jobs/als/row-solvers.ts';
import { partialGram } from '../jobs/als/row-solvers.ts';
import { emptyTrainLoss } from '../jobs/als/train-loss.ts';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const rank = arg('rank', 10);
const runs = arg('runs', 7);
const rows = 3000;
const perRow = 160;
const items = 3706;

let seed = 12345;
const rnd = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647);

function measure(implicit: boolean): void {
  const plan = makePlan(resolveOptions({ rank, implicitPrefs: implicit, regParam: 0.1, alpha: 1 }), rows, items, 0);
  const width = plan.width;
  const ys = Float32Array.from({ length: items * width }, () => rnd() - 0.5);
  const rowPtr = Int32Array.from({ length: rows + 1 }, (_, u) => u * perRow);
  const pos = new Int32Array(rows * perRow);
  const r = new Float32Array(rows * perRow);
  for (let u = 0; u < rows; u++) {
    const picked = new Set<number>();
    while (picked.size < perRow) picked.add(Math.floor(rnd() * items));
    [...picked].sort((a, b) => a - b).forEach((p, j) => { pos[u * perRow + j] = p; r[u * perRow + j] = 1 + Math.floor(rnd() * 5); });
  }
  const ib = { rowPtr, pos, r } as unknown as InBlock; // solveRows reads only these
  const gram = implicit ? partialGram(ys, width, rank, 0, items) : null;
  const prev = new Float32Array(rows * width).fill(0.1);
  const time = (withLoss: boolean): number => {
    const t0 = performance.now();
    solveRows(plan, 'user', 0, ib, ys, prev, gram, 'wasm', withLoss ? emptyTrainLoss() : undefined);
    return performance.now() - t0;
  };
  time(false); time(true); // warm up (wasm compile, JIT)
  const off: number[] = [];
  const on: number[] = [];
  for (let i = 0; i < runs; i++) {
    if (i % 2 === 0) { off.push(time(false)); on.push(time(true)); } else { on.push(time(true)); off.push(time(false)); }
  }
  const best = (xs: number[]): number => Math.min(...xs);
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const ratios = off.map((o, i) => on[i]! / o);
  console.log(`${implicit ? 'implicit (CG)' : 'explicit'} rank ${rank}, ${rows} rows × ${perRow} ratings: without loss best ${best(off).toFixed(1)} ms median ${median(off).toFixed(1)} ms; ` +
    `with loss best ${best(on).toFixed(1)} ms median ${median(on).toFixed(1)} ms; median ratio ${median(ratios).toFixed(3)}`);
}

console.log(`command: npx tsx bench/als-loss.ts ${process.argv.slice(2).join(' ')}  (load average ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
measure(false);
measure(true);
