// The web UI's HTTP server (node:http): the JSON API over the status model (routes in
// engine/events/status.ts), the page routes (all engine/ui/static/index.html, which renders from
// the API) and /static/*. One server for the live UI in the driver and for `dataflow history`: only
// the StatusSource differs. Bound to loopback by default; bound elsewhere it asks every request for
// the UI token derived from the secret, the master's and executors' scheme (metrics/ui-token.ts).
// A request never crashes the process: unknown ids are 404s, a failing source is a 500.

import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StatusQuery, StatusViews } from '../events/fold.ts';
import type { ApplicationSummary } from '../events/status.ts';
import { TOKEN_COOKIE, requestHasToken } from '../metrics/index.ts';

/** The folder of the pages' files (ui-pages' index.html, scripts, styles). */
export const STATIC_DIR = fileURLToPath(new URL('./static/', import.meta.url));

/**
 * Where the server's applications come from: the driver's live status (folded on its monitor thread),
 * or a folder of event logs. Each answers a query with fold.ts's answerQuery.
 */
export interface StatusSource {
  applications(): Promise<ApplicationSummary[]>;
  /** `query` answered for application `appId` ({ answer }), or undefined if there is no such application. */
  query<Q extends StatusQuery>(appId: string, query: Q): Promise<{ answer: StatusViews[Q['view']] } | undefined>;
}

export interface UiServerOptions {
  source: StatusSource;
  /** Interface to bind (default 127.0.0.1). */
  host?: string;
  /** First port tried (0: any free port). */
  port: number;
  /** When the port is in use, how many following ports to try (default 16). */
  portRetries?: number;
  /**
   * Required of every request when given: the UI token derived from the secret (uiToken), as the
   * master's page and /metrics ask it (Authorization: Bearer, basic auth, ?token= or the cookie it sets).
   */
  token?: string;
  staticDir?: string;
  /** Keep the process alive while listening (`dataflow history`); the driver's UI never does. */
  keepAlive?: boolean;
  /** More pages by exact path, behind the same token, e.g. the driver's `/metrics` (metricsHandler). */
  routes?: Record<string, (req: IncomingMessage, res: ServerResponse) => void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.ico': 'image/x-icon', '.map': 'application/json; charset=utf-8', '.txt': 'text/plain; charset=utf-8',
};
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** A host name that only this machine can reach. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith('127.');
}

