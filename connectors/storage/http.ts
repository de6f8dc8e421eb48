// The HTTP(S) backend: read-only access to files served by any web server, through Node's global
// fetch (undici). Byte ranges use HTTP range requests, the way Parquet readers fetch a footer or a
// row group without downloading the file:
//
//   GET /ratings.parquet   Range: bytes=1000-1999   ->  206 Partial Content
//                                                        Content-Range: bytes 1000-1999/52311
//
// A server that ignores `Range` answers 200 with the whole file; we stop reading and fail clearly
// rather than downloading gigabytes to keep a slice. stat() asks HEAD for Content-Length, falling
// back to a one-byte range GET whose Content-Range carries the total size. Bodies are requested
// with `Accept-Encoding: identity`, so sizes and offsets refer to the file's own bytes.
// Plain HTTP cannot list a folder: list() of a file URL returns that file, anything else is an error.

import { checkRange, shortRead } from './bytes.ts';
import { StorageError, reasonOf, existsByStat } from './errors.ts';
import type { Storage, StorageEntry, StorageStat } from './storage.ts';

/** Options of the HTTP backend (plain data, so it can travel to executors). */
export interface HttpStorageOptions {
  /** Extra request headers, e.g. `{ Authorization: 'Bearer ...' }`. */
  headers?: Record<string, string>;
  /** Time limit of one request including its body, in ms. Default 300,000 (5 minutes). */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 300_000;

/**
 * Read-only files over http:// and https://.
 *
 * @example
 * const web = new HttpStorage();
 * const { size } = await web.stat('https://example.org/ratings.parquet');
 * const tail = await web.readRange('https://example.org/ratings.parquet', size - 8, 8);
 */
export class HttpStorage implements Storage {
  readonly scheme = 'http' as const;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;

