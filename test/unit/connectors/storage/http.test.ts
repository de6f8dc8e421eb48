import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpStorage, contentRange } from '../../../../connectors/storage/http.ts';
import type { StorageError } from '../../../../connectors/storage/errors.ts';

const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (e: unknown) => e as StorageError);
const FILE = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff);
const MODIFIED = 'Wed, 21 Oct 2026 07:28:00 GMT';

/**
 * One local server, several behaviours by path:
 *   /data.bin      honours Range (206 + Content-Range; 416 past the end)
 *   /noranges.bin  ignores Range, always 200 with the whole file
 *   /nohead.bin    refuses HEAD (405), honours Range on GET
 *   /secret.bin    403 unless `Authorization: Bearer t`
 *   /boom.bin      500; anything else 404
 */
function handle(req: http.IncomingMessage, res: http.ServerResponse, seen: http.IncomingHttpHeaders[]): void {
  seen.push(req.headers);
  const url = req.url ?? '';
  const body = (data: Uint8Array, status = 200, extra: http.OutgoingHttpHeaders = {}): void => {
    res.writeHead(status, { 'content-length': data.length, 'last-modified': MODIFIED, ...extra });
    res.end(req.method === 'HEAD' ? undefined : data);
  };
  const ranged = (): void => {
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (m === null) return body(FILE, 200, { 'accept-ranges': 'bytes' });
    const start = Number(m[1]);
    const end = Math.min(Number(m[2]), FILE.length - 1);
    if (start >= FILE.length) {
      res.writeHead(416, { 'content-range': `bytes */${FILE.length}` });
      res.end();
      return;
    }
    body(FILE.subarray(start, end + 1), 206, { 'content-range': `bytes ${start}-${end}/${FILE.length}` });
  };
  if (url === '/data.bin') return ranged();
  if (url === '/noranges.bin') return body(FILE);
  if (url === '/nohead.bin') {
    if (req.method === 'HEAD') {
      res.writeHead(405);
      res.end();
      return;
    }
    return ranged();
  }
  if (url === '/secret.bin') {
    if (req.headers.authorization === 'Bearer t') return ranged();
    res.writeHead(403);
    res.end('forbidden');
    return;
  }
  res.writeHead(url === '/boom.bin' ? 500 : 404);
  res.end(url === '/boom.bin' ? 'internal error' : 'not found');
}

let server: http.Server;
let base = '';
const seen: http.IncomingHttpHeaders[] = [];
const web = new HttpStorage();

