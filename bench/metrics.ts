// The cost of counting metrics (issue 12: with metrics on, the core benchmarks stay within 3% of
// off). Two figures from one run: (1) the metrics calls one task makes on the driver and on an
// executor (started, succeeded with a map output of 64 blocks, reading 64 blocks), timed over a
// million tasks; (2) the per-task overhead job of bench/core (1,000 empty tasks on `local`) with a
// second DriverMetrics subscribed to the driver's listener bus (it costs what the session's own
// does), beside the same session with it unsubscribed, runs alternating. Figure (1) over the per-task overhead is the bound that load cannot blur.
//
//   npx tsx bench/metrics.ts [--runs N]

import { DriverMetrics } from '../engine/cluster/driver-metrics.ts';
import { ExecutorMetrics } from '../engine/executor/executor-metrics.ts';
import type { DriverEvent, DriverEventBatch } from '../engine/cluster/listener-bus.ts';
import { EventPacker } from '../engine/events/packed-events.ts';
import type { TaskDescriptor, TaskResult } from '../engine/protocol/index.ts';
import { summarise } from './lib/measure.ts';
import type { Sample } from './lib/measure.ts';
import { fmt, machineInfo, markdownTable } from './lib/report.ts';
import { withSession } from './lib/sessions.ts';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 7;
const TASKS = 1_000;

/** Nanoseconds of metrics calls per task, best of 5 rounds of a million tasks. */
function callsPerTaskNs(): number {
  const driver = new DriverMetrics({ jobsActive: () => 0, tasksRunning: () => 0, executorsAlive: () => 1 });
  const executor = new ExecutorMetrics('exec-1', 2, { appCount: () => 1, cachedBytes: async () => ({ memory: 0, disk: 0 }) });
  const blocks = Array.from({ length: 64 }, (_, i) => ({ mapPartition: i, executorId: 'exec-1', host: '127.0.0.1', port: 1, size: 1000 + i, attempt: 0 }));
  const task = { shuffleInputs: [{ shuffleId: 0, reducePartition: 0, blocks }] } as unknown as TaskDescriptor;
  const result: TaskResult = {
    payload: { kind: 'mapOutput', blockSizes: blocks.map((b) => b.size) }, cachedBlocks: [], durationMs: 1,
    metrics: { spillBytes: 0, spillFiles: 0, peakMemoryBytes: 0, cachedMemoryBytes: 0, cachedDiskBytes: 0 },
  };
  const started: DriverEvent = { event: 'TaskStart', time: 0, stageId: 1, stageAttempt: 0, taskId: 0, partition: 0, attempt: 0, executorId: 'exec-1', host: '127.0.0.1' };
  let read = 0;
  for (const b of blocks) read += b.size;
  const ended: DriverEvent = {
    event: 'TaskEnd', time: 1, stageId: 1, stageAttempt: 0, taskId: 0, partition: 0, attempt: 0, executorId: 'exec-1', status: 'succeeded', durationMs: 1,
    io: { inputBytes: 0, inputRecords: 0, shuffleReadBytes: read, shuffleReadRecords: 0, shuffleWriteBytes: read, shuffleWriteRecords: 0, outputRecords: 0, spillBytes: 0, peakMemoryBytes: 0 },
  };
  // the two events as the driver's bus hands them to its listeners (listener-bus.ts), packed once
  const packer = new EventPacker(64, Infinity);
  packer.push(started);
  packer.push(ended);
  const batch: DriverEventBatch = { rows: packer.take(), objects: [], names: packer.knownNames };
  const n = 1_000_000;
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const t = performance.now();
    for (let i = 0; i < n; i++) {
      driver.onEvents(batch);
      executor.taskStarted();
      executor.taskSucceeded(task, result);
    }
    best = Math.min(best, ((performance.now() - t) * 1e6) / n);
  }
  return best;
}

async function overheadOnOff(): Promise<{ on: Sample; off: Sample }> {
  return withSession('local', async (session) => {
    const metrics = new DriverMetrics({ jobsActive: () => 0, tasksRunning: () => 0, executorsAlive: () => 1 });
    const job = async (): Promise<number> => {
      const t = performance.now();
      const n = await session.range(0, TASKS, { numPartitions: TASKS }).count();
      if (n !== TASKS) throw new Error(`counted ${n} rows, expected ${TASKS}`);
      return (performance.now() - t) / TASKS;
    };
    await job(); // warm-up
    const on: number[] = [];
    const off: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      off.push(await job());
      const unsubscribe = session.driver.bus.subscribe(metrics);
      on.push(await job());
      unsubscribe();
    }
    return { on: summarise(on), off: summarise(off) };
  });
}

const load = machineInfo().loadAverage as number[];
const perTaskNs = callsPerTaskNs();
const { on, off } = await overheadOnOff();
console.log(markdownTable([
  {
    measure: 'metrics calls per task (driver + executor: started, succeeded, 64 blocks read and written)', dataflow: `${fmt(perTaskNs)} ns/task best of 5×1M`,
    reference: `per-task overhead with metrics off (below): ${fmt(off.min * 1e6)} ns best`, verdict: `${((perTaskNs / (off.min * 1e6)) * 100).toFixed(3)}% of a task's overhead; goal < 3%`,
  },
  {
    measure: `per-task overhead, local (job of ${TASKS} empty tasks), one more DriverMetrics on the bus`, dataflow: `${fmt(on.min)} ms/task best, ${fmt(on.median)} median`,
    reference: `same session without that listener, runs alternating: ${fmt(off.min)} ms best, ${fmt(off.median)} median`,
    verdict: `${(on.min / off.min).toFixed(3)}× best, ${(on.median / off.median).toFixed(3)}× median; goal ≤ 1.03×`,
  },
]));
console.log(`\n- load average at start ${load.join(' ')}, at end ${(machineInfo().loadAverage as number[]).join(' ')}; ${RUNS} runs each\n\ncommand: npx tsx bench/metrics.ts${RUNS !== 7 ? ` --runs ${RUNS}` : ''}`);
