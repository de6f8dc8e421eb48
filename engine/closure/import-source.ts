// Imports a source file of this package by its path at run time (the package face, library
// modules): the file itself under a TypeScript loader, or its compiled copy when the engine runs
// compiled (bin/compiled-engine.mjs registers where those are, compiling on first use a file no entry
// reaches), so both ways load one instance of the engine.

import { pathToFileURL } from 'node:url';

/** globalThis key of the function that maps a source file to its compiled copy's URL. */
const COMPILED_ENGINE: unique symbol = Symbol.for('dataflow.compiled-engine') as never;

/** @example const face = await importSource(packageFacePath); */
export function importSource(file: string): Promise<Record<string, unknown>> {
  const compiledUrl = (globalThis as Record<symbol, unknown>)[COMPILED_ENGINE] as ((file: string) => string | Promise<string> | undefined) | undefined;
  const url = compiledUrl?.(file);
  if (url instanceof Promise) return url.then((u) => import(u) as Promise<Record<string, unknown>>);
  return import(url ?? pathToFileURL(file).href) as Promise<Record<string, unknown>>;
}
