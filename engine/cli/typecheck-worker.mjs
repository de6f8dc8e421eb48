// Worker thread of typecheck.ts: loads the job checker (compiled as the CLI is, bin/compiled-engine.mjs,
// else through tsx's loader, since workers do not inherit it) and posts back its result.
import { parentPort, workerData } from 'node:worker_threads';
import { importEntry } from '../../bin/compiled-engine.mjs';

const { checkJob } = await importEntry('job-program', new URL('./typecheck/job-program.ts', import.meta.url).href);
parentPort.postMessage(checkJob(workerData));
