// Removing a shuffle's files once the driver no longer needs them (no dataset that reads the
// shuffle is reachable), so a long session's shuffle folder holds only live shuffles.

import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { mapOutputStem, parseMapOutputFileName } from './block-id.ts';

/**
 * Deletes every map output file of `shuffleId` in `dir` (all map partitions and attempts); a missing
 * folder is no error. Returns how many files were removed.
 *
 * @example await removeShuffleFiles('/tmp/app/shuffle', 3); // shuffle_3_*_*.data / .index gone
 */
export async function removeShuffleFiles(dir: string, shuffleId: number): Promise<number> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const doomed = names.filter((name) => parseMapOutputFileName(name)?.shuffleId === shuffleId);
  await Promise.all(doomed.map((name) => rm(join(dir, name), { force: true })));
  return doomed.length;
}

/**
 * Deletes the files of one map task attempt in `dir`, finished or half-written (temp names): its
 * task was killed. Returns how many files were removed.
 *
 * @example await removeMapOutputFiles('/tmp/app/shuffle', 3, 5, 0); // shuffle_3_5_0.data(.tmp-…) / .index gone
 */
export async function removeMapOutputFiles(dir: string, shuffleId: number, mapPartition: number, attempt: number): Promise<number> {
  const stem = `${mapOutputStem(shuffleId, mapPartition, attempt)}.`;
  const names = await readdir(dir).catch(() => [] as string[]);
  const doomed = names.filter((name) => name.startsWith(stem));
  await Promise.all(doomed.map((name) => rm(join(dir, name), { force: true })));
  return doomed.length;
}

/** How many map output files `dir` holds (diagnostics). @example await countShuffleFiles(dir) // 8 */
export async function countShuffleFiles(dir: string): Promise<number> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((name) => parseMapOutputFileName(name) !== undefined).length;
}
