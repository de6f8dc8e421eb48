// Resolves a CSV input (a file, a directory, or a list of them) to its data files with their sizes.
// In a directory every regular file is data, recursively, in sorted order, except names starting
// with `_` or `.` (Hadoop/Spark bookkeeping such as _SUCCESS, .crc files), as Spark does.
// Local paths and file:// URLs are walked on disk; an s3:// location is an object or a prefix
// listed recursively; an http(s):// location is one file (plain HTTP cannot list folders).

import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { StorageError } from '../storage/errors.ts';
import { listUrl, type StorageOptions } from '../storage/resolve.ts';
import { canonicalLocation } from '../storage/shipping.ts';
import { isUrl, relativeLocation } from '../storage/url.ts';
import { CsvNotFoundError } from './errors.ts';

export interface CsvFile { file: string; size: number }

/**
 * @example
 * await listCsvFiles(['/data/a.csv', '/data/more']); // [{ file: '/data/a.csv', size: 120 }, { file: '/data/more/b.csv', size: 80 }]
 */
export async function listCsvFiles(input: string | readonly string[], storage?: StorageOptions): Promise<CsvFile[]> {
  const inputs = typeof input === 'string' ? [input] : [...input];
  if (inputs.length === 0) throw new CsvNotFoundError('no CSV input given: pass a file, a directory, or a non-empty list of them');
  const out: CsvFile[] = [];
  for (const item of inputs) {
    const root = canonicalLocation(item);
    if (isUrl(root)) {
      out.push(...(await listRemote(root, storage)));
      continue;
    }
    let info;
    try {
      info = await stat(root);
    } catch (err) {
      throw new CsvNotFoundError(`CSV input ${root} does not exist`, { cause: err });
    }
    if (info.isFile()) { out.push({ file: root, size: info.size }); continue; }
    const found: CsvFile[] = [];
    await collect(root, found);
    if (found.length === 0) {
      throw new CsvNotFoundError(`CSV input ${root} is a directory without data files (names starting with "_" or "." are ignored)`);
    }
    out.push(...found.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0)));
  }
  return out;
}

/** An object / URL itself, or the data objects below a prefix (sorted; `_` and `.` names skipped). */
async function listRemote(root: string, storage: StorageOptions | undefined): Promise<CsvFile[]> {
  let entries;
  try {
    entries = await listUrl(root, { ...storage, recursive: true });
  } catch (err) {
    if (err instanceof StorageError && err.code === 'STORAGE_NOT_FOUND') throw new CsvNotFoundError(`CSV input ${root} does not exist`, { cause: err });
    throw err;
  }
  if (entries.length === 1 && entries[0]!.path === root) return [{ file: root, size: entries[0]!.size }];
  const base = root.replace(/\/+$/, '');
  const found = entries
    .filter((e) => (relativeLocation(base, e.path) ?? '').split('/').every((name) => !name.startsWith('_') && !name.startsWith('.')))
    .map((e) => ({ file: e.path, size: e.size }));
  if (found.length === 0) throw new CsvNotFoundError(`CSV input ${root} holds no data files (names starting with "_" or "." are ignored)`);
  return found.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

async function collect(dir: string, out: CsvFile[]): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('_') || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await collect(full, out);
    else if (entry.isFile()) out.push({ file: full, size: (await stat(full)).size });
  }
}
