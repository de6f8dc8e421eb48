// The credential of HTTP endpoints bound beyond loopback (the master's page, /metrics): a token
// derived from the cluster secret by HMAC, never the secret itself, because plain HTTP shows it to
// the network and the secret keys the cluster's handshake and TLS. Every process of a cluster
// derives the same token, so one Prometheus `bearer_token` scrapes them all; a browser gives it
// once as `?token=` (like Jupyter's; a cookie then carries it to the other pages) or as the
// password of basic auth.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/** The token that opens the HTTP endpoints of processes holding `secret`. */
export function uiToken(secret: string): string {
  return createHmac('sha256', secret).update('dataflow http ui token v1').digest('hex').slice(0, 40);
}

/** Whether `host` only accepts connections from this machine (127.x, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '::ffff:127.0.0.1';
}

/** The cookie that carries the token after a `?token=` visit. */
export const TOKEN_COOKIE = 'dataflow_ui_token';

/** Whether the request carries `token`: `Authorization: Bearer`, basic auth's password, `?token=`, or the cookie. */
export function requestHasToken(req: IncomingMessage, token: string): boolean {
  const given = tokenOfRequest(req);
  if (given === undefined) return false;
  // compared as digests of equal length, in constant time
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(token));
}

function tokenOfRequest(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  if (auth?.startsWith('Basic ')) {
    const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
    return decoded.slice(decoded.indexOf(':') + 1);
  }
  const query = (req.url ?? '').split('?')[1];
  const fromQuery = query ? new URLSearchParams(query).get('token') : null;
  if (fromQuery !== null) return fromQuery;
  const cookie = /(?:^|;\s*)dataflow_ui_token=([^;]*)/.exec(req.headers.cookie ?? '');
  return cookie ? decodeURIComponent(cookie[1]!) : undefined;
}
