// An authenticated, framed TCP connection: one-way messages, request/reply RPC matched by
// correlation id, backpressure-aware sends, and optional heartbeats that detect a silent peer.
// Created by listen()/connect() once the handshake has succeeded.

import type { Socket } from 'node:net';
import { remoteEndpoint } from './address.ts';
import { ConnectionError, RemoteError } from './connection-errors.ts';
import { installedFaults, nextFrameFault } from './faults.ts';
import { FrameDecoder, FrameError, encodeFrame } from './frame.ts';
import type { Message } from './frame.ts';
import type { PeerInfo } from './handshake.ts';
import { HeartbeatMonitor, heartbeatSettings } from './heartbeat.ts';
import { socketReads } from './socket-reads.ts';
import type { HeartbeatOptions } from './heartbeat.ts';

/** Why a connection closed. `error` is set when it closed because something went wrong. */
export interface CloseInfo {
  reason: string;
  error?: Error;
}

/** Receives messages that are not replies. May return a promise; see `onMessage`. */
export type MessageHandler = (msg: Message, conn: Connection) => void | Promise<void>;

export interface RequestOptions {
  /** Reject with REQUEST_TIMEOUT if no reply arrives in time. Default: wait until the connection closes. */
  timeoutMs?: number;
}

export interface ConnectionOptions extends HeartbeatOptions {
  /** What the peer announced in the handshake. */
  peer: PeerInfo;
  /** The handshake's decoder (it may already hold bytes the peer sent right after it). */
  decoder?: FrameDecoder;
  /** Receive limit, used only when no decoder is given. Default 512 MiB. */
  maxFrameBytes?: number;
  /** After close(), destroy the socket if the peer has not finished closing within this time. Default 2000. */
  closeTimeoutMs?: number;
}

/*
 * Message kinds the connection handles itself (never delivered to handlers):
 *
 *   { type: 'ping' }                          heartbeat; answered with { type: 'pong' }
 *   { type: 'pong' }                          heartbeat answer
 *   { type: <any>, replyTo: 7 }               reply to our request with rid 7 → resolves request()
 *   { type: 'error', replyTo: 7, message, code } error reply → rejects request() with RemoteError
 *
 * So 'ping' and 'pong' are reserved for one-way messages; replies may use any type.
 * A request is any message carrying `rid`; the receiver answers it with conn.reply(msg, ...).
 */
const PING = encodeFrame({ header: { type: 'ping' } });
const PONG = encodeFrame({ header: { type: 'pong' } });

interface PendingRequest {
  type: string;
  resolve: (reply: Message) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

/**
 * One authenticated connection to a peer.
 *
 * @example
 * conn.onMessage(async (msg, c) => {
 *   if (msg.header.type === 'fetchBlock') await c.reply(msg, { header: { type: 'block' }, body: bytes });
 * });
 * const reply = await other.request({ header: { type: 'fetchBlock', shuffle: 3, map: 0, reduce: 5 } });
 */
export class Connection {
  /** The peer's endpoint, e.g. '127.0.0.1:4567'. */
  readonly remoteAddress: string;
  /** The role and fields the peer announced in the handshake. */
  readonly peerInfo: PeerInfo;

  private readonly socket: Socket;
  private readonly decoder: FrameDecoder;
  private readonly closeTimeoutMs: number;
  private nextRid = 1;
  private readonly pending = new Map<number, PendingRequest>();
  private readonly handlers: MessageHandler[] = [];
  private readonly closeHandlers: ((info: CloseInfo) => void)[] = [];
  /** Messages that arrived before any handler was registered, or while earlier ones wait to be delivered. */
  private readonly undelivered: Message[] = [];
  private flushScheduled = false;
  private drainWaiters: { resolve: () => void; reject: (err: Error) => void }[] = [];
  private heartbeat: HeartbeatMonitor | undefined;
  private socketError: Error | undefined;
  private closeInfo: CloseInfo | undefined;
  private readonly socketClosed: Promise<void>;
  private markSocketClosed!: () => void;
  /** With chaos delays: outgoing frames wait on this chain, so a delayed frame is never overtaken. */
  private delayChain: Promise<void> = Promise.resolve();
  private delayedUntil = 0;

