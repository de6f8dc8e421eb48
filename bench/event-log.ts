// The cost of the event log and the live UI (issue 12: with them on, the core benchmarks stay
// within 3% of off). Two figures from one run: (1) what one task costs the application monitor (the
// driver's listener-bus subscriber behind both): its TaskStart and TaskEnd delivered in batches of
// BATCH, folded into the UI's status, turned into JSON lines and written to a real log file, beside
// the same events delivered with nobody but DriverMetrics listening, timed over 100 jobs of 1,000 tasks;
// (2) the per-task overhead job of bench/core (1,000 empty tasks on `local`) in a session with the
// UI and the event log on, beside one with both off, runs alternating (which goes first alternates
// too). Both are given in this process's CPU time as well as wall time: on a shared machine the
// CPU time (process.cpuUsage: the main thread, GC helpers and the in-process executor together) is
// what load blurs least, and it is what the UI and the log add.
//
//   npx tsx bench/event-log.ts [--runs N]

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationMonitor } from '../engine/cluster/app-monitor.ts';
import { DriverMetrics } from '../engine/cluster/driver-metrics.ts';
import { ListenerBus } from '../engine/cluster/listener-bus.ts';
import { resolveConfig } from '../engine/config.ts';
import { Session } from '../engine/dataset/session.ts';
import { summarise } from './lib/measure.ts';
import { fmt, machineInfo, markdownTable, type TableRow } from './lib/report.ts';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 15;
const TASKS = 1_000;
/** Tasks whose events one drain of the bus delivers (a macrotask of a busy driver sees several). */
const BATCH = 16;

/** Milliseconds of this process's CPU time since `start`. */
function cpuMs(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** CPU nanoseconds per task of posting and delivering its two events on a bus, with or without the monitor listening; best of 5 rounds. */
async function eventsPerTaskNs(logs: string, withMonitor: boolean): Promise<number> {
  const JOBS = 100;
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const bus = new ListenerBus();
    bus.subscribe(new DriverMetrics({ jobsActive: () => 0, tasksRunning: () => 0, executorsAlive: () => 1 }));
    const monitor = withMonitor
      ? await ApplicationMonitor.start({ config: resolveConfig(['dataflow.ui.port=0', `dataflow.eventLog.dir=${logs}`, 'dataflow.ui.progress=false']), master: 'local', appName: 'bench' })
      : undefined;
    monitor?.listenTo(bus);
    const c0 = process.cpuUsage();
    for (let jobId = 0; jobId < JOBS; jobId++) {
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
    if (monitor) {
      if (monitor.state.jobs.size !== JOBS) throw new Error('the monitor did not fold the job');
      await monitor.flush();
    }
    best = Math.min(best, (cpuMs(c0) * 1e6) / (JOBS * TASKS));
    await monitor?.stop({ status: 'succeeded' });
  }
  return best;
}

/** Milliseconds per task of the job, in wall time and in this process's CPU time. */
const job = async (session: Session): Promise<{ wall: number; cpu: number }> => {
  const c0 = process.cpuUsage();
  const t = performance.now();
  const n = await session.range(0, TASKS, { numPartitions: TASKS }).count();
  if (n !== TASKS) throw new Error(`counted ${n} rows, expected ${TASKS}`);
  return { wall: (performance.now() - t) / TASKS, cpu: cpuMs(c0) / TASKS };
};

const load = machineInfo().loadAverage as number[];
const logs = await mkdtemp(join(tmpdir(), 'bench-event-log-'));
const busOnlyNs = await eventsPerTaskNs(logs, false);
const monitoredNs = await eventsPerTaskNs(logs, true);
const perTaskNs = monitoredNs - busOnlyNs;
const onSession = await Session.create({ master: 'local', conf: ['dataflow.ui.port=0', `dataflow.eventLog.dir=${logs}`, 'dataflow.ui.progress=false'] });
const offSession = await Session.create({ master: 'local', conf: ['dataflow.ui.enabled=false', 'dataflow.eventLog.enabled=false', 'dataflow.ui.progress=false'] });
const on: Array<{ wall: number; cpu: number }> = [];
const off: Array<{ wall: number; cpu: number }> = [];
try {
  await job(onSession);
  await job(offSession); // warm-up
  for (let i = 0; i < RUNS; i++) {
    if (i % 2 === 0) {
      off.push(await job(offSession));
      on.push(await job(onSession));
    } else {
      on.push(await job(onSession));
      off.push(await job(offSession));
    }
  }
} finally {
  await onSession.stop();
  await offSession.stop();
  await rm(logs, { recursive: true, force: true });
}
const row = (kind: 'wall' | 'cpu'): TableRow => {
  const a = summarise(on.map((r) => r[kind]));
  const b = summarise(off.map((r) => r[kind]));
  return {
    measure: `per-task overhead, local (job of ${TASKS} empty tasks), UI + event log on, ${kind === 'wall' ? 'wall time' : 'CPU time of the process'}`,
    dataflow: `${fmt(a.min)} ms/task best, ${fmt(a.median)} median`,
    reference: `a session with both off, runs alternating: ${fmt(b.min)} ms best, ${fmt(b.median)} median`,
    verdict: `${(a.min / b.min).toFixed(3)}× best, ${(a.median / b.median).toFixed(3)}× median, ${summarise(on.map((r, i) => r[kind] / off[i]![kind])).median.toFixed(3)}× median of the ${RUNS} pairs; goal ≤ 1.03×`,
  };
};
const offCpu = summarise(off.map((r) => r.cpu));
console.log(markdownTable([
  {
    measure: `monitor's CPU time per task (TaskStart + TaskEnd delivered in batches of ${BATCH} tasks, folded into the UI status, written as JSON lines to a file)`,
    dataflow: `${fmt(perTaskNs)} ns/task (${fmt(monitoredNs)} with the monitor listening − ${fmt(busOnlyNs)} without), best of 5 × 100 jobs of 1,000 tasks`,
    reference: `CPU time per task of the job below with UI and log off: ${fmt(offCpu.min * 1e6)} ns best`,
    verdict: `${((perTaskNs / (offCpu.min * 1e6)) * 100).toFixed(2)}% of a task's CPU; goal < 3%`,
  },
  row('wall'),
  row('cpu'),
]));
console.log(`\n- load average at start ${load.join(' ')}, at end ${(machineInfo().loadAverage as number[]).join(' ')}; ${RUNS} runs each\n\ncommand: npx tsx bench/event-log.ts${RUNS !== 15 ? ` --runs ${RUNS}` : ''}`);
