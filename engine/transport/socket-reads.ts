// How a clear-text TCP socket that this process dials is read: with node:net's `onread`, each read
// lands in the body of the frame being received (a block fetch's megabytes, copied by the kernel
// straight into the buffer the reducer decodes) or, between bodies, in one reused buffer; not in a
// fresh 64 KiB Buffer per read that 'data' events cost and the frame decoder then copies again.

import type { Socket } from 'node:net';
import type { OnReadOpts } from 'node:net';
import type { FrameDecoder } from './frame.ts';

/**
 * The reused buffer reads land in when no body is being received: prefixes, headers, small frames.
 * One per thread, shared by all its sockets: each read is consumed (decoded, or its undecoded tail
 * copied) by its callback, which libuv runs right after that read and before any other, so a
 * thread with a thousand peer connections holds 64 KiB for them, not 64 MiB.
 */
const scratch = Buffer.allocUnsafe(64 * 1024);
/** A body with less than this left to receive is read through the scratch buffer (and copied). */
const DIRECT_MIN_BYTES = 16 * 1024;

/** Receives the bytes of a socket read through SocketReads while it is attached to a decoder. */
export interface DecoderSink {
  /** Bytes were added to the decoder (written, or read into its body): decode what is complete. */
  received(): void;
  /** The decoder refused the bytes (a malformed frame). */
  failed(error: unknown): void;
}

/**
 * The `onread` reader of one socket. Before a Connection takes the socket over (the handshake),
 * it hands each read to a listener as a Buffer of its own, like a 'data' event; once attached to
 * the Connection's decoder it reads into that decoder's body whenever one is being received.
 *
 * @example
 * const reads = new SocketReads();
 * const socket = net.connect({ host, port, onread: reads.onread });
 * reads.register(socket); // HandshakeChannel and Connection find it with socketReads(socket)
 */
export class SocketReads {
  private decoder: FrameDecoder | undefined;
  private sink: DecoderSink | undefined;
  private listener: ((chunk: Buffer) => void) | undefined;
  /** Bytes read while nobody listened (none are expected: the socket is paused between owners). */
  private early: Buffer[] = [];
  private stopped = false;

  /** The `onread` option to create the socket with. */
  readonly onread: OnReadOpts = {
    buffer: (): Uint8Array => this.decoder?.bodyTarget(DIRECT_MIN_BYTES) ?? scratch,
    callback: (n: number, buf: Uint8Array): boolean => {
      this.deliver(n, buf);
      return true;
    },
  };

  /** Makes this reader the one socketReads(socket) finds. */
  register(socket: Socket): void {
    readers.set(socket, this);
  }

  /** Hands every read to `listener` (a copy of the bytes), or stops doing so when undefined. */
  listen(listener: ((chunk: Buffer) => void) | undefined): void {
    this.listener = listener;
    if (listener) this.flushEarly((chunk) => listener(chunk));
  }

  /** From now on reads go to `decoder` (into its bodies where possible), and `sink` decodes them. */
  attach(decoder: FrameDecoder, sink: DecoderSink): void {
    this.listener = undefined;
    this.decoder = decoder;
    this.sink = sink;
    this.flushEarly((chunk) => {
      try {
        decoder.write(chunk);
      } catch (error) {
        sink.failed(error);
        return;
      }
      sink.received();
    });
  }

  /** The connection is closed: bytes still read (until the peer's FIN) are dropped, not decoded. */
  stop(): void {
    this.stopped = true;
    this.decoder = undefined;
    this.sink = undefined;
    this.listener = undefined;
    this.early = [];
  }

  private deliver(n: number, buf: Uint8Array): void {
    if (this.stopped) return;
    const decoder = this.decoder;
    const sink = this.sink;
    if (decoder !== undefined && sink !== undefined) {
      try {
        if (buf === scratch) decoder.write(scratch.subarray(0, n));
        else decoder.advanceBody(buf, n);
      } catch (error) {
        sink.failed(error);
        return;
      }
      try {
        sink.received();
      } finally {
        // What the sink left undecoded may be a view of the scratch buffer, which the next read overwrites.
        decoder.retainPending();
      }
      return;
    }
    const copy = Buffer.from(buf.subarray(0, n));
    if (this.listener) this.listener(copy);
    else this.early.push(copy);
  }

  private flushEarly(consume: (chunk: Buffer) => void): void {
    const early = this.early;
    this.early = [];
    for (const chunk of early) consume(chunk);
  }
}

const readers = new WeakMap<Socket, SocketReads>();

/** The `onread` reader a socket was created with, if any (otherwise it is read through 'data' events). */
export function socketReads(socket: Socket): SocketReads | undefined {
  return readers.get(socket);
}
