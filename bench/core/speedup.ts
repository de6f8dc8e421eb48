// Scaling across executor processes: the same CPU-bound job (range with 8 partitions, a row-wise
// map doing ~20 µs of arithmetic per row, count) on local[1] and on local[2], run alternately so
// both see the same machine load. The arithmetic is calibrated in this process first, so a row
// costs about the same on a faster or slower machine.
//
// The machine is shared, so the same run also measures what two processes can get right now: the
// same loop in one plain Node process, then in two at once (the "ceiling" a perfect engine reaches).

import { spawn } from 'node:child_process';
import { summarise, timed } from '../lib/measure.ts';
import type { Sample } from '../lib/measure.ts';
import { withSession } from '../lib/sessions.ts';
import type { Session } from '../../engine/index.ts';

export interface SpeedupOptions {
  rows: number;
  partitions: number;
  /** Target cost of the map function per row, µs. */
  microsPerRow: number;
  runs: number;
}

export interface SpeedupResult {
  options: SpeedupOptions;
  /** Loop iterations per row chosen by calibration, and the cost per row measured here. */
  iterations: number;
  calibratedMicrosPerRow: number;
  oneMs: Sample;
  twoMs: Sample;
  /** local[1] time / local[2] time of each alternating pair of runs. */
  pairRatios: Sample;
  /** Two plain processes vs one on the same loop, measured between the engine runs: ≈2 on two free cores. */
  ceiling: Sample;
}

/** The per-row work: a linear congruential walk of `iterations` steps. */
const burn = (id: number, iterations: number): number => {
  let x = id;
  for (let i = 0; i < iterations; i++) x = (x * 1664525 + 1013904223) % 4294967296;
  return x;
};

/** @example const r = await measureSpeedup({ rows: 150_000, partitions: 8, microsPerRow: 20, runs: 3 }); */
export async function measureSpeedup(options: SpeedupOptions): Promise<SpeedupResult> {
  const { iterations, micros } = calibrate(options.microsPerRow);
  const job = (session: Session): Promise<number> => timed(async () => {
    const n = await session.range(0, options.rows, { numPartitions: options.partitions })
      .map((row) => {
        let x = row.id;
        for (let i = 0; i < iterations; i++) x = (x * 1664525 + 1013904223) % 4294967296;
        return { id: row.id, x };
      }, { iterations })
      .count();
    if (n !== options.rows) throw new Error(`speed-up benchmark counted ${n} rows, expected ${options.rows}`);
  });
  // A quarter of the job's work per plain process keeps the ceiling check short.
  const ceilingRows = Math.max(1, Math.round(options.rows / 4));
  return withSession('local[1]', (one) => withSession('local[2]', async (two) => {
    const oneRuns: number[] = [];
    const twoRuns: number[] = [];
    const ceilings: number[] = [];
    await job(one); // warm-up, not recorded
    await job(two);
    for (let run = 0; run < options.runs; run++) {
      ceilings.push(await ceiling(ceilingRows, iterations));
      oneRuns.push(await job(one));
      twoRuns.push(await job(two));
    }
    return {
      options, iterations, calibratedMicrosPerRow: micros,
      oneMs: summarise(oneRuns), twoMs: summarise(twoRuns),
      pairRatios: summarise(oneRuns.map((ms, i) => ms / twoRuns[i]!)),
      ceiling: summarise(ceilings),
    };
  }));
}

/** Iterations of `burn` that take about `targetMicros` per row here (after a JIT warm-up). */
function calibrate(targetMicros: number): { iterations: number; micros: number } {
  const probe = 2_000;
  const rows = 2_000;
  let sink = 0;
  for (let i = 0; i < rows; i++) sink += burn(i, probe); // warm-up
  let best = Infinity;
  for (let attempt = 0; attempt < 3; attempt++) {
    const started = performance.now();
    for (let i = 0; i < rows; i++) sink += burn(i, probe);
    best = Math.min(best, (performance.now() - started) / rows);
  }
  if (Number.isNaN(sink)) throw new Error('unreachable: keeps the calibration loop from being optimised away');
  const iterations = Math.max(1, Math.round((probe * targetMicros) / (best * 1e3)));
  return { iterations, micros: (best * 1e3 * iterations) / probe };
}

/** Loop time of one plain Node process alone, divided by the mean loop time of two running at once (≈2 when two cores are free). */
async function ceiling(rows: number, iterations: number): Promise<number> {
  const alone = await loopProcess(rows, iterations);
  const together = await Promise.all([loopProcess(rows, iterations), loopProcess(rows, iterations)]);
  return (2 * alone) / ((together[0] + together[1]) / 2);
}

const LOOP = `
const rows = Number(process.env.BENCH_ROWS), iterations = Number(process.env.BENCH_ITERATIONS);
const started = performance.now();
let sink = 0;
for (let r = 0; r < rows; r++) { let x = r; for (let i = 0; i < iterations; i++) x = (x * 1664525 + 1013904223) % 4294967296; sink += x; }
process.stdout.write(String(performance.now() - started) + ' ' + String(sink));
`;

/** Runs the per-row loop over `rows` rows in a fresh Node process; resolves with its loop time, ms. */
function loopProcess(rows: number, iterations: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', LOOP], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, NODE_OPTIONS: '', BENCH_ROWS: String(rows), BENCH_ITERATIONS: String(iterations) },
    });
    let out = '';
    child.stdout.on('data', (data: Buffer) => (out += data.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = Number(out.split(' ')[0]);
      if (code === 0 && Number.isFinite(ms)) resolve(ms);
      else reject(new Error(`speed-up ceiling loop exited with code ${code} and printed ${JSON.stringify(out)}`));
    });
  });
}
