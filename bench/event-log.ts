// The cost of the event log and the live UI (issue 12: with them on, the core benchmarks stay
// within 3% of off). Two figures from one run: (1) what one task costs the application monitor (the
// driver's listener-bus subscriber behind both): its TaskStart and TaskEnd delivered in batches of
// BATCH, folded into the UI's status, turned into JSON lines and written to a real log file, beside
// the same events delivered with nobody but DriverMetrics listening, timed over 100 jobs of 1,000 tasks;
// (2) the per-task overhead job of bench/core (1,000 empty tasks on `local`) in a session with the
// UI and the event log on, beside one with both off, runs alternating (which goes first alternates
// too). Figure (1) over the per-task overhead is the bound that load cannot blur.
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
import { fmt, machineInfo, markdownTable } from './lib/report.ts';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 15;
const TASKS = 1_000;
/** Tasks whose events one drain of the bus delivers (a macrotask of a busy driver sees several). */
const BATCH = 16;

/** Nanoseconds per task of posting and delivering its two events on a bus, with or without the monitor listening; best of 5 rounds. */
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
    const t = performance.now();
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
    best = Math.min(best, ((performance.now() - t) * 1e6) / (JOBS * TASKS));
    await monitor?.stop({ status: 'succeeded' });
  }
  return best;
}

const job = async (session: Session): Promise<number> => {
  const t = performance.now();
  const n = await session.range(0, TASKS, { numPartitions: TASKS }).count();
  if (n !== TASKS) throw new Error(`counted ${n} rows, expected ${TASKS}`);
  return (performance.now() - t) / TASKS;
};

const load = machineInfo().loadAverage as number[];
const logs = await mkdtemp(join(tmpdir(), 'bench-event-log-'));
const busOnlyNs = await eventsPerTaskNs(logs, false);
const monitoredNs = await eventsPerTaskNs(logs, true);
const perTaskNs = monitoredNs - busOnlyNs;
const onSession = await Session.create({ master: 'local', conf: ['dataflow.ui.port=0', `dataflow.eventLog.dir=${logs}`, 'dataflow.ui.progress=false'] });
const offSession = await Session.create({ master: 'local', conf: ['dataflow.ui.enabled=false', 'dataflow.eventLog.enabled=false', 'dataflow.ui.progress=false'] });
const on: number[] = [];
const off: number[] = [];
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
const a = summarise(on);
const b = summarise(off);
console.log(markdownTable([
  {
    measure: `monitor's cost per task (TaskStart + TaskEnd delivered in batches of ${BATCH} tasks, folded into the UI status, written as JSON lines to a file)`,
    dataflow: `${fmt(perTaskNs)} ns/task (${fmt(monitoredNs)} with the monitor listening − ${fmt(busOnlyNs)} without), best of 5 × 100 jobs of 1,000 tasks`,
    reference: `per-task overhead with UI and log off (below): ${fmt(b.min * 1e6)} ns best`, verdict: `${((perTaskNs / (b.min * 1e6)) * 100).toFixed(3)}% of a task's overhead; goal < 3%`,
  },
  {
    measure: `per-task overhead, local (job of ${TASKS} empty tasks), UI + event log on`, dataflow: `${fmt(a.min)} ms/task best, ${fmt(a.median)} median`,
    reference: `a session with both off, runs alternating: ${fmt(b.min)} ms best, ${fmt(b.median)} median`,
    verdict: `${(a.min / b.min).toFixed(3)}× best, ${(a.median / b.median).toFixed(3)}× median, ${fmt(summarise(on.map((x, i) => x / off[i]!)).median)}× median of the ${RUNS} pairs; goal ≤ 1.03×`,
  },
]));
console.log(`\n- load average at start ${load.join(' ')}, at end ${(machineInfo().loadAverage as number[]).join(' ')}; ${RUNS} runs each\n\ncommand: npx tsx bench/event-log.ts${RUNS !== 15 ? ` --runs ${RUNS}` : ''}`);
