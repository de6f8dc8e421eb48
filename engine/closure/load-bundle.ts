// Loading a job bundle into this process (driver or executor): write it to
// `<workDir>/bundles/<hash>.mjs` with its source map next to it, install the host engine on
// globalThis, and import it. One import per hash per process; later calls share it.

import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TraceMap } from '@jridgewell/trace-mapping';
import { BundleLoadError } from './errors.ts';
import { installHostEngine, installSharedModules } from './host-engine.ts';
import type { JobBundle, LoadedBundle } from './types.ts';

export type { JobBundle, LoadedBundle } from './types.ts';

export interface LoadBundleOptions {
  /** Directory for this process's files; the bundle goes to `<workDir>/bundles/<hash>.mjs`. */
  workDir: string;
  /** The engine's public exports, which the bundle's `import … from 'dataflow'` will see. */
  engine: Record<string, unknown>;
  /** The host's copies of modules the bundle was built to share (BundleJobOptions.sharedModules). */
  sharedModules?: Record<string, Record<string, unknown>>;
}

const loaded = new Map<string, Promise<LoadedBundle>>();

/**
 * Import a job bundle. Stack traces through it show the job's own files (source maps are enabled).
 *
 * @example
 * const loaded = await loadBundle(bundle, { workDir: '/tmp/dataflow-exec-1', engine: await import('../index.ts') });
 * const main = loaded.module.default as (session: unknown, args: unknown) => Promise<unknown>;
 */
export function loadBundle(bundle: JobBundle, options: LoadBundleOptions): Promise<LoadedBundle> {
  installHostEngine(options.engine);
  if (options.sharedModules) installSharedModules(options.sharedModules);
  let pending = loaded.get(bundle.hash);
  if (pending === undefined) {
    pending = importBundle(bundle, options.workDir);
    loaded.set(bundle.hash, pending);
    // A failed load is not cached: the next call tries again (e.g. after the disk is fixed).
    pending.catch(() => loaded.delete(bundle.hash));
  }
  return pending;
}

async function importBundle(bundle: JobBundle, workDir: string): Promise<LoadedBundle> {
  const actual = createHash('sha256').update(bundle.code).digest('hex');
  if (actual !== bundle.hash) {
    throw new BundleLoadError(
      `bundle of job ${bundle.jobPath} is corrupt: its code hashes to ${actual}, expected ${bundle.hash}. ` +
        `Re-send the bundle from the driver.`,
    );
  }
  let traceMap: TraceMap;
  try {
    traceMap = new TraceMap(bundle.sourceMap);
  } catch (error) {
    throw new BundleLoadError(`bundle ${bundle.hash} of job ${bundle.jobPath} has an unreadable source map: ${reason(error)}`, {
      cause: error,
    });
  }

  const dir = path.join(workDir, 'bundles');
  const file = path.join(dir, `${bundle.hash}.mjs`);
  try {
    await mkdir(dir, { recursive: true });
    await writeOnce(`${file}.map`, bundle.sourceMap);
    await writeOnce(file, `${bundle.code}\n//# sourceMappingURL=${bundle.hash}.mjs.map\n`);
  } catch (error) {
    throw new BundleLoadError(`could not write bundle of job ${bundle.jobPath} to ${file}: ${reason(error)}`, { cause: error });
  }

  process.setSourceMapsEnabled(true);
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new BundleLoadError(
      `importing the bundle of job ${bundle.jobPath} (${file}) failed: ${reason(error)}. ` +
        `A job module's top level runs on every executor, so it must not have side effects or depend on the driver.`,
      { cause: error },
    );
  }
  return { hash: bundle.hash, module: namespace, code: bundle.code, traceMap, file };
}

/**
 * Bundles are content-addressed, so an existing file already has the right content. Otherwise write
 * to a temporary name and rename, so that processes sharing `workDir` never see a half-written file.
 */
async function writeOnce(file: string, content: string): Promise<void> {
  try {
    await stat(file);
    return;
  } catch {
    // not there yet
  }
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, content);
  await rename(tmp, file);
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
