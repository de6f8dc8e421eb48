// Remembers clean type-checks, so a job whose files are all unchanged is not checked again. An entry
// lists every file the check read with a fingerprint (the sha256 of a job or engine source; size and
// mtime of an installed package's file); any difference, or a different compiler, means a new check.
// Checks that found errors are not remembered: fixing them often means creating a file the
// check could not see before. Nothing here loads TypeScript.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { InternalError } from '../../errors.ts';

/** Bump when the check itself changes what it reports, so older entries stop counting. */
const CHECK_FORMAT = 1;

interface Entry { key: string; files: Array<[path: string, fingerprint: string]> }

/**
 * The cache folder: $DATAFLOW_CACHE_DIR, else `node_modules/.cache/dataflow` of the package (where
 * tools keep caches, never in the repository), else `$XDG_CACHE_HOME/dataflow` or `~/.cache/dataflow`.
 */
export function cacheDirFor(packageRoot: string): string {
  if (process.env.DATAFLOW_CACHE_DIR) return process.env.DATAFLOW_CACHE_DIR;
  const modules = join(packageRoot, 'node_modules');
  if (existsSync(modules)) return join(modules, '.cache', 'dataflow');
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'dataflow');
}

/** What a remembered check must agree on besides the files: the job, the package, the compiler. */
export function checkKey(jobPath: string, packageRoot: string, compilerVersion: string): string {
  return JSON.stringify({ format: CHECK_FORMAT, jobPath, packageRoot, compilerVersion });
}

function entryPath(cacheDir: string, key: string): string {
  return join(cacheDir, 'typecheck', `${createHash('sha256').update(key).digest('hex').slice(0, 32)}.json`);
}

async function fingerprint(path: string): Promise<string> {
  if (path.includes('/node_modules/')) {
    const s = await stat(path);
    return `${s.size}:${s.mtimeMs}`;
  }
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

/** True when a clean check with this key read exactly these files, all unchanged since. */
export async function isKnownClean(cacheDir: string, key: string): Promise<boolean> {
  let entry: Entry;
  try {
    entry = JSON.parse(await readFile(entryPath(cacheDir, key), 'utf8')) as Entry;
  } catch {
    return false;
  }
  if (entry.key !== key || !Array.isArray(entry.files)) return false;
  try {
    const now = await Promise.all(entry.files.map(([path]) => fingerprint(path)));
    return now.every((f, i) => f === entry.files[i]![1]);
  } catch {
    return false; // a file is gone
  }
}

/** Remember a clean check of `files` (whole or not at all, even with concurrent submits). */
export async function rememberClean(cacheDir: string, key: string, files: string[]): Promise<void> {
  const path = entryPath(cacheDir, key);
  const entry: Entry = { key, files: await Promise.all(files.map(async (f) => [f, await fingerprint(f)] as [string, string])) };
  await mkdir(dirname(path), { recursive: true });
  const partial = `${path}.${process.pid}.tmp`;
  await writeFile(partial, JSON.stringify(entry));
  await rename(partial, path);
}

/** The dataflow package's root: the nearest folder above `fromDir` with a package.json named dataflow. */
export function packageRootFrom(fromDir: string): string {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    try {
      if ((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name === 'dataflow') return dir;
    } catch {
      // no package.json here
    }
    if (dirname(dir) === dir) throw new InternalError('PACKAGE_ROOT', `no package.json named dataflow above ${fromDir}: the engine runs outside its package`);
  }
}
