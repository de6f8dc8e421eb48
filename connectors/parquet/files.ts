// Resolves a Parquet input to the list of data files it stands for: the file itself, every
// `*.parquet` file under a directory (recursively, sorted), or what a glob matches (glob.ts; a
// matched folder counts as a directory input), skipping Hadoop/Spark bookkeeping such as
// `_SUCCESS`, `_temporary/` and hidden `.crc` files (any name starting with `_` or `.`). A directory
// holding `_dataflow_writing`, the mark of a writeParquet job that has not finished (output-lock.ts),
// is refused unless { allowIncomplete: true }: it holds part of a dataset.
//
// Local paths (and file:// URLs) are walked on disk. Other storage is listed (storage/): an S3
// "directory" is a key prefix listed recursively, and an S3 glob lists the prefix before its first
// wildcard and matches the rest of each key; plain HTTP cannot list, so an http(s):// input is one file.
//
//   /data/ratings                 -> /data/ratings/part-00000.parquet, ...          (root /data/ratings)
//   s3://bucket/ratings/          -> s3://bucket/ratings/year=2024/part-0.parquet    (root s3://bucket/ratings)
//   s3://bucket/ratings/year=*/*  -> the same, matched                              (root s3://bucket/ratings)
//   https://host/ratings.parquet  -> itself                                         (no root)

import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { StorageOptions } from '../storage/resolve.ts';
import { listUrl, statUrl, storageFor } from '../storage/resolve.ts';
import { StorageError } from '../storage/errors.ts';
import { canonicalLocation } from '../storage/shipping.ts';
import { joinLocation, relativeLocation, schemeOf } from '../storage/url.ts';
import { ParquetIncompleteError, ParquetNotFoundError } from './errors.ts';
import { WRITING_MARKER, describeWriter, parseWriter, writerState } from './output-lock.ts';
import type { OutputWriter } from './output-lock.ts';
import { expandGlob, isGlob, matchSegments } from './glob.ts';

/**
 * Lists the data files of a Parquet input, as absolute paths (or URLs) in a stable (sorted) order.
 *
 * @example
 * // /data/out/{_SUCCESS, part-00000.parquet, part-00001.parquet, _temporary/...}
 * await listParquetFiles('/data/out'); // ['/data/out/part-00000.parquet', '/data/out/part-00001.parquet']
 */
export async function listParquetFiles(input: string, storage?: StorageOptions, options: ResolveOptions = {}): Promise<string[]> {
  return (await resolveParquetInput(input, storage, options)).files;
}

export interface ResolveOptions {
  /**
   * Read a directory dataflow did not finish writing (its `_dataflow_writing` mark is there: the
   * job failed, or its driver was killed during the commit), files and all. Default false: such a
   * directory is refused, since it holds part of a dataset (output-lock.ts).
   */
  allowIncomplete?: boolean;
}

/**
 * The data files of a Parquet input and the root folder its Hive-style partition folders are found
 * under: the directory itself, the part of a glob before its first wildcard, or none for one file.
 *
 * @example
 * await resolveParquetInput('/data/ratings/year=*' + '/*.parquet');
 * // { root: '/data/ratings', files: ['/data/ratings/year=2023/a.parquet', ...] }
 * await resolveParquetInput('s3://bucket/ratings/', { endpoint: 'http://127.0.0.1:9000' });
 * // { root: 's3://bucket/ratings', files: ['s3://bucket/ratings/part-00000.parquet', ...] }
 */