beforeAll(async () => {
  server = http.createServer((req, res) => handle(req, res, seen));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('HttpStorage with a server that honours ranges', () => {
  it('stats with HEAD (Content-Length, Last-Modified) and asks for identity encoding', async () => {
    seen.length = 0;
    expect(await web.stat(`${base}/data.bin`)).toEqual({ size: 1000, mtime: new Date(MODIFIED) });
    expect(seen[0]!['accept-encoding']).toBe('identity');
    expect(await web.exists(`${base}/data.bin`)).toBe(true);
    expect(await web.exists(`${base}/absent.bin`)).toBe(false);
  });

  it('falls back to a bytes=0-0 GET when HEAD is refused, reading the size from Content-Range', async () => {
    seen.length = 0;
    expect((await web.stat(`${base}/nohead.bin`)).size).toBe(1000);
    expect(seen.map((h) => h.range)).toEqual([undefined, 'bytes=0-0']);
  });

  it('reads exact byte ranges with Range: bytes=a-b, and the whole file', async () => {
    seen.length = 0;
    expect(await web.readRange(`${base}/data.bin`, 100, 50)).toEqual(FILE.subarray(100, 150));
    expect(seen[0]!.range).toBe('bytes=100-149');
    expect(await web.readRange(`${base}/data.bin`, 992, 8)).toEqual(FILE.subarray(992));
    expect(await web.readRange(`${base}/data.bin`, 10, 0)).toEqual(new Uint8Array(0));
    expect(await web.readAll(`${base}/data.bin`)).toEqual(FILE);
  });

  it('a range past the end is a short read stating expected and actual bytes', async () => {
    const partial = await failure(web.readRange(`${base}/data.bin`, 990, 20));
    expect(partial.code).toBe('STORAGE_SHORT_READ');
    expect(partial.message).toContain(`${base}/data.bin: expected 20 bytes at offset 990 but got 10 (the file is 1000 bytes long)`);
    const beyond = await failure(web.readRange(`${base}/data.bin`, 5000, 4));
    expect(beyond.code).toBe('STORAGE_SHORT_READ');
    expect(beyond.message).toContain('expected 4 bytes at offset 5000 but got 0 (the file is 1000 bytes long), the server answered 416');
  });

  it('lists a file URL as itself; a folder cannot be listed over HTTP', async () => {
    expect(await web.list(`${base}/data.bin`)).toEqual([{ path: `${base}/data.bin`, size: 1000 }]);
    const folder = await failure(web.list(`${base}/dir/`));
    expect(folder.code).toBe('STORAGE_UNSUPPORTED');
    expect(folder.message).toContain(`cannot list ${base}/dir/: listing a folder is not possible over plain HTTP`);
    const missing = await failure(web.list(`${base}/dir`));
    expect(missing.code).toBe('STORAGE_UNSUPPORTED');
    expect(missing.message).toContain('there is no file at this URL');
    expect(missing.message).toContain('HTTP 404');
  });

  it('is read-only: write, rename and delete fail saying so', async () => {
    for (const attempt of [() => web.write(`${base}/x.bin`), () => web.rename(`${base}/data.bin`), () => web.delete(`${base}/data.bin`)]) {
      const err = await failure(attempt());
      expect(err.code).toBe('STORAGE_UNSUPPORTED');
      expect(err.message).toMatch(/HTTP storage is read-only; write to a local path or an s3:\/\/ URL/);
    }
  });
});

describe('HttpStorage with a server that ignores ranges', () => {
  it('refuses a partial read with a clear error instead of downloading the file', async () => {
    const err = await failure(web.readRange(`${base}/noranges.bin`, 10, 10));
    expect(err.code).toBe('STORAGE_RANGE_UNSUPPORTED');
    expect(err.message).toMatch(new RegExp(`^${base}/noranges.bin does not support range requests \\(got 200 for bytes=10-19\\)`));
  });

  it('still serves whole-file reads, a range that is the whole file, and stat', async () => {
    expect(await web.readAll(`${base}/noranges.bin`)).toEqual(FILE);
    expect(await web.readRange(`${base}/noranges.bin`, 0, 1000)).toEqual(FILE);
    expect((await web.stat(`${base}/noranges.bin`)).size).toBe(1000);
  });
});

describe('HttpStorage error answers', () => {
  it('404 is not found, naming the URL and the status', async () => {
    const err = await failure(web.readRange(`${base}/missing.bin`, 0, 4));
    expect(err.code).toBe('STORAGE_NOT_FOUND');
    expect(err.message).toBe(`${base}/missing.bin does not exist (HTTP 404 Not Found for GET bytes=0-3)`);
    expect((await failure(web.stat(`${base}/missing.bin`))).code).toBe('STORAGE_NOT_FOUND');
    expect((await failure(web.readAll(`${base}/missing.bin`))).code).toBe('STORAGE_NOT_FOUND');
  });

  it('500 is a retryable I/O error', async () => {
    const err = await failure(web.readAll(`${base}/boom.bin`));
    expect(err.code).toBe('STORAGE_IO');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain(`${base}/boom.bin: the server failed (HTTP 500 Internal Server Error for GET)`);
  });

  it('403 is access denied; the headers option carries credentials', async () => {
    const err = await failure(web.readRange(`${base}/secret.bin`, 0, 4));
    expect(err.code).toBe('STORAGE_ACCESS_DENIED');
    expect(err.message).toContain('headers option');
    const authorized = new HttpStorage({ headers: { Authorization: 'Bearer t' } });
    expect(await authorized.readRange(`${base}/secret.bin`, 4, 4)).toEqual(FILE.subarray(4, 8));
  });

  it('a server that cannot be reached is a retryable I/O error naming the cause', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const err = await failure(web.stat(`http://127.0.0.1:${port}/x.bin`));
    expect(err.code).toBe('STORAGE_IO');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('rejects negative offsets and lengths', async () => {
    expect((await failure(web.readRange(`${base}/data.bin`, -1, 4))).code).toBe('STORAGE_BAD_REQUEST');
    expect((await failure(web.readRange(`${base}/data.bin`, 0, 1.5))).code).toBe('STORAGE_BAD_REQUEST');
  });
});

describe('contentRange', () => {
  it('parses a satisfied range and an unsatisfied one', () => {
    expect(contentRange('bytes 1000-1999/52311')).toEqual({ start: 1000, size: 52311 });
    expect(contentRange('bytes */52311')).toEqual({ size: 52311 });
    expect(contentRange('bytes 0-9/*')).toEqual({ start: 0 });
    expect(contentRange(null)).toBeUndefined();
    expect(contentRange('items 0-9/10')).toBeUndefined();
  });
});
