// The driver's work directory: one fresh folder under the OS temp dir per session (job bundles,
// the in-process shuffle, the folders of local[N] executors), removed by Session.stop. It records
// its owner's pid, so that a folder whose driver was killed outright (SIGKILL, OOM killer) is
// removed by the next session started on this machine: a dead owner pid is enough to know that
// nobody uses it any more. Folders without an owner file are never touched.

import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isProcessAlive } from '../process-alive.ts';

const PREFIX = 'dataflow-';
const OWNER_FILE = 'owner.pid';

/**
 * Creates a work directory owned by this process.
 *
 * @example
 * const dir = await createWorkDir(); // '/tmp/dataflow-Xy12Ab', holding owner.pid
 */
export async function createWorkDir(root: string = tmpdir()): Promise<string> {
  const dir = await mkdtemp(join(root, PREFIX));
  await writeFile(join(dir, OWNER_FILE), `${process.pid}\n`);
  return dir;
}

/**
 * Removes the work directories under `root` whose owner process is gone; returns their paths.
 *
 * @example
 * await reclaimStaleWorkDirs(); // ['/tmp/dataflow-Qw3e9z'] (its driver was SIGKILLed)
 */
export async function reclaimStaleWorkDirs(root: string = tmpdir()): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(root).catch(() => [])) {
    if (!name.startsWith(PREFIX)) continue;
    const dir = join(root, name);
    const owner = Number((await readFile(join(dir, OWNER_FILE), 'utf8').catch(() => '')).trim());
    if (!Number.isInteger(owner) || owner <= 0 || owner === process.pid || isProcessAlive(owner)) continue;
    await rm(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}
