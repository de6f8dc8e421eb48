// How endpoints are written in messages and errors: "127.0.0.1:4567", "[::1]:4567". One helper so
// every transport error names the peer the same way.

import type { Socket } from 'node:net';

/**
 * Formats a host and port as one endpoint string, bracketing IPv6 hosts.
 *
 * @example
 * formatEndpoint('127.0.0.1', 4567); // '127.0.0.1:4567'
 * formatEndpoint('::1', 4567);       // '[::1]:4567'
 */
export function formatEndpoint(host: string | undefined, port: number | undefined): string {
  const h = host ?? 'unknown-host';
  const shown = h.includes(':') && !h.startsWith('[') ? `[${h}]` : h;
  return `${shown}:${port ?? '?'}`;
}

/** The remote endpoint of a socket, e.g. '127.0.0.1:53122' (read it before the socket closes). */
export function remoteEndpoint(socket: Socket): string {
  return formatEndpoint(socket.remoteAddress, socket.remotePort);
}
