// Resolves a Parquet input path to the list of data files it stands for: the file itself, every
// `*.parquet` file under a directory (recursively, sorted), or what a glob matches (glob.ts; a
// matched folder counts as a directory input), skipping Hadoop/Spark bookkeeping such as
// `_SUCCESS`, `_temporary/` and hidden `.crc` files (any name starting with `_` or `.`).

import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { ParquetNotFoundError } from './errors.ts';
import { expandGlob, isGlob } from './glob.ts';

/**
 * Lists the data files of a Parquet input, as absolute paths in a stable (sorted) order.
 *
 * @example
 * // /data/out/{_SUCCESS, part-00000.parquet, part-00001.parquet, _temporary/...}
 * await listParquetFiles('/data/out'); // ['/data/out/part-00000.parquet', '/data/out/part-00001.parquet']
 */
export async function listParquetFiles(input: string): Promise<string[]> {
  return (await resolveParquetInput(input)).files;
}

/**
 * The data files of a Parquet input and the root folder its Hive-style partition folders are found
 * under: the directory itself, the part of a glob before its first wildcard, or none for one file.
 *
 * @example
 * await resolveParquetInput('/data/ratings/year=*' + '/*.parquet');
 * // { root: '/data/ratings', files: ['/data/ratings/year=2023/a.parquet', ...] }
 */
export async function resolveParquetInput(input: string): Promise<{ root: string | undefined; files: string[] }> {
  if (isGlob(input)) {
    const { base, matches } = await expandGlob(input);
    const files = new Set<string>();
    for (const match of matches) {
      const info = await stat(match);
      if (info.isFile()) files.add(match);
      else if (info.isDirectory()) {
        const inner: string[] = [];
        await collect(match, inner);
        for (const f of inner) files.add(f);
      }
    }
    if (files.size === 0) {
      throw new ParquetNotFoundError(
        `parquet input pattern ${path.resolve(input)} matched no files (names starting with "_" or "." are ignored; a matched folder contributes its *.parquet files)`,
      );
    }
    return { root: base, files: [...files].sort() };
  }
  return { root: await isDirectory(input) ? path.resolve(input) : undefined, files: await listPlain(input) };
}

async function isDirectory(input: string): Promise<boolean> {
  try {
    return (await stat(input)).isDirectory();
  } catch {
    return false;
  }
}

async function listPlain(input: string): Promise<string[]> {
  const root = path.resolve(input);
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
