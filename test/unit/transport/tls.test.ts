// TLS on real loopback TCP: connections forced onto TLS (keyed by the secret, or by throwaway
// certificates) carry messages as before while a recording proxy in the middle sees no plain text;
// the default leaves loopback in clear text; mismatched ends (TLS on one side only, different
// secrets, an untrusted certificate, certificates on one side only) fail at once on both ends with
// an error naming the address and the setting to change.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect, listen } from '../../../engine/transport/tcp.ts';
import type { ListenOptions } from '../../../engine/transport/tcp.ts';
import { HandshakeError } from '../../../engine/transport/handshake-errors.ts';
import { isLoopback, loadTlsSettings, tlsModeFor } from '../../../engine/transport/tls-settings.ts';
import type { TlsSettings } from '../../../engine/transport/tls-settings.ts';
import { Opened, SECRET, deferred, openTcpHandles } from './helpers.ts';
import { recordingProxy } from '../../helpers/recording-proxy.ts';
import type { RecordingProxy } from '../../helpers/recording-proxy.ts';
import { makeTestCertificates } from '../../helpers/tls-certs.ts';
import type { CertFiles } from '../../helpers/tls-certs.ts';

const opened = new Opened();
const proxies: RecordingProxy[] = [];
afterEach(async () => {
  await opened.closeAll();
  for (const proxy of proxies.splice(0)) await proxy.close();
});

let certs: CertFiles;
beforeAll(() => { certs = makeTestCertificates(); });
afterAll(async () => {
  certs?.remove();
  expect(await openTcpHandles()).toEqual([]);
});

const names = { enabled: '--tls', cert: '--tls-cert', key: '--tls-key', ca: '--tls-ca' };
const certSettings = (which: 'node' | 'other' = 'node'): TlsSettings => loadTlsSettings(which === 'node'
  ? { enabled: true, cert: certs.cert, key: certs.key, ca: certs.ca, names }
  : { enabled: true, cert: certs.otherCert, key: certs.otherKey, ca: certs.otherCa, names });

/** A column name and a job-source line that must never cross the wire readable when TLS is on. */
const MARKER = 'customer_lifetime_value_marker';

/** An echo server, reached through a recording proxy; returns what the client got back and what the wire saw. */
async function echoThroughProxy(server: { tls?: TlsSettings; secret?: string }, client: { tls?: TlsSettings; secret?: string }) {
  const handshakeErrors: HandshakeError[] = [];
  const failed = deferred<HandshakeError>();
  const options: ListenOptions = {
    secret: server.secret ?? SECRET, role: 'driver', tls: server.tls,
    onConnection: (conn) => conn.onMessage((msg, c) => c.reply(msg, { header: { type: 'echo', of: msg.header.type }, body: msg.body })),
    onHandshakeError: (error) => { handshakeErrors.push(error); failed.resolve(error); },
  };
  const srv = opened.server(await listen(options));
  const proxy = await recordingProxy({ host: '127.0.0.1', port: srv.port });
  proxies.push(proxy);
  const body = Buffer.from(`export default async function main(session) { return session.range(0, 10).select('${MARKER}'); }`);
  const attempt = connect({ host: '127.0.0.1', port: proxy.port, secret: client.secret ?? SECRET, role: 'executor', tls: client.tls, timeoutMs: 5_000 });
  return { attempt, body, proxy, serverError: failed.promise, handshakeErrors };
}

describe('TLS settings', () => {
  it('leaves loopback in clear text by default and encrypts every other address', () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('127.3.4.5')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
    expect(isLoopback('::ffff:127.0.0.1')).toBe(true);
    expect(isLoopback('10.0.0.5')).toBe(false);
    expect(isLoopback('localhost')).toBe(false);
    expect(tlsModeFor(undefined, '127.0.0.1')).toBe('off');
    expect(tlsModeFor(undefined, '10.0.0.5')).toBe('psk');
    expect(tlsModeFor({ enabled: true }, '127.0.0.1')).toBe('psk');
    expect(tlsModeFor({ enabled: false }, '10.0.0.5')).toBe('off');
    expect(tlsModeFor(certSettings(), '::1')).toBe('cert');
  });

  it('refuses incomplete certificate options and files that hold no PEM, naming the option', () => {
    expect(() => loadTlsSettings({ enabled: 'auto', cert: certs.cert, names })).toThrow(/--tls-key and --tls-ca missing/);
    expect(() => loadTlsSettings({ enabled: 'auto', cert: certs.cert, key: certs.cert, ca: certs.ca, names })).toThrow(`--tls-key ${certs.cert} holds no PEM private key`);
    expect(() => loadTlsSettings({ enabled: 'yes', names })).toThrow('--tls yes is not auto, true or false');
  });
});

