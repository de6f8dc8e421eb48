// Data shapes of user-code shipping: a job bundle (driver → executors once, by content hash) and a
// shipped function (inside every plan that uses it). All of them are plain data that survive
// v8.serialize, so they can travel inside a task description.

import type { TraceMap } from '@jridgewell/trace-mapping';

/**
 * A place in a user's source file. `line` and `column` are 1-based, as in stack traces and editors
 * (`examples/stats.ts:14:22`). `file` is an absolute path.
 */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/**
 * A job script bundled by esbuild into one ES module. The engine itself is not inside: imports of
 * `dataflow` read the host process's engine from `globalThis[Symbol.for('dataflow.engine')]`.
 *
 * @example
 * { hash: '3f9a…', code: 'import { createRequire … export { main as default };\n', sourceMap: '{"version":3,…}',
 *   jobPath: '/home/ana/jobs/stats.ts' }
 */
export interface JobBundle {
  /** sha256 hex of `code`: the bundle's identity on executors and the name of its file there. */
  hash: string;
  code: string;
  /** Source map v3 JSON; `sources` are absolute paths of the job's own files. */
  sourceMap: string;
  /** Absolute path of the job script that was bundled. */
  jobPath: string;
}

/** A bundle imported into this process (driver or executor). */
export interface LoadedBundle {
  hash: string;
  /** The module namespace: `module.default` is the job's `main`. */
  module: Record<string, unknown>;
  code: string;
  /** Decoded source map, for mapping bundle positions back to the job's files. */
  traceMap: TraceMap;
  /** Absolute path of the `<hash>.mjs` file the module was imported from. */
  file: string;
}

/**
 * A value captured by a shipped function, tagged by how it travels.
 *
 * @example
 * { kind: 'value', value: 3.5 }                 // anything v8.serialize keeps exactly
 * { kind: 'function', fn: { kind: 'source', … } } // a captured helper, shipped the same way
 * { kind: 'broadcast', $broadcast: 7 }          // a broadcast handle; executors fetch block 7
 */
export type ShippedValue =
  | { kind: 'value'; value: unknown }
  | { kind: 'function'; fn: ShippedFunction }
  | { kind: 'broadcast'; $broadcast: number }
  /** A whole module every executor has (see shared-modules.ts), bound to the executor's copy. */
  | { kind: 'module'; name: string };

/**
 * A user function as it travels inside a plan.
 *
 * - `export`: the function is an export of the job bundle; executors import the same bundle (by
 *   hash) and take the export by name. Nothing but the name travels.
 * - `source`: an inline function travels as its source text plus explicit captures. `origin` is
 *   where its text starts in the job's own file; `bundlePosition` is where it starts in the bundle
 *   (1-based line, 0-based column, as source maps count), used to map error positions exactly.
 *
 * @example
 * { kind: 'source', id: 'a1b2c3d4e5f60718', label: 'filter', source: '(r) => r.rating > threshold',
 *   captures: { threshold: { kind: 'value', value: 3.5 } },
 *   origin: { file: '/home/ana/jobs/stats.ts', line: 14, column: 22 },
 *   bundleHash: '3f9a…', bundlePosition: { line: 41, column: 26 } }
 */
export type ShippedFunction =
  | { kind: 'export'; bundleHash: string; exportName: string; label: string }
  /** A function of a module that ships with dataflow (see library.ts); `module` is package-relative. */
  | { kind: 'library'; module: string; exportName: string; label: string }
  | {
      kind: 'source';
      id: string;
      source: string;
      captures: Record<string, ShippedValue>;
      origin?: SourceLocation;
      bundleHash?: string;
      bundlePosition?: { line: number; column: number };
      label: string;
    };
