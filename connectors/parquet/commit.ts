// The output commit protocol of `writeParquet(dir)`: how many tasks, possibly retried or run twice,
// produce one directory that is either complete (with `_SUCCESS`) or visibly not.
//
// It follows Hadoop's FileOutputCommitter, algorithm v1 (the one Spark uses by default):
//
//   1. prepareOutputDir  (driver)  creates dir/_dataflow_writing (the job's lock and its in-progress
//                                  mark, output-lock.ts: another live writer fails this job at once);
//                                  dir must be empty or absent; mode 'overwrite' empties it first.
//   2. task attempt      (task)    writes its files under dir/_temporary/<job>/_attempts/part-00007-attempt-1/,
//                                  laid out as they will be in the output (`part-00007.parquet`, or
//                                  `year=2024/part-00007.parquet` when partitioned by columns).
//                                  Attempts never share a folder, so a slow duplicate cannot
//                                  clobber the output of a finished one.
//   3. commitTask        (task)    renames its attempt folder to dir/_temporary/<job>/task-00007.
//                                  First committer wins: renaming onto an existing non-empty folder
//                                  fails, so a second attempt of the same partition is ignored (its
//                                  files are discarded) and the output is committed once.
//   4. commitJob         (driver)  after every task committed: checks that each task folder is
//                                  present, moves their files into dir (creating the folders),
//                                  removes dir/_temporary, writes dir/_SUCCESS, and removes
//                                  dir/_dataflow_writing last: until then readers refuse dir.
//   or abortJob          (driver)  once no task of the job is running any more (the driver reports
//                                  the failure only then), removes dir/_temporary/<job>, and dir
//                                  itself if prepareOutputDir created it; no part is moved, no _SUCCESS;
//                                  then the lock.
//                                  A failing task attempt removes its own folder (abortTask).
//
//   dir/
//     _temporary/<job>/_attempts/part-00007-attempt-1/year=2024/part-00007.parquet   (2: being written)
//     _temporary/<job>/task-00007/year=2024/part-00007.parquet                       (3: committed task)
//     year=2024/part-00007.parquet                                                   (4: committed job)
//     _SUCCESS                                                                       (4: last step)
//
// Readers skip names starting with `_` or `.`, so uncommitted files are never read as data.
// A driver killed at any point, in the middle of commitJob's moves too, leaves `_dataflow_writing`
// naming a process that is gone: readParquet refuses the directory (files.ts) unless told
// { allowIncomplete: true }, and the next writeParquet with mode 'overwrite' takes it over and
// empties it (mode 'error' says what is there). commitJob itself may also be called again.
//
//   Test hook: with DATAFLOW_TEST_COMMIT_PAUSE_WHILE=<file>, commitJob waits after moving each
//   task's files for as long as that file exists, so a test can act in the middle of a commit.
//
// That is the protocol for local paths (and file:// URLs). On s3:// there is no atomic rename, so
// commitTask does nothing and commitJob moves the files of the attempt the driver accepted for
// each partition (commit-object-store.ts). http(s):// is read-only: writing there is an error.

import { mkdir, readdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError } from '../../engine/errors.ts';
import { StorageError } from '../storage/errors.ts';
import { storageFor, type StorageOptions } from '../storage/resolve.ts';
import { canonicalLocation } from '../storage/shipping.ts';
import { isUrl, joinLocation, schemeOf } from '../storage/url.ts';
import { acceptedAttempt, commitObjectStoreJob, prepareObjectStoreDir } from './commit-object-store.ts';
import { ParquetOutputError } from './errors.ts';
import { WRITING_MARKER, lockOutputDir, unlockObjectStoreDir, unlockOutputDir } from './output-lock.ts';
import type { OutputWriter } from './output-lock.ts';

/** How to treat an output directory that already has content. */
export type OutputMode = 'error' | 'overwrite';

/**
 * Makes `dir` ready to receive a dataset: creates it, or checks it is empty ('error'), or empties it
 * ('overwrite'; the old dataset is gone even if the new job later fails, as in Spark). With a
 * `writer`, first takes the directory's lock, `_dataflow_writing` (output-lock.ts), which commitJob
 * and abortJob remove: another job writing it fails this one at once, naming it. Returns the
 * outermost folder it created, if any, for abortJob to remove.
 *
 * @example
 * const { created } = await prepareOutputDir('/data/out', { mode: 'overwrite', writer: currentWriter(jobToken, 'my-app') });
 */
