// What faults cost: the same shuffle-heavy job on a standalone cluster (a master with a recovery
// folder and 3 one-core executors as separate processes on 127.0.0.1), run without faults and with
// each fault injected `--runs` times at a seeded random moment after the job starts: an executor
// SIGKILLed mid-map and mid-reduce, an executor SIGSTOPped while others fetch its blocks (found by
// the network timeout), the master SIGKILLed and restarted, and executors started with --chaos that
// drop their connections or delay every frame. Every result is checked against the fault-free one
// (row count, total of the counts, and a SHA-256 of the sorted rows). Prints a markdown table per
// fault, every run, the command line and the load, and writes bench/results/recovery-<timestamp>.json.
//
//   npx tsx bench/recovery.ts [--runs N] [--ratings N] [--quick] [--seed N] [--faults kill-map,stop-fetch,...]
//   npm run bench -- --only recovery
//
// The job: generated ratings (Parquet, 16 row groups: 16 map tasks) → repartition by itemId into 12
// (every row crosses the shuffle) → per-item count, total and first user, 6 partitions → collected.
// Processes: the cluster is stopped at the end, on an error and on SIGINT/SIGTERM (none is left behind).

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Session, count, min, sum, writeRatingsParquet } from '../index.ts';
import type { Row } from '../index.ts';
import { TestCluster, waitUntil } from '../test/helpers/cluster.ts';
import type { ExecutorProcess } from '../test/helpers/cluster.ts';
import { summarise } from './lib/measure.ts';
import { fmt, machineInfo, writeResults } from './lib/report.ts';
import { cleanUpOnInterrupt, cleanUpOnSignal, stampCommands } from './lib/sessions.ts';
import type { StampedCommand } from './lib/sessions.ts';
import { benchDataDir } from './lib/paths.ts';
import { mulberry32 } from '../engine/kernels/mulberry32.ts';

const FAULTS = {
  'none': 'no fault (reference)',
  'kill-map': 'executor SIGKILL mid-map',
  'kill-reduce': 'executor SIGKILL mid-reduce',
  'stop-fetch': 'executor SIGSTOP during fetch (hung)',
  'master-restart': 'master SIGKILL + restart',
  'chaos-drop': 'connection drops (--chaos drop-connection:0.1)',
  'chaos-delay': 'message delays (--chaos delay-ms:0-200)',
} as const;
type Fault = keyof typeof FAULTS;

/** Found by the heartbeat timeout only (SIGSTOP); short so the bench is quick, long for a loaded machine. */
const NETWORK_TIMEOUT_MS = 5_000;
const CONF = ['dataflow.task.maxAttempts=8', 'dataflow.stage.maxAttempts=8'];

interface Options { runs: number; ratings: number; seed: number; faults: Fault[] }

interface Outcome { rows: number; counted: number; checksum: string }

