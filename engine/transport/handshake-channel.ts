// The raw-socket side of the handshake: reads one message at a time under a small frame limit and
// an overall deadline, and on failure tells the peer why before closing. Bytes that arrive after the
// last handshake message stay in the decoder, which the Connection takes over.

import type { Socket } from 'node:net';
import { remoteEndpoint } from './address.ts';
import { DEFAULT_MAX_FRAME_BYTES, FrameDecoder, encodeFrame } from './frame.ts';
import type { Message, MessageHeader } from './frame.ts';
import { HandshakeError, RefusalError, asHandshakeError, fail } from './handshake-errors.ts';
import { socketReads } from './socket-reads.ts';

/** Before authentication a peer may only send frames up to this size (header + body). */
export const HANDSHAKE_MAX_FRAME_BYTES = 4096;

/**
 * Reads handshake messages one at a time from a raw socket, with a small frame limit and an overall
 * deadline. Bytes beyond the last message read stay in the decoder for the Connection.
 */
export class HandshakeChannel {
  readonly peerAddress: string;
  private readonly decoder = new FrameDecoder({
    maxFrameBytes: HANDSHAKE_MAX_FRAME_BYTES,
    limitName: 'the limit before authentication',
  });
  private waiter: { resolve: (msg: Message) => void; reject: (err: unknown) => void } | undefined;
  private failure: HandshakeError | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly socket: Socket,
    private readonly timeoutMs: number,
  ) {
    this.peerAddress = remoteEndpoint(socket);
    this.timer = setTimeout(() => this.onTimeout(), timeoutMs);
    const reads = socketReads(socket);
    if (reads) reads.listen(this.onData);
    else socket.on('data', this.onData);
    socket.on('close', this.onClose);
    socket.on('error', this.onError);
    if (socket.destroyed) queueMicrotask(this.onClose);
  }

  send(header: MessageHeader): void {
    let parts: Buffer[];
    try {
      parts = encodeFrame({ header }, HANDSHAKE_MAX_FRAME_BYTES);
    } catch (cause) {
      throw new HandshakeError(
        'HANDSHAKE_FAILED',
        `this endpoint's '${header.type}' message does not fit the handshake: ${(cause as Error).message}; ` +
          `keep the handshake \`info\` fields small (well under ${HANDSHAKE_MAX_FRAME_BYTES} bytes of JSON)`,
        { cause },
      );
    }
    for (const part of parts) this.socket.write(part);
  }

  /** The next message from the peer. */
  next(): Promise<Message> {
    return new Promise<Message>((resolve, reject) => {
      this.waiter = { resolve, reject };
      this.pump();
    });
  }

  /** Success: stop listening, pause the socket, raise the frame limit and hand over the decoder. */
  finish(maxFrameBytes = DEFAULT_MAX_FRAME_BYTES): FrameDecoder {
    this.detach();
    this.socket.pause();
    this.decoder.setLimit(maxFrameBytes);
    return this.decoder;
  }

  /** Failure: tell the peer why (if it can still hear us) and close the socket. */
  abort(error: HandshakeError): void {
    this.detach();
    const socket = this.socket;
    if (socket.destroyed) return;
    socket.pause();
    if (error instanceof RefusalError && socket.writable) {
      const [frame] = encodeFrame({ header: { type: 'refused', reason: error.reasonForPeer, code: error.code } });
      socket.end(frame);
    } else {
      socket.end();
    }
    // A peer that neither reads nor closes must not keep the socket alive.
    const killer = setTimeout(() => socket.destroy(), 1000);
    killer.unref();
    socket.once('close', () => clearTimeout(killer));
  }

  private readonly onData = (chunk: Buffer): void => {
    try {
      this.decoder.write(chunk);
    } catch (err) {
      this.reject(err);
      return;
    }
    this.pump();
  };

  private readonly onClose = (): void => {
    let cause: unknown;
    try {
      this.decoder.end();
    } catch (err) {
      cause = err;
    }
    this.reject(
      new HandshakeError(
        'HANDSHAKE_FAILED',
        `connection to ${this.peerAddress} closed during the handshake` +
          (cause instanceof Error ? ` (${cause.message})` : '') +
          '; the peer may not be a dataflow endpoint or may have refused us',
        { cause },
      ),
    );
  };

  /**
   * Socket errors are reported through 'close' (and by the Connection later). This listener stays
   * attached for the socket's life so a late error (write after the peer reset) never becomes an
   * uncaught exception that takes the process down.
   */
  private readonly onError = (): void => {};

  private onTimeout(): void {
    this.reject(
      fail(
        'HANDSHAKE_TIMEOUT',
        `handshake timeout after ${this.timeoutMs} ms`,
        `handshake with ${this.peerAddress} did not complete within ${this.timeoutMs} ms; ` +
          `the peer is not a dataflow endpoint or is too slow to answer`,
      ),
    );
  }

  /** Hands the next buffered message to the waiter; reports an earlier failure once none is left. */
  private pump(): void {
    if (this.waiter === undefined) return;
    let msg: Message | undefined;
    try {
      msg = this.failure === undefined || this.decoder.pendingBytes > 0 ? this.decoder.read() : undefined;
    } catch (err) {
      this.reject(err);
      return;
    }
    if (msg === undefined) {
      if (this.failure !== undefined) this.reject(this.failure);
      return;
    }
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter.resolve(msg);
  }

  private reject(err: unknown): void {
    if (this.failure === undefined) this.failure = asHandshakeError(err, this.peerAddress);
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(this.failure);
  }

  private detach(): void {
    clearTimeout(this.timer);
    const reads = socketReads(this.socket);
    if (reads) reads.listen(undefined);
    else this.socket.off('data', this.onData);
    this.socket.off('close', this.onClose);
  }
}
