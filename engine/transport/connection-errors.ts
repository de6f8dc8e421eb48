// Errors of the connection layer: connection-level failures (closed, timed out, unreachable) and
// error replies from the peer, which keep every header field so typed failure reasons survive.

import { DataflowError } from '../errors.ts';
import type { Message, MessageHeader } from './frame.ts';

export type ConnectionErrorCode =
  | 'CONNECTION_CLOSED'
  | 'REQUEST_TIMEOUT'
  | 'HEARTBEAT_TIMEOUT'
  | 'NOT_A_REQUEST'
  | 'CONNECT_FAILED'
  | 'LISTEN_FAILED';

/** A connection-level failure: closed, timed out, unreachable. */
export class ConnectionError extends DataflowError {
  declare readonly code: ConnectionErrorCode;
  constructor(code: ConnectionErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * The peer answered a request with `{ type: 'error', message, code, ...fields }`. `code` and
 * `message` are the peer's; `header` keeps every field, so typed failure reasons (e.g. a fetch
 * failure naming the shuffle and map partition) survive the trip instead of becoming strings.
 */
export class RemoteError extends DataflowError {
  readonly header: MessageHeader;
  readonly body: Uint8Array | undefined;
  readonly remoteAddress: string;
  readonly requestType: string;
  constructor(reply: Message, remoteAddress: string, requestType: string) {
    const { message, code } = reply.header;
    super(
      typeof code === 'string' && code.length > 0 ? code : 'REMOTE_ERROR',
      typeof message === 'string' ? message : `${remoteAddress} answered '${requestType}' with an error that has no message`,
    );
    this.header = reply.header;
    this.body = reply.body;
    this.remoteAddress = remoteAddress;
    this.requestType = requestType;
  }
}
