// Client sockets that read into one reused buffer (net's `onread`) instead of a fresh Buffer per
// read ('data' events): on this kind of machine that is several times the throughput, because each
// fresh 64 KiB read buffer costs page faults and garbage collection. Bytes are lent to one sink.

import net from 'node:net';
import type { Socket } from 'node:net';

/**
 * Receives bytes that are only valid until it returns (the buffer is reused for the next read):
 * keep nothing that views them, copy what must outlive the call.
 */
export type BorrowedBytesSink = (bytes: Buffer) => void;

/** Size of the reused read buffer: large reads mean few callbacks per MB. */
const READ_BUFFER_BYTES = 1 << 20;

/** The sink of each socket made here; until a Connection takes over, bytes go out as owned 'data' events. */
const sinks = new WeakMap<Socket, { sink: BorrowedBytesSink | undefined }>();

/**
 * Dials like `net.connect` but reads into one reused buffer. Until `lendReads` names a sink, each
 * read is copied and emitted as a 'data' event, so code written for plain sockets (the handshake)
 * works unchanged. Only for sockets that stay clear text: TLS cannot wrap such a socket.
 *
 * @example
 * const socket = connectReusingBuffer({ host: '127.0.0.1', port: 7077, noDelay: true });
 */
export function connectReusingBuffer(options: { host: string; port: number; noDelay: boolean }): Socket {
  const state: { sink: BorrowedBytesSink | undefined } = { sink: undefined };
  const socket: Socket = net.connect({
    ...options,
    onread: {
      buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES),
      callback: (nread: number, buffer: Uint8Array): boolean => {
        const bytes = (buffer as Buffer).subarray(0, nread);
        if (state.sink !== undefined) state.sink(bytes);
        else socket.emit('data', Buffer.from(bytes));
        return true;
      },
    },
  });
  sinks.set(socket, state);
  return socket;
}

/**
 * Sends every later read of a socket made by connectReusingBuffer to `sink` (borrowed bytes, no
 * 'data' events). Returns false, and changes nothing, for any other socket: read it with 'data'.
 */
export function lendReads(socket: Socket, sink: BorrowedBytesSink): boolean {
  const state = sinks.get(socket);
  if (state === undefined) return false;
  state.sink = sink;
  return true;
}
