// Worker thread of typecheck.ts: loads the job checker (compiled as the CLI is, bin/compiled-engine.mjs,
// else through tsx's loader, since workers do not inherit it) and posts back its result.
import { parentPort, workerData } from 'node:worker_threads';
import { compiledEntry } from '../../bin/compiled-engine.mjs';

const compiled = process.env.DATAFLOW_COMPILED === '0' ? undefined : await compiledEntry('job-program');
if (!compiled) (await import('tsx/esm/api')).register();
const { checkJob } = await import(compiled ?? './typecheck/job-program.ts');
parentPort.postMessage(checkJob(workerData));
