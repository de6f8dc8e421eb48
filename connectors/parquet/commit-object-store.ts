// The output commit protocol (commit.ts) on an object store (S3), where there are no folders and
// no atomic rename: a "rename" is copy + delete, and renaming onto an existing key silently
// replaces it. So the first-committer-wins trick of the local protocol (rename the attempt folder
// onto the task folder) is not available, and the driver decides instead, as in Hadoop's
// "magic"/S3A committers: the scheduler accepts exactly one attempt per partition, and only that
// attempt's files are moved.
//
//   1. prepareOutputDir  (driver)  writes the lock `_dataflow_writing` (output-lock.ts; checked first,
//                                  not atomic here); the prefix must hold no other object ('error')
//                                  or is emptied ('overwrite').
//   2. task attempt      (task)    writes objects under dir/_temporary/<job>/_attempts/part-00007-attempt-1/...;
//                                  each object appears whole or not at all (PutObject / multipart).
//   3. commitTask        (task)    nothing to do (no atomic rename to claim the partition with).
//   4. commitJob         (driver)  with the accepted attempt of each partition: checks each attempt
//                                  folder holds files, writes `_temporary/<job>/_committing`, moves
//                                  (copy + delete) every file into dir, deletes `_temporary`, writes
//                                  `_SUCCESS`, then deletes the lock.
//   or abortJob          (driver)  deletes dir/_temporary/<job>; nothing reaches dir, no `_SUCCESS`.
//
// Files of attempts that were not accepted (a retried or duplicate task) stay under `_temporary`
// until it is deleted; readers skip `_`-names, so they are never read as data. As with Hadoop's v1
// algorithm, a crash in the middle of commitJob's moves leaves some parts in dir without
// `_SUCCESS`, and the lock, so readers refuse dir; calling commitJob again finishes the job.

import { InvalidInputError } from '../../engine/errors.ts';
import { StorageError } from '../storage/errors.ts';
import type { Storage, StorageEntry } from '../storage/storage.ts';
import { joinLocation, relativeLocation } from '../storage/url.ts';
import { ParquetOutputError } from './errors.ts';
import { WRITING_MARKER, lockObjectStoreDir, unlockObjectStoreDir } from './output-lock.ts';
import type { OutputWriter } from './output-lock.ts';

const MOVE_CONCURRENCY = 8;

/**
 * Makes the prefix `root` ready to receive a dataset (see prepareOutputDir in commit.ts); with a
 * `writer`, first checks and writes its lock `_dataflow_writing` (output-lock.ts).
 */
export async function prepareObjectStoreDir(storage: Storage, root: string, mode: 'error' | 'overwrite', writer?: OutputWriter): Promise<void> {
  if (writer) await lockObjectStoreDir(storage, root, writer, { takeOverStale: mode === 'overwrite' });
  const marker = joinLocation(root, WRITING_MARKER);
  const entries = (await listOrNone(storage, root)).filter((e) => !writer || e.path !== marker);
  if (entries.length === 0) return;
  if (entries.length === 1 && entries[0]!.path === root) {
    throw new ParquetOutputError('PARQUET_OUTPUT_EXISTS', `output path ${root} exists and is an object, not a folder (prefix); write to another path`);
  }
  if (mode === 'error') {
    if (writer) await unlockObjectStoreDir(storage, root, writer.jobToken);
    const names = entries.map((e) => relativeLocation(root, e.path) ?? e.path);
    const shown = names.slice(0, 3).join(', ') + (names.length > 3 ? ', ...' : '');
    throw new ParquetOutputError(
      'PARQUET_OUTPUT_EXISTS',
      `output folder ${root} is not empty (${names.length} objects: ${shown}); pass { mode: 'overwrite' } to replace its contents, or write to a new folder`,
    );
  }
  await forEachLimit(entries, MOVE_CONCURRENCY, (e) => storage.delete(e.path));
}

/**
 * Commits the job on an object store: moves the files of each partition's accepted attempt
 * (`attemptDir(partition)`) into `root`, deletes `_temporary`, writes `_SUCCESS` last.
 */
export async function commitObjectStoreJob(
  storage: Storage,
  root: string,
  jobDir: string,
  parts: readonly number[],
  attemptDir: (partition: number) => string,
  jobToken: string,
): Promise<void> {
  const success = joinLocation(root, '_SUCCESS');
  const marker = joinLocation(jobDir, '_committing');
  const resuming = await storage.exists(marker);
  if (!resuming && parts.length > 0 && (await storage.exists(success)) && (await listOrNone(storage, jobDir)).length === 0) { // committed by an earlier call
    await unlockObjectStoreDir(storage, root, jobToken);
    return;
  }

  // Every accepted attempt must have written its files before anything moves.
  const moves: Array<[string, string]> = [];
  for (const p of parts) {
    const dir = attemptDir(p);
    const files = await listOrNone(storage, dir);
    if (files.length === 0 && !resuming) {
      throw new ParquetOutputError(
        'PARQUET_COMMIT',
        `cannot commit the job into ${root}: the accepted attempt of partition ${p} wrote nothing (${dir} holds no files); the task must write its files before the job commits, or abort the job`,
      );
    }
    for (const f of files) moves.push([f.path, joinLocation(root, relativeLocation(dir, f.path)!)]);
  }
  if (!resuming) await storage.write(marker, new Uint8Array(0));
  await forEachLimit(moves, MOVE_CONCURRENCY, ([from, to]) => storage.rename(from, to));
  await storage.delete(joinLocation(root, '_temporary'), { recursive: true });
  await storage.write(success, new Uint8Array(0));
  await unlockObjectStoreDir(storage, root, jobToken);
}

/** The accepted attempt of each partition, from the driver; required on object stores. */
export function acceptedAttempt(attempts: ReadonlyMap<number, number> | undefined, partition: number, root: string): number {
  const attempt = attempts?.get(partition);
  if (attempt === undefined) {
    throw new InvalidInputError(
      `commitJob into ${root}: no accepted attempt is given for partition ${partition}; on object stores (s3://) the driver must pass { attempts } (partition -> attempt), since tasks cannot claim a partition by renaming`,
    );
  }
  return attempt;
}

/** The files below `location`, or none when nothing is there. */
async function listOrNone(storage: Storage, location: string): Promise<StorageEntry[]> {
  try {
    return await storage.list(location, { recursive: true });
  } catch (err) {
    if (err instanceof StorageError && err.code === 'STORAGE_NOT_FOUND') return [];
    throw err;
  }
}

/** Runs `fn` over `items` with at most `limit` calls in flight; the first failure is thrown after all settle. */
async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}
