// Resolves a CSV input (a file, a directory, or a list of them) to its data files with their sizes.
// In a directory every regular file is data, recursively, in sorted order, except names starting
// with `_` or `.` (Hadoop/Spark bookkeeping such as _SUCCESS, .crc files), as Spark does.

import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { CsvNotFoundError } from './errors.ts';

export interface CsvFile { file: string; size: number }

/**
 * @example
 * await listCsvFiles(['/data/a.csv', '/data/more']); // [{ file: '/data/a.csv', size: 120 }, { file: '/data/more/b.csv', size: 80 }]
 */
export async function listCsvFiles(input: string | readonly string[]): Promise<CsvFile[]> {
  const inputs = typeof input === 'string' ? [input] : [...input];
  if (inputs.length === 0) throw new CsvNotFoundError('no CSV input given: pass a file, a directory, or a non-empty list of them');
  const out: CsvFile[] = [];
  for (const item of inputs) {
    const root = path.resolve(item);
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

async function collect(dir: string, out: CsvFile[]): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('_') || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await collect(full, out);
    else if (entry.isFile()) out.push({ file: full, size: (await stat(full)).size });
  }
}
