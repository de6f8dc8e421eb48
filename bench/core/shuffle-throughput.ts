// Shuffle throughput between two executor processes. Rows are generated on the executors (range →
// mapBatches(shuffleRows), 28 bytes a row), hash-repartitioned by key, and every row of the result
// is read (mapBatches(sumShuffleRows)). Shuffle time is the job with the repartition minus the same
// job without it, run back to back; bytes shuffled are the map outputs' block sizes as recorded in
// the driver's map-output registry. Stage wall times come from timestamped scheduler commands.
// The job without the shuffle runs twice: the first takes the cleaner's full collection that frees
// the previous run's shuffle (engine/dataset/cleaner.ts) and what follows it, the second is the
// reference. The collection is the cleaner's cost, reported beside the shuffle's and counted in neither.

import { fileURLToPath } from 'node:url';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import type { Table } from 'apache-arrow';
import type { Session } from '../../engine/index.ts';
import { summarise, timed } from '../lib/measure.ts';
import { processesCpuMs } from '../lib/proc-cpu.ts';
import type { Sample } from '../lib/measure.ts';
import { executorPids, loadFunctions, stageSpans, stampCommands, withSession } from '../lib/sessions.ts';
import type { StampedCommand } from '../lib/sessions.ts';
import type * as Functions from './functions.ts';

const FUNCTIONS = fileURLToPath(new URL('./functions.ts', import.meta.url));

export interface ShuffleOptions {
  master: string;
  rows: number;
  partitions: number;
  runs: number;
  /** Unrecorded runs first (default WARMUP_RUNS; at least FRESH_RUNS). */
  warmupRuns?: number;
}

export interface ShuffleRun {
  /** Job without the shuffle (generate + read), ms: the second of two back to back (collectedBaseMs). */
  baseMs: number;
  /**
   * The first of those two, ms, which takes the cleaner's full collection (the previous run's shuffle
   * is freed at its start). Less baseMs, it is what the collection costs a job: its pause (driverGcMs)
   * and the slower job after it (a scratch loop of 2026-12-05: 4.7-5.0 ms slower than the next job,
   * paired medians, beyond the pause). Before then this benchmark took the first job less the pause
   * as the reference, which took that rest off the shuffle's time.
   */
  collectedBaseMs: number;
  /** The driver's full garbage collections during the first job without the shuffle, ms. */
  driverGcMs: number;
  /** Same job with repartition, ms. */
  fullMs: number;
  /** Map stage (generate + partition + write) and reduce stage (fetch + decode + read) wall times, ms. */
  mapStageMs: number;
  reduceStageMs: number;
  /** Bytes in the shuffle's blocks, and the part of them a reducer fetched from the other executor. */
  bytes: number;
  remoteBytes: number;
  /**
   * CPU of the driver's process and the executors' (every thread; bench/lib/proc-cpu.ts) during the
   * (second) job without the shuffle and the job with it, ms. The difference is what the shuffle costs the
   * machine, whatever the overlap of its work; NaN off Linux.
   */
  baseCpuMs: number;
  fullCpuMs: number;
}

export interface ShuffleResult {
  options: ShuffleOptions;
  runs: ShuffleRun[];
  /** MB/s = bytes / (fullMs − baseMs), one value per run. */
  mbPerSec: Sample;
  /**
   * The figures reported: best = bytes / (fastest job with the shuffle − fastest job without),
   * median = bytes / (median with − median without). A run's own difference is not used for them:
   * one job without the shuffle slowed by the machine (a full collection, a descheduled thread)
   * made a run's difference tiny or negative, and its MB/s (3,000-4,400 in runs whose stages
   * alone took 140-210 ms) the "best".
   */
  estimate: { bestMbPerSec: number; medianMbPerSec: number };
  /** MB/s = bytes / (map stage + reduce stage), which also counts generating and reading the rows. */
  mbPerSecStages: Sample;
}

/**
 * Runs before the recorded ones, so that the figure is the executors' steady state, as a session
 * that has run a while sees it. A fresh pair of executors is far from it: V8 optimizes the code run
 * once per batch or per task (Arrow's IPC encoder and decoder, the task runner) only after it has
 * run many times, and on 2 cores its compilations take CPU from the shuffle. Measured with the
 * executors under --trace-opt, and /proc CPU of all processes, pairs of jobs without and with the
 * shuffle on a fresh local[2] (2026-12-03): the job with the shuffle took 167 core-ms a job
 * over pairs 1-20, 128 over 21-40, 119 over 41-60, 108 over 61-80 and 88-93 from pair 81 to 200;
 * its wall time less the job without fell from 37.7 ms (median, pairs 1-20) to 18-22 ms; TurboFan
 * still compiled 5-37 ms of functions a job at pairs 30-40 (encodeFlat alone 46 ms). The first
 * FRESH_RUNS of these runs are kept and reported too: what a new session's first shuffles get.
 */
