// Executor side of function shipping: turn a ShippedFunction back into a callable. Exports come
// from the job bundle this process loaded; source functions are compiled once per id, with their
// captures bound as ordinary variables:
//
//   shipped: source '(r) => r.rating > threshold', captures { threshold: 3.5 }
//   compiled script `dataflow-fn:a1b2c3d4e5f60718`:
//     line 1  (function (threshold) { "use strict"; return (
//     line 2  (r) => r.rating > threshold          ← the function's first line
//     line 3  ); })
//   then called with 3.5 → the user's arrow, closed over threshold.
//
// Error frames inside the function read `dataflow-fn:<id>:<line>:<col>`; error-location.ts maps
// them back to the job's own file.

import vm from 'node:vm';
import { MaterializeError } from './errors.ts';
import { libraryFunction } from './library.ts';
import { sharedModule } from './shared-modules.ts';
import type { LoadedBundle, ShippedFunction, ShippedValue } from './types.ts';

/** A user function as executors call it. */
export type UserFunction = (...args: unknown[]) => unknown;

export interface MaterializeResolve {
  /** The job bundle loaded in this process (needed for `export` functions and exported captures). */
  bundle?: LoadedBundle;
  /** The value of broadcast `id` on this executor. */
  broadcast: (id: number) => unknown;
}

/** Script-name prefix of compiled shipped functions, as it appears in stack frames. */
export const SHIPPED_SCRIPT_PREFIX = 'dataflow-fn:';

/** Line of the compiled script on which the function's own text starts (1-based). */
export const SOURCE_FIRST_LINE = 2;

type Factory = (...captures: unknown[]) => unknown;
const factories = new Map<string, { source: string; factory: Factory }>();

/**
 * Rebuild a shipped function on this process.
 *
 * @example
 * const filter = materializeFunction(task.fn, { bundle, broadcast: (id) => broadcasts.get(id) });
 * filter({ rating: 4 }); // true
 */
export function materializeFunction(shipped: ShippedFunction, resolve: MaterializeResolve): UserFunction {
  if (shipped.kind === 'export') return exportedFunction(shipped, resolve.bundle);
  if (shipped.kind === 'library') return libraryFunction(shipped.module, shipped.exportName, shipped.label);

  const names = Object.keys(shipped.captures).sort();
  const values = names.map((name) => materializeValue(shipped.captures[name]!, name, shipped.label, resolve));
  const fn = factoryFor(shipped.id, shipped.source, names, shipped.label)(...values);
  if (typeof fn !== 'function') {
    throw new MaterializeError(`shipped ${shipped.label} function ${shipped.id} evaluated to ${typeof fn}, not a function.`);
  }
  return fn as UserFunction;
}

function exportedFunction(shipped: Extract<ShippedFunction, { kind: 'export' }>, bundle: LoadedBundle | undefined): UserFunction {
  if (bundle === undefined || bundle.hash !== shipped.bundleHash) {
    throw new MaterializeError(
      `the ${shipped.label} function is export '${shipped.exportName}' of job bundle ${shipped.bundleHash}, but this ` +
        `process has ${bundle ? `bundle ${bundle.hash}` : 'no job bundle'} loaded. Load the task's bundle (loadBundle) first.`,
    );
  }
  const fn = bundle.module[shipped.exportName];
  if (typeof fn !== 'function') {
    throw new MaterializeError(
      `job bundle ${bundle.hash} has no function export '${shipped.exportName}' (found ${typeof fn}) for the ${shipped.label} function.`,
    );
  }
  return fn as UserFunction;
}

function materializeValue(value: ShippedValue, name: string, label: string, resolve: MaterializeResolve): unknown {
  switch (value.kind) {
    case 'value':
      return value.value;
    case 'function':
      return materializeFunction(value.fn, resolve);
    case 'broadcast':
      return resolve.broadcast(value.$broadcast);
    case 'module':
      return sharedModule(value.name);
    default:
      throw new MaterializeError(
        `capture '${name}' of the ${label} function has unknown kind ${JSON.stringify((value as { kind?: unknown }).kind)}.`,
      );
  }
}

function factoryFor(id: string, source: string, captureNames: readonly string[], label: string): Factory {
  const cached = factories.get(id);
  if (cached !== undefined && cached.source === source) return cached.factory;
  const code = `(function (${captureNames.join(', ')}) { "use strict"; return (\n${source}\n); })`;
  let factory: Factory;
  try {
    factory = vm.runInThisContext(code, { filename: `${SHIPPED_SCRIPT_PREFIX}${id}` }) as Factory;
  } catch (error) {
    throw new MaterializeError(
      `could not compile the shipped ${label} function ${id}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  factories.set(id, { source, factory });
  return factory;
}
