// The mark of a writeParquet job in progress, which is also the lock of its output directory:
// `<dir>/_dataflow_writing`, a small JSON file naming the writer (pid, host, application, job token,
// start time). prepareOutputDir creates it first, before any other file of the job exists, and
// commitJob removes it last, after `_SUCCESS`; abortJob removes it too. So:
//
//   - a directory holding it is a dataset dataflow did not finish writing: a driver killed in the
//     middle of the job or of its commit leaves it behind, with or without `_temporary/` and with
//     some of the parts moved. readParquet refuses such a directory (unless { allowIncomplete: true });
//   - a directory without it reads as before, whoever wrote it: dataflow's complete output, and
//     directories of other writers (DuckDB, Spark, pandas; with or without `_SUCCESS`). `_SUCCESS`
//     alone cannot tell them apart (many writers never write one), and `_temporary/` alone is
//     Hadoop's, not ours (a Spark job's own leftovers are not ours to judge);
//   - a second job writing the same directory finds the file and fails at once naming the first
//     (locally the file is created with O_EXCL, an atomic test-and-set), instead of emptying the
//     directory under it. A file whose writer is gone (same host, pid no longer alive: a killed
//     driver) is stale: mode 'overwrite' takes the directory over, mode 'error' says what is left.
//     A writer on another host (a shared filesystem) cannot be checked and counts as alive.
//
// On s3:// the same file is an object; an object store has no atomic create, so there the lock is
// checked then written (two jobs starting within the same instant may both pass), while the
// incomplete-dataset mark works as locally.

