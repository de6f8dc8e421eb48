// Tests of Connection over real TCP on 127.0.0.1: RPC and error replies, ordering, closing with
// requests in flight, frame limits, backpressure with a 64 MB body, and heartbeats.

import { createHash, randomFillSync } from 'node:crypto';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DataflowError } from '../../../engine/errors.ts';
import { ConnectionError, RemoteError } from '../../../engine/transport/connection-errors.ts';
import type { CloseInfo, Connection } from '../../../engine/transport/connection.ts';
import { FrameError } from '../../../engine/transport/frame.ts';
import type { Message } from '../../../engine/transport/frame.ts';
import { clientHandshake, serverHandshake } from '../../../engine/transport/handshake.ts';
import { connect, listen } from '../../../engine/transport/tcp.ts';
import type { ListenOptions } from '../../../engine/transport/tcp.ts';
import { Opened, SECRET, deferred, openTcpHandles, rawConnect, rawServer } from './helpers.ts';

const opened = new Opened();
afterEach(() => opened.closeAll());
afterAll(async () => expect(await openTcpHandles()).toEqual([]));

/** A server whose connections run `serve`, and a client connected to it. */
async function pair(serve: (conn: Connection) => void, extra: Partial<ListenOptions> = {}) {
  const accepted = deferred<Connection>();
  const server = opened.server(
    await listen({
      secret: SECRET,
      role: 'driver',
      onConnection: (conn) => {
        serve(conn);
        accepted.resolve(conn);
      },
      ...extra,
    }),
  );
  const client = opened.conn(await connect({ host: '127.0.0.1', port: server.port, secret: SECRET, role: 'executor' }));
  return { server, client, serverConn: await accepted.promise };
}

