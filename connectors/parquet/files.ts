// Resolves a Parquet input path to the list of data files it stands for: the file itself, or every
// `*.parquet` file under a directory (recursively, sorted), skipping Hadoop/Spark bookkeeping such
// as `_SUCCESS`, `_temporary/` and hidden `.crc` files (any name starting with `_` or `.`).

import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { ParquetNotFoundError } from './errors.ts';

/**
 * Lists the data files of a Parquet input, as absolute paths in a stable (sorted) order.
 *
 * @example
 * // /data/out/{_SUCCESS, part-00000.parquet, part-00001.parquet, _temporary/...}
 * await listParquetFiles('/data/out'); // ['/data/out/part-00000.parquet', '/data/out/part-00001.parquet']
 */
export async function listParquetFiles(input: string): Promise<string[]> {
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