  constructor(socket: Socket, options: ConnectionOptions) {
    this.socket = socket;
    this.remoteAddress = remoteEndpoint(socket);
    this.peerInfo = options.peer;
    this.decoder = options.decoder ?? new FrameDecoder({ maxFrameBytes: options.maxFrameBytes });
    this.closeTimeoutMs = options.closeTimeoutMs ?? 2000;
    const heartbeat = heartbeatSettings(options);
    this.socketClosed = new Promise<void>((resolve) => (this.markSocketClosed = resolve));

    socket.setNoDelay(true);
    const reads = socketReads(socket);
    if (reads) reads.attach(this.decoder, { received: this.onRead, failed: (err) => this.frameFailed(err) });
    else socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('error', this.onError);
    socket.on('close', this.onSocketClose);
    socket.on('drain', this.onDrain);
    if (socket.destroyed) {
      this.finish(`connection to ${this.remoteAddress} was already closed`);
      if (socket.closed) this.markSocketClosed();
      return;
    }
    if (heartbeat !== undefined) {
      this.heartbeat = new HeartbeatMonitor(heartbeat, this.remoteAddress, {
        // A ping queued behind pending data would arrive no sooner than that data; skip it then.
        sendPing: () => this.socket.writableLength === 0 && this.writeRaw(PING),
        onTimeout: (reason, error) => this.destroy(reason, error),
      });
    }
    this.readDecoded();
    socket.resume();
  }

  /** True once the connection is closing or closed; sends and requests then fail. */
  get isClosed(): boolean {
    return this.closeInfo !== undefined;
  }

  /**
   * Sends a one-way message. Resolves once the socket has taken the bytes without exceeding its
   * buffer; when the peer reads slower than we write, waits for 'drain' first, so a loop of
   * `await conn.send(...)` never buffers more than about one message.
   *
   * @example
   * await conn.send({ header: { type: 'taskFinished', task: 12 }, body: resultIpc });
   */
  async send(msg: Message): Promise<void> {
    if (installedFaults()) await this.injectFaults(msg);
    this.write(msg);
    if (this.socket.writableNeedDrain) await this.waitForDrain();
  }

