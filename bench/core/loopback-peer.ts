// Child processes of the loopback benchmark (core/loopback.ts): the senders and the receivers.
//
//   node --import tsx bench/core/loopback-peer.ts raw|raw-receiver|engine|engine-receiver <port> <bytes> <chunk> <runs>
//
// raw:    listens on 127.0.0.1 (port 0: prints the port it got on stdout) and, for each of `runs`
//         connections made to it, writes the bytes through a plain net.Socket honouring
//         backpressure, then end().
// raw-receiver: dials a raw sender at <port> `runs` times and reads each transfer with `onread`
//         into one reused buffer of <chunk> bytes (a dialled socket allows it, a server socket
//         does not: the fastest way a Node process reads a socket), or with 'data' events when
//         <chunk> is 0; prints each transfer's MB/s, from the connection to its last byte.
// engine: listens through the engine's transport (listen: HMAC handshake; prints the port),
//         answers each 'go' request with the bytes as one frame per chunk (sends honouring
//         backpressure), then the reply, and ends after `runs` requests. Secret in BENCH_SECRET.
// engine-receiver: dials an engine sender at <port>, as a reducer dials the block server it fetches
//         from (so both figures read with what a dialled socket allows), asks for `runs` transfers
//         one after the other and prints each one's MB/s on a line of its own. A process of its
//         own, started with an executor's environment, as the receiving end of a fetch is: the
//         frames it receives are garbage the benchmark's driver process would otherwise collect.

import net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { once } from 'node:events';
import { randomFillSync } from 'node:crypto';
import { connect, listen } from '../../engine/transport/index.ts';

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

/** Dials the raw sender at `port` `runs` times and times each transfer to its last byte. */
async function receiveRaw(): Promise<void> {
  const read = chunk.byteLength; // the reused buffer is `chunk` itself
  for (let run = 0; run < runs; run++) {
    let received = 0;
    const socket = read === 0
      ? net.connect({ host: '127.0.0.1', port, noDelay: true })
      : net.connect({ host: '127.0.0.1', port, noDelay: true, onread: { buffer: chunk, callback: (n: number) => ((received += n), true) } });
    if (read === 0) socket.on('data', (data: Buffer) => void (received += data.byteLength));
    await once(socket, 'connect');
    const started = performance.now();
    await once(socket, 'end');
    const ms = performance.now() - started;
    socket.end();
    if (received !== total) throw new Error(`raw loopback: received ${received} bytes, expected ${total}`);
    process.stdout.write(`${received / 1e3 / ms}\n`);
  }
}

/** Dials the engine sender at `port` and times `runs` transfers, from each request to its reply. */
async function receiveFramed(): Promise<void> {
  const conn = await connect({ host: '127.0.0.1', port, secret: process.env.BENCH_SECRET ?? '', role: 'bench-receiver' });
  try {
    let received = 0;
    conn.onMessage((msg) => {
      if (msg.header.type === 'chunk') received += msg.body?.byteLength ?? 0;
    });
    for (let run = 0; run < runs; run++) {
      received = 0;
      const started = performance.now();
      await conn.request({ header: { type: 'go' } });
      const ms = performance.now() - started;
      if (received !== total) throw new Error(`engine loopback: received ${received} bytes, expected ${total}`);
      process.stdout.write(`${received / 1e3 / ms}\n`);
    }
  } finally {
    await conn.close();
  }
}

if (mode === 'raw') await serveRaw();
else if (mode === 'raw-receiver') await receiveRaw();
else if (mode === 'engine') await serveFramed();
else if (mode === 'engine-receiver') await receiveFramed();
else throw new Error(`loopback-peer: mode must be raw, raw-receiver, engine or engine-receiver, got ${String(mode)}`);
