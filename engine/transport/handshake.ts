// The opening exchange on every dataflow TCP connection: protocol version check and mutual
// challenge-response over a shared secret (HMAC-SHA256), so neither side ever talks to a peer that
// does not know the secret. Runs on the raw socket before a Connection exists.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';
import { InvalidInputError } from '../errors.ts';
import { DEFAULT_MAX_FRAME_BYTES } from './frame.ts';
import type { FrameDecoder, MessageHeader } from './frame.ts';
import { HandshakeChannel } from './handshake-channel.ts';
import { HandshakeError, asHandshakeError, fail, refusalCode, refusedBy } from './handshake-errors.ts';
import { TLS_SWITCH } from './tls-settings.ts';

export { HANDSHAKE_MAX_FRAME_BYTES } from './handshake-channel.ts';
export { HandshakeError } from './handshake-errors.ts';
export type { HandshakeErrorCode } from './handshake-errors.ts';

/** Version of the wire protocol; both ends must speak the same one. */
export const PROTOCOL_VERSION = 1;

/** Default time a peer has to complete the handshake before the connection is closed. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 5000;

/** What the peer told us about itself during the handshake. */
export interface PeerInfo {
  /** 'driver', 'executor', 'master', ...: whatever the peer passed as its role. */
  role: string;
  protocol: number;
  /** Largest frame (header + body bytes) the peer accepts; sends above it fail locally. */
  maxFrameBytes: number;
  /** Extra fields the peer announced (e.g. executor id, cores). */
  info: Readonly<Record<string, unknown>>;
}

export interface HandshakeOptions {
  /** Shared secret, identical on every endpoint of a cluster. */
  secret: Buffer | string;
  /** This endpoint's role, sent to the peer. */
  role: string;
  /** This endpoint's receive limit, announced to the peer. Default 512 MiB. */
  maxFrameBytes?: number;
  /** Extra JSON fields to announce to the peer (available there as `peerInfo.info`). */
  info?: Record<string, unknown>;
  /** Default 5000 ms. */
  timeoutMs?: number;
  /**
   * Keying material exported from the TLS session the handshake runs in (tls-upgrade.ts). The MACs
   * cover it, so a handshake relayed into another TLS session fails.
   */
  channelBinding?: Buffer;
}

/**
 * The result of a successful handshake. `decoder` may already hold bytes the peer sent right after
 * the handshake; hand it to the Connection. The socket is left paused.
 */
export interface HandshakeResult {
  peer: PeerInfo;
  decoder: FrameDecoder;
}

/*
 * The exchange (nonces are 32 random bytes in hex; `|` joins the HMAC input):
 *
 *   server → client  { type: 'hello',   protocol: 1, nonce: S, role, maxFrameBytes, info }
 *   client → server  { type: 'auth',    protocol: 1, clientNonce: C, role, maxFrameBytes, info,
 *                      mac: HMAC-SHA256(secret, 'client|S|C') }
 *   server → client  { type: 'welcome', protocol: 1, mac: HMAC-SHA256(secret, 'server|C|S') }
 *                or  { type: 'refused', reason, code }   and the server closes
 *
 * The client proves it knows the secret by answering the server's fresh nonce; the server proves
 * it in turn by answering the client's nonce, so a client never sends work to an impostor. MACs
 * are compared with timingSafeEqual. Until `welcome`, frames above 4 KiB or any other message end
 * the connection. Inside TLS, each MAC input also ends with `|` and the session's exported keying
 * material in hex (`channelBinding`).
 */

/**
 * Runs the server side of the handshake on a freshly accepted socket. On failure it tells the peer
 * why (a `refused` message), closes the socket and rejects with a HandshakeError.
 *
 * @example
 * const { peer, decoder } = await serverHandshake(socket, { secret, role: 'driver' });
 * const conn = new Connection(socket, { peer, decoder });
 */
export async function serverHandshake(socket: Socket, options: HandshakeOptions): Promise<HandshakeResult> {
  const secret = secretBytes(options.secret);
  const channel = new HandshakeChannel(socket, options.timeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS);
  const from = `client at ${channel.peerAddress}`;
  try {
    const nonce = randomBytes(32).toString('hex');
    channel.send({ ...ownFields(options), type: 'hello', nonce });
    const auth = (await channel.next()).header;
    if (auth.type === 'refused') {
      throw new HandshakeError(refusalCode(auth.code), `${from} ended the handshake: ${String(auth.reason)}`);
    }
    if (auth.type !== 'auth') {
      throw fail('HANDSHAKE_FAILED', `expected 'auth', got '${auth.type}'`, `${from} sent '${auth.type}' before authenticating`);
    }
    if (auth.protocol !== PROTOCOL_VERSION) {
      const reason =
        `protocol version mismatch: this server speaks dataflow protocol ${PROTOCOL_VERSION}, ` +
        `the client speaks ${String(auth.protocol)}; run the same dataflow version on both ends`;
      throw fail('PROTOCOL_MISMATCH', reason, `${from}: ${reason}`);
    }
    const clientNonce = auth.clientNonce;
    if (!isNonce(clientNonce)) {
      throw fail('HANDSHAKE_FAILED', `malformed auth: clientNonce must be 64 hex digits`, `${from} sent a malformed auth message`);
    }
    if (!macMatches(mac(secret, 'client', nonce, clientNonce, options.channelBinding), auth.mac)) {
      throw fail(
        'AUTH_FAILED',
        'authentication failed: the client does not know the shared secret of this server',
        `${from} failed authentication: its shared secret differs from this server's; ` +
          `give both ends the same secret`,
      );
    }
    const peer = peerInfo(auth, from);
    channel.send({ type: 'welcome', protocol: PROTOCOL_VERSION, mac: mac(secret, 'server', clientNonce, nonce, options.channelBinding).toString('hex') });
    return { peer, decoder: channel.finish(options.maxFrameBytes) };
  } catch (err) {
    const error = asHandshakeError(err, from);
    channel.abort(error);
    throw error;
  }
}