export async function prepareOutputDir(dir: string, options: { mode: OutputMode; storage?: StorageOptions; writer?: OutputWriter }): Promise<{ created?: string }> {
  const target = outputRoot(dir);
  const { writer } = options;
  if (options.mode !== 'error' && options.mode !== 'overwrite') {
    throw new InvalidInputError(`output mode '${String(options.mode)}' is not supported; use 'error' or 'overwrite'`);
  }
  if (isUrl(target)) {
    await prepareObjectStoreDir(storageFor(target, options.storage), target, options.mode, writer);
    return {};
  }
  let created: string | undefined;
  try {
    const info = await stat(target);
    if (!info.isDirectory()) {
      throw new ParquetOutputError('PARQUET_OUTPUT_EXISTS', `output path ${target} exists and is not a directory; write to a directory path`);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    created = await mkdir(target, { recursive: true });
  }
  if (writer) {
    try {
      await lockOutputDir(target, writer, { takeOverStale: options.mode === 'overwrite' });
    } catch (err) {
      if (created !== undefined) await rm(created, { recursive: true, force: true });
      throw err;
    }
  }
  const entries = (await readdir(target)).filter((e) => e !== WRITING_MARKER || !writer).sort();
  if (entries.length === 0) return created === undefined ? {} : { created };
  if (options.mode === 'error') {
    if (writer) await unlockOutputDir(target, writer.jobToken);
    const shown = entries.slice(0, 3).join(', ') + (entries.length > 3 ? ', ...' : '');
    throw new ParquetOutputError(
      'PARQUET_OUTPUT_EXISTS',
      `output directory ${target} is not empty (${entries.length} entries: ${shown}); pass { mode: 'overwrite' } to replace its contents, or write to a new directory`,
    );
  }
  if (path.parse(target).root === target) throw new InvalidInputError(`refusing to overwrite the filesystem root ${target}`);
  for (const entry of entries) await rm(path.join(target, entry), { recursive: true, force: true });
  return {};
}

/** The final name of a partition's file: `part-00007.parquet`. */
export function partFileName(partition: number): string {
  return `part-${String(partition).padStart(5, '0')}.parquet`;
}

/**
 * The folder attempt `attempt` of task `partition` writes into; its layout below is the layout the
 * task's files will have in the output (`part-00007.parquet`, or `year=2024/part-00007.parquet`).
 *
 * @example
 * taskAttemptDir('/out', 'job-3f2a', 7, 1); // '/out/_temporary/job-3f2a/_attempts/part-00007-attempt-1'
 */
export function taskAttemptDir(dir: string, jobToken: string, partition: number, attempt: number): string {
  checkIndex('partition', partition);
  checkIndex('attempt', attempt);
  return joinLocation(jobDir(dir, jobToken), '_attempts', `part-${String(partition).padStart(5, '0')}-attempt-${attempt}`);
}

/**
 * Where attempt `attempt` of task `partition` writes its file for the output folder `folder`
 * (relative, e.g. `year=2024/month=1`; '' for the output directory itself). The caller creates
 * parent folders; writeParquetFile does.
 *
 * @example
 * taskAttemptPath('/out', 'job-3f2a', 7, 1); // '/out/_temporary/job-3f2a/_attempts/part-00007-attempt-1/part-00007.parquet'
 * taskAttemptPath('/out', 'job-3f2a', 7, 1, 'year=2024'); // '.../part-00007-attempt-1/year=2024/part-00007.parquet'
 */
export function taskAttemptPath(dir: string, jobToken: string, partition: number, attempt: number, folder = ''): string {
  const base = taskAttemptDir(dir, jobToken, partition, attempt);
  if (isUrl(base)) {
    if (folder.startsWith('/') || folder.split('/').includes('..')) {
      throw new InvalidInputError(`output folder '${folder}' must be a relative path inside the output directory`);
    }
    return joinLocation(base, folder, partFileName(partition));
  }
  const file = path.join(base, folder, partFileName(partition));
  if (path.relative(base, file).startsWith('..') || path.isAbsolute(folder)) {
    throw new InvalidInputError(`output folder '${folder}' must be a relative path inside the output directory`);
  }
  return file;
}

/**
 * Commits a task attempt: its folder becomes the partition's committed folder (one atomic rename).
 * If the partition was already committed (a retried or speculative duplicate), this attempt's
 * files are discarded and the committed folder is returned unchanged. Returns the committed folder.
 * On s3:// this does nothing and returns the attempt folder: the driver tells commitJob which
 * attempt it accepted.
 *
 * @example
 * await writeParquetFile(table, taskAttemptPath(dir, job, 7, 0));
 * await commitTask(dir, job, 7, 0); // '<dir>/_temporary/<job>/task-00007'
 */
export async function commitTask(dir: string, jobToken: string, partition: number, attempt: number): Promise<string> {
  const attemptDir = taskAttemptDir(dir, jobToken, partition, attempt);
  if (isUrl(attemptDir)) return attemptDir;
  const committed = committedTaskDir(dir, jobToken, partition);
  try {
    // rename(2) of a directory fails with ENOTEMPTY/EEXIST when the target is a non-empty folder:
    // an atomic test-and-set. (A committed folder is never empty: only tasks that wrote files commit.)
    await rename(attemptDir, committed);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') {
      await rm(attemptDir, { recursive: true, force: true }); // a duplicate attempt: the first commit stands
      return committed;
    }
    if (code === 'ENOENT') {
      if (await exists(committed)) return committed; // this commit already happened (a retried message)
      throw new ParquetOutputError(
        'PARQUET_COMMIT',
        `cannot commit partition ${partition} attempt ${attempt}: ${attemptDir} does not exist; the task must write its files before commitTask`,
        { cause: err },
      );
    }
    throw err;
  }
  return committed;
}

