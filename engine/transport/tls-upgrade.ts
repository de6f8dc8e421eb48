// Turns a freshly opened TCP socket into a TLS one before the handshake runs inside it. The server
// opens in clear text with one small `starttls` frame naming how it keys TLS, so an endpoint with
// TLS off, or keyed otherwise, says what is wrong at once on both ends instead of hanging.

import type { Socket } from 'node:net';
import tls from 'node:tls';
import type { SecureContext, TLSSocket, TLSSocketOptions } from 'node:tls';
import { remoteEndpoint } from './address.ts';
import { FrameDecoder, encodeFrame } from './frame.ts';
import { HandshakeChannel, HANDSHAKE_MAX_FRAME_BYTES } from './handshake-channel.ts';
import { HandshakeError, fail } from './handshake-errors.ts';
import { PROTOCOL_VERSION } from './handshake.ts';
import { TLS_CERT_OPTIONS, TLS_SWITCH, pskFromSecret, tlsModeFor } from './tls-settings.ts';
import type { TlsMode, TlsSettings } from './tls-settings.ts';

/** A socket ready for the handshake, and what binds the handshake to its TLS session (if any). */
export interface Upgraded {
  socket: Socket;
  /** Keying material exported from the TLS session; the handshake's MACs cover it. */
  channelBinding: Buffer | undefined;
}

export interface UpgradeOptions {
  tls: TlsSettings | undefined;
  secret: Buffer;
  timeoutMs: number;
}

/** TLS 1.2 pre-shared-key suites: ephemeral ECDH for forward secrecy, an AEAD cipher. */
const PSK_CIPHERS = 'ECDHE-PSK-CHACHA20-POLY1305';
const PSK_IDENTITY = 'dataflow';
const BINDING_LABEL = 'EXPORTER-dataflow-handshake';
/** First byte of every TLS record that opens a handshake. */
const TLS_HANDSHAKE_RECORD = 0x16;

/*
 * With TLS on for a connection:
 *
 *   server → client  { type: 'starttls', protocol: 1, tls: 'psk' | 'cert' }   (clear text, the only one)
 *   client → server  TLS ClientHello ... TLS session established
 *   then the handshake of handshake.ts inside TLS, its MACs bound to the session.
 *
 * A client with TLS off gets 'starttls' where it expects 'hello' and says so (handshake.ts); a
 * client with TLS on that gets 'hello' refuses in clear text, which a clear server reports.
 */

/**
 * Server side: with TLS on for the address the connection arrived on, asks the client to start
 * TLS and waits for the session. Rejects with HandshakeError (the socket is closed) on a mismatch,
 * a failed TLS handshake or the deadline.
 */
export async function serverTls(socket: Socket, options: UpgradeOptions): Promise<Upgraded> {
  const mode = tlsModeFor(options.tls, socket.localAddress);
  if (mode === 'off') return { socket, channelBinding: undefined };
  const who = `client at ${remoteEndpoint(socket)}`;
  for (const part of encodeFrame({ header: { type: 'starttls', protocol: PROTOCOL_VERSION, tls: mode } })) socket.write(part);
  try {
    const first = await firstChunk(socket, options.timeoutMs, who);
    if (first[0] !== TLS_HANDSHAKE_RECORD) throw clearTextAnswer(first, who, mode);
    socket.pause();
    socket.unshift(first); // TLSSocket takes over bytes already read
    const secure = new tls.TLSSocket(socket, {
      isServer: true,
      secureContext: contextFor(options.tls, mode),
      requestCert: mode === 'cert',
      rejectUnauthorized: mode === 'cert',
      ...(mode === 'psk' ? { pskCallback: serverPsk(pskFromSecret(options.secret)) } : {}),
    } as TLSSocketOptions);
    secure.on('error', () => {}); // reported through the wait below, then by the Connection
    await established(secure, 'secure', options.timeoutMs, who, mode);
    return { socket: secure, channelBinding: binding(secure) };
  } catch (error) {
    socket.destroy();
    throw error;
  }
}