describe('TLS on the wire', () => {
  for (const [mode, tls] of [['a key derived from the secret', (): TlsSettings => ({ enabled: true })], ['certificates', (): TlsSettings => certSettings()]] as const) {
    it(`with ${mode}: messages arrive intact and the wire shows no plain text`, async () => {
      const { attempt, body, proxy } = await echoThroughProxy({ tls: tls() }, { tls: tls() });
      const conn = opened.conn(await attempt);
      const reply = await conn.request({ header: { type: 'submitJob', column: MARKER }, body });
      expect(reply.header).toMatchObject({ type: 'echo', of: 'submitJob' });
      expect(Buffer.from(reply.body!).toString()).toBe(body.toString());
      const wire = proxy.recorded();
      expect(wire.length).toBeGreaterThan(body.length);
      expect(wire.includes(MARKER)).toBe(false);
      expect(wire.includes('submitJob')).toBe(false);
      expect(wire.includes('"nonce"')).toBe(false); // the handshake runs inside TLS too
    });
  }

  it('by default, loopback stays clear text (so the check above can fail)', async () => {
    const { attempt, body, proxy } = await echoThroughProxy({}, {});
    const conn = opened.conn(await attempt);
    await conn.request({ header: { type: 'submitJob', column: MARKER }, body });
    expect(proxy.recorded().includes(MARKER)).toBe(true);
  });
});

describe('TLS mismatches fail at once with a clear error on both ends', () => {
  it('a client with TLS off dialling a server that requires it', async () => {
    const { attempt, serverError } = await echoThroughProxy({ tls: { enabled: true } }, {});
    const error = await attempt.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HandshakeError);
    expect(error).toMatchObject({ code: 'TLS_MISMATCH' });
    expect((error as Error).message).toMatch(/dataflow endpoint 127\.0\.0\.1:\d+ requires TLS but this endpoint has TLS off for that address.*dataflow\.tls\.enabled/);
    const onServer = await serverError;
    expect(onServer.code).toBe('TLS_MISMATCH');
    expect(onServer.message).toMatch(/client at 127\.0\.0\.1:\d+ refused to start TLS: the client has TLS off for this address; set dataflow\.tls\.enabled/);
  });

  it('a client with TLS on dialling a server that has it off', async () => {
    const { attempt, serverError } = await echoThroughProxy({}, { tls: { enabled: true } });
    const error = await attempt.catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TLS_MISMATCH' });
    expect((error as Error).message).toMatch(/dataflow endpoint 127\.0\.0\.1:\d+ speaks clear text but this endpoint requires TLS for that address; set dataflow\.tls\.enabled/);
    const onServer = await serverError;
    expect(onServer.code).toBe('TLS_MISMATCH');
    expect(onServer.message).toMatch(/client at 127\.0\.0\.1:\d+ ended the handshake: the client requires TLS for this address and this server has TLS off/);
  });

  it('different secrets under a pre-shared key', async () => {
    const { attempt, serverError } = await echoThroughProxy({ tls: { enabled: true } }, { tls: { enabled: true }, secret: `${SECRET} but another` });
    const error = await attempt.catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TLS_FAILED' });
    expect((error as Error).message).toMatch(/TLS handshake with dataflow endpoint 127\.0\.0\.1:\d+ failed: .*different secrets: give both the same one/);
    expect((await serverError).code).toBe('TLS_FAILED');
  });

  it('a server certificate signed by a CA the client does not trust', async () => {
    const { attempt, serverError } = await echoThroughProxy({ tls: certSettings('other') }, { tls: certSettings() });
    const error = await attempt.catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TLS_FAILED' });
    expect((error as Error).message).toMatch(/TLS handshake with dataflow endpoint 127\.0\.0\.1:\d+ failed: .*--tls-ca/);
    expect((await serverError).code).toBe('TLS_FAILED');
  });

  it('certificates on one end, a key derived from the secret on the other', async () => {
    const { attempt, serverError } = await echoThroughProxy({ tls: certSettings() }, { tls: { enabled: true } });
    const error = await attempt.catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TLS_MISMATCH' });
    expect((error as Error).message).toMatch(/keys TLS with certificates but this endpoint with a key derived from the cluster secret.*--tls-cert/);
    expect((await serverError).message).toMatch(/refused to start TLS: this server keys TLS with certificates/);
  });
});
