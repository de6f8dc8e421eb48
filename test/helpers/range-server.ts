// A plain web server for the storage tests, on 127.0.0.1 and a free port: serves whatever bytes the
// test's lookup returns for a path (GET and HEAD), honouring one `Range: bytes=a-b` unless told not to.

import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What to serve at a path: its bytes, and whether Range is honoured (default true); undefined is a 404. */
export type Served = { data: Uint8Array; ranges?: boolean } | undefined;

export interface RangeServer {
  /** e.g. http://127.0.0.1:41235 (no trailing slash). */
  base: string;
  close(): Promise<void>;
}

/**
 * @example
 * const web = await startRangeServer((path) => path === '/a.parquet' ? { data: bytes } : undefined);
 * await session.readParquet(`${web.base}/a.parquet`);
 */
export async function startRangeServer(lookup: (path: string) => Served | Promise<Served>): Promise<RangeServer> {
  const server = http.createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    void Promise.resolve(lookup(path)).catch(() => undefined).then((served) => {
      if (served === undefined) {
        res.writeHead(404);
        res.end('not found');
        return;
      }
      const { data, ranges = true } = served;
      const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
      if (!ranges || m === null) {
        res.writeHead(200, { 'content-length': data.length });
        res.end(req.method === 'HEAD' ? undefined : data);
        return;
      }
      const start = Number(m[1]);
      const end = Math.min(Number(m[2]), data.length - 1);
      res.writeHead(206, { 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${data.length}`, 'accept-ranges': 'bytes' });
      res.end(req.method === 'HEAD' ? undefined : data.subarray(start, end + 1));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
