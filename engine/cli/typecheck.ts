// Type-checks a TypeScript job before it runs, so a type error is reported with its file and line
// instead of surfacing as a runtime failure on an executor. The job and its local imports are
// checked against the engine's public declarations (typecheck/job-program.ts) in a worker thread
// while the bundle is built and executors start; a job whose files are all unchanged since a clean
// check is not checked again (typecheck/check-cache.ts). Skipped when TypeScript is not installed.

import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDirFor, checkKey, isKnownClean, packageRootFrom, rememberClean } from './typecheck/check-cache.ts';
import type { JobCheckRequest, JobCheckResult } from './typecheck/job-program.ts';
import { timing } from './timing.ts';
import { DataflowError } from '../errors.ts';

/** The job's type errors as `file:line:column: message` (none: []), or undefined without TypeScript. */
export async function typeCheckJob(jobPath: string): Promise<string[] | undefined> {
  const compilerVersion = typescriptVersion();
  if (compilerVersion === undefined) return undefined;
  const packageRoot = packageRootFrom(dirname(fileURLToPath(import.meta.url)));
  const cacheDir = cacheDirFor(packageRoot);
  const key = checkKey(jobPath, packageRoot, compilerVersion);
  if (await isKnownClean(cacheDir, key)) {
    timing('typecheck: unchanged since a clean check, not checked again');
    return [];
  }
  const result = await checkInWorker({ jobPath, packageRoot, declarationDir: join(cacheDir, 'declarations') });
  timing(`typecheck: checked ${result.userFileCount} job file(s) against ${result.engineFileCount} engine declaration files (${result.declarationsMade} made now), ${result.errors.length} error(s)`);
  if (result.errors.length === 0) await rememberClean(cacheDir, key, result.files).catch(() => undefined);
  return result.errors;
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
