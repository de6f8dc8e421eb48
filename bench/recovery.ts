// What losing an executor costs: the same shuffle-heavy job on a standalone cluster (a master and 3
// executors as separate processes on 127.0.0.1), timed without failures and with one executor
// SIGKILLed early in the first stage (once it holds a map output). Runs alternate so load from elsewhere
// hits both; the killed executor is replaced between runs (not timed). Prints a markdown table,
// every run, the command line, and writes bench/results/recovery-<timestamp>.json.
//
//   npx tsx bench/recovery.ts [--runs N] [--ratings N] [--quick] [--data DIR (default ../bench-data/recovery)]
//   npm run bench -- --only recovery
//
// The job: 4M generated ratings (Parquet, 16 row groups: 16 map tasks) → repartition by itemId into 12 (every row
// crosses the shuffle) → per-item count and mean → the 10 most-rated items. The result of every
// run is checked against the first run without failures.

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Session, count, mean, writeRatingsParquet } from '../index.ts';
import type { Row } from '../index.ts';
import type { SchedulerCommand } from '../engine/scheduler/types.ts';
import { TestCluster } from '../test/helpers/cluster.ts';
import { summarise } from './lib/measure.ts';
import { fmt, machineInfo, markdownTable, writeResults } from './lib/report.ts';
import { cleanUpOnSignal } from './lib/sessions.ts';
import { benchDataDir } from './lib/paths.ts';

interface Options { runs: number; ratings: number }

interface RunResult {
  kind: 'no failure' | 'one executor killed';
  ms: number;
  /** Map tasks launched again because their output or their executor was lost. */
  recomputedTasks: number;
  stageResubmissions: number;
  correct: boolean;
}

function parseArgs(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const value = (name: string): number | undefined => {
    const i = argv.indexOf(name);
    if (i < 0) return undefined;
    const n = Number(argv[i + 1]);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`bench recovery: ${name} needs a positive integer, got ${argv[i + 1]}`);
    return n;
  };
  return { runs: value('--runs') ?? (quick ? 2 : 3), ratings: value('--ratings') ?? (quick ? 1_000_000 : 4_000_000) };
}

async function ratingsFile(n: number): Promise<string> {
  const dir = benchDataDir('recovery');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `ratings-${n}.parquet`);
  if (!existsSync(file)) {
    process.stderr.write(`recovery bench: generating ${fmt(n)} ratings into ${file}\n`);
    await writeRatingsParquet(file, { users: Math.ceil(n / 100), items: Math.ceil(n / 50), ratings: n, seed: 11, rowGroupSize: Math.ceil(n / 16) });
  }
  return file;
}

async function job(session: Session, file: string): Promise<Row[]> {
  const ratings = await session.readParquet(file, { columns: ['userId', 'itemId', 'rating'] });
  return ratings
    .repartition(['itemId'], { numPartitions: 12 })
    .aggregateByKey(['itemId'], { n: count(), avg: mean('rating') }, { numPartitions: 6 })
    .sortBy([{ column: 'n', ascending: false }, { column: 'itemId', ascending: true }])
    .take(10);
}

/** Map tasks run again: launches of a (stage, partition) after its first. */
function recomputed(history: readonly SchedulerCommand[]): number {
  const seen = new Set<string>();
  let again = 0;
  for (const c of history) {
    if (c.type !== 'LaunchTask') continue;
    const key = `${c.task.stageId}:${c.task.partition}`;
    if (seen.has(key)) again++;
    seen.add(key);
  }
  return again;
}

