// Length-prefixed frames: how one message (a small JSON header plus an optional binary body, usually
// Arrow IPC) travels over a byte stream, and the incremental decoder that cuts a TCP stream back into
// messages without ever copying a body more than once.

import { DataflowError } from '../errors.ts';

/** The JSON half of a message. `type` says what the message is; other fields are free-form JSON. */
export interface MessageHeader {
  type: string;
  [field: string]: unknown;
}

/** One unit of communication: a header and, for bulk data (Arrow IPC, bundles), a binary body. */
export interface Message {
  header: MessageHeader;
  body?: Uint8Array;
  /**
   * Sending only, instead of `body`: the body as pieces written in order, never concatenated (a
   * block server answers with slices of the map outputs it holds). The receiver sees one `body`.
   */
  bodyParts?: readonly Uint8Array[];
}

/** Bytes of the length prefix: u32 header length + u32 body length, both big-endian. */
export const FRAME_PREFIX_BYTES = 8;

/** Default largest frame (header + body bytes) a peer accepts: 512 MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 512 * 1024 * 1024;

/** The u32 length fields cannot describe more than this. */
const U32_MAX = 0xffff_ffff;

/** A frame is malformed, too large, or cut short. The message names expected and actual byte counts. */
export class FrameError extends DataflowError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('FRAME_ERROR', message, options);
  }
}

/*
 * Wire layout of one frame, for `{ header: { type: 'fetchBlock', shuffle: 3 }, body: <5 bytes> }`:
 *
 *   00 00 00 1e | 00 00 00 05 | {"type":"fetchBlock","shuffle":3} | 01 02 03 04 05
 *   header len    body len      header: UTF-8 JSON (30 bytes)        body bytes as-is
 *
 * An empty body and no body look the same on the wire; the decoder yields no `body` for both.
 */

/**
 * Encodes a message as frame pieces to write in order: the prefix+header buffer, then the body
 * itself (not copied; a Uint8Array is wrapped as a Buffer view over the same memory).
 * `maxFrameBytes`, when given, is the receiver's limit; a larger frame throws a FrameError here
 * rather than being dropped by the peer.
 *
 * @example
 * const parts = encodeFrame({ header: { type: 'block', id: 7 }, body: arrowBytes });
 * socket.cork(); for (const p of parts) socket.write(p); socket.uncork();
 */
export function encodeFrame(msg: Message, maxFrameBytes?: number): Buffer[] {
  let json: string;
  try {
    json = JSON.stringify(msg.header);
  } catch (cause) {
    throw new FrameError(
      `header of message '${String(msg.header.type)}' is not JSON-serializable (${errorText(cause)}); ` +
        `put binary data in the body and keep header fields to plain JSON values`,
      { cause },
    );
  }
  const headerLength = Buffer.byteLength(json, 'utf8');
  const pieces = msg.bodyParts ?? (msg.body === undefined ? [] : [msg.body]);
  let bodyLength = 0;
  for (const piece of pieces) bodyLength += piece.byteLength;
  const limit = Math.min(maxFrameBytes ?? U32_MAX, U32_MAX);
  if (headerLength + bodyLength > limit) {
    throw new FrameError(
      `message '${msg.header.type}' needs ${headerLength + bodyLength} frame bytes ` +
        `(${headerLength} header + ${bodyLength} body), above the ${limit}-byte limit ` +
        `(transport.maxFrameBytes of the receiver); split the data into smaller messages ` +
        `or raise maxFrameBytes on both endpoints`,
    );
  }
  const head = Buffer.allocUnsafe(FRAME_PREFIX_BYTES + headerLength);
  head.writeUInt32BE(headerLength, 0);
  head.writeUInt32BE(bodyLength, 4);
  head.write(json, FRAME_PREFIX_BYTES, 'utf8');
  const parts: Buffer[] = [head];
  for (const piece of pieces) if (piece.byteLength > 0) parts.push(asBuffer(piece));
  return parts;
}

/** Total bytes `encodeFrame` would produce for these pieces. */
export function frameByteLength(parts: readonly Buffer[]): number {
  let total = 0;
  for (const p of parts) total += p.byteLength;
  return total;
}

/** Options of a FrameDecoder. */
export interface FrameDecoderOptions {
  /** Largest header + body a frame may declare; larger frames are refused before any body is read. */
  maxFrameBytes?: number;
  /** Names the limit in error messages, e.g. 'transport.maxFrameBytes'. */
  limitName?: string;
}

