// TCP endpoints: `listen` accepts authenticated connections (the driver, the standalone master, an
// executor's block server), `connect` dials one. Both start TLS where the settings ask for it and run
// the handshake before handing out a Connection; a peer that fails either is dropped alone.

import net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { formatEndpoint, remoteEndpoint } from './address.ts';
import { Connection } from './connection.ts';
import { ConnectionError } from './connection-errors.ts';
import { heartbeatSettings } from './heartbeat.ts';
import type { HeartbeatOptions } from './heartbeat.ts';
import { InvalidInputError } from '../errors.ts';
import { DEFAULT_HANDSHAKE_TIMEOUT_MS, HandshakeError, clientHandshake, secretBytes, serverHandshake } from './handshake.ts';
import { clientTls, serverTls } from './tls-upgrade.ts';
import type { TlsSettings } from './tls-settings.ts';
import { HandshakeAdmission } from './handshake-admission.ts';
import type { AdmissionLimits } from './handshake-admission.ts';
import { RefusalLog } from './refusal-log.ts';
import { SocketReads } from './socket-reads.ts';
import { tlsModeFor } from './tls-settings.ts';

/** Options shared by both ends of a connection. */
export interface EndpointOptions extends HeartbeatOptions {
  /** Shared secret, identical on every endpoint of a cluster. */
  secret: Buffer | string;
  /** This endpoint's role, announced to peers ('driver', 'executor', 'master', ...). */
  role: string;
  /** Largest frame (header + body bytes) this endpoint accepts. Default 512 MiB. */
  maxFrameBytes?: number;
  /** Extra JSON fields announced in the handshake (the peer sees them as `peerInfo.info`). */
  info?: Record<string, unknown>;
  /** Time a peer has to complete the handshake (and, before it, the TLS handshake). Default 5000 ms. */
  handshakeTimeoutMs?: number;
  /**
   * Encryption: by default TLS keyed by the secret on every connection except over loopback
   * (tls-settings.ts). Both ends of a connection need the same settings.
   */
  tls?: TlsSettings;
}

export interface ListenOptions extends EndpointOptions, AdmissionLimits {
  /** Default '127.0.0.1'; use '0.0.0.0' to accept remote executors. */
  host?: string;
  /** Default 0: the OS picks a free port (read it from `server.port`). */
  port?: number;
  /** Called with each authenticated connection. */
  onConnection: (conn: Connection) => void;
  /** Called when a peer fails the handshake (it has been disconnected already). Default: ignore. */
  onHandshakeError?: (error: HandshakeError, remoteAddress: string) => void;
  /**
   * Where refused peers are reported, at a bounded rate (refusal-log.ts). Default: this process's
   * stderr, each line prefixed with the listener's role and address.
   */
  log?: (line: string) => void;
}

/** A listening endpoint. */
export interface TransportServer {
  readonly host: string;
  readonly port: number;
  /** Authenticated connections that are currently open. */
  readonly connections: ReadonlySet<Connection>;
  /** Stops accepting, closes every open connection (and half-done handshake), resolves when all are closed. */
  close(): Promise<void>;
}

export interface ConnectOptions extends EndpointOptions {
  host: string;
  port: number;
  /** Time allowed for the TCP connection itself. Default 10000 ms. */
  timeoutMs?: number;
}

/**
 * Starts listening for dataflow peers.
 *
 * @example
 * const server = await listen({ secret, role: 'driver', onConnection: (conn) => registerExecutor(conn) });
 * console.log(`executors connect to 127.0.0.1:${server.port}`);
 * await server.close();
 */