/** What commitJob needs besides the partitions: the accepted attempts (object stores) and storage options. */
export interface CommitJobOptions {
  /** partition -> the attempt the driver accepted; required on s3://, unused locally (the first committed attempt stands). */
  attempts?: ReadonlyMap<number, number>;
  storage?: StorageOptions;
}

/**
 * Commits the job: moves every file of the committed tasks `partitions` into `dir` (keeping their
 * folders, e.g. `year=2024/`), removes `_temporary`, writes `_SUCCESS`, then removes the job's
 * lock. Checks that all tasks were committed before moving anything. Safe to call again after a crash.
 *
 * @example
 * await commitJob('/out', 'job-3f2a', [0, 1, 2]); // /out: part-00000..2.parquet, _SUCCESS
 * await commitJob('s3://bucket/out', 'job-3f2a', [0, 1], { attempts: new Map([[0, 0], [1, 2]]) });
 */
export async function commitJob(dir: string, jobToken: string, partitions: number[], options: CommitJobOptions = {}): Promise<void> {
  const target = outputRoot(dir);
  const job = jobDir(target, jobToken);
  const parts = [...new Set(partitions)].sort((a, b) => a - b);
  for (const p of parts) checkIndex('partition', p);
  if (isUrl(target)) {
    const attemptDir = (p: number) => taskAttemptDir(target, jobToken, p, acceptedAttempt(options.attempts, p, target));
    for (const p of parts) attemptDir(p); // every attempt known before anything is read or moved
    return commitObjectStoreJob(storageFor(target, options.storage), target, job, parts, attemptDir, jobToken);
  }
  if (!(await exists(job))) {
    if (await exists(path.join(target, '_SUCCESS'))) { // committed by an earlier call
      await unlockOutputDir(target, jobToken);
      return;
    }
    if (parts.length > 0) throw neverCommitted(target, jobToken, parts[0]!, committedTaskDir(target, jobToken, parts[0]!));
  }
  // Once moving has started, a task folder may be gone because its files already moved.
  const marker = path.join(job, '_committing');
  if (!(await exists(marker))) {
    for (const p of parts) {
      const taskDir = committedTaskDir(target, jobToken, p);
      if (!(await exists(taskDir))) throw neverCommitted(target, jobToken, p, taskDir);
    }
    await writeFile(marker, '');
  }
  for (const p of parts) {
    const taskDir = committedTaskDir(target, jobToken, p);
    if (!(await exists(taskDir))) continue;
    for (const relative of await listFiles(taskDir)) {
      const to = path.join(target, relative);
      await mkdir(path.dirname(to), { recursive: true });
      await rename(path.join(taskDir, relative), to);
    }
    await rm(taskDir, { recursive: true, force: true });
    await pauseForTest();
  }
  await rm(path.join(target, '_temporary'), { recursive: true, force: true });
  await writeFile(path.join(target, '_SUCCESS'), '');
  await unlockOutputDir(target, jobToken);
}

