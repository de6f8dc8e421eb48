// The modules a job bundle takes from the process that loads it instead of bundling its own copy:
// the package's face (`dataflow`: the engine's API plus the library jobs), the Door
// (`dataflow/extend`) and apache-arrow, so that classes (Dataset, Table) are the same on both sides
// of the bundle boundary and `instanceof` holds.
//
// The face is loaded at run time by its path, as library modules are (library.ts): it re-exports
// jobs/, and the engine's own import graph must not reach jobs/ (test/unit/architecture.test.ts).

import { packageFacePath } from './host-engine.ts';
import { importSource } from './import-source.ts';

export interface HostModules {
  engine: Record<string, unknown>;
  shared: Record<string, Record<string, unknown>>;
}

export async function hostModules(): Promise<HostModules> {
  const [engine, door, arrow] = await Promise.all([
    importSource(packageFacePath),
    import('../extend.ts'),
    import('apache-arrow'),
  ]);
  return { engine: { ...engine }, shared: { 'dataflow/extend': { ...door }, 'apache-arrow': { ...arrow } } };
}

/** The export names of each shared module, as bundleJob wants them. */
export function sharedExportNames(shared: HostModules['shared']): Record<string, string[]> {
  return Object.fromEntries(Object.entries(shared).map(([name, mod]) => [name, Object.keys(mod)]));
}
