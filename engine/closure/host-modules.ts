// The modules a job bundle takes from the process that loads it instead of bundling its own copy:
// the engine itself and apache-arrow, so that classes (Dataset, Table) are the same on both sides
// of the bundle boundary and `instanceof` holds.

export interface HostModules {
  engine: Record<string, unknown>;
  shared: Record<string, Record<string, unknown>>;
}

export async function hostModules(): Promise<HostModules> {
  const [engine, arrow] = await Promise.all([import('../index.ts'), import('apache-arrow')]);
  return { engine: { ...engine }, shared: { 'apache-arrow': { ...arrow } } };
}

/** The export names of each shared module, as bundleJob wants them. */
export function sharedExportNames(shared: HostModules['shared']): Record<string, string[]> {
  return Object.fromEntries(Object.entries(shared).map(([name, mod]) => [name, Object.keys(mod)]));
}
