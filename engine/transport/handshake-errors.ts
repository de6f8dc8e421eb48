// Handshake failures. A RefusalError also carries the short reason sent to the peer in the
// `refused` message, so both ends of a failed handshake can say what went wrong.

import { DataflowError } from '../errors.ts';
import { FrameError } from './frame.ts';
import type { MessageHeader } from './frame.ts';

/** TLS_MISMATCH: one end has TLS on for the address, the other off, or they key it differently; TLS_FAILED: the TLS handshake failed. */
export type HandshakeErrorCode = 'AUTH_FAILED' | 'PROTOCOL_MISMATCH' | 'HANDSHAKE_TIMEOUT' | 'HANDSHAKE_FAILED' | 'TLS_MISMATCH' | 'TLS_FAILED';

/** The handshake failed: wrong secret, other protocol version, timeout, or a peer that broke the rules. */
export class HandshakeError extends DataflowError {
  declare readonly code: HandshakeErrorCode;
  constructor(code: HandshakeErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** A HandshakeError that also carries the short reason to send to the peer. */
export class RefusalError extends HandshakeError {
  constructor(
    code: HandshakeErrorCode,
    readonly reasonForPeer: string,
    message: string,
  ) {
    super(code, message);
  }
}

export function fail(code: HandshakeErrorCode, reasonForPeer: string, message: string): RefusalError {
  return new RefusalError(code, reasonForPeer, message);
}

export function refusedBy(server: string, header: MessageHeader): HandshakeError {
  return new HandshakeError(refusalCode(header.code), `${server} refused the connection: ${String(header.reason)}`);
}

export function refusalCode(code: unknown): HandshakeErrorCode {
  const known: HandshakeErrorCode[] = ['AUTH_FAILED', 'PROTOCOL_MISMATCH', 'HANDSHAKE_TIMEOUT', 'HANDSHAKE_FAILED', 'TLS_MISMATCH', 'TLS_FAILED'];
  return known.includes(code as HandshakeErrorCode) ? (code as HandshakeErrorCode) : 'HANDSHAKE_FAILED';
}

export function asHandshakeError(err: unknown, who: string): HandshakeError {
  if (err instanceof HandshakeError) return err;
  if (err instanceof FrameError) {
    return new RefusalError('HANDSHAKE_FAILED', `malformed frame: ${err.message}`, `${who} sent a malformed frame during the handshake: ${err.message}`);
  }
  return new HandshakeError('HANDSHAKE_FAILED', `handshake with ${who} failed: ${String(err)}`, { cause: err });
}
