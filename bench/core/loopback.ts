// Reference figures for shuffle throughput: how fast bytes move between two Node processes over
// loopback TCP, (a) through a raw net.Socket and (b) through the engine's own framed, authenticated
// transport. The receiver (this process) times each transfer from the accepted connection to the
// last byte; the sender is a child process (loopback-sender.ts), so both ends have their own core.
// Child start-up is not timed.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { listen } from '../../engine/transport/index.ts';
import type { Connection } from '../../engine/transport/index.ts';

const SENDER = fileURLToPath(new URL('./loopback-sender.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface LoopbackOptions {
  /** Bytes per transfer (e.g. 1 GiB). */
  bytes: number;
  /** Bytes per write / frame (e.g. 4 MiB). */
  chunk: number;
}

/** MB/s (10^6 bytes per second) at the receiver for one transfer each way. */
export interface LoopbackRates {
  raw: number;
  engine: number;
}

/**
 * One raw transfer, then one through the engine's transport, each from a fresh sender process.
 * Call it between the runs of the figure it is a reference for, so both see the same machine load.
 *
 * @example
 * const { raw, engine } = await measureLoopbackOnce({ bytes: 1 << 30, chunk: 4 << 20 });
 * console.log(raw, 'MB/s');
 */
export async function measureLoopbackOnce(options: LoopbackOptions): Promise<LoopbackRates> {
  return { raw: await rawLoopback(options), engine: await engineLoopback(options) };
}

async function rawLoopback(options: LoopbackOptions): Promise<number> {
  const rates: number[] = [];
  const failures: Error[] = [];
  const server = net.createServer({ noDelay: true }, (socket) => {
    const started = performance.now();
    let received = 0;
    socket.on('data', (data: Buffer) => (received += data.byteLength));
    socket.on('error', (error) => failures.push(error));
    socket.on('end', () => {
      const ms = performance.now() - started;
      if (received !== options.bytes) failures.push(new Error(`raw loopback: received ${received} bytes, expected ${options.bytes}`));
      rates.push(received / 1e3 / ms);
      socket.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await runSender('raw', (server.address() as AddressInfo).port, options, {});
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  if (failures.length > 0) throw failures[0];
  if (rates.length !== 1) throw new Error(`raw loopback: ${rates.length} transfers completed, expected 1`);
  return rates[0]!;
}

async function engineLoopback(options: LoopbackOptions): Promise<number> {
  const secret = randomBytes(32).toString('hex');
  const rates: number[] = [];
  const server = await listen({
    secret, role: 'bench-receiver',
    onConnection: (conn: Connection) => {
      const started = performance.now();
      let received = 0;
      conn.onMessage(async (msg) => {
        if (msg.header.type === 'chunk') received += msg.body?.byteLength ?? 0;
        if (msg.header.type !== 'done') return;
        const ms = performance.now() - started;
        if (received !== options.bytes) throw new Error(`engine loopback: received ${received} bytes, expected ${options.bytes}`);
        rates.push(received / 1e3 / ms);
        await conn.reply(msg, { header: { type: 'ok' } });
      });
    },
  });
  try {
    await runSender('engine', server.port, options, { BENCH_SECRET: secret });
  } finally {
    await server.close();
  }
  if (rates.length !== 1) throw new Error(`engine loopback: ${rates.length} transfers completed, expected 1`);
  return rates[0]!;
}

function runSender(mode: 'raw' | 'engine', port: number, options: LoopbackOptions, env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SENDER, mode, String(port), String(options.bytes), String(options.chunk), '1'], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'inherit', 'pipe'],
      env: { ...process.env, ...env },
    });
    let stderr = '';
    child.stderr.on('data', (data: Buffer) => (stderr = (stderr + data.toString()).slice(-2000)));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`loopback sender (${mode}) ${signal ? `was killed by ${signal}` : `exited with code ${code}`}: ${stderr.trim()}`));
    });
  });
}
