// The cost of the event log and the live UI (issue 12: with them on, the core benchmarks stay
// within 3% of off). Two figures from one run: (1) what one task costs the driver's event path (its
// TaskStart and TaskEnd built, folded into the UI's status and turned into JSON lines), timed over
// 200,000 tasks; (2) the per-task overhead job of bench/core (1,000 empty tasks on `local`) in a
// session with the UI and the event log on, beside one with both off, runs alternating. Figure (1)
// over the per-task overhead is the bound that load cannot blur.
//
//   npx tsx bench/event-log.ts [--runs N]

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineEvent } from '../engine/events/events.ts';
import { applyEvent, emptyAppState } from '../engine/events/fold.ts';
import { Session } from '../engine/dataset/session.ts';
import { summarise } from './lib/measure.ts';
import { fmt, machineInfo, markdownTable } from './lib/report.ts';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 7;
const TASKS = 1_000;

/** Nanoseconds per task of the event path (2 events built, folded, stringified), best of 5 rounds. */
function eventsPerTaskNs(): number {
  const n = 200_000;
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const state = emptyAppState('bench');
    applyEvent(state, { event: 'JobStart', time: 0, jobId: 0, description: 'count', stages: [{ stageId: 0, name: 'range', numTasks: n, parentStageIds: [] }], plan: '' });
    applyEvent(state, { event: 'StageSubmitted', time: 0, jobId: 0, stageId: 0, attempt: 0, numTasks: n });
    let bytes = 0;
    const t = performance.now();
    for (let i = 0; i < n; i++) {
      const start: EngineEvent = { event: 'TaskStart', time: i, stageId: 0, stageAttempt: 0, taskId: i, partition: i, attempt: 0, executorId: 'exec-1', host: '127.0.0.1' };
      applyEvent(state, start);
      bytes += JSON.stringify(start).length;
      const end: EngineEvent = {
        event: 'TaskEnd', time: i + 1, stageId: 0, stageAttempt: 0, taskId: i, partition: i, attempt: 0, executorId: 'exec-1', status: 'succeeded', durationMs: 1,
        io: { inputBytes: 100, inputRecords: 10, shuffleReadBytes: 0, shuffleReadRecords: 0, shuffleWriteBytes: 800, shuffleWriteRecords: 10, outputRecords: 10, spillBytes: 0, peakMemoryBytes: 4096 },
      };
      applyEvent(state, end);
      bytes += JSON.stringify(end).length;
    }
    best = Math.min(best, ((performance.now() - t) * 1e6) / n);
    if (bytes === 0) throw new Error('nothing written');
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
const perTaskNs = eventsPerTaskNs();
const logs = await mkdtemp(join(tmpdir(), 'bench-event-log-'));
const onSession = await Session.create({ master: 'local', conf: ['dataflow.ui.port=0', `dataflow.eventLog.dir=${logs}`, 'dataflow.ui.progress=false'] });
const offSession = await Session.create({ master: 'local', conf: ['dataflow.ui.enabled=false', 'dataflow.eventLog.enabled=false', 'dataflow.ui.progress=false'] });
const on: number[] = [];
const off: number[] = [];
try {
  await job(onSession);
  await job(offSession); // warm-up
  for (let i = 0; i < RUNS; i++) {
    off.push(await job(offSession));
    on.push(await job(onSession));
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
    measure: 'event path per task (TaskStart + TaskEnd built, folded into the UI status, JSON lines)', dataflow: `${fmt(perTaskNs)} ns/task best of 5×200k`,
    reference: `per-task overhead with UI and log off (below): ${fmt(b.min * 1e6)} ns best`, verdict: `${((perTaskNs / (b.min * 1e6)) * 100).toFixed(3)}% of a task's overhead; goal < 3%`,
  },
  {
    measure: `per-task overhead, local (job of ${TASKS} empty tasks), UI + event log on`, dataflow: `${fmt(a.min)} ms/task best, ${fmt(a.median)} median`,
    reference: `a session with both off, runs alternating: ${fmt(b.min)} ms best, ${fmt(b.median)} median`,
    verdict: `${(a.min / b.min).toFixed(3)}× best, ${(a.median / b.median).toFixed(3)}× median; goal ≤ 1.03×`,
  },
]));
console.log(`\n- load average at start ${load.join(' ')}, at end ${(machineInfo().loadAverage as number[]).join(' ')}; ${RUNS} runs each\n\ncommand: npx tsx bench/event-log.ts${RUNS !== 7 ? ` --runs ${RUNS}` : ''}`);