/**
 * Cuts a byte stream into messages. Bytes may arrive in any chunking: one frame split over many
 * chunks, or many frames in one chunk.
 *
 * Memory model: unread input is kept as a list of chunks (never concatenated as a whole). Once a
 * frame's prefix and header are known, its body is allocated once at full size and incoming bytes
 * are copied straight into it, so a 300 MB body costs one allocation and one copy, and the chunks
 * it came in are released as soon as they are copied. A reader that can choose where the stream's
 * next bytes land (socket-reads.ts) reads them straight into the body (bodyTarget/advanceBody): no
 * copy at all.
 *
 * Bodies under 4 KiB may be views into Node's shared buffer pool: read them through
 * byteOffset/byteLength (as Arrow's IPC reader does), never through `body.buffer` alone.
 *
 * After a FrameError the decoder is broken for good (the stream position is lost); close the
 * connection.
 *
 * @example
 * const decoder = new FrameDecoder({ maxFrameBytes: 64 << 20 });
 * socket.on('data', (chunk) => { for (const msg of decoder.push(chunk)) handle(msg); });
 * socket.on('end', () => decoder.end()); // throws FrameError if a frame was cut short
 */
export class FrameDecoder {
  private maxBytes: number;
  private limitName: string;
  /** Unread input, oldest first. */
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Lengths from the current frame's prefix; -1 while the prefix is still incomplete. */
  private headerLength = -1;
  private bodyLength = -1;
  private header: MessageHeader | undefined;
  private body: Buffer | undefined;
  private bodyFilled = 0;
  private failure: FrameError | undefined;

  constructor(options: FrameDecoderOptions = {}) {
    this.maxBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.limitName = options.limitName ?? 'transport.maxFrameBytes';
  }

  /** The current limit on header + body bytes of one frame. */
  get maxFrameBytes(): number {
    return this.maxBytes;
  }

  /**
   * Changes the frame limit for frames whose prefix has not been read yet (the handshake reads with
   * a small limit, then raises it once the peer is authenticated).
   */
  setLimit(maxFrameBytes: number, limitName = 'transport.maxFrameBytes'): void {
    this.maxBytes = maxFrameBytes;
    this.limitName = limitName;
  }

  /** Bytes received but not yet part of a completed message. */
  get pendingBytes(): number {
    if (this.headerLength < 0) return this.buffered;
    const decoded = this.header === undefined ? 0 : this.headerLength + this.bodyFilled;
    return FRAME_PREFIX_BYTES + decoded + this.buffered;
  }

  /** Adds bytes and returns every message they complete, in order. Throws FrameError on bad input. */
  push(chunk: Buffer): Message[] {
    this.write(chunk);
    const out: Message[] = [];
    for (let msg = this.read(); msg !== undefined; msg = this.read()) out.push(msg);
    return out;
  }

