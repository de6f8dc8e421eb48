// One process of bench/event-log.ts's process comparison: a session on `local` with the UI and
// event log on (`on`) or both off (`off`), 30 jobs of 1,000 empty tasks to warm up, then JOBS timed;
// prints one JSON line: each timed job's wall ms, the process's CPU ms per job over them, and what a
// fresh application pays: Session.create, its first FIRST_JOBS jobs (wall and process CPU) and stop.
//
// Under valgrind's callgrind (bench/event-log/instructions.ts sets DATAFLOW_BENCH_CALLGRIND=1), its
// instructions are counted over the timed jobs only: callgrind_control turns the counting on after the
// warm-up and off after the last timed job.
//
//   npx tsx bench/event-log/steady-state.ts on|off LOG_DIR [JOBS]

import { execFileSync } from 'node:child_process';
import { Session } from '../../engine/dataset/session.ts';

const [mode, logs, jobsArg] = process.argv.slice(2);
if ((mode !== 'on' && mode !== 'off') || !logs) throw new Error('usage: steady-state.ts on|off LOG_DIR [JOBS]');
const JOBS = Number(jobsArg ?? 150);
const WARMUP_JOBS = 30;
/** The first jobs of the warm-up, timed as a fresh application's. */
const FIRST_JOBS = 8;
const conf = mode === 'on' ? ['dataflow.ui.port=0', `dataflow.eventLog.dir=${logs}`] : ['dataflow.ui.enabled=false', 'dataflow.eventLog.enabled=false'];
const COUNTED = process.env.DATAFLOW_BENCH_CALLGRIND === '1';
/** Turns callgrind's counting on or off in this process (under callgrind only). */
const counting = (on: boolean): void => { if (COUNTED) execFileSync('callgrind_control', ['--instr=' + (on ? 'on' : 'off'), String(process.pid)], { stdio: 'ignore' }); };
const cpuMs = (since: NodeJS.CpuUsage): number => { const used = process.cpuUsage(since); return (used.user + used.system) / 1000; };

const created = performance.now();
const session = await Session.create({ master: 'local', conf: [...conf, 'dataflow.ui.progress=false'] });
const startMs = performance.now() - created;
let result: object | undefined;
try {
  const job = (): Promise<number> => session.range(0, 1000, { numPartitions: 1000 }).count();
  const firstCpu = process.cpuUsage();
  const firstStarted = performance.now();
  for (let i = 0; i < FIRST_JOBS; i++) await job();
  const firstJobs = { jobs: FIRST_JOBS, wallMs: performance.now() - firstStarted, cpuMs: cpuMs(firstCpu) };
  for (let i = FIRST_JOBS; i < WARMUP_JOBS; i++) await job();
  const wallMs: number[] = [];
  const cpu = process.cpuUsage();
  counting(true);
  for (let i = 0; i < JOBS; i++) {
    const t = performance.now();
    await job();
    wallMs.push(performance.now() - t);
  }
  counting(false);
  result = { wallMs, cpuMsPerJob: cpuMs(cpu) / JOBS, startMs, firstJobs };
} finally {
  const stopping = performance.now();
  await session.stop();
  const stopMs = performance.now() - stopping;
  if (result) console.log(JSON.stringify({ ...result, stopMs }));
}