export async function resolveParquetInput(input: string, storage?: StorageOptions, options: ResolveOptions = {}): Promise<{ root: string | undefined; files: string[] }> {
  const scheme = schemeOf(input);
  const allow = options.allowIncomplete === true;
  if (scheme === 'http') return resolveHttp(input, storage);
  if (scheme === 's3') return isGlob(input) ? resolveS3Glob(input, storage, allow) : resolveS3(input, storage, allow);
  const local = canonicalLocation(input);
  if (isGlob(local)) {
    const { base, matches } = await expandGlob(local);
    if (!allow) await checkLocalComplete(input, base);
    const files = new Set<string>();
    for (const match of matches) {
      const info = await stat(match);
      if (info.isFile()) files.add(match);
      else if (info.isDirectory()) {
        if (!allow) await checkLocalComplete(input, match);
        const inner: string[] = [];
        await collect(match, inner);
        for (const f of inner) files.add(f);
      }
    }
    if (files.size === 0) throw noMatch(local);
    return { root: base, files: [...files].sort() };
  }
  const directory = await isDirectory(local);
  if (directory && !allow) await checkLocalComplete(input, local);
  return { root: directory ? local : undefined, files: await listPlain(local) };
}

/** Refuses a local directory whose `_dataflow_writing` mark says dataflow did not finish writing it. */
async function checkLocalComplete(input: string, dir: string): Promise<void> {
  const text = await readFile(path.join(dir, WRITING_MARKER), 'utf8').catch(() => undefined);
  if (text !== undefined) throw incomplete(input, dir, parseWriter(text), await isFile(path.join(dir, '_SUCCESS')));
}

/**
 * The error for an input whose directory `dir` holds dataflow's in-progress mark: who wrote it and
 * whether that job still runs, and the two ways on.
 */
function incomplete(input: string, dir: string, writer: OutputWriter | undefined, hasSuccess: boolean): ParquetIncompleteError {
  const state = writer ? writerState(writer) : 'gone';
  const who = writer
    ? `${describeWriter(writer)}, ${state === 'alive' ? 'which is still running: the write is in progress' : state === 'gone' ? 'which is no longer running: it failed or was killed before its commit completed' : 'on another host'}`
    : 'a job whose mark cannot be read';
  return new ParquetIncompleteError(
    `parquet input ${input}: ${dir} is a dataset dataflow did not finish writing (${hasSuccess ? '' : 'no _SUCCESS; '}its ${WRITING_MARKER} mark is still there, left by ${who}), ` +
      `so it may hold only some of its rows. ${state === 'alive' ? 'Wait for that job to end, or ' : 'Write it again (writeParquet(dir, { mode: \'overwrite\' }) cleans it), or '}` +
      'pass { allowIncomplete: true } to readParquet to read the files that are there anyway.',
  );
}

/** One file over HTTP (plain HTTP has no folder listing, hence no directories or globs). */
async function resolveHttp(input: string, storage: StorageOptions | undefined): Promise<{ root: undefined; files: string[] }> {
  if (isGlob(input) || input.endsWith('/')) {
    throw new ParquetNotFoundError(
      `parquet input ${input} is a folder or a pattern, but plain HTTP cannot list folders; pass the URL of each file, or copy the data to a local folder or s3://`,
    );
  }
  await statUrl(input, storage).catch((err: unknown) => {
    throw notFound(err, `parquet input ${input} does not exist`);
  });
  return { root: undefined, files: [input] };
}

/** An object, or every `*.parquet` object below a prefix. */
async function resolveS3(input: string, storage: StorageOptions | undefined, allowIncomplete: boolean): Promise<{ root: string | undefined; files: string[] }> {
  const entries = await listUrl(input, { ...storage, recursive: true }).catch((err: unknown) => {
    throw notFound(err, `parquet input ${input} does not exist (no object has this key and no key starts with it)`);
  });
  if (entries.length === 1 && entries[0]!.path === input) return { root: undefined, files: [input] }; // an object itself
  const root = input.replace(/\/+$/, '');
  if (!allowIncomplete) await checkS3Complete(input, root, entries, storage);
  const files = entries.map((e) => e.path).filter((file) => isDataFile(relativeLocation(root, file)));
  if (files.length === 0) {
    throw new ParquetNotFoundError(`parquet input ${input} holds no *.parquet objects (names starting with "_" or "." are ignored)`);
  }
  return { root, files: files.sort() };
}

/**
 * An S3 glob: lists the prefix before the first wildcard, then keeps each object that matches, or
 * that lies below a folder that matches (with the folder rules of a directory input).
 */
