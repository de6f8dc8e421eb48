// Where in user code an engine method was called from, read off the current stack. Used when a
// function cannot be found in a bundle (jobs run without `dataflow submit`), so errors can still
// point at the user's `.map(...)` line.

import path from 'node:path';
import { engineDir } from './host-engine.ts';
import { parseStackFrames } from './source-position.ts';
import type { SourceLocation } from './types.ts';

/**
 * The innermost stack frame outside the engine directory and Node's internals.
 *
 * @example
 * // inside Dataset.map():
 * const callSite = callSiteOutsideEngine(); // { file: '/home/ana/jobs/stats.ts', line: 14, column: 6 }
 */
export function callSiteOutsideEngine(): SourceLocation | undefined {
  const previousLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 50;
  const stack = new Error('call site').stack ?? '';
  Error.stackTraceLimit = previousLimit;
  const enginePrefix = engineDir + path.sep;
  for (const frame of parseStackFrames(stack)) {
    if (frame.file.startsWith('node:') || frame.file.startsWith('dataflow-fn:')) continue;
    if (frame.file.startsWith(enginePrefix)) continue;
    return { file: frame.file, line: frame.line, column: frame.column };
  }
  return undefined;
}
