// Positions in user code: converting between offsets in a bundle, positions inside a shipped
// function's text, and locations in the job's own files (through the bundle's source map); plus
// reading file:line:col out of V8 stack frames.
//
// Coordinates, because every tool counts differently:
//   SourceLocation (ours, stack traces, editors)  line 1-based, column 1-based
//   source maps / trace-mapping                   line 1-based, column 0-based
//   acorn `loc`                                   line 1-based, column 0-based
//   offsets inside a function's text (here)       line 0-based, column 0-based

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { originalPositionFor } from '@jridgewell/trace-mapping';
import type { LoadedBundle, ShippedFunction, SourceLocation } from './types.ts';

/** `file` relative to the current directory when it lies inside it, else absolute. */
export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/**
 * `file:line:column` for messages.
 *
 * @example
 * formatLocation({ file: `${process.cwd()}/examples/stats.ts`, line: 14, column: 22 }) // 'examples/stats.ts:14:22'
 */
export function formatLocation(loc: SourceLocation): string {
  return `${displayPath(loc.file)}:${loc.line}:${loc.column}`;
}

const lineStartCache = new WeakMap<LoadedBundle, number[]>();

function lineStarts(code: string): number[] {
  const starts = [0];
  for (let i = code.indexOf('\n'); i !== -1; i = code.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** Line (1-based) and column (0-based) of character `index` of the bundle's code. */
export function bundlePositionAt(bundle: LoadedBundle, index: number): { line: number; column: number } {
  let starts = lineStartCache.get(bundle);
  if (starts === undefined) {
    starts = lineStarts(bundle.code);
    lineStartCache.set(bundle, starts);
  }
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= index) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: index - starts[lo]! };
}

/** Map a bundle position (line 1-based, column 0-based) to the job's own file, if the map knows it. */
export function originalLocation(bundle: LoadedBundle, line: number, column: number): SourceLocation | undefined {
  const pos = originalPositionFor(bundle.traceMap, { line, column });
  if (pos.source === null || pos.line === null || pos.column === null) return undefined;
  const file = pos.source.startsWith('file:') ? fileURLToPath(pos.source) : pos.source;
  return { file, line: pos.line, column: pos.column + 1 };
}

/**
 * The job-file location of a position inside a source-shipped function's text (`lineInFn` and
 * `columnInFn` both 0-based, relative to the start of `shipped.source`). Uses the bundle's source
 * map when the function was found in the bundle, else counts from `origin`.
 */
export function locationInFunction(
  shipped: Extract<ShippedFunction, { kind: 'source' }>,
  bundle: LoadedBundle | undefined,
  lineInFn: number,
  columnInFn: number,
): SourceLocation | undefined {
  if (shipped.bundlePosition !== undefined && bundle !== undefined && bundle.hash === shipped.bundleHash) {
    const line = shipped.bundlePosition.line + lineInFn;
    const column = lineInFn === 0 ? shipped.bundlePosition.column + columnInFn : columnInFn;
    const mapped = originalLocation(bundle, line, column);
    if (mapped !== undefined) return mapped;
  }
  const origin = shipped.origin;
  if (origin === undefined) return undefined;
  return {
    file: origin.file,
    line: origin.line + lineInFn,
    column: lineInFn === 0 ? origin.column + columnInFn : columnInFn + 1,
  };
}

/** One `at …` line of a V8 stack trace, with its position when it has one. */
export interface StackFrame {
  /** The whole line as printed. */
  text: string;
  /** An absolute path (file: URLs are converted), or a script name such as `dataflow-fn:ab12…`. */
  file: string;
  /** `file:line:column` exactly as printed (the file possibly as a file: URL), for rewriting the line. */
  printed: string;
  line: number;
  column: number;
}

// `    at fn (/a/b.ts:3:9)`, `    at file:///a/b.mjs:3:9`, `    at dataflow-fn:ab12:4:11`
const FRAME = /^\s*at (?:.*?\()?((?:file:\/\/|dataflow-fn:|node:|\/|[A-Za-z]:[\\/])[^()]*?):(\d+):(\d+)\)?\s*$/;

/** The frames of `stack` that carry a file position, in order (innermost first). */
export function parseStackFrames(stack: string): StackFrame[] {
  const frames: StackFrame[] = [];
  for (const text of stack.split('\n')) {
    const m = FRAME.exec(text);
    if (m === null) continue;
    let file = m[1]!;
    if (file.startsWith('file://')) {
      try {
        file = fileURLToPath(file);
      } catch {
        // keep the URL as printed
      }
    }
    frames.push({ text, file, printed: `${m[1]}:${m[2]}:${m[3]}`, line: Number(m[2]), column: Number(m[3]) });
  }
  return frames;
}