/**
 * Runs the client side of the handshake on a freshly connected socket. Rejects with a HandshakeError
 * (and closes the socket) if the server refuses, speaks another protocol version, or cannot prove
 * it knows the secret.
 *
 * @example
 * const { peer, decoder } = await clientHandshake(socket, { secret, role: 'executor' });
 */
export async function clientHandshake(socket: Socket, options: HandshakeOptions): Promise<HandshakeResult> {
  const secret = secretBytes(options.secret);
  const channel = new HandshakeChannel(socket, options.timeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS);
  const server = `dataflow endpoint ${channel.peerAddress}`;
  try {
    const hello = (await channel.next()).header;
    if (hello.type === 'refused') throw refusedBy(server, hello);
    if (hello.type === 'starttls') {
      throw fail(
        'TLS_MISMATCH',
        `the client has TLS off for this address; set ${TLS_SWITCH} the same on both ends`,
        `${server} requires TLS but this endpoint has TLS off for that address (loopback addresses are clear ` +
          `text unless TLS is forced); set ${TLS_SWITCH} the same on both ends (true on both to encrypt)`,
      );
    }
    if (hello.type !== 'hello') {
      throw fail(
        'HANDSHAKE_FAILED',
        `expected 'hello', got '${hello.type}'`,
        `${server} opened with '${hello.type}' instead of 'hello'; is it a dataflow endpoint?`,
      );
    }
    if (hello.protocol !== PROTOCOL_VERSION) {
      const reason =
        `protocol version mismatch: the server speaks dataflow protocol ${String(hello.protocol)}, ` +
        `this client speaks ${PROTOCOL_VERSION}; run the same dataflow version on both ends`;
      throw fail('PROTOCOL_MISMATCH', reason, `${server}: ${reason}`);
    }
    const serverNonce = hello.nonce;
    if (!isNonce(serverNonce)) {
      throw fail('HANDSHAKE_FAILED', 'malformed hello: nonce must be 64 hex digits', `${server} sent a malformed hello`);
    }
    const peer = peerInfo(hello, server);
    const clientNonce = randomBytes(32).toString('hex');
    channel.send({
      ...ownFields(options), type: 'auth', clientNonce, mac: mac(secret, 'client', serverNonce, clientNonce, options.channelBinding).toString('hex'),
    });
    const answer = (await channel.next()).header;
    if (answer.type === 'refused') throw refusedBy(server, answer);
    if (answer.type !== 'welcome') {
      throw fail('HANDSHAKE_FAILED', `expected 'welcome', got '${answer.type}'`, `${server} answered auth with '${answer.type}'`);
    }
    if (!macMatches(mac(secret, 'server', clientNonce, serverNonce, options.channelBinding), answer.mac)) {
      throw fail(
        'AUTH_FAILED',
        'the server could not prove it knows the shared secret',
        `${server} could not prove it knows the shared secret (wrong MAC in its welcome): ` +
          `it is not the endpoint you meant or its secret differs; check the address and the secret`,
      );
    }
    return { peer, decoder: channel.finish(options.maxFrameBytes) };
  } catch (err) {
    const error = asHandshakeError(err, server);
    channel.abort(error);
    throw error;
  }
}

/** The secret as bytes; an empty secret is a configuration error. */
export function secretBytes(secret: Buffer | string): Buffer {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  if (!Buffer.isBuffer(bytes) || bytes.byteLength === 0) {
    throw new InvalidInputError(
      'transport secret is empty; pass the shared secret (the same on every endpoint of the cluster) ' +
        'as a non-empty string or Buffer',
    );
  }
  return bytes;
}

/** HMAC-SHA256(secret, 'side|first|second') as bytes, with '|binding' (hex) inside TLS. */
function mac(secret: Buffer, side: 'client' | 'server', first: string, second: string, binding: Buffer | undefined): Buffer {
  const bound = binding === undefined ? '' : `|${binding.toString('hex')}`;
  return createHmac('sha256', secret).update(`${side}|${first}|${second}${bound}`).digest();
}

function macMatches(expected: Buffer, actual: unknown): boolean {
  if (typeof actual !== 'string' || !/^[0-9a-f]{64}$/.test(actual)) return false;
  return timingSafeEqual(expected, Buffer.from(actual, 'hex'));
}

function isNonce(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{64}$/.test(value);
}

function ownFields(options: HandshakeOptions): Record<string, unknown> {
  return {
    protocol: PROTOCOL_VERSION,
    role: options.role,
    maxFrameBytes: options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
    info: options.info ?? {},
  };
}

function peerInfo(header: MessageHeader, who: string): PeerInfo {
  const { role, maxFrameBytes, info } = header;
  if (typeof role !== 'string' || role.length === 0) {
    throw fail('HANDSHAKE_FAILED', `malformed ${header.type}: role must be a non-empty string`, `${who} sent no role`);
  }
  if (typeof maxFrameBytes !== 'number' || !Number.isSafeInteger(maxFrameBytes) || maxFrameBytes <= 0) {
    throw fail(
      'HANDSHAKE_FAILED',
      `malformed ${header.type}: maxFrameBytes must be a positive integer`,
      `${who} announced maxFrameBytes ${JSON.stringify(maxFrameBytes)}, expected a positive integer`,
    );
  }
  const extra = typeof info === 'object' && info !== null && !Array.isArray(info) ? (info as Record<string, unknown>) : {};
  return { role, protocol: PROTOCOL_VERSION, maxFrameBytes, info: extra };
}
