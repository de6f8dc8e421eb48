// Worker thread of typecheck.ts: loads the job checker (TypeScript, through tsx's loader as the CLI
// does, since workers do not inherit it) and posts back its result.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { checkJob } = await import('./typecheck/job-program.ts');
parentPort.postMessage(checkJob(workerData));