import { hostname } from 'node:os';
import { open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { isProcessAlive } from '../../engine/process-alive.ts';
import type { Storage } from '../storage/storage.ts';
import { joinLocation } from '../storage/url.ts';
import { ParquetOutputError } from './errors.ts';

export const WRITING_MARKER = '_dataflow_writing';

/** Who writes a directory: recorded in the marker, named by the errors of other writers and readers. */
export interface OutputWriter {
  pid: number;
  host: string;
  /** The writing application: its driver's work directory name, and the job file when known. */
  app: string;
  jobToken: string;
  startedAt: string;
}

/** This process as the writer of job `jobToken`. */
export function currentWriter(jobToken: string, app: string): OutputWriter {
  return { pid: process.pid, host: hostname(), app, jobToken, startedAt: new Date().toISOString() };
}

/** `pid 4242 on host h1 (application dataflow-ab12 job.ts, job 3f2a…, started 2026-12-02T13:40:00Z)` */
export function describeWriter(w: OutputWriter): string {
  return `pid ${w.pid} on host ${w.host} (application ${w.app}, job ${w.jobToken}, started ${w.startedAt})`;
}

/** Whether the writer still runs: 'unknown' for another host, whose processes cannot be checked. */
export function writerState(w: OutputWriter): 'alive' | 'gone' | 'unknown' {
  if (w.host !== hostname()) return 'unknown';
  return isProcessAlive(w.pid) ? 'alive' : 'gone';
}

/** The marker's writer, from its bytes; a marker that does not parse (cut short by a crash) names no one. */
export function parseWriter(bytes: Uint8Array | string): OutputWriter | undefined {
  try {
    const w = JSON.parse(typeof bytes === 'string' ? bytes : new TextDecoder().decode(bytes)) as Partial<OutputWriter>;
    if (typeof w.pid === 'number' && typeof w.host === 'string' && typeof w.jobToken === 'string') {
      return { pid: w.pid, host: w.host, app: String(w.app ?? '?'), jobToken: w.jobToken, startedAt: String(w.startedAt ?? '?') };
    }
  } catch { /* an empty or partial file */ }
  return undefined;
}

function encodeWriter(w: OutputWriter): string {
  return `${JSON.stringify(w)}\n`;
}

/**
 * Locks the local directory `dir` (which exists) for `writer`. Another live writer (or one on
 * another host): PARQUET_OUTPUT_BUSY naming it. A gone writer's marker: taken over when
 * `takeOverStale` (mode 'overwrite'), else PARQUET_OUTPUT_INCOMPLETE naming what it left.
 *
 * @example await lockOutputDir('/out', currentWriter(token, 'dataflow-ab12'), { takeOverStale: false });
 */
export async function lockOutputDir(dir: string, writer: OutputWriter, options: { takeOverStale: boolean }): Promise<void> {
  const marker = path.join(dir, WRITING_MARKER);
  for (let tries = 0; tries < 3; tries++) {
    try {
      const handle = await open(marker, 'wx');
      try {
        await handle.writeFile(encodeWriter(writer));
        await handle.sync();
      } finally {
        await handle.close();
      }
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const text = await readFile(marker, 'utf8').catch(() => undefined);
    if (text === undefined) continue; // removed meanwhile (the other job ended): try again
    const other = parseWriter(text);
    checkOtherWriter(dir, other, options.takeOverStale);
    // A stale marker: move it aside atomically (only one of two jobs taking over can), then check
    // that what was moved is the marker judged stale, not a live job's that replaced it meanwhile.
    const aside = `${marker}.stale-${writer.jobToken}`;
    try {
      await rename(marker, aside);
    } catch {
      continue;
    }
    const moved = await readFile(aside, 'utf8').catch(() => '');
    if (moved !== text) {
      await rename(aside, marker).catch(() => undefined);
      continue;
    }
    await rm(aside, { force: true });
  }
  throw new ParquetOutputError('PARQUET_OUTPUT_BUSY', `output directory ${dir}: could not take its lock ${marker} after 3 tries (other jobs keep writing it); write to another directory`);
}

/** Removes `dir`'s marker if it is job `jobToken`'s (never another job's). */
export async function unlockOutputDir(dir: string, jobToken: string): Promise<void> {
  const marker = path.join(dir, WRITING_MARKER);
  const text = await readFile(marker, 'utf8').catch(() => undefined);
  if (text !== undefined && parseWriter(text)?.jobToken === jobToken) await rm(marker, { force: true });
}

/** The object-store version of lockOutputDir: checked, then written (no atomic create). */
export async function lockObjectStoreDir(storage: Storage, root: string, writer: OutputWriter, options: { takeOverStale: boolean }): Promise<void> {
  const marker = joinLocation(root, WRITING_MARKER);
  if (await storage.exists(marker)) checkOtherWriter(root, parseWriter(await storage.readAll(marker)), options.takeOverStale);
  await storage.write(marker, new TextEncoder().encode(encodeWriter(writer)));
}

/** The object-store version of unlockOutputDir. */
export async function unlockObjectStoreDir(storage: Storage, root: string, jobToken: string): Promise<void> {
  const marker = joinLocation(root, WRITING_MARKER);
  if (!(await storage.exists(marker))) return;
  if (parseWriter(await storage.readAll(marker))?.jobToken === jobToken) await storage.delete(marker);
}

/** Throws unless the marker's writer is gone and may be taken over. */
function checkOtherWriter(dir: string, other: OutputWriter | undefined, takeOverStale: boolean): void {
  const state = other ? writerState(other) : 'gone';
  if (state !== 'gone') {
    throw new ParquetOutputError(
      'PARQUET_OUTPUT_BUSY',
      `output directory ${dir} is being written by another dataflow job: ${describeWriter(other!)}` +
        (state === 'unknown' ? ' (on another host, so it cannot be checked and counts as running)' : '') +
        `. Two jobs must not write one directory at once; wait for that job to end, or write to another directory` +
        (state === 'unknown' ? `. If that job is gone, remove ${joinLocation(dir, WRITING_MARKER)}` : '') + '.',
    );
  }
  if (!takeOverStale) {
    throw new ParquetOutputError(
      'PARQUET_OUTPUT_INCOMPLETE',
      `output directory ${dir} holds an unfinished write of a dataflow job that is no longer running` +
        (other ? ` (${describeWriter(other)})` : '') +
        `: its commit did not complete, so its contents are partial. Pass { mode: 'overwrite' } to replace them, or write to another directory.`,
    );
  }
}
