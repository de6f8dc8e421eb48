// Limits on unauthenticated connections of a real listener on 127.0.0.x: caps overall and per
// remote address that close the oldest pending handshakes first, the handshake deadline, room for
// authenticated peers, and refused peers logged at a bounded rate.

import net from 'node:net';
import type { Socket } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../engine/errors.ts';
import { connect, listen } from '../../../engine/transport/tcp.ts';
import type { ListenOptions } from '../../../engine/transport/tcp.ts';
import { RefusalLog, hostOf } from '../../../engine/transport/refusal-log.ts';
import { Opened, SECRET, openTcpHandles } from './helpers.ts';

const opened = new Opened();
afterEach(() => opened.closeAll());
afterAll(async () => expect(await openTcpHandles()).toEqual([]));

interface Idle { socket: Socket; closed: boolean }

/** An idle plain TCP connection from `localAddress` (any of 127.0.0.0/8 reaches the listener). */
async function idle(port: number, localAddress = '127.0.0.1'): Promise<Idle> {
  const socket = opened.socket(net.connect({ host: '127.0.0.1', port, localAddress }));
  socket.on('error', () => undefined);
  socket.resume(); // read the server's hello, so its close is seen
  const entry: Idle = { socket, closed: false };
  socket.once('close', () => { entry.closed = true; });
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
  return entry;
}

async function until(check: () => boolean, what: string, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function server(extra: Partial<ListenOptions> = {}) {
  const lines: string[] = [];
  const s = opened.server(await listen({
    secret: SECRET, role: 'driver', log: (line) => lines.push(line),
    onConnection: (conn) => conn.onMessage((msg, c) => c.reply(msg, { header: { type: 'pong' } })),
    ...extra,
  }));
  return { server: s, lines };
}

describe('unauthenticated connections of a listener', () => {
  it('past the cap close the oldest first, and an authenticated peer still gets in and stays', async () => {
    const { server: s, lines } = await server({ maxUnauthenticated: 8, maxUnauthenticatedPerAddress: 100, handshakeTimeoutMs: 30_000 });
    const first = await connect({ host: '127.0.0.1', port: s.port, secret: SECRET, role: 'executor' });
    opened.conn(first);
    const sockets: Idle[] = [];
    for (let i = 0; i < 40; i++) sockets.push(await idle(s.port));
    await until(() => sockets.filter((x) => x.closed).length === 32, '32 of 40 idle connections closed');
    // the oldest 32 went, the newest 8 wait for their deadline
    expect(sockets.map((x) => x.closed)).toEqual([...Array(32).fill(true), ...Array(8).fill(false)]);
    const late = opened.conn(await connect({ host: '127.0.0.1', port: s.port, secret: SECRET, role: 'executor' }));
    expect((await late.request({ header: { type: 'ping?' } })).header.type).toBe('pong');
    expect((await first.request({ header: { type: 'ping?' } })).header.type).toBe('pong');
    expect(s.connections.size).toBe(2);
    expect(sockets.filter((x) => x.closed)).toHaveLength(33); // the client made room for itself
    // one line for the first refusal, the rest counted in a summary (written when the listener closes)
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^refused 127\.0\.0\.1:\d+: closed before authenticating: 8 connections were in the handshake \(maxUnauthenticated\)/);
    await s.close();
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^refused 32 more peer connections within 10 s \(32 UNAUTHENTICATED_LIMIT\); from 127\.0\.0\.1 \(32\)$/);
  });

  it('past the cap of one address close that address\'s oldest, not another\'s', async () => {
    const { server: s } = await server({ maxUnauthenticated: 100, maxUnauthenticatedPerAddress: 4, handshakeTimeoutMs: 30_000 });
    const quiet = [await idle(s.port, '127.0.0.3'), await idle(s.port, '127.0.0.3')];
    const noisy: Idle[] = [];
    for (let i = 0; i < 10; i++) noisy.push(await idle(s.port, '127.0.0.2'));
    await until(() => noisy.filter((x) => x.closed).length === 6, '6 of 10 connections from 127.0.0.2 closed');
    expect(noisy.map((x) => x.closed)).toEqual([...Array(6).fill(true), ...Array(4).fill(false)]);
    expect(quiet.map((x) => x.closed)).toEqual([false, false]);
  });

  it('are closed at the handshake deadline, and told why', async () => {
    const { server: s, lines } = await server({ handshakeTimeoutMs: 300 });
    const sockets = [await idle(s.port), await idle(s.port), await idle(s.port)];
    await until(() => sockets.every((x) => x.closed), 'the idle connections closed at the deadline');
    expect(lines[0]).toMatch(/^refused 127\.0\.0\.1:\d+: handshake with 127\.0\.0\.1:\d+ did not complete within 300 ms/);
    expect(lines).toHaveLength(1);
  });

  it('refuses limits that are not positive integers, naming the option', async () => {
    await expect(listen({ secret: SECRET, role: 'driver', onConnection: () => undefined, maxUnauthenticated: 0 }))
      .rejects.toThrow(InvalidInputError);
    await expect(listen({ secret: SECRET, role: 'driver', onConnection: () => undefined, maxUnauthenticatedPerAddress: 2.5 }))
      .rejects.toThrow(/maxUnauthenticatedPerAddress must be a positive integer.*got 2\.5/);
  });
});

describe('RefusalLog', () => {
  it('writes the first refusal of each kind per interval, then one summary of the rest', async () => {
    const lines: string[] = [];
    const log = new RefusalLog((line) => lines.push(line), 200);
    for (let i = 0; i < 500; i++) log.refused('HANDSHAKE_TIMEOUT', `10.0.0.${i % 5}:${1000 + i}`, 'closed: no handshake within 5000 ms');
    log.refused('AUTH_FAILED', '10.0.0.9:4000', 'wrong secret');
    log.refused('AUTH_FAILED', '[::1]:4001', 'wrong secret');
    expect(lines).toEqual(['refused 10.0.0.0:1000: closed: no handshake within 5000 ms', 'refused 10.0.0.9:4000: wrong secret']);
    await new Promise((r) => setTimeout(r, 300));
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('refused 500 more peer connections within 0.2 s (499 HANDSHAKE_TIMEOUT, 1 AUTH_FAILED); from 10.0.0.1 (100), 10.0.0.2 (100), 10.0.0.3 (100) and 3 more addresses');
    expect(hostOf('[::1]:4001')).toBe('::1');
  });
});
