// Tests of the authentication handshake over real TCP on 127.0.0.1: mutual auth, wrong secrets on
// either side, impostors, protocol mismatch, and peers that are not dataflow endpoints at all.

import { createHmac, randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../engine/errors.ts';
import { HandshakeError, PROTOCOL_VERSION, clientHandshake } from '../../../engine/transport/handshake.ts';
import { connect, listen } from '../../../engine/transport/tcp.ts';
import type { Connection } from '../../../engine/transport/connection.ts';
import type { ListenOptions } from '../../../engine/transport/tcp.ts';
import { Opened, SECRET, deferred, frameReader, openTcpHandles, rawConnect, rawServer, writeFrame } from './helpers.ts';

const opened = new Opened();
afterEach(() => opened.closeAll());
afterAll(async () => expect(await openTcpHandles()).toEqual([]));

/** A dataflow server that records handshake failures and accepted connections. */
async function server(extra: Partial<ListenOptions> = {}) {
  const failures: HandshakeError[] = [];
  const accepted: Connection[] = [];
  const failed = deferred<HandshakeError>();
  const s = opened.server(
    await listen({
      secret: SECRET,
      role: 'driver',
      info: { app: 'test' },
      handshakeTimeoutMs: 300,
      onConnection: (conn) => {
        accepted.push(conn);
        conn.onMessage((msg, c) => c.reply(msg, { header: { type: 'pong', echo: msg.header.n } }));
      },
      onHandshakeError: (err) => {
        failures.push(err);
        failed.resolve(err);
      },
      ...extra,
    }),
  );
  return { port: s.port, failures, accepted, firstFailure: failed.promise };
}

/** Proves the server still serves a well-behaved client. */
async function expectServes(port: number): Promise<void> {
  const conn = opened.conn(await connect({ host: '127.0.0.1', port, secret: SECRET, role: 'executor' }));
  const reply = await conn.request({ header: { type: 'ping?', n: 7 } });
  expect(reply.header).toMatchObject({ type: 'pong', echo: 7 });
}

function hmacHex(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text).digest('hex');
}

