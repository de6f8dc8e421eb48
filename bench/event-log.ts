// The cost of the event log and the live UI (issue 12: with them on, the core benchmarks stay
// within 3% of off). Two figures from one run: (1) what one task costs the application monitor (the
// driver's listener-bus subscriber behind both): its TaskStart and TaskEnd delivered in batches of
// BATCH, packed for the monitor's thread, which folds them into the UI's status and writes their JSON
// lines to a real log file (the first 4,096 events folded on the driver's thread, before it starts), beside
// the same events delivered with nobody but DriverMetrics listening, timed over 100 jobs of 1,000 tasks;
// (2) the per-task overhead job of bench/core (1,000 empty tasks on `local`) in a session with the
// UI and the event log on, beside one with both off, runs alternating in blocks of 10 jobs (which goes first alternates
// too). Both are given in busy or CPU time as well as wall time: on a shared machine those are what
// load blurs least. The driver's thread, where the tasks of `local` and the scheduler run: its busy
// time, the event loop's active time (performance.eventLoopUtilization; for the synchronous loop of
// (1), its wall time), not its CPU time from /proc/thread-self/schedstat, which Linux advances by
// scheduler ticks (4 ms here) for a running thread: a job of ~12 ms read 0-8 ms. And the whole process's
// CPU time (process.cpuUsage, getrusage: exact; with GC helpers, the event log's encoder thread and
// file writes), which is what the UI and the log add in all.
//
// (3) with --processes N: the same job in separate processes, N pairs alternating (on, off; then off, on),
// each process warmed up by 30 jobs and timing 150 (bench/event-log/steady-state.ts): the steady state
// a user's application is in, with no heap or thread shared between the two settings. Beside each
// pair runs a control pair with both off in both processes (A/A): the spread of the same comparison
// when nothing differs, the noise floor a ratio of this machine's must be read against.
// (4) from the same processes, what a fresh application pays once: Session.create, its first 8
// jobs (the monitor's thread starting, its code and the driver's still being compiled) and stop.
// And the size of the log the sessions of (2) wrote, in bytes a task, on `local` and `local[2]`.
//
//   npx tsx bench/event-log.ts [--runs N] [--processes N]

import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationMonitor } from '../engine/cluster/app-monitor.ts';
import { DriverMetrics } from '../engine/cluster/driver-metrics.ts';
import { ListenerBus } from '../engine/cluster/listener-bus.ts';
import { resolveConfig } from '../engine/config.ts';
import { RETAINED_JOBS } from '../engine/events/fold.ts';
import { EVENT_LOG_VERSION } from '../engine/events/events.ts';
import { Session } from '../engine/dataset/session.ts';
import { medianInterval, summarise } from './lib/measure.ts';
import { fmt, machineInfo, markdownTable, type TableRow } from './lib/report.ts';
import { pageFaultCost } from './lib/page-fault-cost.ts';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 101; // a 3% difference needs many pairs on a shared machine
const TASKS = 1_000;
/** Tasks whose events one drain of the bus delivers (a macrotask of a busy driver sees several). */
const BATCH = 16;

