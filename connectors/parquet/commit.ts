// The output commit protocol of `writeParquet(dir)`: how many tasks, possibly retried or run twice,
// produce one directory that is either complete (with `_SUCCESS`) or visibly not.
//
// It follows Hadoop's FileOutputCommitter, algorithm v1 (the one Spark uses by default):
//
//   1. prepareOutputDir  (driver)  dir must be empty or absent; mode 'overwrite' empties it first.
//   2. task attempt      (task)    writes dir/_temporary/<job>/_attempts/part-00007-attempt-1.parquet
//                                  Attempts never share a file, so a slow duplicate cannot clobber
//                                  the output of a finished one.
//   3. commitTask        (task)    moves its attempt file to dir/_temporary/<job>/part-00007.parquet.
//                                  First committer wins: the move is a hard link that fails if the
//                                  part exists, so a second attempt of the same partition is
//                                  ignored (its file is discarded) and the output is committed once.
//   4. commitJob         (driver)  after every task committed: checks that each part is present,
//                                  moves them into dir, removes dir/_temporary, and writes
//                                  dir/_SUCCESS last, so its presence means "complete".
//   or abortJob          (driver)  removes dir/_temporary/<job>; no part is moved, no _SUCCESS.
//
//   dir/
//     _temporary/<job>/_attempts/part-00007-attempt-1.parquet   (2: being written)
//     _temporary/<job>/part-00007.parquet                       (3: committed task)
//     part-00007.parquet                                        (4: committed job)
//     _SUCCESS                                                  (4: last step)
//
// Readers skip names starting with `_` or `.`, so uncommitted files are never read as data.
// Caveat, as in Hadoop v1: a crash in the middle of commitJob's moves leaves some parts in `dir`
// without `_SUCCESS`; consumers that need completeness check for `_SUCCESS`.

import { link, mkdir, readdir, rename, rm, rmdir, stat, unlink, writeFile, open } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError } from '../../engine/errors.ts';
import { ParquetOutputError } from './errors.ts';

/** How to treat an output directory that already has content. */
export type OutputMode = 'error' | 'overwrite';

/**
 * Makes `dir` ready to receive a dataset: creates it, or checks it is empty ('error'), or empties it
 * ('overwrite'; the old dataset is gone even if the new job later fails, as in Spark).
 *
 * @example
 * await prepareOutputDir('/data/out', { mode: 'overwrite' });
 */
export async function prepareOutputDir(dir: string, options: { mode: OutputMode }): Promise<void> {
  const target = path.resolve(dir);
  if (options.mode !== 'error' && options.mode !== 'overwrite') {
    throw new InvalidInputError(`output mode '${String(options.mode)}' is not supported; use 'error' or 'overwrite'`);
  }
  let info;
  try {
    info = await stat(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await mkdir(target, { recursive: true });
    return;
  }
  if (!info.isDirectory()) {
    throw new ParquetOutputError('PARQUET_OUTPUT_EXISTS', `output path ${target} exists and is not a directory; write to a directory path`);
  }
  const entries = (await readdir(target)).sort();
  if (entries.length === 0) return;
  if (options.mode === 'error') {
    const shown = entries.slice(0, 3).join(', ') + (entries.length > 3 ? ', ...' : '');
    throw new ParquetOutputError(
      'PARQUET_OUTPUT_EXISTS',
      `output directory ${target} is not empty (${entries.length} entries: ${shown}); pass { mode: 'overwrite' } to replace its contents, or write to a new directory`,
    );
  }
  if (path.parse(target).root === target) throw new InvalidInputError(`refusing to overwrite the filesystem root ${target}`);
  for (const entry of entries) await rm(path.join(target, entry), { recursive: true, force: true });
}

/** The final name of a partition's file: `part-00007.parquet`. */
export function partFileName(partition: number): string {
  return `part-${String(partition).padStart(5, '0')}.parquet`;
}

/**
 * Where attempt `attempt` of task `partition` writes its file (the caller creates parent folders;
 * writeParquetFile does).
 *
 * @example
 * taskAttemptPath('/out', 'job-3f2a', 7, 1); // '/out/_temporary/job-3f2a/_attempts/part-00007-attempt-1.parquet'
 */
export function taskAttemptPath(dir: string, jobToken: string, partition: number, attempt: number): string {
  checkIndex('partition', partition);
  checkIndex('attempt', attempt);
  return path.join(jobDir(dir, jobToken), '_attempts', `part-${String(partition).padStart(5, '0')}-attempt-${attempt}.parquet`);
}

/**
 * Commits a task attempt: its file becomes the partition's committed part. If the partition was
 * already committed (a retried or speculative duplicate), this attempt's file is discarded and the
 * committed path is returned unchanged. Returns the committed part's path.
 *
 * @example
 * await writeParquetFile(table, taskAttemptPath(dir, job, 7, 0));
 * await commitTask(dir, job, 7, 0); // '<dir>/_temporary/<job>/part-00007.parquet'
 */
export async function commitTask(dir: string, jobToken: string, partition: number, attempt: number): Promise<string> {
  const attemptFile = taskAttemptPath(dir, jobToken, partition, attempt);
  const committed = path.join(jobDir(dir, jobToken), partFileName(partition));
  try {
    await claimAndMove(attemptFile, committed);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      await rm(attemptFile, { force: true }); // a duplicate attempt: the first commit stands
      return committed;
    }
    if (code === 'ENOENT') {
      if (await exists(committed)) return committed; // this commit already happened (a retried message)
      throw new ParquetOutputError(
        'PARQUET_COMMIT',
        `cannot commit partition ${partition} attempt ${attempt}: ${attemptFile} does not exist; the task must write its file before commitTask`,
        { cause: err },
      );
    }
    throw err;
  }
  return committed;
}

