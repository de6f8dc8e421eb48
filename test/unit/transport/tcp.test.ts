// Tests of listen/connect over real TCP on 127.0.0.1: unreachable endpoints, ports in use, closing a
// server with connections open, and a server that survives a failing connection handler.

import net from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ConnectionError } from '../../../engine/transport/connection-errors.ts';
import type { CloseInfo } from '../../../engine/transport/connection.ts';
import { connect, listen } from '../../../engine/transport/tcp.ts';
import { Opened, SECRET, deferred, openTcpHandles } from './helpers.ts';

const opened = new Opened();
afterEach(() => opened.closeAll());
afterAll(async () => expect(await openTcpHandles()).toEqual([]));

/** A port on 127.0.0.1 where nothing listens (it was free a moment ago). */
async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('connect', () => {
  it('names the endpoint and the system error when nothing listens', async () => {
    const port = await freePort();
    const attempt = connect({ host: '127.0.0.1', port, secret: SECRET, role: 'executor' });
    await expect(attempt).rejects.toBeInstanceOf(ConnectionError);
    await expect(attempt).rejects.toMatchObject({ code: 'CONNECT_FAILED' });
    await expect(attempt).rejects.toThrow(`cannot connect to dataflow endpoint 127.0.0.1:${port}: ECONNREFUSED (nothing is listening there`);
  });
});

describe('listen', () => {
  it('picks a free port on 127.0.0.1 by default and reports it', async () => {
    const server = opened.server(await listen({ secret: SECRET, role: 'driver', onConnection: () => {} }));
    expect(server.host).toBe('127.0.0.1');
    expect(server.port).toBeGreaterThan(0);
    const conn = opened.conn(await connect({ host: server.host, port: server.port, secret: SECRET, role: 'executor' }));
    expect(conn.peerInfo.role).toBe('driver');
  });

  it('says which address is taken', async () => {
    const first = opened.server(await listen({ secret: SECRET, role: 'driver', onConnection: () => {} }));
    await expect(listen({ port: first.port, secret: SECRET, role: 'driver', onConnection: () => {} })).rejects.toThrow(
      `cannot listen on 127.0.0.1:${first.port}: EADDRINUSE (the port is taken; pick another one or pass port 0)`,
    );
  });

  it('closes its open connections when it closes', async () => {
    const serverSide = deferred<CloseInfo>();
    const server = await listen({ secret: SECRET, role: 'driver', onConnection: (conn) => conn.onClose(serverSide.resolve) });
    const client = opened.conn(await connect({ host: '127.0.0.1', port: server.port, secret: SECRET, role: 'executor' }));
    const clientSide = deferred<CloseInfo>();
    client.onClose(clientSide.resolve);
    await client.send({ header: { type: 'hello' } });
    await new Promise((r) => setTimeout(r, 20));
    expect(server.connections.size).toBe(1);
    await server.close();
    expect((await serverSide.promise).reason).toBe(`transport server on 127.0.0.1:${server.port} closed`);
    expect((await clientSide.promise).reason).toMatch(/^closed by peer|^connection to .* failed/);
    expect(server.connections.size).toBe(0);
  });

  it('survives an onConnection handler that throws', async () => {
    let calls = 0;
    const server = opened.server(
      await listen({
        secret: SECRET,
        role: 'driver',
        onConnection: (conn) => {
          calls++;
          if (calls === 1) throw new Error('setup bug');
          conn.onMessage((msg, c) => c.reply(msg, { header: { type: 'ok' } }));
        },
      }),
    );
    const first = opened.conn(await connect({ host: '127.0.0.1', port: server.port, secret: SECRET, role: 'executor' }));
    const firstClosed = deferred<CloseInfo>();
    first.onClose(firstClosed.resolve);
    await firstClosed.promise;
    const second = opened.conn(await connect({ host: '127.0.0.1', port: server.port, secret: SECRET, role: 'executor' }));
    await expect(second.request({ header: { type: 'ping?' } })).resolves.toMatchObject({ header: { type: 'ok' } });
  });
});
