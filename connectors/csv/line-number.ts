// Line numbers for error messages, computed only when an error is reported: a task knows byte
// offsets, and the line of a byte is 1 + the number of line feeds before it, as an editor counts.
// The bytes before the offset are read in 1 MiB chunks, from any storage backend (byte-source.ts).

import type { StorageOptions } from '../storage/resolve.ts';
import { openByteSource } from './byte-source.ts';

const CHUNK = 1 << 20;

/**
 * The 1-based line of byte `offset` of `file` (a local path or a URL).
 *
 * @example await lineNumberAt('/data/x.csv', 0) // → 1
 */
export async function lineNumberAt(file: string, offset: number, storage?: StorageOptions): Promise<number> {
  const source = await openByteSource(file, storage);
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    let line = 1;
    for (let pos = 0; pos < offset;) {
      const bytesRead = await source.read(buf, 0, Math.min(CHUNK, offset - pos), pos);
      if (bytesRead === 0) break;
      for (let i = buf.indexOf(10, 0); i !== -1 && i < bytesRead; i = buf.indexOf(10, i + 1)) line++;
      pos += bytesRead;
    }
    return line;
  } finally {
    await source.close();
  }
}