/** Milliseconds of this process's CPU time since `start`. */
function cpuMs(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** Milliseconds the event loop has been busy (not waiting for events) since `start`. */
function loopBusyMs(start: EventLoopUtilization): number {
  return performance.eventLoopUtilization(start).active;
}

/**
 * Nanoseconds per task (the process's CPU time, and the driver thread's busy time) of posting and
 * delivering its two events on a bus, with or without the monitor listening; best of 5 rounds. One
 * monitor serves every round, its thread running before the first is timed (a round of 100 jobs
 * lasts 30-100 ms, and a fresh monitor's thread takes 200-250 ms to start under tsx: with a monitor
 * per round the thread never ran inside a round, whose batches then all went to fresh arrays).
 */
async function eventsPerTaskNs(logs: string, withMonitor: boolean): Promise<{ process: number; thread: number }> {
  const JOBS = 100;
  let best = Infinity;
  let bestThread = Infinity;
  const bus = new ListenerBus();
  bus.subscribe(new DriverMetrics({ jobsActive: () => 0, tasksRunning: () => 0, executorsAlive: () => 1 }));
  const monitor = withMonitor
    ? await ApplicationMonitor.start({ config: resolveConfig(['dataflow.ui.port=0', `dataflow.eventLog.dir=${logs}`, 'dataflow.ui.progress=false']), master: 'local', appName: 'bench' })
    : undefined;
  monitor?.listenTo(bus);
  let jobId = 0;
  const postJobs = (): void => {
    for (const last = jobId + JOBS; jobId < last; jobId++) {
      const stageId = jobId;
      bus.post({ event: 'JobStart', time: Date.now(), jobId, description: 'count', stages: [{ stageId, name: 'range', numTasks: TASKS, parentStageIds: [] }], plan: '' });
      bus.post({ event: 'StageSubmitted', time: Date.now(), jobId, stageId, attempt: 0, numTasks: TASKS });
      for (let i = 0; i < TASKS; i++) {
        const taskId = jobId * TASKS + i;
        bus.post({ event: 'TaskStart', time: Date.now(), stageId, stageAttempt: 0, taskId, partition: i, attempt: 0, executorId: 'exec-1', host: '127.0.0.1' });
        bus.post({
          event: 'TaskEnd', time: Date.now(), stageId, stageAttempt: 0, taskId, partition: i, attempt: 0, executorId: 'exec-1', status: 'succeeded', durationMs: 1,
          io: { inputBytes: 100, inputRecords: 10, shuffleReadBytes: 0, shuffleReadRecords: 0, shuffleWriteBytes: 800, shuffleWriteRecords: 10, outputRecords: 10, spillBytes: 0, peakMemoryBytes: 4096 },
        });
        if (i % BATCH === BATCH - 1) bus.drain();
      }
      bus.post({ event: 'StageCompleted', time: Date.now(), jobId, stageId, attempt: 0, status: 'succeeded' });
      bus.post({ event: 'JobEnd', time: Date.now(), jobId, status: 'succeeded' });
    }
    bus.drain();
  };
  // Warm-up, untimed: past the first 4,096 events the monitor's thread starts; a query answered is from it.
  postJobs();
  if (monitor) await monitor.query({ view: 'application' });
  try {
    for (let round = 0; round < 5; round++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      postJobs();
      const busyNs = (performance.now() - t0) * 1e6; // all of it synchronous, on this thread
      if (monitor) {
        if ((await monitor.query({ view: 'application' })).jobs.length !== Math.min(jobId, RETAINED_JOBS)) throw new Error('the monitor did not fold the jobs');
        await monitor.flush();
      }
      best = Math.min(best, (cpuMs(c0) * 1e6) / (JOBS * TASKS));
      bestThread = Math.min(bestThread, busyNs / (JOBS * TASKS));
    }
  } finally {
    await monitor?.stop({ status: 'succeeded' });
  }
  return { process: best, thread: bestThread };
}

type JobTimes = { wall: number; thread: number; cpu: number };
/** Milliseconds per task of the job, in wall time, the driver thread's busy time and the process's CPU time. */
const job = async (session: Session): Promise<JobTimes> => {
  const c0 = process.cpuUsage();
  const e0 = performance.eventLoopUtilization();
  const t = performance.now();
  const n = await session.range(0, TASKS, { numPartitions: TASKS }).count();
  if (n !== TASKS) throw new Error(`counted ${n} rows, expected ${TASKS}`);
  return { wall: (performance.now() - t) / TASKS, thread: loopBusyMs(e0) / TASKS, cpu: cpuMs(c0) / TASKS };
};

const load = machineInfo().loadAverage as number[];
const faultAtStart = pageFaultCost();
const logs = await mkdtemp(join(tmpdir(), 'bench-event-log-'));
const busOnlyNs = await eventsPerTaskNs(logs, false);
const monitoredNs = await eventsPerTaskNs(logs, true);
const perTaskNs = monitoredNs.process - busOnlyNs.process;
const perTaskThreadNs = monitoredNs.thread - busOnlyNs.thread;
const ON = ['dataflow.ui.port=0', `dataflow.eventLog.dir=${logs}`, 'dataflow.ui.progress=false'];
const OFF = ['dataflow.ui.enabled=false', 'dataflow.eventLog.enabled=false', 'dataflow.ui.progress=false'];

/**
 * Jobs to a block: the sessions take turns a block at a time, not a job at a time, and the first job
 * of each block is not recorded. The monitor's thread folds and writes what a job posted up to 50 ms
 * after it (its poll), so with turns of one job its work for the session with the UI and log on
 * landed in the next job of the session with both off, and the comparison flattered the monitor:
 * 1.007-1.011x median of pairs, where separate processes in steady state gave ~1.05x medians.
 */
const BLOCK = 10;

/**
 * `runs` recorded jobs on a session with the UI and log on and on one with both off, in alternating
 * blocks (which goes first alternates too); and the bytes of the on-session's log per task it ran.
 */
async function alternate(master: string, runs: number): Promise<{ on: JobTimes[]; off: JobTimes[]; logBytesPerTask: number }> {
  const onSession = await Session.create({ master, conf: ON });
  const offSession = await Session.create({ master, conf: OFF });
  const on: JobTimes[] = [];
  const off: JobTimes[] = [];
  let onJobs = 1;
  const block = async (session: Session, into: JobTimes[], jobs: number): Promise<void> => {
    if (session === onSession) onJobs += 1 + jobs;
    await job(session); // absorbs what the other session's monitor thread still had to do
    for (let i = 0; i < jobs; i++) into.push(await job(session));
  };
  try {
    await job(onSession);
    await job(offSession); // warm-up
    for (let b = 0; on.length < runs; b++) {
      const jobs = Math.min(BLOCK, runs - on.length);
      if (b % 2 === 0) {
        await block(offSession, off, jobs);
        await block(onSession, on, jobs);
      } else {
        await block(onSession, on, jobs);
        await block(offSession, off, jobs);
      }
    }
  } finally {
    await onSession.stop();
    await offSession.stop();
  }
  return { on, off, logBytesPerTask: (await stat(join(logs, `${onSession.appId}.jsonl`))).size / (onJobs * TASKS) };
}

/** local[2]'s tasks run in executor processes, so a job costs the driver less of its time: fewer runs tell. */
const LOCAL2_RUNS = Math.max(5, Math.round(RUNS / 5));
let local: Awaited<ReturnType<typeof alternate>>;
let local2: Awaited<ReturnType<typeof alternate>>;
const processesArg = process.argv.indexOf('--processes');
const PROCESSES = processesArg > 0 ? Number(process.argv[processesArg + 1]) : 0;
const STEADY = fileURLToPath(new URL('./event-log/steady-state.ts', import.meta.url));
/** One steady-state process (see the header's (3)): its timed jobs' median wall ms and CPU ms per job. */
function steadyState(mode: 'on' | 'off'): ProcessTimes {
  const out = execFileSync(process.execPath, [...process.execArgv, STEADY, mode, logs], { encoding: 'utf8' });
  const r = JSON.parse(out.trim().split('\n').pop()!) as { wallMs: number[]; cpuMsPerJob: number; startMs: number; firstJobs: { jobs: number; wallMs: number; cpuMs: number }; stopMs: number };
  const s = summarise(r.wallMs);
  return { median: s.median, best: s.min, cpu: r.cpuMsPerJob, startMs: r.startMs, firstJobs: r.firstJobs.jobs, firstJobsMs: r.firstJobs.wallMs, firstJobsCpuMs: r.firstJobs.cpuMs, stopMs: r.stopMs };
}
/** One process's figures: its steady-state jobs (ms a job), and what it paid as a fresh application (ms). */
interface ProcessTimes { median: number; best: number; cpu: number; startMs: number; firstJobs: number; firstJobsMs: number; firstJobsCpuMs: number; stopMs: number }
const steady: Array<{ on: ProcessTimes; off: ProcessTimes }> = [];
/** Control pairs, both processes with UI and log off (`on` here is the one in the place of the on-process). */
const control: typeof steady = [];
try {
  local = await alternate('local', RUNS);
  local2 = await alternate('local[2]', LOCAL2_RUNS);
  for (let i = 0; i < PROCESSES; i++) {
    if (i % 2 === 0) { const on = steadyState('on'); steady.push({ on, off: steadyState('off') }); }
    else { const off = steadyState('off'); steady.push({ on: steadyState('on'), off }); }
    // the control pair in the same order: the process standing for `on` first in even pairs, second in odd ones
    if (i % 2 === 0) { const on = steadyState('off'); control.push({ on, off: steadyState('off') }); }
    else { const off = steadyState('off'); control.push({ on: steadyState('off'), off }); }
  }
} finally {
  await rm(logs, { recursive: true, force: true });
}
const { off } = local;
const KIND_NAMES = { wall: 'wall time', thread: 'busy time of the driver thread (event loop active)', cpu: 'CPU time of the process' } as const;
const row = (kind: keyof JobTimes, master = 'local', pair = local): TableRow => {
  const a = summarise(pair.on.map((r) => r[kind]));
  const b = summarise(pair.off.map((r) => r[kind]));
  return {
    measure: `per-task overhead, ${master} (job of ${TASKS} empty tasks), UI + event log on, ${KIND_NAMES[kind]}`,
    dataflow: `${fmt(a.min)} ms/task best, ${fmt(a.median)} median`,
    reference: `a session with both off, in alternating blocks of ${BLOCK} jobs: ${fmt(b.min)} ms best, ${fmt(b.median)} median`,
    verdict: `${(a.min / b.min).toFixed(3)}× best, ${(a.median / b.median).toFixed(3)}× median, ${summarise(pair.on.map((r, i) => r[kind] / pair.off[i]![kind])).median.toFixed(3)}× median of the ${pair.on.length} pairs; goal ≤ 1.03×`,
  };
};
function steadyRow(): TableRow {
  const med = (f: (p: (typeof steady)[number]) => number): number => summarise(steady.map(f)).median;
  const spread = (pairs: typeof steady): string => {
    const ratios = pairs.map((p) => p.on.median / p.off.median);
    return `${Math.min(...ratios).toFixed(3)}-${Math.max(...ratios).toFixed(3)}×`;
  };
  const controlMedian = summarise(control.map((p) => p.on.median / p.off.median)).median;
  // Where the median of the pairs' ratios lies, the machine's noise included (the sign test's interval).
  const interval = (pairs: typeof steady): string => {
    const i = medianInterval(pairs.map((p) => p.on.median / p.off.median));
    return i ? `${i.low.toFixed(3)}-${i.high.toFixed(3)}× (${Math.round(i.coverage * 1000) / 10}% interval of that median)` : 'too few pairs for an interval of the median';
  };
  return {
    measure: `per-task overhead, local (job of ${TASKS} empty tasks), UI + event log on, separate processes in steady state (${steady.length} pairs alternating, 30 jobs of warm-up, 150 timed each)`,
    dataflow: `${fmt(med((p) => p.on.best) / TASKS)} ms/task best, ${fmt(med((p) => p.on.median) / TASKS)} median (medians over the processes); process CPU ${fmt(med((p) => p.on.cpu) / TASKS)} ms/task`,
    reference: `processes with both off: ${fmt(med((p) => p.off.best) / TASKS)} ms best, ${fmt(med((p) => p.off.median) / TASKS)} median; process CPU ${fmt(med((p) => p.off.cpu) / TASKS)} ms/task`,
    verdict: `${med((p) => p.on.best / p.off.best).toFixed(3)}× best, ${med((p) => p.on.median / p.off.median).toFixed(3)}× median (medians of the ${steady.length} pairs, ${interval(steady)}; the pairs ${spread(steady)}); CPU ${med((p) => p.on.cpu / p.off.cpu).toFixed(3)}×; goal ≤ 1.03×. Control pairs, both off (A/A), alongside: ${controlMedian.toFixed(3)}× median, ${interval(control)}; the pairs ${spread(control)}`,
  };
}
/** (4) What a fresh application pays, from the same processes: Session.create, its first jobs, stop. */
function freshRow(): TableRow {
  const med = (pairs: typeof steady, f: (t: ProcessTimes) => number): [number, number] => [summarise(pairs.map((p) => f(p.on))).median, summarise(pairs.map((p) => f(p.off))).median];
  const [firstOn, firstOff] = med(steady, (t) => t.firstJobsMs);
  const [cpuOn, cpuOff] = med(steady, (t) => t.firstJobsCpuMs);
  const [startOn, startOff] = med(steady, (t) => t.startMs);
  const [stopOn, stopOff] = med(steady, (t) => t.stopMs);
  const [controlOn, controlOff] = med(control, (t) => t.firstJobsMs);
  const first = `first ${steady[0]!.on.firstJobs} jobs`;
  return {
    measure: `a fresh application on local, the same processes: Session.create, its ${first} of ${TASKS} empty tasks, and stop (medians of the ${steady.length} processes each)`,
    dataflow: `${first} ${fmt(firstOn)} ms (process CPU ${fmt(cpuOn)} ms); create ${fmt(startOn)} ms, stop ${fmt(stopOn)} ms`,
    reference: `processes with both off: ${fmt(firstOff)} ms (CPU ${fmt(cpuOff)} ms); create ${fmt(startOff)} ms, stop ${fmt(stopOff)} ms`,
    verdict: `${first} ${(firstOn / firstOff).toFixed(3)}× (+${fmt(firstOn - firstOff)} ms, CPU +${fmt(cpuOn - cpuOff)} ms), stop +${fmt(stopOn - stopOff)} ms: once per application. Control pairs, both off (A/A): ${(controlOn / controlOff).toFixed(3)}×`,
  };
}
const offCpu = summarise(off.map((r) => r.cpu));
const offThread = summarise(off.map((r) => r.thread));
console.log(markdownTable([
  {
    measure: `monitor's time per task on the driver thread (TaskStart + TaskEnd delivered in batches of ${BATCH} tasks and packed for the monitor's thread, which folds the UI status and encodes the log; the first 4,096 events folded and encoded here)`,
    dataflow: `${fmt(perTaskThreadNs)} ns/task (${fmt(monitoredNs.thread)} with the monitor listening − ${fmt(busOnlyNs.thread)} without), best of 5 × 100 jobs of 1,000 tasks, the monitor's thread running`,
    reference: `driver-thread busy time per task of the job below with UI and log off: ${fmt(offThread.min * 1e6)} ns best`,
    verdict: `${((perTaskThreadNs / (offThread.min * 1e6)) * 100).toFixed(2)}% of a task's; goal < 3%`,
  },
  {
    measure: 'the same, CPU time of the whole process (with the log\'s encoder thread and the file writes)',
    dataflow: `${fmt(perTaskNs)} ns/task (${fmt(monitoredNs.process)} − ${fmt(busOnlyNs.process)})`,
    reference: `process CPU time per task of the job below with UI and log off: ${fmt(offCpu.min * 1e6)} ns best`,
    verdict: `${((perTaskNs / (offCpu.min * 1e6)) * 100).toFixed(2)}% of a task's`,
  },
  row('wall'),
  row('thread'),
  row('cpu'),
  row('wall', 'local[2]', local2),
  row('cpu', 'local[2] (the driver process)', local2),
  ...(steady.length === 0 ? [] : [steadyRow(), freshRow()]),
]));
console.log(`\n- the event log written (version ${EVENT_LOG_VERSION}), its bytes over the tasks its session ran: ${fmt(local.logBytesPerTask)} a task on local, ${fmt(local2.logBytesPerTask)} on local[2]`);
console.log(`- load average at start ${load.join(' ')}, at end ${(machineInfo().loadAverage as number[]).join(' ')}; a page fault ${fmt(faultAtStart.microsPerFault)} µs at start, ${fmt(pageFaultCost().microsPerFault)} at end; ${RUNS} runs each on local, ${LOCAL2_RUNS} on local[2]\n\ncommand: npx tsx bench/event-log.ts${RUNS !== 101 ? ` --runs ${RUNS}` : ''}${PROCESSES > 0 ? ` --processes ${PROCESSES}` : ''}`);
