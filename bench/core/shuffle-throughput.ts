// Shuffle throughput between two executor processes. Rows are generated on the executors (range →
// mapBatches(shuffleRows), 28 bytes a row), hash-repartitioned by key, and every row of the result
// is read (mapBatches(sumShuffleRows)). Shuffle time is the job with the repartition minus the same
// job without it, run back to back; bytes shuffled are the map outputs' block sizes as recorded in
// the driver's map-output registry. Stage wall times come from timestamped scheduler commands.
// The driver's full collections during the job without the shuffle are the cleaner's, made to free
// the previous run's shuffle (engine/dataset/cleaner.ts): their time is counted to the shuffle.

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
}

export interface ShuffleRun {
  /** Job without the shuffle (generate + read), ms, less the driver's full collections in it (driverGcMs). */
  baseMs: number;
  /** The driver's full garbage collections during the job without the shuffle, ms: counted to the shuffle. */
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
   * job without the shuffle and the job with it, ms. The difference is what the shuffle costs the
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
 * Unrecorded runs before the measured ones: a fresh pair of executors reaches its steady speed
 * after a few shuffles, not after one (in three traces at load ~1, runs 2-5 of a session, the
 * first printed, took 122-185 ms and runs 6-19 69-120 ms). The reference warms up too: 20 configurations.
 */
const WARMUP_RUNS = 6;

/**
 * `between` runs after each recorded run (with the session idle): the place to measure a reference
 * figure under the same machine load.
 *
 * @example const r = await measureShuffle({ master: 'local[2]', rows: 3e6, partitions: 8, runs: 3 });
 */
export async function measureShuffle(options: ShuffleOptions, between: () => Promise<void> = async () => {}): Promise<ShuffleResult> {
  const fns = await loadFunctions<typeof Functions>(FUNCTIONS);
  try {
    return await withSession(options.master, async (session) => {
      session.useBundle(fns.bundle, fns.loaded);
      const log = stampCommands(session);
      const runs: ShuffleRun[] = [];
      for (let i = -WARMUP_RUNS; i < options.runs; i++) {
        const run = await oneRun(session, fns.exports, options, log);
        if (i < 0) continue; // warm-up runs, unrecorded
        runs.push(run);
        await between();
      }
      return shuffleResult(options, runs);
    });
  } finally {
    await fns.dispose();
  }
}

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

/**
 * A second session (with `conf`, e.g. TLS forced on) whose shuffle runs are taken one at a time,
 * from another measurement's `between`, so two settings alternate under the same load. Its first
 * WARMUP_RUNS runs, made here, warm it up.
 *
 * @example
 * const tls = await openShuffleRunner(options, ['dataflow.tls.enabled=true']);
 * try { await measureShuffle(options, async () => { tlsRuns.push(await tls.run()); }); } finally { await tls.close(); }
 */
export async function openShuffleRunner(options: ShuffleOptions, conf: string[]): Promise<{ run(): Promise<ShuffleRun>; close(): Promise<void> }> {
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
    for (let i = 0; i < WARMUP_RUNS; i++) await oneRun(session, fns.exports, options, log);
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

  observeMajorGcs();
  const pids = [process.pid, ...executorPids(session)];
  const gcStart = performance.now();
  const cpu0 = processesCpuMs(pids);
  const baseWallMs = await timed(async () => expectRows(await generated().mapBatches(fns.sumShuffleRows).toTable()));
  const driverGcMs = await majorGcMsSince(gcStart);
  const cpu1 = processesCpuMs(pids);
  const baseMs = baseWallMs - driverGcMs;
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
  return { baseMs, driverGcMs, fullMs, mapStageMs: mapStage.ms, reduceStageMs: reduceStage.ms, bytes, remoteBytes, baseCpuMs: cpu1 - cpu0, fullCpuMs: cpu2 - cpu1 };
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
