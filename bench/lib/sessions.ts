// Sessions for benchmarks: create one, always stop it (even when the measurement throws), give it
// a job bundle of exported functions (as `dataflow submit` would), and timestamp the scheduler's
// commands so a benchmark can tell how long each stage took.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from '../../engine/index.ts';
import { bundleJob } from '../../engine/closure/bundle.ts';
import type { JobBundle } from '../../engine/closure/bundle.ts';
import { loadBundle } from '../../engine/closure/load-bundle.ts';
import type { LoadedBundle } from '../../engine/closure/load-bundle.ts';
import { hostModules, sharedExportNames } from '../../engine/closure/host-modules.ts';
import type { SchedulerCommand } from '../../engine/scheduler/types.ts';

/** Settings every session of this benchmark gets (`--conf key=value` of bench/core.ts), before its own. */
export const benchConf: string[] = [];

/**
 * Runs `body` with a fresh session on `master` and stops the session afterwards, whatever happens.
 *
 * @example
 * const n = await withSession('local[2]', (s) => s.range(0, 10).count());
 */
export async function withSession<T>(master: string, body: (session: Session) => Promise<T>, conf: string[] = []): Promise<T> {
  const session = await Session.create({ master, conf: ['dataflow.ui.progress=false', ...benchConf, ...conf] });
  const stop = once(() => session.stop());
  pendingCleanups.add(stop);
  try {
    return await body(session);
  } finally {
    await stop();
    pendingCleanups.delete(stop);
  }
}

/** Sessions and folders still to clean up; run by cleanUpOnSignal when the benchmark is interrupted. */
const pendingCleanups = new Set<() => Promise<void>>();

/**
 * On SIGINT/SIGTERM, stops every open session and removes every temporary folder before exiting, so
 * an interrupted benchmark leaves no executor processes or files behind.
 *
 * @example cleanUpOnSignal(); // first thing in a benchmark's main
 */
/**
 * The pids of a session's live local executor processes (none on `local`, whose tasks run in this
 * process): what the benchmarks read memory and CPU of.
 *
 * @example peakRss(executorPids(session)[0]!)
 */
export function executorPids(session: Session): number[] {
  const backend = (session as unknown as { backend: { processes?: Array<{ pid: number | undefined; exited: boolean }> } }).backend;
  return (backend.processes ?? []).flatMap((p) => (p.pid !== undefined && !p.exited ? [p.pid] : []));
}

export function cleanUpOnSignal(): void {
  const onSignal = (signal: NodeJS.Signals): void => {
    process.stderr.write(`\n${signal}: stopping sessions and removing temporary files\n`);
    void Promise.allSettled([...pendingCleanups].map((cleanup) => cleanup())).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}

/**
 * Runs `cleanup` too if the benchmark is interrupted (with cleanUpOnSignal on), e.g. stopping a
 * cluster of processes the benchmark started itself. Returns a function that unregisters it.
 *
 * @example const forget = cleanUpOnInterrupt(() => cluster.stop()); try { ... } finally { forget(); await cluster.stop(); }
 */
export function cleanUpOnInterrupt(cleanup: () => Promise<void>): () => void {
  const run = once(cleanup);
  pendingCleanups.add(run);
  return () => { pendingCleanups.delete(run); };
}

/**
 * A fresh temporary folder, removed by `dispose` (or on SIGINT/SIGTERM if cleanUpOnSignal is on).
 *
 * @example const tmp = await tempDir('parquet'); try { ... } finally { await tmp.dispose(); }
 */
export async function tempDir(label: string): Promise<{ path: string; dispose(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `dataflow-bench-${label}-`));
  const remove = once(() => rm(path, { recursive: true, force: true }));
  pendingCleanups.add(remove);
  return {
    path,
    dispose: async () => {
      await remove();
      pendingCleanups.delete(remove);
    },
  };
}

/**
 * A cleanup that runs at most once; every caller awaits the same run, so the normal path and a
 * signal handler never race (the second caller waits instead of returning early).
 */
function once(cleanup: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= cleanup());
}

/** A bundled module of exported functions, loaded in this process (the driver). */
export interface FunctionsBundle<M> {
  bundle: JobBundle;
  loaded: LoadedBundle;
  /** The bundle's exports: pass these (not a direct import) to Dataset verbs so they travel by reference. */
  exports: M;
  /** Removes the folder the driver's copy of the bundle was written to. */
  dispose(): Promise<void>;
}

/**
 * Bundles `modulePath` the way `dataflow submit` bundles a job and imports it here. Functions
 * exported from it then travel to executors by name and may use imports (apache-arrow, ...).
 *
 * @example
 * const fns = await loadFunctions<typeof import('./functions.ts')>('bench/core/functions.ts');
 * session.useBundle(fns.bundle, fns.loaded);
 * session.range(0, 10).mapBatches(fns.exports.addColumns);
 */
export async function loadFunctions<M>(modulePath: string): Promise<FunctionsBundle<M>> {
  const host = await hostModules();
  const bundle = await bundleJob(modulePath, { engineExports: Object.keys(host.engine), sharedModules: sharedExportNames(host.shared) });
  const dir = await tempDir('bundle');
  try {
    const loaded = await loadBundle(bundle, { workDir: dir.path, engine: host.engine, sharedModules: host.shared });
    return { bundle, loaded, exports: loaded.module as M, dispose: dir.dispose };
  } catch (error) {
    await dir.dispose();
    throw error;
  }
}

/** A scheduler command with the time (performance.now(), ms) the driver produced it. */
export interface StampedCommand {
  at: number;
  command: SchedulerCommand;
}

/**
 * Records when the driver produces each scheduler command from now on, by wrapping `push` of the
 * driver's command history (bench instrumentation only; the engine is not changed).
 *
 * @example
 * const log = stampCommands(session);
 * await ds.count();
 * stageSpans(log); // [{ stageId: 0, ms: 812 }, { stageId: 1, ms: 401 }]
 */
export function stampCommands(session: Session): StampedCommand[] {
  const history = session.driver.history;
  const log: StampedCommand[] = [];
  Object.defineProperty(history, 'push', {
    configurable: true,
    value: (...commands: SchedulerCommand[]): number => {
      const at = performance.now();
      for (const command of commands) log.push({ at, command });
      return Array.prototype.push.apply(history, commands);
    },
  });
  return log;
}

export interface StageSpan {
  jobId: number;
  stageId: number;
  /** From StageSubmitted to StageCompleted, ms. */
  ms: number;
}

/** How long each stage ran, from its StageSubmitted to its StageCompleted command, in order of completion. */
export function stageSpans(log: readonly StampedCommand[]): StageSpan[] {
  const submitted = new Map<number, number>();
  const spans: StageSpan[] = [];
  for (const { at, command } of log) {
    if (command.type === 'StageSubmitted' && !submitted.has(command.stageId)) submitted.set(command.stageId, at);
    if (command.type === 'StageCompleted') {
      const start = submitted.get(command.stageId);
      if (start !== undefined) spans.push({ jobId: command.jobId, stageId: command.stageId, ms: at - start });
    }
  }
  return spans;
}
