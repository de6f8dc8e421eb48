// What the UI and the event log cost the driver in instructions, counted by valgrind's callgrind:
// the worst case of bench/event-log.ts (jobs of 1,000 empty tasks on `local`, all on the driver's
// thread) in steady-state processes with both on and with both off, their instructions counted over
// the timed jobs only, thread by thread. Unlike wall time on this shared 2-vCPU machine (one run's
// median moves by 1-2%), a count repeats within ~0.3% process to process, so it says how much work
// the monitor adds to the driver's thread, and where (callgrind_annotate on the files it keeps).
// Each pair runs its two processes side by side (callgrind runs a process's threads one at a time).
//
//   npx tsx bench/event-log/instructions.ts [--pairs N] [--jobs N] [--keep DIR]

import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { summarise } from '../lib/measure.ts';
import { fmt, machineInfo, markdownTable } from '../lib/report.ts';

const arg = (name: string, fallback: string): string => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1]! : fallback; };
const PAIRS = Number(arg('--pairs', '3'));
const JOBS = Number(arg('--jobs', '40'));
const KEEP = arg('--keep', '');
const TASKS = 1_000;
const STEADY = fileURLToPath(new URL('./steady-state.ts', import.meta.url));

/** Instructions of one process's timed jobs: its main thread's, and all its other threads' together. */
interface Counts { main: number; others: number }

/** Runs steady-state.ts `mode` under callgrind; its counts from the files callgrind wrote (one a thread). */
async function counted(mode: 'on' | 'off', dir: string, logs: string): Promise<Counts> {
  const out = join(dir, `${mode}-%p`);
  const args = ['--tool=callgrind', '--instr-atstart=no', '--separate-threads=yes', '--smc-check=all-non-file', `--callgrind-out-file=${out}`,
    process.execPath, ...process.execArgv, STEADY, mode, logs, String(JOBS)];
  const child = spawn('valgrind', args, { env: { ...process.env, DATAFLOW_BENCH_CALLGRIND: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const code = await new Promise<number | null>((resolve, reject) => { child.on('error', reject); child.on('exit', resolve); });
  if (code !== 0) throw new Error(`valgrind ${mode} exited with ${code}:\n${stderr.slice(-2000)}`);
  const files = (await readdir(dir)).filter((f) => f.startsWith(`${mode}-${child.pid}-`));
  const counts: Counts = { main: 0, others: 0 };
  for (const file of files) {
    const text = await readFile(join(dir, file), 'utf8');
    const total = Number(/^totals: (\d+)/m.exec(text)?.[1] ?? /^summary: (\d+)/m.exec(text)?.[1] ?? 0);
    if (/^thread: 1$/m.test(text)) counts.main += total;
    else counts.others += total;
  }
  if (counts.main === 0) throw new Error(`callgrind counted nothing on the main thread of ${mode} (files: ${files.join(', ') || 'none'})`);
  return counts;
}

const dir = KEEP || await mkdtemp(join(tmpdir(), 'dataflow-instructions-'));
const logs = await mkdtemp(join(tmpdir(), 'dataflow-instructions-logs-'));
const load = machineInfo().loadAverage;
const pairs: Array<{ on: Counts; off: Counts }> = [];
try {
  for (let i = 0; i < PAIRS; i++) {
    const [on, off] = await Promise.all([counted('on', dir, logs), counted('off', dir, logs)]);
    pairs.push({ on, off });
    console.error(`pair ${i + 1}: main thread ${fmt(on.main / JOBS / TASKS)} against ${fmt(off.main / JOBS / TASKS)} instructions a task`);
  }
} finally {
  await rm(logs, { recursive: true, force: true });
  if (!KEEP) await rm(dir, { recursive: true, force: true });
}

const perTask = (pick: (p: { on: Counts; off: Counts }) => number): number[] => pairs.map((p) => pick(p) / JOBS / TASKS);
const on = summarise(perTask((p) => p.on.main));
const off = summarise(perTask((p) => p.off.main));
const othersOn = summarise(perTask((p) => p.on.others));
const othersOff = summarise(perTask((p) => p.off.others));
const range = (s: { min: number; max: number }): string => `${fmt(s.min)}-${fmt(s.max)}`;
console.log(markdownTable([
  {
    measure: `instructions of the driver's main thread a task, UI + event log on: jobs of ${TASKS} empty tasks on local, ${JOBS} counted after 30 of warm-up, ${PAIRS} processes each way`,
    dataflow: `${fmt(on.median)} median (${range(on)})`,
    reference: `both off: ${fmt(off.median)} (${range(off)})`,
    verdict: `${summarise(pairs.map((p) => p.on.main / p.off.main)).median.toFixed(3)}× median of the pairs (+${fmt(summarise(perTask((p) => p.on.main - p.off.main)).median)} a task; pairs +${range(summarise(perTask((p) => p.on.main - p.off.main)))}); goal ≤ 1.03×`,
  },
  {
    measure: 'instructions of the process\'s other threads a task (the monitor\'s thread, V8\'s helpers, libuv\'s pool)',
    dataflow: `${fmt(othersOn.median)} median (${range(othersOn)})`,
    reference: `both off: ${fmt(othersOff.median)} (${range(othersOff)})`,
    verdict: `all threads ${((on.median + othersOn.median) / (off.median + othersOff.median)).toFixed(3)}×`,
  },
]));
console.log(`\n- load average at start ${(load as number[]).join(' ')} (counts do not depend on it)${KEEP ? `; callgrind's files kept in ${KEEP}` : ''}\n\ncommand: npx tsx bench/event-log/instructions.ts${PAIRS !== 3 ? ` --pairs ${PAIRS}` : ''}${JOBS !== 40 ? ` --jobs ${JOBS}` : ''}`);