/**
 * Client side: with TLS on for the address dialled, reads the server's `starttls`, checks that it
 * keys TLS the same way, and starts TLS. With TLS off nothing happens here (the handshake reports a
 * server that asks for TLS).
 */
export async function clientTls(socket: Socket, options: UpgradeOptions & { host: string }): Promise<Upgraded> {
  const mode = tlsModeFor(options.tls, socket.remoteAddress);
  if (mode === 'off') return { socket, channelBinding: undefined };
  const channel = new HandshakeChannel(socket, options.timeoutMs);
  const server = `dataflow endpoint ${channel.peerAddress}`;
  try {
    const opening = (await channel.next()).header;
    if (opening.type === 'hello') {
      throw fail(
        'TLS_MISMATCH',
        `the client requires TLS for this address and this server has TLS off for it; set ${TLS_SWITCH} the same on both ends`,
        `${server} speaks clear text but this endpoint requires TLS for that address; set ${TLS_SWITCH} ` +
          `the same on both ends (true on both to encrypt, false on both for clear text)`,
      );
    }
    if (opening.type !== 'starttls') {
      throw fail('HANDSHAKE_FAILED', `expected 'starttls', got '${opening.type}'`, `${server} opened with '${opening.type}'; is it a dataflow endpoint?`);
    }
    if (opening.tls !== mode) {
      const theirs = describeMode(opening.tls);
      throw fail(
        'TLS_MISMATCH',
        `this server keys TLS ${theirs}, the client ${describeMode(mode)}; give both ends certificates with ${TLS_CERT_OPTIONS}, or neither`,
        `${server} keys TLS ${theirs} but this endpoint ${describeMode(mode)}; give both ends certificates with ${TLS_CERT_OPTIONS}, or neither`,
      );
    }
    channel.finish();
  } catch (error) {
    const failure = error instanceof HandshakeError ? error : new HandshakeError('HANDSHAKE_FAILED', `${server}: ${String(error)}`);
    channel.abort(failure);
    throw failure;
  }
  const secure = tls.connect({
    socket,
    host: options.host,
    secureContext: contextFor(options.tls, mode),
    ...(mode === 'psk'
      ? { pskCallback: () => ({ psk: pskFromSecret(options.secret), identity: PSK_IDENTITY }), checkServerIdentity: () => undefined }
      : {}),
  });
  secure.on('error', () => {}); // reported through the wait below, then by the Connection
  try {
    await established(secure, 'secureConnect', options.timeoutMs, server, mode);
  } catch (error) {
    secure.destroy();
    socket.destroy();
    throw error;
  }
  return { socket: secure, channelBinding: binding(secure) };
}

/** One secure context per settings object and mode: parsing keys and certificates costs milliseconds. */
const contexts = new WeakMap<TlsSettings, Map<TlsMode, SecureContext>>();
const pskOnly = new Map<TlsMode, SecureContext>();

