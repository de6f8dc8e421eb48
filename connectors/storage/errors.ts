// Errors raised by the storage backends (local files, HTTP, S3). Each names the URL at fault, what
// went wrong (expected vs actual where it applies), the backend's own cause, and how to fix it.

import { DataflowError } from '../../engine/errors.ts';

/**
 * What kind of storage failure this is; stable, so callers and tests can branch on it.
 *
 * - STORAGE_NOT_FOUND        the file / object does not exist
 * - STORAGE_NO_SUCH_BUCKET   the S3 bucket does not exist
 * - STORAGE_ACCESS_DENIED    the credentials were refused (403, 401, bad key or signature) or are missing
 * - STORAGE_SHORT_READ       a byte range read returned fewer (or more) bytes than asked for
 * - STORAGE_RANGE_UNSUPPORTED an HTTP server answered a range request with the whole file
 * - STORAGE_UNSUPPORTED      the backend cannot do this (write over HTTP, list an HTTP folder, unknown scheme)
 * - STORAGE_BAD_REQUEST      the call itself is wrong (negative offset, malformed URL)
 * - STORAGE_IO               anything else: network failure, 5xx, disk error (see `retryable`)
 */
export type StorageErrorCode =
  | 'STORAGE_NOT_FOUND'
  | 'STORAGE_NO_SUCH_BUCKET'
  | 'STORAGE_ACCESS_DENIED'
  | 'STORAGE_SHORT_READ'
  | 'STORAGE_RANGE_UNSUPPORTED'
  | 'STORAGE_UNSUPPORTED'
  | 'STORAGE_BAD_REQUEST'
  | 'STORAGE_IO';

/**
 * A storage operation failed. `url` is the location at fault; `retryable` is true when the same
 * call may succeed later (network errors, HTTP 5xx, S3 throttling), false when it never will.
 *
 * @example
 * try { await storage.stat('s3://nope/x.parquet'); }
 * catch (e) { if (e instanceof StorageError && e.code === 'STORAGE_NO_SUCH_BUCKET') ... }
 */
export class StorageError extends DataflowError {
  declare readonly code: StorageErrorCode;
  readonly url: string;
  readonly retryable: boolean;
  constructor(code: StorageErrorCode, url: string, message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(code, message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.url = url;
    this.retryable = options?.retryable ?? false;
  }
}

/** `err`'s message, or its string form; for quoting a lower layer's reason inside ours. */
export function reasonOf(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code !== undefined && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}

/** `exists` for backends whose only probe is `stat`: a not-found stat means false, other errors propagate. */
export async function existsByStat(stat: () => Promise<unknown>): Promise<boolean> {
  try {
    await stat();
    return true;
  } catch (err) {
    if (err instanceof StorageError && err.code === 'STORAGE_NOT_FOUND') return false;
    throw err;
  }
}