describe('handshake', () => {
  it('authenticates both sides and exchanges roles and fields', async () => {
    const s = await server();
    const conn = opened.conn(
      await connect({ host: '127.0.0.1', port: s.port, secret: Buffer.from(SECRET), role: 'executor', info: { cores: 4 }, maxFrameBytes: 1 << 20 }),
    );
    expect(conn.peerInfo).toEqual({ role: 'driver', protocol: PROTOCOL_VERSION, maxFrameBytes: 512 * 1024 * 1024, info: { app: 'test' } });
    await conn.request({ header: { type: 'hi', n: 1 } });
    expect(s.accepted).toHaveLength(1);
    expect(s.accepted[0]?.peerInfo).toEqual({ role: 'executor', protocol: PROTOCOL_VERSION, maxFrameBytes: 1 << 20, info: { cores: 4 } });
    expect(s.accepted[0]?.remoteAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(conn.remoteAddress).toBe(`127.0.0.1:${s.port}`);
  });

  it('refuses a client with the wrong secret, and both sides say why', async () => {
    const s = await server();
    const attempt = connect({ host: '127.0.0.1', port: s.port, secret: 'wrong secret', role: 'executor' });
    await expect(attempt).rejects.toThrow(HandshakeError);
    await expect(attempt).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    await expect(attempt).rejects.toThrow(`dataflow endpoint 127.0.0.1:${s.port} refused the connection: authentication failed`);
    const serverSide = await s.firstFailure;
    expect(serverSide.code).toBe('AUTH_FAILED');
    expect(serverSide.message).toMatch(/client at 127\.0\.0\.1:\d+ failed authentication: its shared secret differs/);
    expect(s.accepted).toHaveLength(0);
    await expectServes(s.port);
  });

  it('refuses to talk to a server that cannot prove it knows the secret', async () => {
    // An impostor: accepts any auth and signs its welcome with a different secret.
    const impostor = await rawServer((socket) => {
      const reader = frameReader(socket);
      const nonce = randomBytes(32).toString('hex');
      writeFrame(socket, { type: 'hello', protocol: PROTOCOL_VERSION, nonce, role: 'driver', maxFrameBytes: 1 << 20 });
      void reader.next().then((auth) => {
        const mac = hmacHex('not the secret', `server|${String(auth.header.clientNonce)}|${nonce}`);
        writeFrame(socket, { type: 'welcome', protocol: PROTOCOL_VERSION, mac });
      });
    }, opened);
    const attempt = connect({ host: '127.0.0.1', port: impostor.port, secret: SECRET, role: 'executor' });
    await expect(attempt).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    await expect(attempt).rejects.toThrow(/could not prove it knows the shared secret/);
  });

  it('closes a connection that never says anything, after the handshake timeout', async () => {
    const s = await server();
    const socket = opened.socket(await rawConnect(s.port));
    const reader = frameReader(socket);
    expect((await reader.next()).header).toMatchObject({ type: 'hello', protocol: PROTOCOL_VERSION, role: 'driver' });
    const frames = await reader.closed;
    expect(frames.at(-1)?.header).toEqual({ type: 'refused', reason: 'handshake timeout after 300 ms', code: 'HANDSHAKE_TIMEOUT' });
    expect((await s.firstFailure).code).toBe('HANDSHAKE_TIMEOUT');
    await expectServes(s.port);
  });

  it('disconnects a peer that sends random bytes and keeps serving others', async () => {
    const s = await server();
    const socket = opened.socket(await rawConnect(s.port));
    const reader = frameReader(socket);
    socket.write(randomBytes(64 * 1024));
    await reader.closed;
    const failure = await s.firstFailure;
    expect(failure.code).toBe('HANDSHAKE_FAILED');
    expect(failure.message).toMatch(/sent a malformed frame during the handshake/);
    await expectServes(s.port);
  });

  it('disconnects a peer that sends something other than auth first', async () => {
    const s = await server();
    const socket = opened.socket(await rawConnect(s.port));
    const reader = frameReader(socket);
    writeFrame(socket, { type: 'fetchBlock', shuffle: 1 });
    const frames = await reader.closed;
    expect(frames.at(-1)?.header).toMatchObject({ type: 'refused', reason: "expected 'auth', got 'fetchBlock'" });
    expect((await s.firstFailure).message).toMatch(/sent 'fetchBlock' before authenticating/);
    expect(s.accepted).toHaveLength(0);
  });

  it('accepts only small frames before authentication', async () => {
    const s = await server();
    const socket = opened.socket(await rawConnect(s.port));
    const reader = frameReader(socket);
    writeFrame(socket, { type: 'auth', padding: 'x'.repeat(5000) });
    await reader.closed;
    expect((await s.firstFailure).message).toMatch(/above the 4096-byte limit \(the limit before authentication\)/);
    await expectServes(s.port);
  });

  it('names both versions when a client speaks another protocol', async () => {
    const s = await server();
    const socket: Socket = opened.socket(await rawConnect(s.port));
    const reader = frameReader(socket);
    const hello = await reader.next();
    const clientNonce = randomBytes(32).toString('hex');
    writeFrame(socket, {
      type: 'auth',
      protocol: 2,
      clientNonce,
      role: 'executor',
      maxFrameBytes: 1 << 20,
      mac: hmacHex(SECRET, `client|${String(hello.header.nonce)}|${clientNonce}`),
    });
    const refused = await reader.next();
    expect(refused.header).toMatchObject({ type: 'refused', code: 'PROTOCOL_MISMATCH' });
    expect(refused.header.reason).toContain('this server speaks dataflow protocol 1, the client speaks 2');
    const failure = await s.firstFailure;
    expect(failure.code).toBe('PROTOCOL_MISMATCH');
    await reader.closed;
  });

  it('names both versions when a server speaks another protocol, and tells the server', async () => {
    const toldServer = deferred<Record<string, unknown>>();
    const future = await rawServer((socket) => {
      const reader = frameReader(socket);
      writeFrame(socket, { type: 'hello', protocol: 2, nonce: randomBytes(32).toString('hex'), role: 'driver', maxFrameBytes: 1 << 20 });
      void reader.next().then((msg) => toldServer.resolve(msg.header));
    }, opened);
    const attempt = connect({ host: '127.0.0.1', port: future.port, secret: SECRET, role: 'executor' });
    await expect(attempt).rejects.toMatchObject({ code: 'PROTOCOL_MISMATCH' });
    await expect(attempt).rejects.toThrow('the server speaks dataflow protocol 2, this client speaks 1');
    expect(await toldServer.promise).toMatchObject({ type: 'refused', code: 'PROTOCOL_MISMATCH' });
  });

  it('fails a client whose server never says hello', async () => {
    const silent = await rawServer(() => {}, opened);
    const socket = opened.socket(await rawConnect(silent.port));
    await expect(clientHandshake(socket, { secret: SECRET, role: 'executor', timeoutMs: 100 })).rejects.toMatchObject({
      code: 'HANDSHAKE_TIMEOUT',
    });
  });

  it('rejects an empty secret before touching the network', async () => {
    await expect(listen({ secret: '', role: 'driver', onConnection: () => {} })).rejects.toThrow(InvalidInputError);
    await expect(connect({ host: '127.0.0.1', port: 1, secret: Buffer.alloc(0), role: 'x' })).rejects.toThrow(/secret is empty/);
  });
});