/** DATAFLOW_TEST_COMMIT_PAUSE_WHILE: a commit held in the middle while that file exists, for tests that kill the driver there. */
async function pauseForTest(): Promise<void> {
  const file = process.env.DATAFLOW_TEST_COMMIT_PAUSE_WHILE;
  while (file && (await exists(file))) await new Promise((resolve) => setTimeout(resolve, 50));
}

/**
 * Removes what a failed attempt wrote (its attempt folder), so a failure mid-write leaves no files.
 *
 * @example
 * await abortTask('/out', 'job-3f2a', 7, 1);
 */
export async function abortTask(dir: string, jobToken: string, partition: number, attempt: number, options: { storage?: StorageOptions } = {}): Promise<void> {
  const attemptDir = taskAttemptDir(dir, jobToken, partition, attempt);
  if (isUrl(attemptDir)) await storageFor(attemptDir, options.storage).delete(attemptDir, { recursive: true });
  else await rm(attemptDir, { recursive: true, force: true });
}

/**
 * Aborts the job: deletes its temporary folder and its lock, and the output folder (with the parents
 * prepareOutputDir made for it, up to `created`) when the job created it and it is empty.
 * Nothing was moved into `dir`, and `_SUCCESS` is never written. Call it once no task of the job
 * is running any more, or a late task recreates what was removed.
 *
 * @example
 * const { created } = await prepareOutputDir('/out', { mode: 'error' });
 * await abortJob('/out', 'job-3f2a', { created });
 */
export async function abortJob(dir: string, jobToken: string, options: { storage?: StorageOptions; created?: string } = {}): Promise<void> {
  const job = jobDir(dir, jobToken);
  const target = outputRoot(dir);
  if (isUrl(job)) {
    const storage = storageFor(job, options.storage);
    await storage.delete(job, { recursive: true });
    await unlockObjectStoreDir(storage, target, jobToken);
    return;
  }
  await rm(job, { recursive: true, force: true });
  await unlockOutputDir(target, jobToken);
  const created = options.created === undefined ? undefined : path.resolve(options.created);
  // `_temporary` if no other job uses it; then the folders this job created, innermost first.
  const removable = [path.dirname(job)];
  if (created !== undefined && !path.relative(created, target).startsWith('..')) {
    for (let folder = target; ; folder = path.dirname(folder)) {
      removable.push(folder);
      if (folder === created || path.dirname(folder) === folder) break;
    }
  }
  for (const folder of removable) {
    try {
      await rmdir(folder);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return; // not empty (someone else's files): stop there
    }
  }
}

/**
 * The output folder in canonical form: an absolute local path, or a URL without trailing '/'.
 * http(s):// is refused here, before anything runs, since HTTP storage is read-only.
 */
function outputRoot(dir: string): string {
  const root = canonicalLocation(dir);
  if (!isUrl(root)) return root;
  if (schemeOf(root) === 'http') {
    throw new StorageError('STORAGE_UNSUPPORTED', dir, `cannot write Parquet output to ${dir}: HTTP storage is read-only; write to a local path or an s3:// URL`);
  }
  return root.replace(/\/+$/, '');
}

/** Where a task's committed files wait for the job commit: `<dir>/_temporary/<job>/task-00007`. */
function committedTaskDir(dir: string, jobToken: string, partition: number): string {
  return path.join(jobDir(dir, jobToken), `task-${String(partition).padStart(5, '0')}`);
}

function neverCommitted(target: string, jobToken: string, partition: number, taskDir: string): ParquetOutputError {
  return new ParquetOutputError(
    'PARQUET_COMMIT',
    `cannot commit job ${jobToken} into ${target}: partition ${partition} was never committed (${taskDir} is missing); commit every task first, or abort the job`,
  );
}

/** Every file under `root`, as paths relative to it, sorted. */
async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)))
    .sort();
}

function jobDir(dir: string, jobToken: string): string {
  if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(jobToken)) {
    throw new InvalidInputError(`job token '${jobToken}' must be letters, digits, '.', '_' or '-' (it names a folder)`);
  }
  return joinLocation(outputRoot(dir), '_temporary', jobToken);
}

function checkIndex(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) throw new InvalidInputError(`${name} must be a non-negative integer, got ${value}`);
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