function closed(conn: Connection): Promise<CloseInfo> {
  return new Promise((resolve) => conn.onClose(resolve));
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

describe('Connection', () => {
  it('matches replies to requests by correlation id, whatever order they come back in', async () => {
    const { client } = await pair((conn) =>
      conn.onMessage(async (msg, c) => {
        const n = msg.header.n as number;
        await new Promise((r) => setTimeout(r, (20 - n) * 2)); // later requests are answered first
        await c.reply(msg, { header: { type: 'squared', n: n * n }, body: new Uint8Array([n]) });
      }),
    );
    const replies = await Promise.all(Array.from({ length: 20 }, (_, n) => client.request({ header: { type: 'square', n } })));
    expect(replies.map((r) => r.header.n)).toEqual(Array.from({ length: 20 }, (_, n) => n * n));
    expect(replies.map((r) => r.body?.[0])).toEqual(Array.from({ length: 20 }, (_, n) => n));
  });

  it('delivers one-way messages in order, including those sent before the handler was registered', async () => {
    const { client } = await pair((conn) => {
      for (let i = 0; i < 50; i++) void conn.send({ header: { type: 'tick', i } });
    });
    await new Promise((r) => setTimeout(r, 20));
    const received: number[] = [];
    const all = deferred<void>();
    client.onMessage((msg) => {
      received.push(msg.header.i as number);
      if (received.length === 50) all.resolve();
    });
    await all.promise;
    expect(received).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('rejects a request answered with an error reply, keeping code, message and typed fields', async () => {
    const { client } = await pair((conn) =>
      conn.onMessage(async (msg, c) => {
        if (msg.header.type === 'fetchBlock') {
          await c.replyError(msg, new DataflowError('FETCH_FAILED', 'block 3/0/5 is gone'), { reason: 'FetchFailed', shuffle: 3, map: 0 });
        } else {
          throw new DataflowError('UNKNOWN_MESSAGE', `no handler for ${msg.header.type}`);
        }
      }),
    );
    const failed = client.request({ header: { type: 'fetchBlock' } });
    await expect(failed).rejects.toBeInstanceOf(RemoteError);
    await expect(failed).rejects.toMatchObject({
      code: 'FETCH_FAILED',
      message: 'block 3/0/5 is gone',
      requestType: 'fetchBlock',
      header: { type: 'error', reason: 'FetchFailed', shuffle: 3, map: 0 },
    });
    // A handler that throws while serving a request answers it with an error instead of crashing.
    await expect(client.request({ header: { type: 'bogus' } })).rejects.toMatchObject({ code: 'UNKNOWN_MESSAGE', message: 'no handler for bogus' });
    // The connection is still fine.
    expect(client.isClosed).toBe(false);
  });

  it('rejects pending requests when the peer closes, naming the peer and the request', async () => {
    const { client, server } = await pair((conn) => {
      conn.onMessage(() => void conn.close('done'));
    });
    const pending = client.request({ header: { type: 'fetchBlock' } });
    await expect(pending).rejects.toBeInstanceOf(ConnectionError);
    await expect(pending).rejects.toThrow(`connection to 127.0.0.1:${server.port} closed while waiting for reply to fetchBlock (closed by peer 127.0.0.1:${server.port})`);
    await expect(client.send({ header: { type: 'late' } })).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
  });

  it('rejects pending requests when this side closes, and after a request timeout', async () => {
    const { client } = await pair(() => {});
    await expect(client.request({ header: { type: 'slow' } }, { timeoutMs: 30 })).rejects.toMatchObject({
      code: 'REQUEST_TIMEOUT',
      message: expect.stringContaining('no reply to slow from 127.0.0.1:') as unknown,
    });
    const pending = client.request({ header: { type: 'forever' } });
    const closing = client.close('shutting down');
    await expect(pending).rejects.toThrow(/closed while waiting for reply to forever \(shutting down\)/);
    await closing;
    const info = await closed(client);
    expect(info).toEqual({ reason: 'shutting down' });
  });

  it('refuses to reply to a message that was not a request', async () => {
    const outcome = deferred<unknown>();
    const { client } = await pair((conn) =>
      conn.onMessage((msg, c) => {
        c.reply(msg, { header: { type: 'x' } }).then(outcome.resolve, outcome.resolve);
      }),
    );
    await client.send({ header: { type: 'note' } });
    expect(await outcome.promise).toMatchObject({ code: 'NOT_A_REQUEST' });
  });

  it('closes the connection when a handler of a one-way message throws', async () => {
    const { client, serverConn } = await pair((conn) =>
      conn.onMessage(() => {
        throw new Error('handler bug');
      }),
    );
    const serverClosed = closed(serverConn);
    await client.send({ header: { type: 'note' } });
    expect((await serverClosed).reason).toMatch(/handler for 'note' from 127\.0\.0\.1:\d+ threw: handler bug/);
    await closed(client);
  });

  it('refuses to send a frame above the peer limit, and the connection stays usable', async () => {
    const { client } = await pair((conn) => conn.onMessage((msg, c) => c.reply(msg, { header: { type: 'ok' } })), {
      maxFrameBytes: 1024 * 1024,
    });
    expect(client.peerInfo.maxFrameBytes).toBe(1024 * 1024);
    await expect(client.send({ header: { type: 'huge' }, body: new Uint8Array(2 * 1024 * 1024) })).rejects.toThrow(FrameError);
    await expect(client.request({ header: { type: 'small' } })).resolves.toMatchObject({ header: { type: 'ok' } });
  });

  it('drops a peer that sends an oversized frame after the handshake, and serves others', async () => {
    const serverClosed = deferred<CloseInfo>();
    const server = opened.server(
      await listen({
        secret: SECRET,
        role: 'driver',
        maxFrameBytes: 1024 * 1024,
        onConnection: (conn) => {
          conn.onClose(serverClosed.resolve);
          conn.onMessage((msg, c) => c.reply(msg, { header: { type: 'ok' } }));
        },
      }),
    );
    // A client that authenticates properly, then ignores the announced limit.
    const socket = opened.socket(await rawConnect(server.port));
    await clientHandshake(socket, { secret: SECRET, role: 'rogue' });
    socket.resume();
    const header = Buffer.from('{"type":"huge"}');
    const prefix = Buffer.alloc(8);
    prefix.writeUInt32BE(header.length, 0);
    prefix.writeUInt32BE(2_000_000_000, 4);
    socket.write(Buffer.concat([prefix, header]));
    const info = await serverClosed.promise;
    expect(info.error).toBeInstanceOf(FrameError);
    expect(info.reason).toMatch(/malformed frame from 127\.0\.0\.1:\d+: frame header declares 2000000000 body bytes, above the 1048576-byte limit/);
    const good = opened.conn(await connect({ host: '127.0.0.1', port: server.port, secret: SECRET, role: 'executor' }));
    await expect(good.request({ header: { type: 'hello?' } })).resolves.toMatchObject({ header: { type: 'ok' } });
  });

  it('delivers a stream of frames of every size intact to a client (whose reads land in the bodies)', async () => {
    const sizes = [0, 1, 16383, 16384, 16385, 65535, 65536, 65537, 300_000, 7, 2_000_000, 3, 64 * 1024 * 8 + 5, 0, 1_000_001];
    const bodies = sizes.map((n) => randomFillSync(new Uint8Array(n)));
    const { client } = await pair((conn) =>
      conn.onMessage(async (msg, c) => {
        for (let i = 0; i < bodies.length; i++) void c.send({ header: { type: 'part', i }, body: bodies[i] });
        await c.reply(msg, { header: { type: 'done' } });
      }),
    );
    const got: Message[] = [];
    client.onMessage((msg) => void got.push(msg));
    await client.request({ header: { type: 'go' } });
    expect(got.map((m) => m.header.i)).toEqual(sizes.map((_, i) => i));
    expect(got.map((m) => sha256(m.body ?? new Uint8Array(0)))).toEqual(bodies.map(sha256));
  });

  it('delivers frames intact to many clients of one process reading at once (their reads share one buffer)', async () => {
    // Thousands of small frames too, so reads end inside prefixes and headers.
    const sizes = [5, 70_000, 3, 200_000, 16_000, 1, 40_000, ...Array.from({ length: 3000 }, (_, i) => i % 41), 100_000];
    // Each connection streams frames whose bytes name the client that asked, so a mix-up shows.
    const { server } = await pair((conn) =>
      conn.onMessage(async (msg, c) => {
        const id = msg.header.id as number;
        for (let i = 0; i < sizes.length; i++) void c.send({ header: { type: 'part', i }, body: new Uint8Array(sizes[i]!).fill(id) });
        await c.reply(msg, { header: { type: 'done' } });
      }),
    );
    const clients = await Promise.all(Array.from({ length: 12 }, async () => opened.conn(await connect({ host: '127.0.0.1', port: server.port, secret: SECRET, role: 'executor' }))));
    const received = await Promise.all(clients.map(async (client, id) => {
      const got: Message[] = [];
      client.onMessage((msg) => void got.push(msg));
      await client.request({ header: { type: 'go', id } });
      return got.map((m) => [m.body?.byteLength ?? 0, (m.body ?? new Uint8Array(0)).every((b) => b === id)]);
    }));
    for (const got of received) expect(got).toEqual(sizes.map((n) => [n, true]));
  });

  it('round-trips a 64 MB body intact through backpressure', async () => {
    const { client } = await pair((conn) => conn.onMessage((msg, c) => c.reply(msg, { header: { type: 'echo', bytes: msg.body?.byteLength }, body: msg.body })));
    const body = randomFillSync(new Uint8Array(64 * 1024 * 1024));
    const reply = await client.request({ header: { type: 'echo' }, body });
    expect(reply.header.bytes).toBe(body.byteLength);
    expect(reply.body?.byteLength).toBe(body.byteLength);
    expect(sha256(reply.body as Uint8Array)).toBe(sha256(body));
  });

  it('holds send() back while the peer reads nothing, and completes it once the peer reads', async () => {
    const accepted = deferred<Connection>();
    const server = opened.server(await listen({ secret: SECRET, role: 'driver', onConnection: accepted.resolve }));
    const socket = opened.socket(await rawConnect(server.port));
    await clientHandshake(socket, { secret: SECRET, role: 'slow-reader' }); // leaves the socket paused
    const conn = await accepted.promise;
    let sent = false;
    const sending = conn.send({ header: { type: 'bulk' }, body: new Uint8Array(64 * 1024 * 1024) }).then(() => {
      sent = true;
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(sent).toBe(false); // 64 MB cannot fit in the kernel's socket buffers while nobody reads
    let received = 0;
    socket.on('data', (chunk: Buffer) => (received += chunk.length));
    socket.resume();
    await sending;
    expect(received).toBeGreaterThan(0);
  });

  it('keeps many large one-way sends in order under backpressure', async () => {
    const got: Message[] = [];
    const done = deferred<void>();
    const { client } = await pair((conn) =>
      conn.onMessage((msg) => {
        got.push(msg);
        if (got.length === 8) done.resolve();
      }),
    );
    const bodies = Array.from({ length: 8 }, (_, i) => new Uint8Array(4 * 1024 * 1024).fill(i + 1));
    await Promise.all(bodies.map((body, i) => client.send({ header: { type: 'part', i }, body })));
    await done.promise;
    expect(got.map((m) => m.header.i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(got.every((m, i) => m.body?.byteLength === 4 * 1024 * 1024 && m.body.every((b) => b === i + 1))).toBe(true);
  });
});

describe('heartbeats', () => {
  it('close a connection whose peer goes silent', async () => {
    const serverClosed = deferred<CloseInfo>();
    const server = opened.server(
      await listen({
        secret: SECRET,
        role: 'driver',
        heartbeatIntervalMs: 50,
        heartbeatTimeoutMs: 200,
        onConnection: (conn) => conn.onClose(serverClosed.resolve),
      }),
    );
    // A peer that authenticates, then never answers anything (as a hung process would).
    const socket = opened.socket(await rawConnect(server.port));
    await clientHandshake(socket, { secret: SECRET, role: 'hung' });
    const info = await serverClosed.promise;
    expect(info.reason).toMatch(/^heartbeat timeout after 200 ms: nothing received from 127\.0\.0\.1:\d+$/);
    expect(info.error).toMatchObject({ code: 'HEARTBEAT_TIMEOUT' });
  });

  it('keep a connection whose peer kept pinging while this process was blocked', async () => {
    // The peer lives in another process, so its pings keep arriving while this event loop is
    // busy; once unblocked, the heartbeat must read them before judging the peer silent.
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../../fixtures/heartbeat-peer.ts', import.meta.url)), SECRET], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    try {
      const port = await new Promise<number>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
      const client = opened.conn(
        await connect({ host: '127.0.0.1', port, secret: SECRET, role: 'driver', heartbeatIntervalMs: 50, heartbeatTimeoutMs: 300 }),
      );
      const busyUntil = Date.now() + 900;
      while (Date.now() < busyUntil) { /* a long computation on this thread */ }
      await new Promise((r) => setTimeout(r, 200));
      expect(client.isClosed).toBe(false);
    } finally {
      child.stdin.end();
      await new Promise((r) => child.once('exit', r));
    }
  });

  it('close the client side too when the server goes silent', async () => {
    const silent = await rawServer((socket) => {
      void serverHandshake(socket, { secret: SECRET, role: 'hung-driver' });
    }, opened);
    const client = opened.conn(
      await connect({ host: '127.0.0.1', port: silent.port, secret: SECRET, role: 'executor', heartbeatIntervalMs: 50, heartbeatTimeoutMs: 200 }),
    );
    const pending = client.request({ header: { type: 'register' } });
    await expect(pending).rejects.toThrow(/closed while waiting for reply to register \(heartbeat timeout after 200 ms/);
    expect((await closed(client)).reason).toMatch(/^heartbeat timeout after 200 ms/);
  });

  it('keep an idle but live connection open (the peer answers pings)', async () => {
    const { client, serverConn } = await pair(() => {}, { heartbeatIntervalMs: 25, heartbeatTimeoutMs: 500 });
    await new Promise((r) => setTimeout(r, 1200));
    expect(serverConn.isClosed).toBe(false);
    expect(client.isClosed).toBe(false);
  });
});
