// Type-checks a TypeScript job before it runs, so a type error is reported with its file and line
// instead of surfacing as a runtime failure on an executor. The job and its local imports are
// checked against the engine's public declarations (typecheck/job-program.ts) while the bundle is
// built and executors start: a job whose files are all unchanged since a clean check is not checked
// again (typecheck/check-cache.ts); a changed one is checked by a process started from a snapshot of
// the checker with everything but the job parsed (typecheck/snapshot.ts), which the first check
// builds; a worker thread checks when no snapshot can be had. Skipped without TypeScript.

import { Worker } from 'node:worker_threads';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDirFor, checkKey, isKnownClean, packageRootFrom, rememberClean } from './typecheck/check-cache.ts';
import type { JobCheckRequest, JobCheckResult } from './typecheck/job-program.ts';
import { buildSnapshot, checkFromSnapshot } from './typecheck/snapshot.ts';
import { timing } from './timing.ts';
import { DataflowError } from '../errors.ts';

/** Check processes running now (stopped on interruption); checks and snapshot builds not yet ended. */
const checkProcesses = new Set<number>();
const unsettled = new Set<Promise<unknown>>();

/** Checks started in this process, by job path: the CLI starts a submit's before loading the rest of submit. */
const started = new Map<string, Promise<string[] | undefined>>();

function track(work: Promise<unknown>): void {
  const settled = work.then(() => undefined, () => undefined);
  unsettled.add(settled);
  void settled.then(() => unsettled.delete(settled));
}

/**
 * The job's type errors as `file:line:column: message` (none: []), or undefined without TypeScript.
 * Before exiting, await typeChecksSettled(): a first check goes on writing the snapshot after it answers.
 */
export function typeCheckJob(jobPath: string): Promise<string[] | undefined> {
  let checking = started.get(jobPath);
  if (!checking) {
    checking = typeCheck(jobPath);
    started.set(jobPath, checking);
    track(checking);
  }
  return checking;
}


/** Whether a job file is TypeScript (and so type-checked). */
export function isTypeScriptJob(jobPath: string): boolean {
  return /\.(c|m)?tsx?$/.test(jobPath);
}

async function typeCheck(jobPath: string): Promise<string[] | undefined> {
  const compilerVersion = typescriptVersion();
  if (compilerVersion === undefined) return undefined;
  const packageRoot = packageRootFrom(dirname(fileURLToPath(import.meta.url)));
  const cacheDir = cacheDirFor(packageRoot);
  const key = checkKey(jobPath, packageRoot, compilerVersion);
  if (await isKnownClean(cacheDir, key)) {
    timing('typecheck: unchanged since a clean check, not checked again');
    return [];
  }
  const started = performance.now();
  const request: JobCheckRequest = { jobPath, packageRoot, declarationDir: join(cacheDir, 'declarations') };
  // One snapshot per checkout (each has its own engine declarations), as for the compiled engine.
  const snapshotDir = join(cacheDir, 'typecheck-snapshot', createHash('sha256').update(packageRoot).digest('hex').slice(0, 16));
  const { result, how } = await check(request, snapshotDir, compilerVersion);
  timing(`typecheck: checked ${result.userFileCount} job file(s) against ${result.engineFileCount} engine declaration files (${result.declarationsMade} made now), ${result.errors.length} error(s) in ${Math.round(performance.now() - started)} ms; ${how}`);
  // A clean check that did not read the job (removed meanwhile) must not vouch for it later.
  if (result.errors.length === 0 && result.files.includes(jobPath)) await rememberClean(cacheDir, key, result.files).catch(() => undefined);
  return result.errors;
}

/** Waits for the checks this process started and the snapshot builds they started to end. */
export async function typeChecksSettled(): Promise<void> {
  while (unsettled.size > 0) await Promise.all(unsettled);
}

/** Stops the check processes of this process (on interruption). */
export async function stopTypeChecks(): Promise<void> {
  for (const pid of checkProcesses) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // ended meanwhile
    }
  }
  await typeChecksSettled();
}

/** The check, from the snapshot when there is one, else while building it, else in a worker thread. */
async function check(request: JobCheckRequest, snapshotDir: string, compilerVersion: string): Promise<{ result: JobCheckResult; how: string }> {
  if (process.env.DATAFLOW_TYPECHECK_SNAPSHOT === '0') return { result: await checkInWorker(request), how: 'in a worker (DATAFLOW_TYPECHECK_SNAPSHOT=0)' };
  const fromSnapshot = await checkFromSnapshot(request, snapshotDir, compilerVersion, checkProcesses);
  if ('result' in fromSnapshot) {
    const { keptFiles, process: spent } = fromSnapshot.result;
    return { result: fromSnapshot.result, how: `from the snapshot (${keptFiles} files kept parsed${spent ? `; ${spent}` : ''})` };
  }
  const build = await buildSnapshot(request, snapshotDir, compilerVersion, checkProcesses).catch(() => undefined);
  if (!build) return { result: await checkInWorker(request), how: `in a worker (no snapshot: ${fromSnapshot.missing}; another process is building it, or it cannot be built)` };
  track(build.done);
  const result = await build.result;
  if (!result) return { result: await checkInWorker(request), how: `in a worker (building the snapshot failed; ${fromSnapshot.missing})` };
  return { result, how: `while building the snapshot (${fromSnapshot.missing})` };
}

function typescriptVersion(): string | undefined {
  try {
    return (createRequire(import.meta.url)('typescript/package.json') as { version: string }).version;
  } catch {
    return undefined;
  }
}

function checkInWorker(request: JobCheckRequest): Promise<JobCheckResult> {
  const worker = new Worker(new URL('./typecheck-worker.mjs', import.meta.url), { workerData: request });
  return new Promise<JobCheckResult>((resolve, reject) => {
    worker.once('message', (result: JobCheckResult) => { resolve(result); void worker.terminate(); });
    worker.once('error', reject);
    worker.once('exit', (code) => { if (code !== 0) reject(new DataflowError('TYPECHECK_CRASHED', `the type checker stopped with code ${code}; skip it with --no-typecheck, or run npx tsc --noEmit on the job to see why`)); });
  });
}
