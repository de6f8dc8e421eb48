// Limits on a listener's connections that have not finished the handshake: at most so many overall
// and from one remote address, the oldest closed first when a new one comes, each closed at the
// handshake deadline. Idle or hostile peers then hold a bounded number of file descriptors, and
// authenticated peers (never counted here, never closed by it) always find room.

import type { Socket } from 'node:net';
import { InvalidInputError } from '../errors.ts';
import { remoteEndpoint } from './address.ts';
import type { RefusalLog } from './refusal-log.ts';

/** Default cap on unauthenticated connections of one listener. */
export const DEFAULT_MAX_UNAUTHENTICATED = 64;
/** Default cap on unauthenticated connections of one listener from one remote address. */
export const DEFAULT_MAX_UNAUTHENTICATED_PER_ADDRESS = 32;

export interface AdmissionLimits {
  /** Connections still in the handshake (TLS and authentication) at once; more close the oldest. Default 64. */
  maxUnauthenticated?: number;
  /** The same from one remote address (IP). Default 32. */
  maxUnauthenticatedPerAddress?: number;
}

interface Pending { socket: Socket; host: string; address: string; timer: NodeJS.Timeout }

/**
 * The unauthenticated sockets of one listener, oldest first.
 *
 * @example
 * const admission = new HandshakeAdmission({ maxUnauthenticated: 64 }, 5_000, refusals);
 * server.on('connection', (socket) => admission.admit(socket));   // may close older pending sockets
 * // handshake done (either way):
 * admission.settle(socket);
 */
export class HandshakeAdmission {
  private readonly max: number;
  private readonly maxPerAddress: number;
  /** Insertion order is age order. */
  private readonly pending = new Map<Socket, Pending>();
  private readonly byHost = new Map<string, Set<Socket>>();
  /** Sockets this class closed (already logged: their failed handshake is not reported again). */
  private readonly closedHere = new WeakSet<Socket>();

  constructor(limits: AdmissionLimits, private readonly deadlineMs: number, private readonly refusals: RefusalLog) {
    this.max = checkLimit(limits.maxUnauthenticated, DEFAULT_MAX_UNAUTHENTICATED, 'maxUnauthenticated');
    this.maxPerAddress = checkLimit(limits.maxUnauthenticatedPerAddress, DEFAULT_MAX_UNAUTHENTICATED_PER_ADDRESS, 'maxUnauthenticatedPerAddress');
  }

  /** Unauthenticated connections now. */
  get size(): number {
    return this.pending.size;
  }

  /** A new connection: makes room for it (closing the oldest pending ones over a cap) and starts its deadline. */
  admit(socket: Socket): void {
    const host = socket.remoteAddress ?? 'unknown-host';
    const address = remoteEndpoint(socket);
    const fromHost = this.byHost.get(host);
    if (fromHost && fromHost.size >= this.maxPerAddress) {
      const oldest = fromHost.values().next().value as Socket;
      this.close(oldest, 'UNAUTHENTICATED_LIMIT',
        `closed before authenticating: ${this.maxPerAddress} connections from ${host} were in the handshake ` +
          `(maxUnauthenticatedPerAddress) and this one the longest`);
    }
    if (this.pending.size >= this.max) {
      const oldest = this.pending.keys().next().value as Socket;
      this.close(oldest, 'UNAUTHENTICATED_LIMIT',
        `closed before authenticating: ${this.max} connections were in the handshake (maxUnauthenticated) and this one the longest`);
    }
    const timer = setTimeout(() => this.close(socket, 'HANDSHAKE_TIMEOUT', `closed: no handshake within ${this.deadlineMs} ms`), this.deadlineMs);
    timer.unref();
    this.pending.set(socket, { socket, host, address, timer });
    let set = this.byHost.get(host);
    if (!set) this.byHost.set(host, (set = new Set()));
    set.add(socket);
    socket.once('close', () => this.settle(socket));
  }

  /** The handshake ended (authenticated, failed, or the socket closed): it no longer counts. */
  settle(socket: Socket): void {
    const entry = this.pending.get(socket);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.pending.delete(socket);
    const set = this.byHost.get(entry.host);
    set?.delete(socket);
    if (set?.size === 0) this.byHost.delete(entry.host);
  }

  /** True if this class closed the socket (a cap or the deadline), which it has logged already. */
  closedByLimit(socket: Socket): boolean {
    return this.closedHere.has(socket);
  }

  /** Closes every pending connection (the listener closes). */
  closeAll(): void {
    for (const socket of [...this.pending.keys()]) {
      this.settle(socket);
      socket.destroy();
    }
  }

  private close(socket: Socket, kind: string, why: string): void {
    const entry = this.pending.get(socket);
    if (!entry) return;
    this.settle(socket);
    this.closedHere.add(socket);
    this.refusals.refused(kind, entry.address, why);
    socket.destroy();
  }
}

function checkLimit(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new InvalidInputError(`${name} must be a positive integer (connections still in the handshake), got ${value}`);
  }
  return value;
}
