// Errors thrown by user code on executors, told in terms of the job's own files. The top user frame
// of the stack is either in a compiled shipped function (`dataflow-fn:<id>:line:col`, mapped through
// the function's place in the bundle and the bundle's source map, or its origin) or in the bundle
// file itself (an exported function, mapped through the source map; Node may have done that already
// because source maps are enabled, in which case the frame names the job file directly).
//
// Worked example: a filter shipped from stats.ts line 22 throws on its second line:
//   stack:   at dataflow-fn:a1b2c3d4e5f60718:3:11
//   → line 1 of the function text, column 10 → bundle 41:10 → stats.ts:23:11
//   message: "Error: rating must be positive (at examples/stats.ts:23:11)"

import { SHIPPED_SCRIPT_PREFIX, SOURCE_FIRST_LINE } from './materialize.ts';
import { formatLocation, locationInFunction, originalLocation, parseStackFrames } from './source-position.ts';
import type { StackFrame } from './source-position.ts';
import type { LoadedBundle, ShippedFunction, SourceLocation } from './types.ts';

type SourceShipped = Extract<ShippedFunction, { kind: 'source' }>;

export interface UserErrorReport {
  /** `Name: message (at job-file:line:col)`, or without the location when none is known. */
  message: string;
  /** `job-file:line:col` of the innermost user frame (paths relative to the current directory). */
  location?: string;
  /** The error's stack with user frames rewritten to job-file positions. */
  stack?: string;
}

/**
 * Describe an error thrown while running `shipped`, pointing at the job's own source line.
 *
 * @example
 * try { fn(row) } catch (e) {
 *   locateUserError(e, task.fn, bundle).message // 'Error: rating must be positive (at examples/stats.ts:23:11)'
 * }
 */
export function locateUserError(error: unknown, shipped: ShippedFunction, bundle?: LoadedBundle): UserErrorReport {
  const head =
    error instanceof Error ? `${error.name}: ${error.message}` : `${typeof error === 'string' ? 'Error' : 'Thrown value'}: ${String(error)}`;
  const stack = error instanceof Error && typeof error.stack === 'string' ? error.stack : undefined;
  if (stack === undefined) return { message: withFallback(head, shipped) };

  const functions = new Map<string, SourceShipped>();
  collectSourceFunctions(shipped, functions);
  const bundleSources = new Set<string>(bundle ? bundle.traceMap.resolvedSources : []);

  let best: SourceLocation | undefined;
  let bestIsDependency = true;
  const lines = stack.split('\n');
  const frames = parseStackFrames(stack);
  for (const frame of frames) {
    const loc = userLocation(frame, functions, bundle, bundleSources);
    if (loc === undefined) continue;
    const index = lines.indexOf(frame.text);
    if (index !== -1) lines[index] = frame.text.replace(frame.printed, formatLocation(loc));
    // Prefer the innermost frame in the user's own files over one inside a bundled npm package.
    const isDependency = /[\\/]node_modules[\\/]/.test(loc.file);
    if (best === undefined || (bestIsDependency && !isDependency)) {
      best = loc;
      bestIsDependency = isDependency;
    }
  }
  if (best === undefined) return { message: withFallback(head, shipped), stack };
  const location = formatLocation(best);
  return { message: `${head} (at ${location})`, location, stack: lines.join('\n') };
}

function userLocation(
  frame: StackFrame,
  functions: Map<string, SourceShipped>,
  bundle: LoadedBundle | undefined,
  bundleSources: Set<string>,
): SourceLocation | undefined {
  if (frame.file.startsWith(SHIPPED_SCRIPT_PREFIX)) {
    const fn = functions.get(frame.file.slice(SHIPPED_SCRIPT_PREFIX.length));
    const lineInFn = frame.line - SOURCE_FIRST_LINE;
    if (fn === undefined || lineInFn < 0) return undefined;
    return locationInFunction(fn, bundle, lineInFn, frame.column - 1);
  }
  if (bundle === undefined) return undefined;
  if (frame.file === bundle.file) return originalLocation(bundle, frame.line, frame.column - 1);
  // Node already applied the bundle's source map to this frame.
  if (bundleSources.has(frame.file)) return { file: frame.file, line: frame.line, column: frame.column };
  return undefined;
}

function collectSourceFunctions(shipped: ShippedFunction, into: Map<string, SourceShipped>): void {
  if (shipped.kind !== 'source') return;
  into.set(shipped.id, shipped);
  for (const value of Object.values(shipped.captures)) if (value.kind === 'function') collectSourceFunctions(value.fn, into);
}

function withFallback(head: string, shipped: ShippedFunction): string {
  if (shipped.kind === 'source' && shipped.origin) return `${head} (in the ${shipped.label} function at ${formatLocation(shipped.origin)})`;
  if (shipped.kind === 'export') return `${head} (in the ${shipped.label} function, job export '${shipped.exportName}')`;
  return head;
}