export async function listen(options: ListenOptions): Promise<TransportServer> {
  checkEndpointOptions(options);
  const heartbeat = heartbeatSettings(options);
  const host = options.host ?? '127.0.0.1';
  const secret = secretBytes(options.secret);
  const handshakeTimeoutMs = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  const sockets = new Set<Socket>();
  const connections = new Set<Connection>();
  let closing = false;
  let port = options.port ?? 0;
  const log = options.log ?? ((line: string) => process.stderr.write(`dataflow ${options.role} on ${formatEndpoint(host, port)}: ${line}\n`));
  const refusals = new RefusalLog(log);
  // TLS and the authentication handshake each have handshakeTimeoutMs and tell the peer why they
  // give up; this deadline is the backstop for both together.
  const admission = new HandshakeAdmission(options, 2 * handshakeTimeoutMs, refusals);

  const accept = async (socket: Socket): Promise<void> => {
    const address = remoteEndpoint(socket);
    let handshake;
    let secured: Socket;
    try {
      const upgraded = await serverTls(socket, { tls: options.tls, secret, timeoutMs: handshakeTimeoutMs });
      secured = upgraded.socket;
      if (secured !== socket) {
        sockets.add(secured);
        secured.once('close', () => sockets.delete(secured));
      }
      handshake = await serverHandshake(secured, {
        secret: options.secret,
        role: options.role,
        maxFrameBytes: options.maxFrameBytes,
        info: options.info,
        timeoutMs: options.handshakeTimeoutMs,
        channelBinding: upgraded.channelBinding,
      });
    } catch (err) {
      admission.settle(socket);
      if (err instanceof HandshakeError && !closing) {
        if (!admission.closedByLimit(socket)) refusals.refused(err.code, address, err.message);
        options.onHandshakeError?.(err, address);
      }
      return;
    }
    admission.settle(socket);
    if (closing) {
      secured.destroy();
      return;
    }
    const conn = new Connection(secured, {
      peer: handshake.peer,
      decoder: handshake.decoder,
      heartbeatIntervalMs: heartbeat?.intervalMs,
      heartbeatTimeoutMs: heartbeat?.timeoutMs,
    });
    connections.add(conn);
    conn.onClose(() => connections.delete(conn));
    try {
      options.onConnection(conn);
    } catch (err) {
      void conn.close(`onConnection handler threw: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  const server = net.createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.on('error', () => {}); // reported through the handshake or the Connection
    socket.once('close', () => sockets.delete(socket));
    if (closing) {
      socket.destroy();
      return;
    }
    admission.admit(socket);
    accept(socket).catch((err: unknown) => {
      // Never let one bad peer take the server down.
      socket.destroy();
      process.emitWarning(`dataflow transport: dropping connection from ${remoteEndpoint(socket)}: ${String(err)}`);
    });
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const hint = err.code === 'EADDRINUSE' ? ' (the port is taken; pick another one or pass port 0)' : '';
      reject(
        new ConnectionError('LISTEN_FAILED', `cannot listen on ${formatEndpoint(host, options.port ?? 0)}: ${err.code ?? err.message}${hint}`, {
          cause: err,
        }),
      );
    };
    server.once('error', onError);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (err) => process.emitWarning(`dataflow transport server on ${host}: ${String(err)}`));
  port = (server.address() as AddressInfo).port;

  const close = async (): Promise<void> => {
    closing = true;
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    const reason = `transport server on ${formatEndpoint(host, port)} closed`;
    for (const conn of [...connections]) void conn.close(reason);
    admission.closeAll();
    refusals.flush();
    const socketsClosed = [...sockets].map((socket) => {
      const closed = new Promise<void>((resolve) => (socket.closed ? resolve() : socket.once('close', () => resolve())));
      socket.destroy();
      return closed;
    });
    await Promise.all([stopped, ...socketsClosed]);
  };

  return { host, port, connections, close };
}

/**
 * Connects to a dataflow endpoint and authenticates. Rejects with ConnectionError (CONNECT_FAILED)
 * when the endpoint cannot be reached and HandshakeError when the handshake fails.
 *
 * @example
 * const conn = await connect({ host: '127.0.0.1', port: 7077, secret, role: 'executor' });
 * const reply = await conn.request({ header: { type: 'register', cores: 4 } });
 */
export async function connect(options: ConnectOptions): Promise<Connection> {
  checkEndpointOptions(options);
  const heartbeat = heartbeatSettings(options);
  const endpoint = formatEndpoint(options.host, options.port);
  const timeoutMs = options.timeoutMs ?? 10_000;
  // In clear text, reads land in the frame bodies they belong to (socket-reads.ts); a TLS socket
  // wraps this one and reads it itself.
  const reads = tlsModeFor(options.tls, options.host) === 'off' ? new SocketReads() : undefined;
  const socket = net.connect({ host: options.host, port: options.port, noDelay: true, ...(reads ? { onread: reads.onread } : {}) });
  reads?.register(socket);
  socket.on('error', () => {}); // reported through the handshake or the Connection

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new ConnectionError(
          'CONNECT_FAILED',
          `cannot connect to dataflow endpoint ${endpoint}: no answer within ${timeoutMs} ms ` +
            `(is the host reachable, or is a firewall dropping packets?)`,
        ),
      );
    }, timeoutMs);
    const onError = (err: NodeJS.ErrnoException): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(
        new ConnectionError('CONNECT_FAILED', `cannot connect to dataflow endpoint ${endpoint}: ${err.code ?? err.message}${connectHint(err.code)}`, {
          cause: err,
        }),
      );
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      resolve();
    });
  });

  const upgraded = await clientTls(socket, {
    tls: options.tls,
    secret: secretBytes(options.secret),
    timeoutMs: options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
    host: options.host,
  });
  const handshake = await clientHandshake(upgraded.socket, {
    secret: options.secret,
    role: options.role,
    maxFrameBytes: options.maxFrameBytes,
    info: options.info,
    timeoutMs: options.handshakeTimeoutMs,
    channelBinding: upgraded.channelBinding,
  });
  return new Connection(upgraded.socket, {
    peer: handshake.peer,
    decoder: handshake.decoder,
    heartbeatIntervalMs: heartbeat?.intervalMs,
    heartbeatTimeoutMs: heartbeat?.timeoutMs,
  });
}

function connectHint(code: string | undefined): string {
  switch (code) {
    case 'ECONNREFUSED':
      return ' (nothing is listening there; start the master/driver first or check the port)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return ' (the host name does not resolve; check the spelling)';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ETIMEDOUT':
      return ' (the host is unreachable from here; check the network and firewall)';
    default:
      return '';
  }
}

function checkEndpointOptions(options: EndpointOptions): void {
  secretBytes(options.secret);
  if (typeof options.role !== 'string' || options.role.length === 0) {
    throw new InvalidInputError(`transport role must be a non-empty string such as 'driver' or 'executor', got ${JSON.stringify(options.role)}`);
  }
  const max = options.maxFrameBytes;
  if (max !== undefined && (!Number.isSafeInteger(max) || max < 1024 || max > 0xffff_ffff)) {
    throw new InvalidInputError(`maxFrameBytes must be an integer between 1024 and 4294967295 bytes, got ${max}`);
  }
}