  /**
   * Sends a request and resolves with the peer's reply (matched by the `rid` header field, which
   * this method sets). An error reply rejects with RemoteError; a close rejects with ConnectionError.
   *
   * @example
   * const block = await conn.request({ header: { type: 'fetchBlock', shuffle: 3 } }, { timeoutMs: 30_000 });
   */
  request(msg: Message, options: RequestOptions = {}): Promise<Message> {
    const rid = this.nextRid++;
    const type = msg.header.type;
    return new Promise<Message>((resolve, reject) => {
      const entry: PendingRequest = { type, resolve, reject, timer: undefined };
      if (options.timeoutMs !== undefined) {
        const ms = options.timeoutMs;
        entry.timer = setTimeout(() => {
          if (!this.pending.delete(rid)) return;
          reject(
            new ConnectionError(
              'REQUEST_TIMEOUT',
              `no reply to ${type} from ${this.remoteAddress} within ${ms} ms; ` +
                `the peer is overloaded or stuck (raise timeoutMs if the work is legitimately slow)`,
            ),
          );
        }, ms);
      }
      this.pending.set(rid, entry);
      this.send({ ...msg, header: { ...msg.header, rid } }).catch(
        (err: unknown) => {
          if (!this.pending.delete(rid)) return;
          clearTimeout(entry.timer);
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
  }

  /**
   * Answers a request received through onMessage.
   *
   * @example
   * await conn.reply(msg, { header: { type: 'block', rows: 1000 }, body: ipc });
   */
  async reply(to: Message, msg: Message): Promise<void> {
    await this.send({ ...msg, header: { ...msg.header, replyTo: this.requestId(to) } });
  }

  /**
   * Answers a request with an error; the requester's promise rejects with a RemoteError carrying
   * `message`, `code` (the error's `code` if it has one, else 'REMOTE_ERROR') and any `fields`.
   *
   * @example
   * await conn.replyError(msg, new Error('block 3/0/5 not found'), { reason: 'FetchFailed', shuffle: 3 });
   */
  async replyError(to: Message, error: unknown, fields: Record<string, unknown> = {}): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    const code = (error as { code?: unknown } | null)?.code;
    await this.reply(to, {
      header: { ...fields, type: 'error', message, code: typeof code === 'string' ? code : 'REMOTE_ERROR' },
    });
  }

  /**
   * Registers a handler for messages that are not replies. Messages that arrived before the first
   * handler was registered are delivered to it (in order) on the next microtask. If a handler throws
   * (or its promise rejects) while handling a request, the requester gets an error reply; for a
   * one-way message the connection is closed with the error. Returns a function that unregisters.
   */
  onMessage(handler: MessageHandler): () => void {
    this.handlers.push(handler);
    this.scheduleFlush();
    return () => {
      const i = this.handlers.indexOf(handler);
      if (i >= 0) this.handlers.splice(i, 1);
    };
  }

  /** Registers a handler called once when the connection closes (immediately if it already has). */
  onClose(handler: (info: CloseInfo) => void): void {
    const info = this.closeInfo;
    if (info !== undefined) queueMicrotask(() => this.callCloseHandler(handler, info));
    else this.closeHandlers.push(handler);
  }

  /**
   * Closes the connection: pending requests are rejected at once, bytes already sent are flushed,
   * then the socket closes. Resolves when the socket is fully closed.
   */
  close(reason = 'closed by this endpoint'): Promise<void> {
    if (this.closeInfo === undefined) {
      this.finish(reason);
      this.socket.end();
      const killer = setTimeout(() => this.socket.destroy(), this.closeTimeoutMs);
      killer.unref();
      void this.socketClosed.then(() => clearTimeout(killer));
    }
    return this.socketClosed;
  }

  /** Resolves when the underlying socket is fully closed. */
  whenClosed(): Promise<void> {
    return this.socketClosed;
  }

  // ---- sending ---------------------------------------------------------------------------------

  private write(msg: Message): void {
    if (this.closeInfo !== undefined) {
      throw new ConnectionError(
        'CONNECTION_CLOSED',
        `cannot send ${msg.header.type} to ${this.remoteAddress}: the connection is closed (${this.closeInfo.reason})`,
      );
    }
    const parts = encodeFrame(msg, this.peerInfo.maxFrameBytes);
    const socket = this.socket;
    if (parts.length === 1) {
      socket.write(parts[0]);
      return;
    }
    socket.cork();
    for (const part of parts) socket.write(part);
    socket.uncork();
  }

  /** The chaos switch (faults.ts): maybe drops the connection, maybe holds the frame back (order kept). */
  private async injectFaults(msg: Message): Promise<void> {
    if (this.closeInfo !== undefined) return;
    const fault = nextFrameFault(this.peerInfo.role);
    if (fault.drop) {
      const reason = `chaos: dropped the connection to ${this.peerInfo.role} ${this.remoteAddress} instead of sending ${msg.header.type}`;
      process.stderr.write(`${reason}\n`);
      this.destroy(reason, new ConnectionError('CONNECTION_CLOSED', reason));
      return;
    }
    const at = Math.max(Date.now() + fault.delayMs, this.delayedUntil);
    this.delayedUntil = at;
    const turn = this.delayChain.then(() => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, at - Date.now()))));
    this.delayChain = turn;
    await turn;
  }

  private waitForDrain(): Promise<void> {
    return new Promise<void>((resolve, reject) => this.drainWaiters.push({ resolve, reject }));
  }

  private readonly onDrain = (): void => {
    // The kernel took our queued bytes, so the peer's TCP stack is acknowledging them: evidence of
    // life while we stream a large body and the peer has nothing to say.
    this.heartbeat?.heard();
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w.resolve();
  };

  private requestId(to: Message): number {
    const rid = to.header.rid;
    if (typeof rid !== 'number') {
      throw new ConnectionError(
        'NOT_A_REQUEST',
        `cannot reply to '${to.header.type}' from ${this.remoteAddress}: it was sent with send(), ` +
          `not request(), so nobody waits for a reply`,
      );
    }
    return rid;
  }

  // ---- receiving -------------------------------------------------------------------------------

  private readonly onData = (chunk: Buffer): void => {
    this.heartbeat?.heard();
    if (this.closeInfo !== undefined) return;
    try {
      this.decoder.write(chunk);
    } catch (err) {
      this.frameFailed(err);
      return;
    }
    this.readDecoded();
  };

  /** A read of an `onread` socket (socket-reads.ts) added bytes to the decoder. */
  private readonly onRead = (): void => {
    this.heartbeat?.heard();
    if (this.closeInfo !== undefined) return;
    this.readDecoded();
  };

  private readDecoded(): void {
    while (this.closeInfo === undefined) {
      let msg: Message | undefined;
      try {
        msg = this.decoder.read();
      } catch (err) {
        this.frameFailed(err);
        return;
      }
      if (msg === undefined) return;
      this.dispatch(msg);
    }
  }

