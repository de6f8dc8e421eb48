// The local-filesystem backend: plain paths and file:// URLs, through node:fs/promises. Ranges are
// read with positioned reads on a file handle; writes go to a hidden temp file next to the target
// (`.name.tmp-<pid>-<random>`, which dataset readers skip) that is fsynced and renamed into place,
// so a reader never sees a half-written file under the final name.
//
// Entries returned by list() are absolute plain paths, whichever form the input had.

import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { checkRange, chunksOf, shortRead } from './bytes.ts';
import { StorageError, reasonOf } from './errors.ts';
import { localPath } from './url.ts';
import type { Storage, StorageEntry, StorageStat, WriteSource } from './storage.ts';

/**
 * Local files. One instance serves every local path.
 *
 * @example
 * const fs = new LocalStorage();
 * await fs.write('/tmp/out/a.bin', Uint8Array.of(1, 2, 3));
 * await fs.readRange('file:///tmp/out/a.bin', 1, 2); // Uint8Array [2, 3]
 */
export class LocalStorage implements Storage {
  readonly scheme = 'file' as const;

  async stat(location: string): Promise<StorageStat> {
    const file = localPath(location);
    const info = await stat(file).catch((err: unknown) => {
      throw fsError(err, location, 'stat');
    });
    if (!info.isFile()) {
      throw new StorageError('STORAGE_NOT_FOUND', location, `${location} is a directory, not a file; pass a file, or list() the directory`);
    }
    return { size: info.size, mtime: info.mtime };
  }

  async exists(location: string): Promise<boolean> {
    try {
      return (await stat(localPath(location))).isFile();
    } catch (err) {
      if (isMissing(err)) return false;
      throw fsError(err, location, 'stat');
    }
  }

  async list(location: string, options: { recursive?: boolean } = {}): Promise<StorageEntry[]> {
    const root = localPath(location);
    const info = await stat(root).catch((err: unknown) => {
      throw fsError(err, location, 'list');
    });
    if (info.isFile()) return [{ path: root, size: info.size }];
    const out: StorageEntry[] = [];
    try {
      await collect(root, options.recursive === true, out);
    } catch (err) {
      throw fsError(err, location, 'list');
    }
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async readRange(location: string, offset: number, length: number): Promise<Uint8Array> {
    checkRange(location, offset, length);
    const bytes = new Uint8Array(length);
    const handle = await open(localPath(location), 'r').catch((err: unknown) => {
      throw fsError(err, location, 'read');
    });
    try {
      let pos = 0;
      while (pos < length) {
        const { bytesRead } = await handle.read(bytes, pos, length - pos, offset + pos);
        if (bytesRead === 0) throw shortRead(location, offset, length, pos, (await handle.stat()).size);
        pos += bytesRead;
      }
    } catch (err) {
      throw err instanceof StorageError ? err : fsError(err, location, 'read');
    } finally {
      await handle.close();
    }
    return bytes;
  }

  async readAll(location: string): Promise<Uint8Array> {
    const buffer = await readFile(localPath(location)).catch((err: unknown) => {
      throw fsError(err, location, 'read');
    });
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }

  async write(location: string, data: WriteSource): Promise<{ bytes: number }> {
    const target = localPath(location);
    const temp = path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
    let bytes = 0;
    try {
      await mkdir(path.dirname(target), { recursive: true });
      const handle = await open(temp, 'w');
      try {
        for await (const chunk of chunksOf(data)) {
          for (let pos = 0; pos < chunk.length; ) pos += (await handle.write(chunk, pos, chunk.length - pos)).bytesWritten;
          bytes += chunk.length;
        }
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, target);
    } catch (err) {
      await rm(temp, { force: true });
      // A failure of the data source itself (no `syscall`) is rethrown as it is: it explains more.
      throw err instanceof StorageError || (err as NodeJS.ErrnoException).syscall === undefined ? err : fsError(err, location, 'write');
    }
    return { bytes };
  }

  async rename(from: string, to: string): Promise<void> {
    const target = localPath(to);
    try {
      await mkdir(path.dirname(target), { recursive: true });
      await rename(localPath(from), target);
    } catch (err) {
      throw fsError(err, from, `rename to ${to}`);
    }
  }

  async delete(location: string, options: { recursive?: boolean } = {}): Promise<void> {
    const file = localPath(location);
    try {
      const info = await stat(file);
      if (!info.isDirectory()) await unlink(file);
      else if (options.recursive === true) await rm(file, { recursive: true, force: true });
      else await rmdir(file);
    } catch (err) {
      if (isMissing(err)) return;
      if ((err as NodeJS.ErrnoException).code === 'ENOTEMPTY') {
        throw new StorageError('STORAGE_BAD_REQUEST', location, `cannot delete ${location}: it is a non-empty directory; pass { recursive: true } to delete it and everything below`, { cause: err });
      }
      throw fsError(err, location, 'delete');
    }
  }
}

async function collect(dir: string, recursive: boolean, out: StorageEntry[]): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (recursive) await collect(full, true, out);
      else out.push({ path: full, size: 0, directory: true });
    } else if (entry.isFile()) {
      out.push({ path: full, size: (await stat(full)).size });
    }
  }
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** A filesystem error as a StorageError naming the location and the operation. */
function fsError(err: unknown, location: string, action: string): StorageError {
  if (err instanceof StorageError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new StorageError('STORAGE_NOT_FOUND', location, `${location} does not exist (${action}: ${reasonOf(err)})`, { cause: err });
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new StorageError('STORAGE_ACCESS_DENIED', location, `${location}: permission denied (${action}: ${reasonOf(err)}); check the file's owner and mode`, { cause: err });
  }
  if (code === 'EISDIR') {
    return new StorageError('STORAGE_BAD_REQUEST', location, `${location} is a directory, not a file (${action}); pass a file path`, { cause: err });
  }
  return new StorageError('STORAGE_IO', location, `${location}: ${action} failed (${reasonOf(err)})`, { cause: err, retryable: code === 'EMFILE' || code === 'EAGAIN' });
}
