// Positioned reads from a text file wherever it lives: a local file through one open handle (as
// fast as before storage backends existed), anything else (s3://, http(s)://) through ranged reads
// of the storage layer, one request per chunk. The CSV reader, the scan planner's header sampling
// and the line counter of error messages all read through this.
//
//   const source = await openByteSource('s3://bucket/ratings.csv');
//   const n = await source.read(buf, 0, 4 << 20, 0);   // up to 4 MiB from byte 0; 0 at end of file
//   await source.close();

import { open } from 'node:fs/promises';
import { readRangeFromUrl, statUrl, type StorageOptions } from '../storage/resolve.ts';
import { localPath, schemeOf } from '../storage/url.ts';

/** A file open for positioned reads. */
export interface ByteSource {
  /** The file's size in bytes. */
  readonly size: number;
  /** Reads up to `length` bytes at `position` into `buf` at `offset`; the count read, 0 at end of file. */
  read(buf: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * Opens `file` (a local path or a file://, http(s)://, s3:// URL) for positioned reads.
 *
 * @example
 * const source = await openByteSource('/data/ratings.csv');
 * try { await source.read(buf, 0, buf.length, 0); } finally { await source.close(); }
 */
export async function openByteSource(file: string, storage?: StorageOptions): Promise<ByteSource> {
  if (schemeOf(file) === 'file') {
    const handle = await open(localPath(file), 'r');
    const { size } = await handle.stat().catch(async (err: unknown) => {
      await handle.close();
      throw err;
    });
    return {
      size,
      read: async (buf, offset, length, position) => (await handle.read(buf, offset, length, position)).bytesRead,
      close: () => handle.close(),
    };
  }
  const { size } = await statUrl(file, storage);
  return {
    size,
    async read(buf, offset, length, position) {
      const n = Math.min(length, size - position);
      if (n <= 0) return 0;
      buf.set(await readRangeFromUrl(file, position, n, storage), offset);
      return n;
    },
    close: async () => undefined,
  };
}