  constructor(options: HttpStorageOptions = {}) {
    this.headers = { ...options.headers };
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async stat(url: string): Promise<StorageStat> {
    const head = await this.request(url, 'HEAD');
    if (head.ok) {
      const length = head.headers.get('content-length');
      if (length !== null && /^\d+$/.test(length)) return withMtime({ size: Number(length) }, head);
    } else if (head.status !== 405 && head.status !== 501) {
      throw statusError(head, url, 'HEAD');
    }
    // HEAD is not allowed or carries no length: ask for one byte; Content-Range has the total.
    const res = await this.request(url, 'GET', 'bytes=0-0');
    const total = contentRange(res.headers.get('content-range'))?.size;
    if ((res.status === 206 || res.status === 416) && total !== undefined) {
      await discard(res);
      return withMtime({ size: total }, res);
    }
    if (res.status === 200) {
      // No range support: the whole file is coming. Its Content-Length is the size; without one, count the bytes.
      const length = res.headers.get('content-length');
      if (length !== null && /^\d+$/.test(length)) {
        await discard(res);
        return withMtime({ size: Number(length) }, res);
      }
      return withMtime({ size: (await bodyBytes(res, url)).length }, res);
    }
    await discard(res);
    throw statusError(res, url, 'GET bytes=0-0');
  }

  exists(url: string): Promise<boolean> {
    return existsByStat(() => this.stat(url));
  }

  async list(url: string): Promise<StorageEntry[]> {
    const cannot = `cannot list ${url}: listing a folder is not possible over plain HTTP`;
    const fix = 'pass the URLs of the files themselves, or copy the data to a local folder or s3://';
    if (url.endsWith('/')) throw new StorageError('STORAGE_UNSUPPORTED', url, `${cannot}; ${fix}`);
    try {
      return [{ path: url, size: (await this.stat(url)).size }];
    } catch (err) {
      if (err instanceof StorageError && err.code === 'STORAGE_NOT_FOUND') {
        throw new StorageError('STORAGE_UNSUPPORTED', url, `${cannot}, and there is no file at this URL (${err.message}); ${fix}`, { cause: err });
      }
      throw err;
    }
  }

  async readRange(url: string, offset: number, length: number): Promise<Uint8Array> {
    checkRange(url, offset, length);
    if (length === 0) return new Uint8Array(0);
    const range = `bytes=${offset}-${offset + length - 1}`;
    const res = await this.request(url, 'GET', range);
    if (res.status === 206) {
      const got = contentRange(res.headers.get('content-range'));
      const bytes = await bodyBytes(res, url);
      if (got?.start !== undefined && got.start !== offset) {
        throw new StorageError('STORAGE_IO', url, `${url}: asked for ${range} but the server sent ${res.headers.get('content-range')}; the server's range support is broken`);
      }
      if (bytes.length < length) throw shortRead(url, offset, length, bytes.length, got?.size);
      return bytes.length === length ? bytes : bytes.subarray(0, length);
    }
    if (res.status === 200) {
      const total = res.headers.get('content-length');
      if (offset === 0 && total !== null && Number(total) === length) return bodyBytes(res, url); // the range was the whole file
      await discard(res);
      throw new StorageError(
        'STORAGE_RANGE_UNSUPPORTED',
        url,
        `${url} does not support range requests (got 200 for ${range}): the server sent the whole file instead of the part asked for; ` +
          'serve it from a server that honours Range headers (nginx, Apache, S3 and most static servers do), or download it and read the local copy',
      );
    }
    if (res.status === 416) {
      const size = contentRange(res.headers.get('content-range'))?.size;
      await discard(res);
      throw shortRead(url, offset, length, 0, size, 'the server answered 416 Range Not Satisfiable');
    }
    await discard(res);
    throw statusError(res, url, `GET ${range}`);
  }

  async readAll(url: string): Promise<Uint8Array> {
    const res = await this.request(url, 'GET');
    if (res.status !== 200) {
      await discard(res);
      throw statusError(res, url, 'GET');
    }
    const bytes = await bodyBytes(res, url);
    const declared = res.headers.get('content-length');
    if (declared !== null && Number(declared) !== bytes.length) throw shortRead(url, 0, Number(declared), bytes.length);
    return bytes;
  }

  async write(url: string): Promise<{ bytes: number }> {
    throw readOnly(url, 'write');
  }

  async rename(from: string): Promise<void> {
    throw readOnly(from, 'rename');
  }

  async delete(url: string): Promise<void> {
    throw readOnly(url, 'delete');
  }

  private async request(url: string, method: 'GET' | 'HEAD', range?: string): Promise<Response> {
    const headers: Record<string, string> = { 'accept-encoding': 'identity', ...this.headers };
    if (range !== undefined) headers['range'] = range;
    try {
      return await fetch(url, { method, headers, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      throw networkError(err, url, method);
    }
  }
}

/** `bytes 1000-1999/52311` or `bytes *\/52311` (size known, range not) -> start and total size (either may be unknown). */
export function contentRange(header: string | null): { start?: number; size?: number } | undefined {
  const match = header === null ? null : /^bytes\s+(?:(\d+)-\d+|\*)\/(\d+|\*)$/i.exec(header.trim());
  if (match === null) return undefined;
  const result: { start?: number; size?: number } = {};
  if (match[1] !== undefined) result.start = Number(match[1]);
  if (match[2] !== '*') result.size = Number(match[2]);
  return result;
}

async function bodyBytes(res: Response, url: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await res.arrayBuffer());
  } catch (err) {
    throw networkError(err, url, 'reading the response body of GET');
  }
}

async function discard(res: Response): Promise<void> {
  await res.body?.cancel().catch(() => undefined);
}

function withMtime(stat: StorageStat, res: Response): StorageStat {
  const modified = res.headers.get('last-modified');
  const mtime = modified === null ? undefined : new Date(modified);
  if (mtime !== undefined && !Number.isNaN(mtime.getTime())) stat.mtime = mtime;
  return stat;
}

function readOnly(url: string, action: string): StorageError {
  return new StorageError('STORAGE_UNSUPPORTED', url, `cannot ${action} ${url}: HTTP storage is read-only; write to a local path or an s3:// URL`);
}

/** A non-success HTTP status as a StorageError. */
function statusError(res: Response, url: string, request: string): StorageError {
  const status = `HTTP ${res.status}${res.statusText === '' ? '' : ' ' + res.statusText}`;
  if (res.status === 404 || res.status === 410) return new StorageError('STORAGE_NOT_FOUND', url, `${url} does not exist (${status} for ${request})`);
  if (res.status === 401 || res.status === 403) {
    return new StorageError(
      'STORAGE_ACCESS_DENIED',
      url,
      `${url}: access denied (${status} for ${request}); pass credentials with the headers option (e.g. { headers: { Authorization: '...' } }) or use a URL that is publicly readable`,
    );
  }
  const retryable = res.status >= 500 || res.status === 429 || res.status === 408;
  const who = res.status >= 500 ? 'the server failed' : 'the server refused the request';
  return new StorageError('STORAGE_IO', url, `${url}: ${who} (${status} for ${request})${retryable ? '; this may be temporary, retry later' : ''}`, { retryable });
}

/** A failure to get any response (refused connection, DNS, TLS, timeout) as a StorageError. */
function networkError(err: unknown, url: string, action: string): StorageError {
  if (err instanceof StorageError) return err;
  if (err instanceof DOMException && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return new StorageError('STORAGE_IO', url, `${url}: ${action} timed out; raise the timeoutMs option or check the server`, { cause: err, retryable: true });
  }
  const cause = err instanceof Error && err.cause !== undefined ? reasonOf(err.cause) : reasonOf(err);
  return new StorageError('STORAGE_IO', url, `${url}: ${action} failed, the server could not be reached (${cause})`, { cause: err, retryable: true });
}