  /** Adds bytes without decoding them yet; pair with `read()` to take one message at a time. */
  write(chunk: Buffer): void {
    if (this.failure !== undefined) throw this.failure;
    if (chunk.byteLength === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.byteLength;
  }

  /**
   * Where the next read of the stream may land directly: the unfilled rest of the body being
   * received, if at least `minBytes` of it remain and no earlier input waits to be copied into it;
   * undefined otherwise. After a read into it, call `advanceBody` with the bytes read.
   *
   * @example
   * const target = decoder.bodyTarget(16 << 10) ?? scratch; // then the socket reads into `target`
   */
  bodyTarget(minBytes: number): Buffer | undefined {
    const body = this.body;
    if (body === undefined || this.buffered > 0 || this.failure !== undefined) return undefined;
    return this.bodyLength - this.bodyFilled >= minBytes ? body.subarray(this.bodyFilled) : undefined;
  }

  /** Counts `n` bytes the stream wrote into `target`, a region bodyTarget gave; read() then yields the message once its body is full. */
  advanceBody(target: Uint8Array, n: number): void {
    if (this.failure !== undefined) throw this.failure;
    const body = this.body;
    if (body === undefined || target.buffer !== body.buffer || target.byteOffset !== body.byteOffset + this.bodyFilled || n > this.bodyLength - this.bodyFilled) {
      throw new FrameError(`${n} bytes were read into a buffer that is not the rest of the body being received (a reader used a stale bodyTarget)`);
    }
    this.bodyFilled += n;
  }

  /**
   * Copies input not yet decoded into memory of the decoder's own: call it before reusing a buffer
   * whose bytes were passed to `write` as a view.
   */
  retainPending(): void {
    if (this.chunks.length === 0) return;
    const copy = Buffer.concat(this.chunks, this.buffered);
    this.chunks = [copy];
  }

  /** Decodes the next complete message, or returns undefined if more bytes are needed. */
  read(): Message | undefined {
    if (this.failure !== undefined) throw this.failure;
    try {
      return this.readFrame();
    } catch (err) {
      this.failure = err instanceof FrameError ? err : new FrameError(errorText(err), { cause: err });
      this.chunks = [];
      this.buffered = 0;
      this.body = undefined;
      throw this.failure;
    }
  }

  /** Call when the stream ends: throws a FrameError if a frame was only partly received. */
  end(): void {
    if (this.failure !== undefined) return;
    if (this.headerLength < 0) {
      if (this.buffered > 0) {
        throw new FrameError(
          `connection closed with ${this.buffered} of ${FRAME_PREFIX_BYTES} frame prefix bytes received ` +
            `(the peer stopped in the middle of a frame)`,
        );
      }
      return;
    }
    const total = FRAME_PREFIX_BYTES + this.headerLength + this.bodyLength;
    throw new FrameError(
      `connection closed with ${this.pendingBytes} of ${total} frame bytes received ` +
        `(the peer stopped in the middle of a frame)`,
    );
  }

  private readFrame(): Message | undefined {
    if (this.headerLength < 0) {
      if (this.buffered < FRAME_PREFIX_BYTES) return undefined;
      const prefix = this.take(FRAME_PREFIX_BYTES);
      const headerLength = prefix.readUInt32BE(0);
      const bodyLength = prefix.readUInt32BE(4);
      this.checkLengths(headerLength, bodyLength);
      this.headerLength = headerLength;
      this.bodyLength = bodyLength;
    }
    if (this.header === undefined) {
      if (this.buffered < this.headerLength) return undefined;
      this.header = parseHeader(this.take(this.headerLength));
      if (this.bodyLength > 0) {
        this.body = Buffer.allocUnsafe(this.bodyLength);
        this.bodyFilled = 0;
      }
    }
    if (this.body !== undefined) {
      this.bodyFilled += this.takeInto(this.body, this.bodyFilled);
      if (this.bodyFilled < this.bodyLength) return undefined;
    }
    const msg: Message = this.body === undefined ? { header: this.header } : { header: this.header, body: this.body };
    this.headerLength = -1;
    this.bodyLength = -1;
    this.header = undefined;
    this.body = undefined;
    this.bodyFilled = 0;
    return msg;
  }

  private checkLengths(headerLength: number, bodyLength: number): void {
    const limit = this.maxBytes;
    const where = `the ${limit}-byte limit (${this.limitName})`;
    if (bodyLength > limit) {
      throw new FrameError(
        `frame header declares ${bodyLength} body bytes, above ${where}; ` +
          `the peer sent too large a message or is not speaking the dataflow protocol`,
      );
    }
    if (headerLength + bodyLength > limit) {
      throw new FrameError(
        `frame declares ${headerLength} header bytes + ${bodyLength} body bytes = ` +
          `${headerLength + bodyLength} bytes, above ${where}`,
      );
    }
  }

  /** Removes exactly n buffered bytes (n <= buffered); zero-copy when they lie in one chunk. */
  private take(n: number): Buffer {
    const first = this.chunks[0];
    if (first !== undefined && first.byteLength >= n) {
      this.consumeFront(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    this.takeInto(out, 0, n);
    return out;
  }

  /** Copies up to `limit` buffered bytes into target[offset..]; returns how many were copied. */
  private takeInto(target: Buffer, offset: number, limit = target.byteLength - offset): number {
    let copied = 0;
    while (copied < limit && this.chunks.length > 0) {
      const chunk = this.chunks[0] as Buffer;
      const n = Math.min(chunk.byteLength, limit - copied);
      chunk.copy(target, offset + copied, 0, n);
      copied += n;
      this.consumeFront(n);
    }
    return copied;
  }

  private consumeFront(n: number): void {
    const first = this.chunks[0] as Buffer;
    if (n === first.byteLength) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.buffered -= n;
  }
}

function parseHeader(bytes: Buffer): MessageHeader {
  const text = bytes.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new FrameError(
      `frame header is not valid JSON (${bytes.byteLength} bytes, starting ${quote(text)}): ${errorText(cause)}`,
      { cause },
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FrameError(`frame header must be a JSON object with a string 'type', got ${quote(text)}`);
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || type.length === 0) {
    throw new FrameError(
      `frame header has no string 'type' field (got ${type === undefined ? 'none' : JSON.stringify(type)}) ` +
        `in ${quote(text)}`,
    );
  }
  return value as MessageHeader;
}

/** A Buffer view over the same memory as `bytes` (no copy). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}...` : text);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
