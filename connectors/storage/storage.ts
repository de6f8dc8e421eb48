// The one interface every storage backend implements (local files, HTTP, S3), so connectors read
// and write "a location" without caring where it lives. A location is a plain path or a URL:
//
//   /data/ratings/part-00000.parquet        local (plain path)
//   file:///data/ratings/part-00000.parquet local (file URL)
//   https://host/ratings.parquet            HTTP(S), read-only, byte ranges via `Range:` headers
//   s3://bucket/ratings/part-00000.parquet  S3 (or an S3-compatible server via the endpoint option)
//
// storageFor(location) (resolve.ts) picks the backend by scheme; every method takes full
// locations of that scheme, and list() returns full locations, so results can be passed back in.

/** What stat() knows about a file or object. */
export interface StorageStat {
  /** Size in bytes. */
  size: number;
  /** Last modification time, when the backend reports one. */
  mtime?: Date;
}

/**
 * One entry of a listing: a full location and its size. A non-recursive listing also shows the
 * folders directly below (S3: common prefixes) with `directory: true` and size 0.
 */
export interface StorageEntry {
  path: string;
  size: number;
  directory?: true;
}

/** Bytes to write: one buffer, or chunks produced over time (streamed, never all held at once where the backend allows). */
export type WriteSource = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

export type StorageScheme = 'file' | 'http' | 's3';

/**
 * A storage backend. All methods are async and throw StorageError (errors.ts) naming the location.
 *
 * @example
 * const storage = storageFor('s3://bucket/ratings/');
 * for (const e of await storage.list('s3://bucket/ratings/', { recursive: true })) {
 *   const tail = await storage.readRange(e.path, e.size - 8, 8); // last 8 bytes of each file
 * }
 */
export interface Storage {
  readonly scheme: StorageScheme;
  /** Size (and mtime) of a file; STORAGE_NOT_FOUND if it does not exist. Folders are not files. */
  stat(path: string): Promise<StorageStat>;
  /** Whether a file exists (false for a missing one; other failures still throw). */
  exists(path: string): Promise<boolean>;
  /**
   * The files under a folder / prefix, sorted by path; a location that is a file lists as itself.
   * `recursive` descends into sub-folders (files only); otherwise direct sub-folders are entries with `directory: true`.
   */
  list(path: string, options?: { recursive?: boolean }): Promise<StorageEntry[]>;
  /** Exactly `length` bytes starting at `offset`, or STORAGE_SHORT_READ stating expected vs actual bytes. */
  readRange(path: string, offset: number, length: number): Promise<Uint8Array>;
  /** The whole file. */
  readAll(path: string): Promise<Uint8Array>;
  /**
   * Writes a file, atomically where the backend allows (local: temp file + rename; S3: an object
   * appears only when its PutObject / multipart upload completes). Parent folders are created.
   */
  write(path: string, data: WriteSource): Promise<{ bytes: number }>;
  /** Moves a file (or, locally, a folder); replaces an existing target file. S3: copy then delete. */
  rename(from: string, to: string): Promise<void>;
  /** Deletes a file, or with `recursive` a folder and all below it. Deleting what is absent is not an error. */
  delete(path: string, options?: { recursive?: boolean }): Promise<void>;
}
