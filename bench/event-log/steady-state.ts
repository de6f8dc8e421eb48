// One process of bench/event-log.ts's steady-state comparison: a session on `local` with the UI and
// event log on (`on`) or both off (`off`), 30 jobs of 1,000 empty tasks to warm up, then JOBS timed;
// prints one JSON line: each timed job's wall ms, and the process's CPU ms per job over them.
//
//   npx tsx bench/event-log/steady-state.ts on|off LOG_DIR [JOBS]

import { Session } from '../../engine/dataset/session.ts';

const [mode, logs, jobsArg] = process.argv.slice(2);
if ((mode !== 'on' && mode !== 'off') || !logs) throw new Error('usage: steady-state.ts on|off LOG_DIR [JOBS]');
const JOBS = Number(jobsArg ?? 150);
const conf = mode === 'on' ? ['dataflow.ui.port=0', `dataflow.eventLog.dir=${logs}`] : ['dataflow.ui.enabled=false', 'dataflow.eventLog.enabled=false'];
const session = await Session.create({ master: 'local', conf: [...conf, 'dataflow.ui.progress=false'] });
try {
  const job = (): Promise<number> => session.range(0, 1000, { numPartitions: 1000 }).count();
  for (let i = 0; i < 30; i++) await job();
  const wallMs: number[] = [];
  const cpu = process.cpuUsage();
  for (let i = 0; i < JOBS; i++) {
    const t = performance.now();
    await job();
    wallMs.push(performance.now() - t);
  }
  const used = process.cpuUsage(cpu);
  console.log(JSON.stringify({ wallMs, cpuMsPerJob: (used.user + used.system) / 1000 / JOBS }));
} finally {
  await session.stop();
}
