// What bin/dataflow's malloc thresholds do for `--master local`, where the tasks run in the driver:
// the same shuffle-heavy job (sortBy, then groupByKey, of generated ratings, a few rounds in one
// application) submitted through bin/dataflow, as `npx dataflow` runs it, against the same command
// through `node bin/dataflow.mjs`, which leaves glibc malloc's adaptive defaults. Runs alternate
// after one unrecorded warm-up each. The job reports its own rounds, minor page faults and CPU.
//
//   npx tsx bench/local-driver.ts [--runs N] [--ratings N] [--quick]
//   npm run bench -- --only local-driver

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { summarise, type Sample } from './lib/measure.ts';
import { fmt, machineInfo, markdownTable, writeResults, type TableRow } from './lib/report.ts';
import { runIfScript } from './lib/script.ts';
import { runCommand } from './lib/run-command.ts';

const PROGRAM = fileURLToPath(new URL('../bin/dataflow', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/dataflow.mjs', import.meta.url));
const ROUNDS = 3;

const JOB = `import type { Session } from 'dataflow';
import { resourceUsage } from 'node:process';

export default async function main(session: Session, args: string[]): Promise<void> {
  const ratings = await session.readParquet(args[0]!);
  const rounds = [];
  const counts = [];
  for (let i = 0; i < ${ROUNDS}; i++) {
    const faults = resourceUsage().minorPageFault;
    const started = performance.now();
    counts.push(await ratings.sortBy([{ column: 'rating', ascending: false }, { column: 'userId', ascending: true }]).count());
    counts.push(await ratings.groupByKey(['userId']).count());
    rounds.push({ ms: performance.now() - started, faults: resourceUsage().minorPageFault - faults });
  }
  const cpu = process.cpuUsage();
  console.log(JSON.stringify({ rounds, counts, cpuMs: (cpu.user + cpu.system) / 1e3, maxRssMb: resourceUsage().maxRSS / 1024 }));
}
`;

interface JobReport { rounds: Array<{ ms: number; faults: number }>; counts: number[]; cpuMs: number; maxRssMb: number }
interface Run extends JobReport { wallMs: number }

function parseArgs(argv: string[]): { runs: number; ratings: number } {
  const value = (name: string, fallback: number): number => {
    const i = argv.indexOf(name);
    if (i < 0) return fallback;
    const n = Number(argv[i + 1]);
    if (!Number.isInteger(n) || n < 1) throw new Error(`bench local-driver: ${name} needs a positive integer, got ${argv[i + 1]}`);
    return n;
  };
  const quick = argv.includes('--quick');
  return { runs: value('--runs', quick ? 3 : 7), ratings: value('--ratings', quick ? 1_000_000 : 5_000_000) };
}

/** Runs `argv` to completion in `cwd`; its stdout's last line is the job's report. */
async function submit(argv: string[], cwd: string): Promise<Run> {
  const { code, stdout, stderr, wallMs } = await runCommand(argv, cwd);
  const last = stdout.trim().split('\n').at(-1) ?? '';
  if (code !== 0 || !last.startsWith('{')) throw new Error(`${argv.join(' ')} exited ${code}: ${stderr.trim()}`);
  return { ...(JSON.parse(last) as JobReport), wallMs };
}

const ms = (s: Sample): string => `${fmt(s.median)} ms (min ${fmt(s.min)}, max ${fmt(s.max)})`;

export async function main(argv: string[]): Promise<number> {
  const { runs, ratings } = parseArgs(argv);
  const command = process.env.DATAFLOW_BENCH_COMMAND ?? ['npx tsx bench/local-driver.ts', ...argv].join(' ');
  const dir = mkdtempSync(join(tmpdir(), 'dataflow-bench-local-driver-'));
  const tuned: Run[] = [];
  const defaults: Run[] = [];
  try {
    const data = join(dir, 'ratings.parquet');
    const users = Math.max(1000, Math.round(ratings / 80));
    const generate = [process.execPath, BIN, 'generate', 'ratings', data, '--ratings', String(ratings), '--users', String(users), '--items', '20000'];
    const generated = await runCommand(generate, dir);
    if (generated.code !== 0) throw new Error(`${generate.join(' ')} exited ${generated.code}: ${generated.stderr.trim()}`);
    writeFileSync(join(dir, 'job.ts'), JOB);
    const args = ['submit', 'job.ts', '--master', 'local', '--', data];
    for (let run = -1; run < runs; run++) {
      // Alternating, and each first in turn, so neither always follows the other.
      const order = run % 2 === 0 ? ['tuned', 'defaults'] as const : ['defaults', 'tuned'] as const;
      for (const which of order) {
        const result = await submit(which === 'tuned' ? [PROGRAM, ...args] : [process.execPath, BIN, ...args], dir);
        if (run >= 0) (which === 'tuned' ? tuned : defaults).push(result);
        process.stderr.write(`local-driver bench: run ${run + 1} ${which}: ${fmt(result.wallMs)} ms, rounds ${result.rounds.map((r) => fmt(r.ms)).join(' / ')} ms, faults ${result.rounds.map((r) => r.faults).join(' / ')}\n`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const same = tuned.every((r) => JSON.stringify(r.counts) === JSON.stringify(defaults[0]!.counts)) && defaults.every((r) => JSON.stringify(r.counts) === JSON.stringify(defaults[0]!.counts));
  if (!same) throw new Error('bench local-driver: the two ways of running the job counted different rows');
  const of = (rs: Run[], f: (r: Run) => number): Sample => summarise(rs.map(f));
  const later = (r: Run): number => r.rounds.slice(1).reduce((s, x) => s + x.ms, 0) / (ROUNDS - 1);
  const laterFaults = (r: Run): number => r.rounds.slice(1).reduce((s, x) => s + x.faults, 0) / (ROUNDS - 1);
  const row = (measure: string, f: (r: Run) => number, show: (s: Sample) => string = ms): TableRow => {
    const a = of(tuned, f);
    const b = of(defaults, f);
    return { measure, dataflow: show(a), reference: show(b), verdict: `${fmt(a.median / Math.max(1e-9, b.median))}× (medians)` };
  };
  const count = (s: Sample): string => `${fmt(s.median)} (min ${fmt(s.min)}, max ${fmt(s.max)})`;
  const rows: TableRow[] = [
    row(`whole submit, ${fmt(ratings / 1e6)}M ratings, ${ROUNDS} rounds (wall)`, (r) => r.wallMs),
    row('the driver\'s CPU (user + system)', (r) => r.cpuMs),
    row('first round: sortBy + groupByKey (wall)', (r) => r.rounds[0]!.ms),
    row('each later round (wall)', later),
    row('minor page faults, each later round', laterFaults, count),
    row('peak resident memory (MB)', (r) => r.maxRssMb, count),
  ];
  console.log(markdownTable(rows));
  console.log('');
  console.log(`dataflow: bin/dataflow submit job.ts --master local (what npx dataflow runs: MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=268435456)`);
  console.log(`reference: node bin/dataflow.mjs submit job.ts --master local (glibc's adaptive defaults); ${runs} runs each, alternating, after a warm-up`);
  console.log(`command: ${command}`);
  const machine = machineInfo();
  console.log(`machine: ${machine.cpu}, ${machine.cores} cores, load ${(machine.loadAverage as number[]).join(' ')}`);
  const saved = await writeResults('bench/results', 'local-driver', { command, machine, runs, ratings, tuned, defaults });
  console.log(`results: ${saved}`);
  return 0;
}

runIfScript(import.meta.url, main);