interface RunResult {
  fault: Fault;
  run: number;
  /** When the fault was injected, ms after the job started (chaos: the first drop seen; delays: 0). */
  injectedAtMs: number | undefined;
  /** From the fault to the first reaction (a task relaunched, a stage resubmitted, the app back on a master). */
  detectMs: number | undefined;
  /** From the fault to the job's result. */
  finishMs: number | undefined;
  wallMs: number;
  outcome: Outcome | undefined;
  identical: boolean;
  error?: string;
  note?: string;
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
  const i = argv.indexOf('--faults');
  const faults = (i < 0 ? Object.keys(FAULTS).filter((f) => f !== 'none') : String(argv[i + 1]).split(',')) as Fault[];
  for (const f of faults) if (!(f in FAULTS) || f === 'none') throw new Error(`bench recovery: --faults names no fault '${f}'; the faults are ${Object.keys(FAULTS).filter((k) => k !== 'none').join(', ')}`);
  return { runs: value('--runs') ?? (quick ? 2 : 5), ratings: value('--ratings') ?? (quick ? 1_000_000 : 4_000_000), seed: value('--seed') ?? 1, faults: ['none', ...faults] };
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

async function job(session: Session, file: string): Promise<Outcome> {
  const ratings = await session.readParquet(file, { columns: ['userId', 'itemId', 'rating'] });
  const rows = await ratings
    .repartition(['itemId'], { numPartitions: 12 })
    .aggregateByKey(['itemId'], { n: count(), total: sum('rating'), firstUser: min('userId') }, { numPartitions: 6 })
    .collect();
  const sorted = [...rows].sort((a, b) => Number(a.itemId) - Number(b.itemId));
  const text = JSON.stringify(sorted, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  return { rows: rows.length, counted: rows.reduce((s: number, r: Row) => s + Number(r.n), 0), checksum: createHash('sha256').update(text).digest('hex') };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The first reaction of the scheduler at or after `since`: a (stage, partition) launched again, or a stage resubmitted. */
function firstReaction(log: readonly StampedCommand[], since: number): number | undefined {
  const seen = new Set<string>();
  for (const { at, command: c } of log) {
    let again = c.type === 'StageResubmitted';
    if (c.type === 'LaunchTask') {
      const key = `${c.task.stageId}:${c.task.partition}`;
      again = seen.has(key);
      seen.add(key);
    }
    if (again && at >= since) return at;
  }
  return undefined;
}

/** Phases of the fault-free run, to place the faults inside them. */
interface Phases { mapMs: number; reduceMs: number; wallMs: number }

function phasesOf(log: readonly StampedCommand[], started: number, ended: number): Phases {
  const completed = log.filter((s) => s.command.type === 'StageCompleted').map((s) => s.at);
  const firstStage = log.find((s) => s.command.type === 'LaunchTask');
  const stageOf = (s: StampedCommand): number => (s.command.type === 'LaunchTask' ? s.command.task.stageId : -1);
  const reduceStart = log.find((s) => s.command.type === 'LaunchTask' && firstStage && stageOf(s) !== stageOf(firstStage))?.at ?? ended;
  return { mapMs: (completed[0] ?? ended) - started, reduceMs: (completed[1] ?? ended) - reduceStart, wallMs: ended - started };
}

class Bench {
  private chaotic: ExecutorProcess[] = [];
  phases: Phases | undefined;
  expected: Outcome | undefined;

  constructor(private readonly cluster: TestCluster, private readonly file: string, private readonly random: () => number) {}

  /** Executors for the next run: three plain ones, or chaotic ones in place of plain ones. */
  private async prepare(fault: Fault, run: number): Promise<void> {
    // each chaotic executor its own seed (the same seed would drop the same frames on both)
    const spec = (k: number): string | undefined => (fault === 'chaos-drop' ? `drop-connection:0.1,seed:${run * 3 + k + 1}`
      : fault === 'chaos-delay' ? `delay-ms:0-200,seed:${run * 3 + k + 1}` : undefined);
    if (spec(0) === undefined) { await this.cluster.topUp(3); return; }
    // drops: one plain executor stays so the job always ends; delays: every executor is slowed
    const replace = fault === 'chaos-drop' ? 2 : 3;
    await this.cluster.topUp(3);
    for (const e of this.cluster.liveExecutors().slice(0, replace)) await e.kill('SIGTERM');
    this.chaotic = await Promise.all(Array.from({ length: replace }, (_, k) => this.cluster.startExecutor({ chaos: spec(k) })));
  }

  /** After a run: no stopped or chaotic process lives on, the master runs. */
  private async restore(): Promise<void> {
    for (const e of this.cluster.liveExecutors()) {
      if (this.stopped.has(e.pid)) { process.kill(e.pid, 'SIGCONT'); await e.kill('SIGKILL'); }
    }
    this.stopped.clear();
    for (const e of this.chaotic) await e.kill('SIGTERM');
    this.chaotic = [];
    if (!this.cluster.master.alive) await this.cluster.restartMaster();
  }

  private readonly stopped = new Set<number>();

  async run(fault: Fault, run: number): Promise<RunResult> {
    await this.prepare(fault, run);
    const session = await this.cluster.session({ executors: 1, conf: CONF });
    try {
      await waitUntil(() => session.driver.executorCount >= 3, '3 executors', 20_000).catch(() => undefined);
      const log = stampCommands(session);
      const started = performance.now();
      let ended = 0;
      const running = job(session, this.file).then(
        (outcome) => { ended = performance.now(); return { outcome, error: undefined }; },
        (error: unknown) => { ended = performance.now(); return { outcome: undefined, error: error instanceof Error ? error.message : String(error) }; },
      );
      const done = (): boolean => ended > 0;
      const injected = await this.inject(fault, session, log, started, done);
      const { outcome, error } = await running;
      let detectAt = injected.detectAt;
      if (detectAt === undefined && injected.at !== undefined && fault !== 'master-restart' && fault !== 'chaos-delay') detectAt = firstReaction(log, injected.at);
      if (fault === 'none' && this.phases === undefined) this.phases = phasesOf(log, started, ended);
      const identical = outcome !== undefined && this.expected !== undefined &&
        outcome.rows === this.expected.rows && outcome.counted === this.expected.counted && outcome.checksum === this.expected.checksum;
      return {
        fault, run, wallMs: ended - started, outcome, identical, error, note: injected.note,
        injectedAtMs: injected.at === undefined ? undefined : injected.at - started,
        detectMs: detectAt === undefined || injected.at === undefined ? undefined : detectAt - injected.at,
        finishMs: injected.at === undefined ? undefined : ended - injected.at,
      };
    } finally {
      await session.stop();
      await this.restore();
    }
  }

  /** Injects `fault` at a seeded moment of the running job; returns when (performance.now()) and, if known already, when it was detected. */
  private async inject(fault: Fault, session: Session, log: readonly StampedCommand[], started: number, done: () => boolean): Promise<{ at?: number; detectAt?: number; note?: string }> {
    const phases = this.phases ?? { mapMs: 1_000, reduceMs: 1_000, wallMs: 2_000 };
    const launches = (): Extract<StampedCommand['command'], { type: 'LaunchTask' }>[] =>
      log.map((s) => s.command).filter((c): c is Extract<StampedCommand['command'], { type: 'LaunchTask' }> => c.type === 'LaunchTask');
    const until = async (check: () => boolean): Promise<boolean> => {
      while (!check()) { if (done()) return false; await sleep(5); }
      return true;
    };
    const reduceLaunches = (): ReturnType<typeof launches> => {
      const all = launches();
      return all.filter((c) => c.task.stageId !== all[0]!.task.stageId);
    };
    switch (fault) {
      case 'none': return {};
      case 'kill-map': {
        await until(() => launches().length > 0);
        await sleep(this.random() * phases.mapMs * 0.6);
        const victim = launches().filter((c) => c.task.stageId === launches()[0]!.task.stageId).at(-1);
        if (done() || !victim) return { note: 'the job ended before the fault' };
        const note = reduceLaunches().length > 0 ? 'the map stage had ended: killed during the reduce stage' : undefined;
        const at = performance.now();
        await this.cluster.executors.get(victim.task.executorId)?.kill('SIGKILL');
        return { at, note };
      }
      case 'kill-reduce':
      case 'stop-fetch': {
        if (!(await until(() => reduceLaunches().length > 0))) return { note: 'the job ended before the fault' };
        await sleep(this.random() * phases.reduceMs * (fault === 'kill-reduce' ? 0.6 : 0.3));
        if (done()) return { note: 'the job ended before the fault' };
        const executors = [...new Set(launches().map((c) => c.task.executorId))].sort();
        const id = fault === 'kill-reduce' ? reduceLaunches().at(-1)!.task.executorId : executors[Math.floor(this.random() * executors.length)]!;
        const handle = this.cluster.executors.get(id)!;
        const at = performance.now();
        if (fault === 'kill-reduce') { await handle.kill('SIGKILL'); return { at }; }
        this.stopped.add(handle.pid);
        process.kill(handle.pid, 'SIGSTOP');
        return { at };
      }
      case 'master-restart': {
        await sleep(this.random() * phases.wallMs * 0.6);
        if (done()) return { note: 'the job ended before the fault' };
        const at = performance.now();
        await this.cluster.master.kill('SIGKILL');
        const master = await this.cluster.restartMaster();
        // detected and repaired: the driver registered its application again with the new master
        const back = await master.waitFor(/application \S+ .*registered again/, 60_000).then(() => performance.now(), () => undefined);
        return { at, detectAt: back };
      }
      case 'chaos-drop': {
        // the moment is the chaos generator's: the first drop an executor reports once the job runs
        const first = await Promise.race([
          ...this.chaotic.map((e) => {
            const from = e.stderr.length;
            return e.waitUntil(() => e.stderr.includes('chaos: dropped the connection', from) || undefined, 'a dropped connection', 600_000)
              .then(() => performance.now(), () => undefined);
          }),
          (async () => { await until(() => false); return undefined; })(),
        ]);
        return first === undefined ? { note: 'no connection was dropped in this run' } : { at: first };
      }
      case 'chaos-delay': return { at: started };
    }
  }
}

function median(values: (number | undefined)[]): string {
  const known = values.filter((v): v is number => v !== undefined);
  return known.length === 0 ? '—' : `${fmt(summarise(known).median / 1e3)} s`;
}

export async function main(argv: string[]): Promise<number> {
  cleanUpOnSignal();
  const options = parseArgs(argv);
  const command = process.env.DATAFLOW_BENCH_COMMAND ?? ['npx tsx bench/recovery.ts', ...argv].join(' ');
  const file = await ratingsFile(options.ratings);
  const load = [machineInfo().loadAverage];
  const cluster = await TestCluster.start({ executors: 3, networkTimeoutMs: NETWORK_TIMEOUT_MS, masterRecovery: true });
  const forget = cleanUpOnInterrupt(() => cluster.stop());
  const bench = new Bench(cluster, file, mulberry32(options.seed));
  const runs: RunResult[] = [];
  try {
    // warm-up (executors load the engine, the OS caches the file): the reference result and phases
    const warm = await bench.run('none', 0);
    if (!warm.outcome) throw new Error(`recovery bench: the fault-free run failed: ${warm.error}`);
    bench.expected = warm.outcome;
    bench.phases = undefined;
    for (let i = 0; i < options.runs; i++) {
      for (const fault of options.faults) {
        const r = await bench.run(fault, i);
        runs.push(r);
        process.stderr.write(`recovery bench: run ${i + 1} ${FAULTS[fault]}: ${fmt(r.wallMs)} ms${r.injectedAtMs === undefined ? '' : `, fault at ${fmt(r.injectedAtMs)} ms`}` +
          `${r.detectMs === undefined ? '' : `, detected in ${fmt(r.detectMs)} ms`}, ${r.identical ? 'identical' : `DIFFERENT${r.error ? `: ${r.error}` : ''}`}${r.note ? ` (${r.note})` : ''}\n`);
      }
      load.push(machineInfo().loadAverage);
    }
  } finally {
    forget();
    await cluster.stop();
  }

  const e = bench.expected;
  console.log(`| fault | runs | finished, result identical to the fault-free run | time to detect (median) | time to finish after the fault (median) | job wall time (median) | lost/partial data (rows, total count, SHA-256 vs fault-free) |`);
  console.log('|---|---|---|---|---|---|---|');
  for (const fault of options.faults) {
    const rs = runs.filter((r) => r.fault === fault);
    const identical = rs.filter((r) => r.identical).length;
    const differing = rs.filter((r) => r.outcome && !r.identical).length;
    const failed = rs.filter((r) => !r.outcome).length;
    const data = differing === 0 && failed === 0 ? `none: ${fmt(e!.rows)} rows, ${fmt(e!.counted)} ratings, same hash in ${rs.length}/${rs.length}` : `${differing} differ, ${failed} failed`;
    const detect = fault === 'none' ? '—' : fault === 'chaos-delay' ? 'n/a (nothing fails)' : median(rs.map((r) => r.detectMs));
    const finish = fault === 'none' ? '—' : median(rs.map((r) => r.finishMs));
    console.log(`| ${FAULTS[fault]} | ${rs.length} | ${identical}/${rs.length} | ${detect} | ${finish} | ${median(rs.map((r) => r.wallMs))} | ${data} |`);
  }
  console.log('');
  console.log('| run | fault | fault at (s after start) | detected after (s) | finished after the fault (s) | wall (s) | result | note |');
  console.log('|---|---|---|---|---|---|---|---|');
  const s = (ms: number | undefined): string => (ms === undefined ? '—' : fmt(ms / 1e3));
  for (const r of runs) console.log(`| ${r.run + 1} | ${r.fault} | ${s(r.injectedAtMs)} | ${s(r.detectMs)} | ${s(r.finishMs)} | ${s(r.wallMs)} | ${r.identical ? 'identical' : `DIFFERENT${r.error ? `: ${r.error}` : ''}`} | ${r.note ?? ''} |`);
  console.log('');
  console.log(`job: ${fmt(options.ratings / 1e6)}M ratings → repartition(12) → per-item count/total/first user (6 partitions) → collect; master (--recovery-dir) + 3 executors (1 core each), network timeout ${NETWORK_TIMEOUT_MS / 1000} s; seed ${options.seed}`);
  console.log(`command: ${command}`);
  const machine = machineInfo();
  console.log(`machine: ${machine.cpu}, ${machine.cores} cores; load average (1/5/15 min) during the run: ${load.map((l) => (l as number[]).map((x) => x.toFixed(1)).join('/')).join(', ')}`);
  const saved = await writeResults('bench/results', 'recovery', { command, options, machine, load, expected: e, runs });
  console.log(`results: ${saved}`);
  return runs.every((r) => r.identical) ? 0 : 1;
}

main(process.argv.slice(2)).then((code) => process.exit(code), (error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(2);
});
