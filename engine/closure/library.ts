// Library functions: code that ships with dataflow itself (jobs/als, jobs/svd, ...) and is present
// on every executor, as MLlib is on Spark executors' classpath. They travel by module path and
// export name, so they may use imports freely, unlike inline functions shipped by source.
//
//   // jobs/als/solve.ts
//   export const alsKernels = libraryFunctions(import.meta.url, { solveBlock, gramian });
//   // a job: ds.mapPartitions((rows) => solve(rows, rank), { solve: alsKernels.solveBlock, rank })
//   // travels as { kind: 'library', module: 'jobs/als/solve.ts', exportName: 'solveBlock' }

import { relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MaterializeError, UnshippableError } from './errors.ts';
import { importSource } from './import-source.ts';
import { forEachRecord } from './walk.ts';

const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const references = new WeakMap<Function, { module: string; exportName: string }>();
const loaded = new Map<string, Record<string, unknown>>();

/**
 * Registers a library module's functions so that they ship by reference. `moduleUrl` is the
 * module's own `import.meta.url`; each key must be the name the module exports the function under.
 */
export function libraryFunctions<T extends Record<string, Function>>(moduleUrl: string, fns: T): T {
  const file = fileURLToPath(moduleUrl);
  const module = relative(PACKAGE_ROOT, file).split(sep).join('/');
  if (module.startsWith('..')) throw new UnshippableError(`library module ${file} is outside the dataflow package (${PACKAGE_ROOT})`);
  for (const [exportName, fn] of Object.entries(fns)) references.set(fn, { module, exportName });
  return fns;
}

/** The library reference of a registered function, if it is one. */
export function libraryReferenceOf(fn: Function): { module: string; exportName: string } | undefined {
  return references.get(fn);
}

/** Imports library modules a task refers to (before it runs, since materializing is synchronous). */
export async function loadLibraryModules(modules: Iterable<string>): Promise<void> {
  for (const module of modules) {
    if (loaded.has(module)) continue;
    const file = resolve(PACKAGE_ROOT, module);
    if (!file.startsWith(PACKAGE_ROOT)) throw new MaterializeError(`library module '${module}' is outside the dataflow package`);
    loaded.set(module, await importSource(file));
  }
}

/** A library function of a module loaded with loadLibraryModules. */
export function libraryFunction(module: string, exportName: string, label: string): (...args: unknown[]) => unknown {
  const namespace = loaded.get(module);
  if (!namespace) throw new MaterializeError(`library module '${module}' for the ${label} function was not loaded before the task ran`);
  const fn = namespace[exportName];
  if (typeof fn !== 'function') {
    throw new MaterializeError(`library module '${module}' has no function export '${exportName}' (found ${typeof fn}) for the ${label} function`);
  }
  return fn as (...args: unknown[]) => unknown;
}

/** Every library module referenced anywhere in a value (a task descriptor). */
export function libraryModulesIn(value: unknown): Set<string> {
  const found = new Set<string>();
  forEachRecord(value, (record) => {
    if (record.kind === 'library' && typeof record.module === 'string') found.add(record.module);
  });
  return found;
}