function contextFor(settings: TlsSettings | undefined, mode: TlsMode): SecureContext {
  const cache = settings === undefined ? pskOnly : (contexts.get(settings) ?? new Map<TlsMode, SecureContext>());
  if (settings !== undefined) contexts.set(settings, cache);
  let context = cache.get(mode);
  if (context === undefined) {
    context =
      mode === 'cert'
        ? tls.createSecureContext({ cert: settings!.cert, key: settings!.key, ca: settings!.ca, minVersion: 'TLSv1.2' })
        : tls.createSecureContext({ ciphers: PSK_CIPHERS, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' });
    cache.set(mode, context);
  }
  return context;
}

function serverPsk(psk: Buffer): (socket: TLSSocket, identity: string) => Buffer | null {
  return (_socket, identity) => (identity === PSK_IDENTITY ? psk : null);
}

function binding(socket: TLSSocket): Buffer {
  return socket.exportKeyingMaterial(32, BINDING_LABEL, Buffer.alloc(0));
}

function describeMode(mode: unknown): string {
  if (mode === 'cert') return 'with certificates';
  if (mode === 'psk') return 'with a key derived from the cluster secret (no certificates)';
  return `in an unknown way (${JSON.stringify(mode)}; run the same dataflow version on both ends)`;
}

/** The client's first bytes after `starttls`, or why none came. */
function firstChunk(socket: Socket, timeoutMs: number, who: string): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      done();
      resolve(chunk);
    };
    const onClose = (): void => {
      done();
      reject(
        new HandshakeError(
          'TLS_MISMATCH',
          `${who} closed the connection when asked to start TLS; it has TLS off for this address ` +
            `or keys it otherwise: set ${TLS_SWITCH} the same on both ends`,
        ),
      );
    };
    const timer = setTimeout(() => {
      done();
      reject(new HandshakeError('HANDSHAKE_TIMEOUT', `${who} did not start TLS within ${timeoutMs} ms; it is not a dataflow endpoint or is too slow to answer`));
    }, timeoutMs);
    socket.on('data', onData);
    socket.on('close', onClose);
  });
}

/** The clear-text bytes a client sent instead of a TLS ClientHello, as an error (a refusal says why). */
function clearTextAnswer(bytes: Buffer, who: string, mode: TlsMode): HandshakeError {
  const decoder = new FrameDecoder({ maxFrameBytes: HANDSHAKE_MAX_FRAME_BYTES });
  let header: Record<string, unknown> | undefined;
  try {
    decoder.write(bytes);
    header = decoder.read()?.header;
  } catch {
    header = undefined;
  }
  if (header?.type === 'refused') {
    return new HandshakeError('TLS_MISMATCH', `${who} refused to start TLS: ${String(header.reason)}`);
  }
  return new HandshakeError(
    'TLS_MISMATCH',
    `${who} answered the request to start TLS (${mode}) with clear text; it is not a dataflow endpoint ` +
      `or has TLS off for this address: set ${TLS_SWITCH} the same on both ends`,
  );
}

/** Waits for the TLS session; a failure becomes a HandshakeError that says what to check. */
function established(socket: TLSSocket, event: 'secure' | 'secureConnect', timeoutMs: number, who: string, mode: TlsMode): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      socket.off(event, onSecure);
      socket.off('error', onError);
      socket.off('close', onClose);
    };
    const onSecure = (): void => {
      done();
      resolve();
    };
    const onError = (error: NodeJS.ErrnoException): void => {
      done();
      reject(new HandshakeError('TLS_FAILED', `TLS handshake with ${who} failed: ${tlsFailureText(error)}; ${tlsFailureHint(mode)}`, { cause: error }));
    };
    const onClose = (): void => {
      done();
      reject(new HandshakeError('TLS_FAILED', `${who} closed the connection during the TLS handshake; ${tlsFailureHint(mode)}`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new HandshakeError('HANDSHAKE_TIMEOUT', `TLS handshake with ${who} did not complete within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on(event, onSecure);
    socket.on('error', onError);
    socket.on('close', onClose);
  });
}

function tlsFailureText(error: NodeJS.ErrnoException): string {
  const reason = /:([^:]+):[^:]*\.c:\d+/.exec(error.message)?.[1] ?? error.message.split('\n')[0];
  return error.code === undefined ? reason : `${reason} (${error.code})`;
}

function tlsFailureHint(mode: TlsMode): string {
  return mode === 'psk'
    ? 'without certificates TLS is keyed by the cluster secret, so the two ends have different secrets: give both the same one'
    : `check that ${TLS_CERT_OPTIONS} are given on both ends, that the CA of each signed the other's certificate, ` +
        `and that each certificate names the address others dial it at in its subjectAltName`;
}
