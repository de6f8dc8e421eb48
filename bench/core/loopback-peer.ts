// Child process of the loopback benchmark (core/loopback.ts): sends `bytes` bytes in `chunk`-byte
// writes, `runs` times.
//
//   node --import tsx bench/core/loopback-sender.ts raw|engine <port> <bytes> <chunk> <runs>
//
// raw:    listens on 127.0.0.1 (port 0: prints the port it got on stdout) and, for each of `runs`
//         connections the parent makes, writes the bytes through a plain net.Socket honouring
//         backpressure, then end(). The parent connects so that it can read with `onread` into one
//         reused buffer (a server socket cannot), the fastest way a Node process reads a socket.
// engine: listens through the engine's transport (listen: HMAC handshake; prints the port) and,
//         for each of `runs` connections, answers the parent's 'go' request with the bytes as one
//         frame per chunk (sends honouring backpressure), then the reply. The parent dials, as the
//         raw receiver does and as a reducer dials the block server it fetches from, so both
//         figures read with what a dialled socket allows. Secret in BENCH_SECRET.

import net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { once } from 'node:events';
import { randomFillSync } from 'node:crypto';
import { listen } from '../../engine/transport/index.ts';

const [mode, portText, bytesText, chunkText, runsText] = process.argv.slice(2);
const port = Number(portText);
const total = Number(bytesText);
const chunk = randomFillSync(Buffer.allocUnsafe(Number(chunkText)));
const runs = Number(runsText);

async function sendRaw(socket: Socket): Promise<void> {
  for (let sent = 0; sent < total; sent += chunk.byteLength) {
    const piece = total - sent >= chunk.byteLength ? chunk : chunk.subarray(0, total - sent);
    if (!socket.write(piece)) await once(socket, 'drain');
  }
  socket.end();
  await once(socket, 'close');
}

async function serveRaw(): Promise<void> {
  // Connections are queued as they come: the next one may arrive while a transfer is still closing.
  const accepted: Socket[] = [];
  let wake: (() => void) | undefined;
  const server = net.createServer({ noDelay: true }, (socket) => {
    accepted.push(socket);
    wake?.();
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
  for (let run = 0; run < runs; run++) {
    while (accepted.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    await sendRaw(accepted.shift()!);
  }
  server.close();
}

async function serveFramed(): Promise<void> {
  let served = 0;
  let allServed!: () => void;
  const finished = new Promise<void>((resolve) => (allServed = resolve));
  const server = await listen({
    secret: process.env.BENCH_SECRET ?? '', role: 'bench-sender', port,
    onConnection: (conn) => conn.onMessage(async (msg, c) => {
      if (msg.header.type !== 'go') return;
      for (let sent = 0; sent < total; sent += chunk.byteLength) {
        const piece = total - sent >= chunk.byteLength ? chunk : chunk.subarray(0, total - sent);
        await c.send({ header: { type: 'chunk' }, body: piece });
      }
      await c.reply(msg, { header: { type: 'done' } });
      if (++served === runs) allServed();
    }),
  });
  process.stdout.write(`${server.port}\n`);
  await finished;
  await server.close();
}

if (mode === 'raw') await serveRaw();
else if (mode === 'engine') await serveFramed();
else throw new Error(`loopback-sender: mode must be raw or engine, got ${String(mode)}`);
