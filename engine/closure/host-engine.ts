// Where the engine lives and how a job bundle reaches it. Bundles never contain the engine: their
// `import … from 'dataflow'` reads the one copy the host process installed on globalThis, so the
// driver and user code share classes (`instanceof Dataset` works) and the bundle stays small.

import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The globalThis key under which the host process exposes the engine's public exports. */
export const ENGINE_GLOBAL: unique symbol = Symbol.for('dataflow.engine') as never;

/**
 * The globalThis key of modules other than the engine that bundles take from the host instead of
 * bundling a copy (e.g. apache-arrow, so that Arrow objects built by the job pass the engine's
 * `instanceof` checks): `globalThis[SHARED_MODULES_GLOBAL][specifier]` is the module namespace.
 */
export const SHARED_MODULES_GLOBAL: unique symbol = Symbol.for('dataflow.shared-modules') as never;

/** Absolute path of the engine directory (the parent of this `closure/` folder). */
export const engineDir: string = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/**
 * Absolute path of the package's face, `index.ts` at the package root (package.json's "." export):
 * what a job's `import … from 'dataflow'` means.
 */
export const packageFacePath: string = path.join(path.dirname(engineDir), 'index.ts');

/** The file whose imports bundles replace by the host's engine: the package's face. */
export const defaultEngineIndexPath: string = packageFacePath;

/**
 * Make `engine` the module that job bundles see when they import `dataflow`. Must run before a
 * bundle is imported (loadBundle does it).
 *
 * @example
 * installHostEngine((await hostModules()).engine);
 */
export function installHostEngine(engine: Record<string, unknown>): void {
  (globalThis as Record<symbol, unknown>)[ENGINE_GLOBAL] = engine;
}

/** Install the host's copies of shared modules (see SHARED_MODULES_GLOBAL), keyed by import specifier. */
export function installSharedModules(modules: Record<string, Record<string, unknown>>): void {
  const g = globalThis as Record<symbol, unknown>;
  const current = (g[SHARED_MODULES_GLOBAL] ?? {}) as Record<string, unknown>;
  g[SHARED_MODULES_GLOBAL] = { ...current, ...modules };
}

/**
 * The source of the virtual module that replaces the engine inside a bundle: one `export const`
 * per engine export, read from globalThis at import time.
 *
 * @example
 * engineShimSource(['Dataset', 'col'])
 * // const e = globalThis[Symbol.for('dataflow.engine')];
 * // if (e === undefined) throw new Error(…);
 * // export const Dataset = e.Dataset;
 * // export const col = e.col;
 */
export function engineShimSource(exportNames: readonly string[]): string {
  return hostModuleShim(`globalThis[Symbol.for('dataflow.engine')]`, 'the engine', exportNames);
}

/** Like engineShimSource, for a shared module: reads `globalThis[Symbol.for('dataflow.shared-modules')][specifier]`. */
export function sharedModuleShimSource(specifier: string, exportNames: readonly string[]): string {
  return hostModuleShim(
    `globalThis[Symbol.for('dataflow.shared-modules')]?.[${JSON.stringify(specifier)}]`,
    `the shared module ${JSON.stringify(specifier).replaceAll('"', "'")}`,
    exportNames,
  );
}

function hostModuleShim(source: string, what: string, exportNames: readonly string[]): string {
  const lines = [
    `const e = ${source};`,
    `if (e === undefined || e === null) {`,
    `  throw new Error(${JSON.stringify(
      `dataflow: this job bundle imports ${what}, but the host process has not installed it (${source} is unset). ` +
        `Load bundles with loadBundle().`,
    )});`,
    `}`,
  ];
  for (const name of new Set(exportNames)) {
    if (name === 'default') lines.push(`export default e.default;`);
    else if (isPlainBindingName(name)) lines.push(`export const ${name} = e[${JSON.stringify(name)}];`);
    else {
      const local = `__dataflow_export_${lines.length}`;
      lines.push(`const ${local} = e[${JSON.stringify(name)}];`, `export { ${local} as ${JSON.stringify(name)} };`);
    }
  }
  return lines.join('\n') + '\n';
}

const RESERVED = new Set(
  ('break case catch class const continue debugger default delete do else enum export extends false finally for ' +
    'function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
    'yield let static implements interface package private protected public await arguments eval').split(' '),
);

/** True if `name` can be the name of a `const` in a strict-mode module. */
function isPlainBindingName(name: string): boolean {
  return /^[A-Za-z_$][\w$]*$/.test(name) && !RESERVED.has(name);
}