  private frameFailed(err: unknown): void {
    const error = err instanceof Error ? err : new FrameError(String(err));
    this.destroy(`malformed frame from ${this.remoteAddress}: ${error.message}`, error);
  }

  private dispatch(msg: Message): void {
    const { type, replyTo } = msg.header;
    if (replyTo !== undefined) {
      const entry = typeof replyTo === 'number' ? this.pending.get(replyTo) : undefined;
      if (entry === undefined) return; // a late reply to a request that timed out
      this.pending.delete(replyTo as number);
      clearTimeout(entry.timer);
      if (type === 'error') entry.reject(new RemoteError(msg, this.remoteAddress, entry.type));
      else entry.resolve(msg);
      return;
    }
    if (type === 'ping') {
      this.writeRaw(PONG);
      return;
    }
    if (type === 'pong') return;
    if (this.handlers.length === 0 || this.undelivered.length > 0) {
      this.undelivered.push(msg);
      this.scheduleFlush();
      return;
    }
    this.deliver(msg);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.undelivered.length === 0 || this.handlers.length === 0) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      while (this.undelivered.length > 0 && this.handlers.length > 0) this.deliver(this.undelivered.shift() as Message);
    });
  }

  private deliver(msg: Message): void {
    for (const handler of [...this.handlers]) {
      let result: void | Promise<void>;
      try {
        result = handler(msg, this);
      } catch (err) {
        this.handlerFailed(msg, err);
        continue;
      }
      if (result instanceof Promise) result.catch((err: unknown) => this.handlerFailed(msg, err));
    }
  }

  private handlerFailed(msg: Message, err: unknown): void {
    if (this.closeInfo !== undefined) return;
    if (typeof msg.header.rid === 'number') {
      this.replyError(msg, err).catch(() => {});
      return;
    }
    const error = err instanceof Error ? err : new Error(String(err));
    this.destroy(`handler for '${msg.header.type}' from ${this.remoteAddress} threw: ${error.message}`, error);
  }

  // ---- closing ---------------------------------------------------------------------------------

  private readonly onEnd = (): void => {
    try {
      this.decoder.end();
      this.finish(`closed by peer ${this.remoteAddress}`);
    } catch (err) {
      const error = err as Error;
      this.finish(`closed by peer ${this.remoteAddress} in the middle of a frame: ${error.message}`, error);
    }
  };

  private readonly onError = (err: Error): void => {
    this.socketError ??= err;
  };

  private readonly onSocketClose = (): void => {
    const err = this.socketError;
    if (err === undefined) this.finish(`closed by peer ${this.remoteAddress}`);
    else this.finish(`connection to ${this.remoteAddress} failed: ${(err as NodeJS.ErrnoException).code ?? err.message}`, err);
    this.markSocketClosed();
  };

  /** Closes at once without flushing (the peer is broken or gone). */
  private destroy(reason: string, error: Error): void {
    this.finish(reason, error);
    this.socket.destroy();
  }

  /** Marks the connection closed (once): stops heartbeats, fails waiters, runs close handlers. */
  private finish(reason: string, error?: Error): void {
    if (this.closeInfo !== undefined) return;
    const info: CloseInfo = error === undefined ? { reason } : { reason, error };
    this.closeInfo = info;
    socketReads(this.socket)?.stop();
    this.heartbeat?.stop();
    for (const [, entry] of this.pending) {
      clearTimeout(entry.timer);
      entry.reject(
        new ConnectionError(
          'CONNECTION_CLOSED',
          `connection to ${this.remoteAddress} closed while waiting for reply to ${entry.type} (${reason})`,
          { cause: error },
        ),
      );
    }
    this.pending.clear();
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) {
      w.reject(new ConnectionError('CONNECTION_CLOSED', `connection to ${this.remoteAddress} closed while sending (${reason})`));
    }
    const handlers = this.closeHandlers.splice(0);
    for (const handler of handlers) this.callCloseHandler(handler, info);
  }

  private callCloseHandler(handler: (info: CloseInfo) => void, info: CloseInfo): void {
    try {
      handler(info);
    } catch (err) {
      process.emitWarning(`onClose handler of connection to ${this.remoteAddress} threw: ${String(err)}`);
    }
  }

  // ---- raw frames ------------------------------------------------------------------------------

  private writeRaw(parts: readonly Buffer[]): void {
    if (this.closeInfo !== undefined || !this.socket.writable) return;
    for (const part of parts) this.socket.write(part);
  }
}
