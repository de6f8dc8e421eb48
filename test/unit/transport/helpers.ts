// Shared test plumbing for the transport tests: tracks every server, connection and raw socket a
// test opens so afterEach can close them, plus raw-socket helpers for playing a misbehaving peer.

import net from 'node:net';
import type { Socket } from 'node:net';
import { FrameDecoder, encodeFrame } from '../../../engine/transport/frame.ts';
import type { Message, MessageHeader } from '../../../engine/transport/frame.ts';
import type { Connection } from '../../../engine/transport/connection.ts';
import type { TransportServer } from '../../../engine/transport/tcp.ts';

export const SECRET = 'correct horse battery staple';

/** Everything a test opened; `closeAll` shuts it down and waits until the sockets are gone. */
export class Opened {
  private readonly closers: (() => Promise<void>)[] = [];

  server(server: TransportServer): TransportServer {
    this.closers.push(() => server.close());
    return server;
  }

  conn(conn: Connection): Connection {
    this.closers.push(() => conn.close('test finished'));
    return conn;
  }

  socket(socket: Socket): Socket {
    this.closers.push(
      () =>
        new Promise<void>((resolve) => {
          if (socket.closed) return resolve();
          socket.once('close', () => resolve());
          socket.destroy();
        }),
    );
    return socket;
  }

  netServer(server: net.Server): net.Server {
    this.closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return server;
  }

  async closeAll(): Promise<void> {
    const closers = this.closers.splice(0).reverse();
    for (const close of closers) await close();
  }
}

/** Opens a plain TCP socket (no handshake). */
export function rawConnect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Starts a plain TCP server on 127.0.0.1 that hands each socket to `onSocket`. */
export async function rawServer(onSocket: (socket: Socket) => void, opened: Opened): Promise<{ port: number }> {
  const sockets = new Set<Socket>();
  const server = net.createServer((socket) => {
    sockets.add(opened.socket(socket));
    socket.on('error', () => {});
    onSocket(socket);
  });
  opened.netServer(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { port: (server.address() as net.AddressInfo).port };
}

/** Writes one frame to a raw socket. */
export function writeFrame(socket: Socket, header: MessageHeader, body?: Uint8Array): void {
  for (const part of encodeFrame(body === undefined ? { header } : { header, body })) socket.write(part);
}

/**
 * Reads frames from a raw socket: `next()` resolves with the next message, `closed` resolves when
 * the socket closes (with every message received before it).
 */
export function frameReader(socket: Socket): { next(): Promise<Message>; closed: Promise<Message[]> } {
  const decoder = new FrameDecoder();
  const received: Message[] = [];
  let cursor = 0;
  let wake: (() => void) | undefined;
  let ended = false;
  socket.on('data', (chunk: Buffer) => {
    received.push(...decoder.push(chunk));
    wake?.();
  });
  const closed = new Promise<Message[]>((resolve) =>
    socket.once('close', () => {
      ended = true;
      wake?.();
      resolve(received);
    }),
  );
  const next = async (): Promise<Message> => {
    while (cursor >= received.length) {
      if (ended) throw new Error('socket closed before the expected frame arrived');
      await new Promise<void>((resolve) => (wake = resolve));
    }
    return received[cursor++] as Message;
  };
  return { next, closed };
}

/** Resolves when no TCP socket or server handle is left open in this process (polls up to 2 s). */
export async function openTcpHandles(): Promise<string[]> {
  const tcp = (): string[] => process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP'));
  for (let i = 0; i < 100 && tcp().length > 0; i++) await new Promise((r) => setTimeout(r, 20));
  return tcp();
}

/** A promise and its resolver, for waiting on callbacks. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