const WARMUP_RUNS = 100;
/** How many of the first warm-up runs make the fresh-executors figure (ShuffleRunner.fresh). */
export const FRESH_RUNS = 10;

/** The warm-up runs `options` ask for. @example warmupRuns({ ...options, warmupRuns: 20 }) // 20 */
export const warmupRuns = (options: ShuffleOptions): number => Math.max(FRESH_RUNS, options.warmupRuns ?? WARMUP_RUNS);

export function shuffleResult(options: ShuffleOptions, runs: ShuffleRun[]): ShuffleResult {
  return {
    options,
    runs,
    mbPerSec: summarise(runs.map((r) => r.bytes / 1e3 / (r.fullMs - r.baseMs))),
    estimate: shuffleEstimate(runs),
    mbPerSecStages: summarise(runs.map((r) => r.bytes / 1e3 / (r.mapStageMs + r.reduceStageMs))),
  };
}

/** ShuffleResult.estimate of `runs`. @example shuffleEstimate(runs).bestMbPerSec */
export function shuffleEstimate(runs: ShuffleRun[]): { bestMbPerSec: number; medianMbPerSec: number } {
  const bytes = runs.reduce((sum, r) => sum + r.bytes, 0) / runs.length;
  const full = summarise(runs.map((r) => r.fullMs));
  const base = summarise(runs.map((r) => r.baseMs));
  return { bestMbPerSec: bytes / 1e3 / (full.min - base.min), medianMbPerSec: bytes / 1e3 / (full.median - base.median) };
}

/** A warmed-up session whose shuffle runs are taken one at a time (openShuffleRunners). */
export interface ShuffleRunner {
  /** One recorded run, right after an unrecorded one of the same session (openShuffleRunners). */
  run(): Promise<ShuffleRun>;
  /** `estimate` of its first FRESH_RUNS warm-up runs: what fresh executors get. */
  fresh: { bestMbPerSec: number; medianMbPerSec: number };
  close(): Promise<void>;
}

/**
 * One local session per entry of `confs` (e.g. [] and TLS forced on), all warmed up to their steady
 * state (warmupRuns) together, a run of each in turn, so that no session sits idle while another
 * warms up: on this VM a session left idle for a minute ran its next 10-20 jobs at up to twice the
 * CPU (scratch measurement 2026-12-03: 112 → 360 core-ms a shuffle job after 60 s idle, back to
 * 186 only after 20 pairs), and bench/core's first session, idle through the others' warm-ups, read
 * 152 ms for its first recorded job and 59 ms for its last. Their runs are then taken one at a
 * time, so that several settings and a reference can alternate under the same load, and each
 * recorded run follows an unrecorded one of the same session. Between two runs of a session the
 * others run, and the loopback transfers (2 GiB, fresh processes); a run right after that is not
 * the steady state of an application running job after job, which the figure is about. Measured
 * in one process, the three sessions open, rounds alternating (scratch script, 2026-12-03 23:40,
 * 15 rounds): a plain run after the others' runs and the transfers, 1,676 MB/s best and 838
 * median, the shuffle's extra CPU 118 core-ms median; right after an unrecorded run of its own,
 * 1,672 best and 1,053 median, 65 core-ms. The loopback references are taken the same way
 * (core/loopback.ts measureLoopbackOnce).
 *
 * @example
 * const [plain, tls] = await openShuffleRunners(options, [[], ['dataflow.tls.enabled=true']]);
 * try { for (let i = 0; i < 5; i++) { plainRuns.push(await plain.run()); tlsRuns.push(await tls.run()); } } finally { await Promise.all([plain.close(), tls.close()]); }
 */
export async function openShuffleRunners(options: ShuffleOptions, confs: string[][]): Promise<ShuffleRunner[]> {
  const opened: OpenSession[] = [];
  try {
    for (const conf of confs) opened.push(await openSession(options, conf));
    const fresh: ShuffleRun[][] = opened.map(() => []);
    for (let i = 0; i < warmupRuns(options); i++) {
      for (let k = 0; k < opened.length; k++) {
        const j = (i + k) % opened.length; // each round starts with the next session
        const run = await opened[j]!.run();
        if (i < FRESH_RUNS) fresh[j]!.push(run);
      }
    }
    return opened.map((s, j) => ({ run: () => s.run().then(() => s.run()), close: s.close, fresh: shuffleEstimate(fresh[j]!) }));
  } catch (error) {
    await Promise.all(opened.map((s) => s.close().catch(() => undefined)));
    throw error;
  }
}

