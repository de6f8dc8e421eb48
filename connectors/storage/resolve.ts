// Picks the storage backend for a location by its scheme, and offers one-call helpers for readers
// that hold a location rather than a backend (e.g. a Parquet row-group reader on an executor):
//
//   storageFor('/data/x.parquet')            -> LocalStorage
//   storageFor('https://host/x.parquet')     -> HttpStorage
//   storageFor('s3://bucket/x.parquet', { endpoint: 'http://127.0.0.1:9000' }) -> S3Storage
//
//   await readRangeFromUrl('s3://bucket/x.parquet', 4, 1 << 20, options)   // bytes [4, 4 + 1 MiB)

import { HttpStorage, type HttpStorageOptions } from './http.ts';
import { LocalStorage } from './local.ts';
import { S3Storage } from './s3.ts';
import type { S3StorageOptions } from './s3-client.ts';
import type { Storage, StorageEntry, StorageStat, WriteSource } from './storage.ts';
import { schemeOf } from './url.ts';

/**
 * Options for every backend in one plain object (it can be shipped to executors with a plan);
 * each backend reads the fields it knows: S3 `endpoint`, `region`, `forcePathStyle`,
 * `credentials`, `partBytes`, `maxAttempts`; HTTP `headers`, `timeoutMs`. Local paths need none.
 */
export type StorageOptions = S3StorageOptions & HttpStorageOptions;

const local = new LocalStorage();

/**
 * The backend that serves `location` (a plain path or a file://, http(s)://, s3:// URL).
 *
 * @example
 * const storage = storageFor('s3://bucket/ratings/', { endpoint: process.env.MY_S3 });
 * const files = await storage.list('s3://bucket/ratings/', { recursive: true });
 */
export function storageFor(location: string, options: StorageOptions = {}): Storage {
  switch (schemeOf(location)) {
    case 'file':
      return local;
    case 'http':
      return new HttpStorage(options);
    case 's3':
      return new S3Storage(options);
  }
}

/**
 * Exactly `length` bytes of `location` from `offset` (STORAGE_SHORT_READ otherwise).
 *
 * @example
 * const groupBytes = await readRangeFromUrl(part.file, group.start, group.end - group.start, part.storage);
 */
export function readRangeFromUrl(location: string, offset: number, length: number, options?: StorageOptions): Promise<Uint8Array> {
  return storageFor(location, options).readRange(location, offset, length);
}

/**
 * The whole of `location`.
 *
 * @example
 * const bytes = await readAllFromUrl('https://example.org/movies.csv');
 */
export function readAllFromUrl(location: string, options?: StorageOptions): Promise<Uint8Array> {
  return storageFor(location, options).readAll(location);
}

/**
 * Size and mtime of `location`.
 *
 * @example
 * const { size } = await statUrl('s3://bucket/ratings.parquet');
 */
export function statUrl(location: string, options?: StorageOptions): Promise<StorageStat> {
  return storageFor(location, options).stat(location);
}

/**
 * The files at or below `location`, sorted (see Storage.list).
 *
 * @example
 * await listUrl('s3://bucket/ratings', { recursive: true }); // [{ path: 's3://bucket/ratings/part-00000.parquet', size: 1834 }, ...]
 */
export function listUrl(location: string, options: StorageOptions & { recursive?: boolean } = {}): Promise<StorageEntry[]> {
  return storageFor(location, options).list(location, { recursive: options.recursive === true });
}

/**
 * Writes `data` to `location` (atomically where the backend allows).
 *
 * @example
 * await writeToUrl('s3://bucket/out/_SUCCESS', new Uint8Array(0));
 */
export function writeToUrl(location: string, data: WriteSource, options?: StorageOptions): Promise<{ bytes: number }> {
  return storageFor(location, options).write(location, data);
}

/**
 * The last `length` bytes of `location` (fewer if it is shorter) and its size: what a Parquet
 * footer reader needs first (the 8-byte trailer, or a generous guess that also holds the footer).
 *
 * @example
 * const { bytes, size } = await readTailFromUrl('s3://bucket/x.parquet', 64 * 1024);
 */
export async function readTailFromUrl(location: string, length: number, options?: StorageOptions): Promise<{ bytes: Uint8Array; size: number }> {
  const storage = storageFor(location, options);
  const { size } = await storage.stat(location);
  const n = Math.min(length, size);
  return { bytes: await storage.readRange(location, size - n, n), size };
}