/**
 * Commits the job: moves every committed part of `partitions` into `dir`, removes `_temporary`,
 * then writes `_SUCCESS`. Checks all parts exist before moving any. Safe to call again after a crash.
 *
 * @example
 * await commitJob('/out', 'job-3f2a', [0, 1, 2]); // /out: part-00000..2.parquet, _SUCCESS
 */
export async function commitJob(dir: string, jobToken: string, partitions: number[]): Promise<void> {
  const target = path.resolve(dir);
  const job = jobDir(target, jobToken);
  const parts = [...new Set(partitions)].sort((a, b) => a - b);
  for (const p of parts) {
    checkIndex('partition', p);
    if (!(await exists(path.join(job, partFileName(p)))) && !(await exists(path.join(target, partFileName(p))))) {
      throw new ParquetOutputError(
        'PARQUET_COMMIT',
        `cannot commit job ${jobToken} into ${target}: partition ${p} was never committed (${path.join(job, partFileName(p))} is missing); commit every task first, or abort the job`,
      );
    }
  }
  for (const p of parts) {
    try {
      await rename(path.join(job, partFileName(p)), path.join(target, partFileName(p)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; // ENOENT: moved by an earlier run
    }
  }
  await rm(path.join(target, '_temporary'), { recursive: true, force: true });
  await writeFile(path.join(target, '_SUCCESS'), '');
}

/**
 * Aborts the job: deletes its temporary folder. Nothing was moved into `dir`, and `_SUCCESS` is
 * never written.
 *
 * @example
 * await abortJob('/out', 'job-3f2a');
 */
export async function abortJob(dir: string, jobToken: string): Promise<void> {
  const job = jobDir(dir, jobToken);
  await rm(job, { recursive: true, force: true });
  try {
    await rmdir(path.dirname(job)); // `_temporary`, if no other job uses it
  } catch {
    // not empty or already gone
  }
}

function jobDir(dir: string, jobToken: string): string {
  if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(jobToken)) {
    throw new InvalidInputError(`job token '${jobToken}' must be letters, digits, '.', '_' or '-' (it names a folder)`);
  }
  return path.join(path.resolve(dir), '_temporary', jobToken);
}

function checkIndex(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) throw new InvalidInputError(`${name} must be a non-negative integer, got ${value}`);
}

/**
 * Moves `from` to `to` unless `to` exists (then throws EEXIST). A hard link is an atomic
 * test-and-set; where links are not supported, an exclusive create claims the name first.
 */
async function claimAndMove(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EXDEV') throw err;
    await stat(from); // ENOENT if the attempt file is missing, before claiming the name
    const claim = await open(to, 'wx'); // EEXIST if already committed
    await claim.close();
    await rename(from, to);
    return;
  }
  await unlink(from);
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