async function resolveS3Glob(input: string, storage: StorageOptions | undefined, allowIncomplete: boolean): Promise<{ root: string; files: string[] }> {
  const match = /^(s3a?:\/\/[^/]+)\/(.*)$/i.exec(input);
  if (match === null) throw new ParquetNotFoundError(`parquet input pattern ${input}: wildcards are allowed in the key, not in the bucket name`);
  const segments = match[2]!.split('/').filter((s) => s !== '');
  const firstWild = segments.findIndex(isGlob);
  const root = [match[1]!, ...segments.slice(0, firstWild)].join('/');
  const pattern = segments.slice(firstWild);
  const entries = await listUrl(root, { ...storage, recursive: true }).catch((err: unknown) => {
    if (err instanceof StorageError && err.code === 'STORAGE_NOT_FOUND') return [];
    throw err;
  });
  if (!allowIncomplete) await checkS3Complete(input, root, entries, storage);
  const files: string[] = [];
  for (const entry of entries) {
    const parts = (relativeLocation(root, entry.path) ?? '').split('/');
    if (matchSegments(pattern, parts, true)) {
      files.push(entry.path);
      continue;
    }
    for (let k = parts.length - 1; k >= 1; k--) {
      if (matchSegments(pattern, parts.slice(0, k), false) && isDataFile(parts.slice(k).join('/'))) {
        files.push(entry.path);
        break;
      }
    }
  }
  if (files.length === 0) throw noMatch(input);
  return { root, files: files.sort() };
}

/** Refuses an S3 prefix whose listing holds its `_dataflow_writing` mark (see checkLocalComplete). */
const readUrl = (location: string, storage: StorageOptions | undefined): Promise<Uint8Array> => storageFor(location, storage).readAll(location);

async function checkS3Complete(input: string, root: string, entries: ReadonlyArray<{ path: string }>, storage: StorageOptions | undefined): Promise<void> {
  const marker = joinLocation(root, WRITING_MARKER);
  if (!entries.some((e) => e.path === marker)) return;
  const writer = parseWriter(await readUrl(marker, storage).catch(() => new Uint8Array(0)));
  throw incomplete(input, root, writer, entries.some((e) => e.path === joinLocation(root, '_SUCCESS')));
}

/** A `*.parquet` file whose relative path has no `_` or `.` segment (undefined: the input itself). */
function isDataFile(relative: string | undefined): boolean {
  if (relative === undefined) return true;
  const parts = relative.split('/');
  return parts.every((p) => !p.startsWith('_') && !p.startsWith('.')) && relative.endsWith('.parquet');
}

function noMatch(pattern: string): ParquetNotFoundError {
  return new ParquetNotFoundError(
    `parquet input pattern ${pattern} matched no files (names starting with "_" or "." are ignored; a matched folder contributes its *.parquet files)`,
  );
}

/** A missing location as ParquetNotFoundError; other storage failures (no bucket, access denied) as they are. */
function notFound(err: unknown, message: string): unknown {
  if (err instanceof StorageError && err.code === 'STORAGE_NOT_FOUND') return new ParquetNotFoundError(message, { cause: err });
  return err;
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

async function isDirectory(input: string): Promise<boolean> {
  try {
    return (await stat(input)).isDirectory();
  } catch {
    return false;
  }
}

async function listPlain(root: string): Promise<string[]> {
  let info;
  try {
    info = await stat(root);
  } catch (err) {
    throw new ParquetNotFoundError(`parquet input ${root} does not exist`, { cause: err });
  }
  if (info.isFile()) return [root];
  const files: string[] = [];
  await collect(root, files);
  if (files.length === 0) {
    throw new ParquetNotFoundError(
      `parquet input ${root} is a directory without any *.parquet files (names starting with "_" or "." are ignored)`,
    );
  }
  return files.sort();
}

async function collect(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    if (entry.name.startsWith('_') || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await collect(full, out);
    else if (entry.isFile() && entry.name.endsWith('.parquet')) out.push(full);
  }
}
