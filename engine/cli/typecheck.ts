// Type-checks a TypeScript job before it runs, so a type error is reported with its file and line
// instead of surfacing as a runtime failure on an executor. The compiler runs in a worker thread
// while the bundle is built and executors start. Skipped when TypeScript is not installed.

import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';

export async function typeCheckJob(jobPath: string): Promise<string[] | undefined> {
  try {
    createRequire(import.meta.url).resolve('typescript');
  } catch {
    return undefined;
  }
  const worker = new Worker(new URL('./typecheck-worker.mjs', import.meta.url), { workerData: { jobPath } });
  return new Promise<string[]>((resolve, reject) => {
    worker.once('message', (errors: string[]) => { resolve(errors); void worker.terminate(); });
    worker.once('error', reject);
    worker.once('exit', (code) => { if (code !== 0) reject(new Error(`the type checker stopped with code ${code}`)); });
  });
}