interface OpenSession { run(): Promise<ShuffleRun>; close(): Promise<void> }

/** A local session with `conf`, ready for oneRun; not warmed up. */
async function openSession(options: ShuffleOptions, conf: string[]): Promise<OpenSession> {
  const fns = await loadFunctions<typeof Functions>(FUNCTIONS);
  let release!: () => void;
  const released = new Promise<void>((resolve) => { release = resolve; });
  let done: Promise<void> = Promise.resolve();
  const close = async (): Promise<void> => {
    release();
    await done;
    await fns.dispose();
  };
  try {
    const session = await new Promise<Session>((resolve, reject) => {
      done = withSession(options.master, async (s) => { resolve(s); await released; }, conf);
      done.catch(reject);
    });
    session.useBundle(fns.bundle, fns.loaded);
    const log = stampCommands(session);
    return { run: () => oneRun(session, fns.exports, options, log), close };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}

async function oneRun(session: Session, fns: typeof Functions, options: ShuffleOptions, log: StampedCommand[]): Promise<ShuffleRun> {
  const generated = () => session.range(0, options.rows, { numPartitions: options.partitions }).mapBatches(fns.shuffleRows);
  const expectRows = (table: Table): void => {
    const rows = table.getChild('rows')!.toArray() as Int32Array;
    const total = rows.reduce((a, b) => a + b, 0);
    if (total !== options.rows) throw new Error(`shuffle benchmark read ${total} rows, expected ${options.rows}`);
  };

  const base = async (): Promise<void> => expectRows(await generated().mapBatches(fns.sumShuffleRows).toTable());
  observeMajorGcs();
  const pids = [process.pid, ...executorPids(session)];
  const gcStart = performance.now();
  const collectedBaseMs = await timed(base);
  const driverGcMs = await majorGcMsSince(gcStart);
  const cpu0 = processesCpuMs(pids);
  const baseMs = await timed(base);
  const cpu1 = processesCpuMs(pids);
  const before = new Set(session.driver.registry.shuffleIds());
  const logStart = log.length;
  // A new Dataset each run: a shuffle already computed would be reused instead of run again.
  const fullMs = await timed(async () =>
    expectRows(await generated().repartition(['key'], { numPartitions: options.partitions }).mapBatches(fns.sumShuffleRows).toTable()));
  const cpu2 = processesCpuMs(pids);

  const shuffleId = session.driver.registry.shuffleIds().find((id) => !before.has(id));
  if (shuffleId === undefined) throw new Error('shuffle benchmark: the repartition registered no map outputs');
  const jobLog = log.slice(logStart);
  const [mapStage, reduceStage] = stageSpans(jobLog);
  if (!mapStage || !reduceStage) throw new Error('shuffle benchmark: expected a map stage and a reduce stage');
  const reducerOf = new Map<number, string>();
  for (const { command } of jobLog) {
    if (command.type === 'LaunchTask' && command.task.stageId === reduceStage.stageId) reducerOf.set(command.task.partition, command.task.executorId);
  }
  let bytes = 0;
  let remoteBytes = 0;
  for (let m = 0; m < options.partitions; m++) {
    const status = session.driver.registry.get(shuffleId, m);
    if (!status) throw new Error(`shuffle benchmark: map output ${m} of shuffle ${shuffleId} is not registered`);
    status.blockSizes.forEach((size, r) => {
      bytes += size;
      if (reducerOf.get(r) !== status.executorId) remoteBytes += size;
    });
  }
  return { baseMs, collectedBaseMs, driverGcMs, fullMs, mapStageMs: mapStage.ms, reduceStageMs: reduceStage.ms, bytes, remoteBytes, baseCpuMs: cpu1 - cpu0, fullCpuMs: cpu2 - cpu1 };
}

/** The driver's full (mark-compact) collections, as the process-wide observer saw them. */
const majorGcs: Array<{ start: number; ms: number }> = [];
let gcObserver: PerformanceObserver | undefined;

/** Starts recording this process's full collections (once). */
function observeMajorGcs(): void {
  if (!gcObserver) {
    gcObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        if ((entry as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majorGcs.push({ start: entry.startTime, ms: entry.duration });
      }
      if (majorGcs.length > 1000) majorGcs.splice(0, 500);
    });
    gcObserver.observe({ entryTypes: ['gc'] });
  }
}

/** Milliseconds of full collections of this process that started after `since` (performance.now()). */
async function majorGcMsSince(since: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 0)); // entries are delivered asynchronously
  return majorGcs.filter((g) => g.start >= since).reduce((ms, g) => ms + g.ms, 0);
}
