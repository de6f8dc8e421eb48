// Modules that an inline function may capture whole, because every executor has them: a capture
// `{ arrow }` (import * as arrow from 'apache-arrow') travels as the module's name and is bound to
// the executor's own copy, so `ds.mapBatches((b) => new arrow.Table({...}), { arrow })` works.

import * as arrow from 'apache-arrow';
import { InternalError } from '../errors.ts';

const MODULES: Record<string, Record<string, unknown>> = { 'apache-arrow': arrow };

/**
 * The name of the shareable module `value` is a namespace of (the host's own, or a bundle's copy
 * that re-exports the host's bindings), or undefined.
 */
export function sharedModuleName(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  // Data is never a module, and Object.keys of a typed array or an array makes a string per element
  // (a product's 107k-number block capture cost ~4 ms and as much garbage per task on the driver).
  if (ArrayBuffer.isView(value) || Array.isArray(value) || value instanceof ArrayBuffer) return undefined;
  const keys = Object.keys(value);
  if (keys.length === 0) return undefined;
  for (const [name, module] of Object.entries(MODULES)) {
    if (value === module) return name;
    if (keys.every((k) => (value as Record<string, unknown>)[k] === module[k])) return name;
  }
  return undefined;
}

export function sharedModule(name: string): Record<string, unknown> {
  const module = MODULES[name];
  if (!module) {
    throw new InternalError('SHARED_MODULE', `a shipped function captured module '${name}', which this process cannot share; shareable: ${Object.keys(MODULES).join(', ')}`);
  }
  return module;
}
