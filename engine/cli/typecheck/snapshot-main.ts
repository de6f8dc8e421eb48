// The type checker's own process, run from a V8 startup snapshot (snapshot.ts bundles this file to
// one script and runs `node --build-snapshot` on it). Building: check the job that asked, answer,
// then parse the declarations every job sees (TypeScript's libraries, @types/node, the engine's
// declarations behind `dataflow` and `dataflow/extend`) and bind them, and let Node write the heap
// to the snapshot. A process started from it has TypeScript loaded and those files parsed, so its
// check parses only the job's files. Request: JSON in $DATAFLOW_TYPECHECK_REQUEST; answer: one
// line of JSON (JobCheckResult) on stdout.

import v8 from 'node:v8';
import { join } from 'node:path';
import { runCheck } from './job-program.ts';
import { ParsedFiles } from './parsed-files.ts';
import { answer, requestOfThisProcess as request } from './check-process.ts';

/** Checks the job that asked for the build, then parses and binds what every job sees (programs and checkers are dropped: only the files are kept). */
function build(): ParsedFiles {
  const asked = request();
  const first = runCheck(asked);
  answer(first.result);
  const parsed = new ParsedFiles();
  parsed.keep(first.program, first.engineKeys);
  // Everything a job can reach through the package; checking it binds every file.
  const everyJob = { ...asked, jobPath: join(asked.packageRoot, '__dataflow_every_job__.ts') };
  const warm = runCheck(everyJob, parsed, "import 'dataflow';\nimport 'dataflow/extend';\n");
  parsed.keep(warm.program, warm.engineKeys);
  return parsed;
}

const parsed = build();
v8.startupSnapshot.setDeserializeMainFunction(() => {
  const started = performance.now();
  const startCpu = process.cpuUsage();
  const asked = request();
  // With out-of-date kept files (staleFiles > 0) the result is not trusted: the parent builds a new snapshot, which checks.
  const result = runCheck(asked, parsed).result;
  const checkCpu = process.cpuUsage(startCpu);
  const ms = (micros: number): number => Math.round(micros / 1e3);
  const heap = Math.round(v8.getHeapStatistics().used_heap_size / 1e6);
  answer({ ...result, process: `started in ${Math.round(started)} ms (CPU ${ms(startCpu.user + startCpu.system)} ms, heap ${heap} MB), checked in ${Math.round(performance.now() - started)} ms (CPU ${ms(checkCpu.user + checkCpu.system)} ms)` });
});
