// What a check process (snapshot-main.ts) and the submit that starts it (snapshot.ts) agree on: the
// request comes as JSON in an environment variable, the answer is the first line of stdout. Kept
// apart from job-program.ts so the submit process never loads TypeScript.

import type { JobCheckRequest, JobCheckResult } from './job-program.ts';

const REQUEST_VARIABLE = 'DATAFLOW_TYPECHECK_REQUEST';

/** The environment of a check process: this one's with the request, without NODE_OPTIONS (a loader would break the snapshot). */
export function checkProcessEnv(request: JobCheckRequest): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, [REQUEST_VARIABLE]: JSON.stringify(request) };
  delete env.NODE_OPTIONS;
  return env;
}

/** In the check process: the request it was started with. */
export function requestOfThisProcess(): JobCheckRequest {
  return JSON.parse(process.env[REQUEST_VARIABLE] ?? '') as JobCheckRequest;
}

/** In the check process: print the answer. */
export function answer(result: JobCheckResult): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** The answer in what a check process printed so far, or undefined (none yet, or not an answer). */
export function answerIn(stdout: string): JobCheckResult | undefined {
  const end = stdout.indexOf('\n');
  if (end < 0) return undefined;
  try {
    const result = JSON.parse(stdout.slice(0, end)) as JobCheckResult;
    return Array.isArray(result.errors) && Array.isArray(result.files) ? result : undefined;
  } catch {
    return undefined;
  }
}
