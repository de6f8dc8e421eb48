// Serving metrics over HTTP: `metricsHandler(registry)` answers GET /metrics (to mount on any
// node:http server, e.g. the driver's UI), and `serveHttp` starts the small servers of the master's
// page and an executor's /metrics, refusing a port in use with an error that names the option.
//
// Off loopback every request must carry the UI token (see ui-token.ts): a scrape or a browser
// anywhere must not read a cluster's state without the cluster secret's say-so.

import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvalidInputError } from '../errors.ts';
import { METRICS_CONTENT_TYPE } from './registry.ts';
import type { MetricsRegistry } from './registry.ts';
import { TOKEN_COOKIE, isLoopbackHost, requestHasToken } from './ui-token.ts';

export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** Answers a request for /metrics with the registry rendered in the Prometheus text format. */
export function metricsHandler(registry: MetricsRegistry): HttpHandler {
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, `${req.method} is not allowed on /metrics; use GET\n`);
    registry.render().then(
      (text) => {
        res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => sendText(res, 500, `metrics could not be collected: ${error instanceof Error ? error.message : String(error)}\n`),
    );
  };
}

export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) { res.destroy(); return; }
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(text);
}

export interface ServeOptions {
  host: string;
  /** 0: any free port. */
  port: number;
  /** The option that chose the port (`--ui-port`), named when it is in use. */
  option: string;
  /**
   * When `port` is in use, try the next ports up to this many in all, then any free port (for a
   * default port, as Spark's UI does); 1 (default): a port in use is an error.
   */
  tries?: number;
  /** Paths (no query) to handlers; anything else is a 404. */
  routes: Record<string, HttpHandler>;
  /** Required from every request when `host` is not a loopback address (the UI token). */
  token?: string;
}

export interface HttpEndpoint {
  readonly host: string;
  readonly port: number;
  /** Why the port is not the one asked for (the asked one was in use), for the log. */
  readonly moved?: string;
  /** `http://host:port`, with a loopback host for a wildcard address. */
  readonly url: string;
  close(): Promise<void>;
}

/** Starts an HTTP server for `routes` on host:port (see ServeOptions). */
export async function serveHttp(options: ServeOptions): Promise<HttpEndpoint> {
  const guarded = !isLoopbackHost(options.host);
  if (guarded && !options.token) {
    throw new InvalidInputError(`${options.option}: serving on ${options.host}, beyond loopback, needs the cluster secret to guard it; give one (--secret-file or $DATAFLOW_SECRET) or bind to 127.0.0.1`);
  }
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (guarded && !requestHasToken(req, options.token!)) {
      return sendText(res, 401, 'this endpoint needs the UI token derived from the cluster secret: send "Authorization: Bearer TOKEN" (or basic auth with TOKEN as the password, or ?token=TOKEN); the process logged where to find it\n',
        { 'www-authenticate': 'Basic realm="dataflow"' });
    }
    // a browser that opened ?token= keeps it in a cookie for the links it follows next
    if (guarded && (req.url ?? '').includes('token=')) res.setHeader('set-cookie', `${TOKEN_COOKIE}=${encodeURIComponent(options.token!)}; HttpOnly; SameSite=Strict; Path=/`);
    const handler = options.routes[path];
    if (!handler) return sendText(res, 404, `no page at ${path}; try ${Object.keys(options.routes).join(' or ')}\n`);
    try {
      handler(req, res);
    } catch (error) {
      sendText(res, 500, `${path} failed: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  });
  server.keepAliveTimeout = 5_000;
  const tries = Math.max(1, options.tries ?? 1);
  let moved: string | undefined;
  for (let i = 0; ; i++) {
    const port = options.port === 0 ? 0 : i < tries ? options.port + i : 0;
    try {
      await listenOn(server, options.host, port);
      if (port !== options.port) moved = `port ${options.port} was in use (${options.option}); serving on ${(server.address() as AddressInfo).port} instead`;
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' && tries > 1 && port !== 0) continue;
      if (code === 'EADDRINUSE') throw new InvalidInputError(`${options.option} ${options.port}: the port is in use on ${options.host}; give another one (0 picks a free port)`);
      if (code === 'EADDRNOTAVAIL') throw new InvalidInputError(`${options.option}: ${options.host} is not an address of this machine; give one it has (e.g. 127.0.0.1 or 0.0.0.0)`);
      if (code === 'EACCES') throw new InvalidInputError(`${options.option} ${options.port}: not allowed to listen on that port (ports below 1024 need privileges); give one above 1023`);
      throw error;
    }
  }
  const address = server.address() as AddressInfo;
  const shownHost = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address;
  return {
    host: address.address, port: address.port, moved,
    url: `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${address.port}`,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

function listenOn(server: http.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => { server.off('listening', onListening); reject(error); };
    const onListening = (): void => { server.off('error', onError); resolve(); };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}