export class UiServer {
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server, readonly host: string, readonly port: number, readonly triedPorts: number[]) {
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  /**
   * Listens on `options.port`, or the next free one of the `portRetries` after it; `triedPorts`
   * lists those found in use. Fails (naming them) when none is free.
   *
   * @example
   * const ui = await UiServer.start({ source, port: 4040 });
   * ui.url; // 'http://127.0.0.1:4041' when 4040 was taken (ui.triedPorts: [4040])
   */
  static async start(options: UiServerOptions): Promise<UiServer> {
    const host = options.host || '127.0.0.1';
    if (!isLoopback(host) && !options.token) {
      throw new Error(`the UI bound to ${host} needs a token derived from the application secret (it is refused on a non-loopback address without one)`);
    }
    const handler = requestHandler(options);
    const retries = options.port === 0 ? 0 : options.portRetries ?? 16;
    const inUse: number[] = [];
    for (let i = 0; i <= retries; i++) {
      const port = options.port === 0 ? 0 : options.port + i;
      const server = createServer((req, res) => { void handler(req, res); });
      server.keepAliveTimeout = 5_000;
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, host, () => { server.off('error', reject); resolve(); });
        });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE' && i < retries) { inUse.push(port); continue; }
        if (code === 'EADDRINUSE') {
          inUse.push(port);
          throw new Error(`the UI could not listen on ${host}: ports ${inUse[0]}-${inUse[inUse.length - 1]} are all in use (set dataflow.ui.port to a free port, or 0 for any)`);
        }
        throw new Error(`the UI could not listen on ${host}:${port}: ${(error as Error).message}`);
      }
      if (!options.keepAlive) server.unref(); // a driver's UI never keeps its process alive; close() ends it
      return new UiServer(server, host, (server.address() as AddressInfo).port, inUse);
    }
    throw new Error('unreachable');
  }

  /** The address to open, e.g. http://127.0.0.1:4040 (IPv6 hosts bracketed). */
  get url(): string {
    return `http://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
  }

  /** Stops listening and closes every open connection (no handle outlives it). */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}

function requestHandler(options: UiServerOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const staticDir = options.staticDir ?? STATIC_DIR;
  return async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://ui');
      if (options.token !== undefined) {
        if (!requestHasToken(req, options.token)) {
          sendJson(res, 401, { error: 'this UI needs the UI token derived from the application secret: send Authorization: Bearer <token>, or open the address with ?token=<token> (the driver prints it; the master and executors take the same token)' });
          return;
        }
        // a browser that opened ?token= keeps it in a cookie for the pages' own requests
        if (url.searchParams.has('token')) res.setHeader('Set-Cookie', `${TOKEN_COOKIE}=${encodeURIComponent(options.token)}; HttpOnly; SameSite=Strict; Path=/`);
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('Allow', 'GET, HEAD');
        sendJson(res, 405, { error: `${req.method} is not supported; the UI is read-only (GET)` });
        return;
      }
      const extra = options.routes?.[url.pathname];
      if (extra) extra(req, res);
      else await route(url, options.source, staticDir, res);
    } catch (error) {
      if (!res.headersSent) sendJson(res, 500, { error: `the UI could not answer: ${error instanceof Error ? error.message : String(error)}` });
      else res.destroy();
    }
  };
}

async function route(url: URL, source: StatusSource, staticDir: string, res: ServerResponse): Promise<void> {
  const parts = url.pathname.split('/').filter(Boolean).map(decodeSegment);
  if (parts[0] === 'api') {
    if (parts[1] !== 'applications') { sendJson(res, 404, { error: `no API route ${url.pathname}; see /api/applications` }); return; }
    if (parts.length === 2) { sendJson(res, 200, await source.applications()); return; }
    const appId = parts[2]!;
    const noApp = (): void => sendJson(res, 404, { error: `no application ${appId}; /api/applications lists them` });
    if (parts.length === 3) {
      const app = await source.query(appId, { view: 'application' });
      if (app) sendJson(res, 200, app.answer);
      else noApp();
      return;
    }
    const id = Number(parts[4]);
    if (parts.length === 5 && parts[3] === 'jobs') {
      const job = await source.query(appId, { view: 'job', jobId: Number.isInteger(id) ? id : -1 });
      if (!job) noApp();
      else if (job.answer) sendJson(res, 200, job.answer);
      else sendJson(res, 404, { error: `application ${appId} has no job ${parts[4]}` });
      return;
    }
    if (parts.length === 5 && parts[3] === 'stages') {
      const attemptText = url.searchParams.get('attempt');
      const attempt = attemptText === null ? undefined : Number(attemptText);
      const valid = Number.isInteger(id) && (attempt === undefined || Number.isInteger(attempt));
      const stage = await source.query(appId, valid ? { view: 'stage', stageId: id, ...(attempt === undefined ? {} : { attempt }) } : { view: 'stage', stageId: -1 });
      if (!stage) noApp();
      else if (stage.answer) sendJson(res, 200, stage.answer);
      else sendJson(res, 404, { error: `application ${appId} has no stage ${parts[4]}${attemptText === null ? '' : ` attempt ${attemptText}`}` });
      return;
    }
    if (!(await source.query(appId, { view: 'summary' }))) { noApp(); return; }
    sendJson(res, 404, { error: `no API route ${url.pathname}` });
    return;
  }
  if (parts[0] === 'static') { await sendStatic(res, staticDir, parts.slice(1)); return; }
  if (parts.length === 0 || (parts[0] === 'app' && isPage(parts))) {
    if (parts[0] === 'app' && !(await source.query(parts[1]!, { view: 'summary' }))) {
      sendHtml(res, 404, notFoundPage(`No application ${parts[1]}`, 'It is not running here, and no event log of that id was found.'));
      return;
    }
    await sendStatic(res, staticDir, ['index.html']);
    return;
  }
  if (parts.length === 1 && parts[0] === 'favicon.ico') { res.writeHead(204).end(); return; }
  sendHtml(res, 404, notFoundPage('Page not found', `There is no page ${url.pathname}.`));
}

/** /app/:appId, /app/:appId/job/:jobId, /app/:appId/stage/:stageId, /app/:appId/{executors,storage,als}. */
function isPage(parts: string[]): boolean {
  if (parts.length === 2) return true;
  if (parts.length === 3) return ['executors', 'storage', 'als', 'svd'].includes(parts[2]!);
  return parts.length === 4 && ['job', 'stage'].includes(parts[2]!);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

async function sendStatic(res: ServerResponse, staticDir: string, parts: string[]): Promise<void> {
  const path = normalize(join(staticDir, ...parts));
  const root = staticDir.endsWith(sep) ? staticDir : staticDir + sep;
  if (!path.startsWith(root) || parts.some((p) => p === '..')) { sendHtml(res, 404, notFoundPage('Not found', 'No such file.')); return; }
  let body: Buffer;
  try {
    body = await readFile(path);
  } catch {
    sendHtml(res, 404, notFoundPage('Not found', `No file /static/${parts.join('/')}.`));
    return;
  }
  res.writeHead(200, { 'Content-Type': CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream', 'Content-Length': body.length, 'Cache-Control': 'no-cache' });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(body);
}

function sendHtml(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(body);
}

function notFoundPage(title: string, text: string): string {
  const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escape(title)}</title></head>` +
    `<body><h1>${escape(title)}</h1><p>${escape(text)}</p><p><a href="/">All applications</a></p></body></html>\n`;
}

