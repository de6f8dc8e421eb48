// Child process of the loopback benchmark (core/loopback.ts): connects to the parent on 127.0.0.1
// and sends `bytes` bytes in `chunk`-byte pieces, `runs` times, each run on a new connection.
//
//   node --import tsx bench/core/loopback-sender.ts raw|engine <port> <bytes> <chunk> <runs>
//
// raw:    a plain net.Socket, writes honouring backpressure, then end().
// engine: the engine's transport (connect + HMAC handshake), one frame per chunk, then a 'done'
//         request that the receiver answers once it has seen every byte. Secret in BENCH_SECRET.

import net from 'node:net';
import { once } from 'node:events';
import { randomFillSync } from 'node:crypto';
import { connect } from '../../engine/transport/index.ts';

const [mode, portText, bytesText, chunkText, runsText] = process.argv.slice(2);
const port = Number(portText);
const total = Number(bytesText);
const chunk = randomFillSync(Buffer.allocUnsafe(Number(chunkText)));
const runs = Number(runsText);

async function sendRaw(): Promise<void> {
  const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
  await once(socket, 'connect');
  for (let sent = 0; sent < total; sent += chunk.byteLength) {
    const piece = total - sent >= chunk.byteLength ? chunk : chunk.subarray(0, total - sent);
    if (!socket.write(piece)) await once(socket, 'drain');
  }
  socket.end();
  await once(socket, 'close');
}

async function sendFramed(): Promise<void> {
  const conn = await connect({ host: '127.0.0.1', port, secret: process.env.BENCH_SECRET ?? '', role: 'bench-sender' });
  for (let sent = 0; sent < total; sent += chunk.byteLength) {
    const piece = total - sent >= chunk.byteLength ? chunk : chunk.subarray(0, total - sent);
    await conn.send({ header: { type: 'chunk' }, body: piece });
  }
  await conn.request({ header: { type: 'done' } });
  await conn.close();
}

for (let run = 0; run < runs; run++) {
  if (mode === 'raw') await sendRaw();
  else if (mode === 'engine') await sendFramed();
  else throw new Error(`loopback-sender: mode must be raw or engine, got ${String(mode)}`);
}