async function runOnce(cluster: TestCluster, file: string, kill: boolean, expected: string | undefined): Promise<{ result: RunResult; rows: string }> {
  await cluster.topUp(3);
  const session = await cluster.session({ executors: 3, conf: ['dataflow.network.timeoutMs=10000'] });
  try {
    const started = performance.now();
    const running = job(session, file);
    if (kill) {
      // the 4th task launched went to an executor that finished its first one: it holds a map
      // output and runs a task, and 12 of the 16 map tasks are still to come; kill it
      const history = session.driver.history;
      const launches = (): SchedulerCommand[] => history.filter((c) => c.type === 'LaunchTask');
      while (launches().length < 4 && !history.some((c) => c.type === 'JobSucceeded' || c.type === 'JobFailed')) {
        await new Promise((r) => setTimeout(r, 5));
      }
      const victim = launches()[3];
      if (victim?.type === 'LaunchTask') await cluster.executors.get(victim.task.executorId)?.kill('SIGKILL');
    }
    const rows = JSON.stringify(await running);
    const ms = performance.now() - started;
    const history = session.driver.history;
    return {
      rows,
      result: {
        kind: kill ? 'one executor killed' : 'no failure', ms,
        recomputedTasks: recomputed(history),
        stageResubmissions: history.filter((c) => c.type === 'StageResubmitted').length,
        correct: expected === undefined || rows === expected,
      },
    };
  } finally {
    await session.stop();
  }
}

export async function main(argv: string[]): Promise<number> {
  cleanUpOnSignal();
  const options = parseArgs(argv);
  const command = process.env.DATAFLOW_BENCH_COMMAND ?? ['npx tsx bench/recovery.ts', ...argv].join(' ');
  const file = await ratingsFile(options.ratings);
  const cluster = await TestCluster.start({ executors: 3, networkTimeoutMs: 10_000 });
  const stop = (): void => { void cluster.stop().finally(() => process.exit(130)); };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const runs: RunResult[] = [];
  try {
    // warm-up (executors load the engine, the OS caches the file), and the reference result
    const warm = await runOnce(cluster, file, false, undefined);
    const expected = warm.rows;
    for (let i = 0; i < options.runs; i++) {
      for (const kill of [false, true]) {
        const { result } = await runOnce(cluster, file, kill, expected);
        runs.push(result);
        process.stderr.write(`recovery bench: run ${i + 1} ${result.kind}: ${fmt(result.ms)} ms, ${result.recomputedTasks} tasks rerun${result.correct ? '' : ', WRONG RESULT'}\n`);
      }
    }
  } finally {
    await cluster.stop();
  }

  const plain = summarise(runs.filter((r) => r.kind === 'no failure').map((r) => r.ms));
  const killed = summarise(runs.filter((r) => r.kind === 'one executor killed').map((r) => r.ms));
  const rerun = summarise(runs.filter((r) => r.kind === 'one executor killed').map((r) => r.recomputedTasks));
  const allCorrect = runs.every((r) => r.correct);
  const table = markdownTable([{
    measure: `job wall time, master + 3 executors (1 core each), ${fmt(options.ratings / 1e6)}M ratings → repartition(12) → aggregate → top 10; ${options.runs} runs each`,
    dataflow: `one executor SIGKILLed mid-stage: ${fmt(killed.min / 1e3)} s best, ${fmt(killed.median / 1e3)} s median; ${fmt(rerun.median)} tasks rerun (median)`,
    reference: `same job, no failure: ${fmt(plain.min / 1e3)} s best, ${fmt(plain.median / 1e3)} s median`,
    verdict: `${fmt(killed.median / plain.median)}× the time (median); results ${allCorrect ? 'identical in every run' : 'DIFFERENT in some run'}`,
  }]);
  console.log(table);
  console.log('');
  console.log('| run | kind | wall time (s) | tasks rerun | stage resubmissions | result |');
  console.log('|---|---|---|---|---|---|');
  runs.forEach((r, i) => console.log(`| ${Math.floor(i / 2) + 1} | ${r.kind} | ${fmt(r.ms / 1e3)} | ${r.recomputedTasks} | ${r.stageResubmissions} | ${r.correct ? 'identical' : 'DIFFERENT'} |`));
  console.log('');
  console.log(`command: ${command}`);
  const machine = machineInfo();
  console.log(`machine: ${machine.cpu}, ${machine.cores} cores, load ${(machine.loadAverage as number[]).join(' ')}`);
  const saved = await writeResults('bench/results', 'recovery', { command, options, machine, runs, plain, killed });
  console.log(`results: ${saved}`);
  return allCorrect ? 0 : 1;
}

main(process.argv.slice(2)).then((code) => process.exit(code), (error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(2);
});
