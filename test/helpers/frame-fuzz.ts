// A seeded frame fuzzer for dataflow listeners: random and mutated frames (valid prefixes over bad
// JSON or bad bodies, truncated frames, oversized length prefixes, real message types with wrong
// fields) sent in bulk, before authentication and after a real one, with TLS off or on.
// Every choice comes from one seeded PRNG, so a failing run repeats from the printed seed.

import { readFileSync } from 'node:fs';
import net from 'node:net';
import { clientHandshake } from '../../engine/transport/index.ts';
import type { TlsSettings } from '../../engine/transport/index.ts';
import { clientTls } from '../../engine/transport/tls-upgrade.ts';
import { mulberry32 } from '../../engine/kernels/mulberry32.ts';

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export class Prng {
  private readonly random: () => number;
  constructor(seed: number) { this.random = mulberry32(seed); }
  next(): number { return this.random(); }
  int(n: number): number { return Math.floor(this.next() * n); }
  pick<T>(items: readonly T[]): T { return items[this.int(items.length)]!; }
  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}

/** Message types any endpoint knows, and fields they carry: the templates mutated. */
const TYPES = [
  'register', 'launchTask', 'taskFinished', 'taskFailed', 'fetchBundle', 'fetchBlob', 'fetchBroadcast', 'fetchBlocks',
  'fetchCached', 'dropCache', 'dropShuffle', 'dropBroadcast', 'executorStats', 'shutdown', 'registerExecutor',
  'registerApp', 'unregisterApp', 'launchApp', 'releaseApp', 'appReleased', 'ping', 'pong', 'error', 'hello', 'auth',
  'welcome', 'refused', 'starttls',
];
const FIELDS = [
  'appId', 'executorId', 'rid', 'replyTo', 'shuffleId', 'reducePartition', 'endPartition', 'maps', 'mapPartition', 'attempt',
  'cores', 'slots', 'pid', 'host', 'port', 'taskId', 'stageId', 'partition', 'blockId', 'broadcastId', 'name', 'protocol',
  'nonce', 'clientNonce', 'mac', 'role', 'maxFrameBytes', 'info', 'tls', 'code', 'reason', 'message', 'bundle', 'metrics',
];

export interface FuzzContext {
  /** Real values (an application id, executor ids, shuffle ids) the mutated frames reuse. */
  known: Record<string, unknown>;
}

function randomValue(rng: Prng, ctx: FuzzContext, depth = 0): unknown {
  switch (rng.int(depth > 1 ? 9 : 12)) {
    case 0: return rng.int(10);
    case 1: return rng.pick([-1, 0, 2 ** 31, 2 ** 32 + 1, 2 ** 53, -(2 ** 53), 1e308, 0.5, -0.0]);
    case 2: return rng.bytes(rng.int(12)).toString('latin1');
    case 3: return 'x'.repeat(rng.int(2) === 0 ? 300 : 20_000);
    case 4: return null;
    case 5: return rng.int(2) === 0;
    case 6: return rng.pick(Object.values(ctx.known));
    case 7: return rng.pick(TYPES);
    case 8: return '../../etc/passwd';
    case 9: return Array.from({ length: rng.int(6) }, () => randomValue(rng, ctx, depth + 1));
    case 10: return [[0, 0], [rng.int(1000), -1], [2 ** 31, 0]].slice(0, 1 + rng.int(3));
    default: {
      const out: Record<string, unknown> = {};
      for (let i = rng.int(4); i > 0; i--) out[rng.pick(FIELDS)] = randomValue(rng, ctx, depth + 1);
      return out;
    }
  }
}

/** Messages as real peers send them (fields from the context): mutated one or two fields at a time. */
function template(rng: Prng, ctx: FuzzContext): Record<string, unknown> {
  const k = ctx.known;
  const rid = 1 + rng.int(1_000_000);
  return { ...rng.pick([
    { type: 'register', executorId: `fuzz-${rng.int(1000)}`, host: '127.0.0.1', port: 1 + rng.int(65_535), slots: 1, pid: process.pid },
    { type: 'registerExecutor', executorId: `fuzz-${rng.int(1000)}`, host: '127.0.0.1', port: 1 + rng.int(65_535), cores: 1, pid: process.pid, rid },
    { type: 'registerApp', appName: 'fuzz', driverHost: '127.0.0.1', driverPort: 1 + rng.int(65_535), maxCores: 1, rid },
    { type: 'unregisterApp', appId: k.appId },
    { type: 'appReleased', appId: k.appId },
    { type: 'fetchBlocks', appId: k.appId, shuffleId: 0, maps: [[0, 0], [1, 0]], reducePartition: 0, endPartition: 1, rid },
    { type: 'fetchCached', appId: k.appId, cacheId: 0, partition: 0, rid },
    { type: 'taskFinished', taskId: rng.int(50), attempt: 0, executorId: k.executorId },
    { type: 'taskFailed', taskId: rng.int(50), attempt: 0, executorId: k.executorId, message: 'fuzz' },
    { type: 'executorStats', executorId: k.executorId, heapUsedBytes: 1 },
    { type: 'fetchBundle', appId: k.appId, rid },
    { type: 'fetchBroadcast', appId: k.appId, broadcastId: 0, rid },
  ]) };
}

/** A JSON header: a real message with a field or two wrong, or a known or random type with random fields. */
function randomHeader(rng: Prng, ctx: FuzzContext): Record<string, unknown> {
  if (rng.int(3) === 0) {
    const header = template(rng, ctx);
    for (let i = rng.int(3); i > 0; i--) {
      const fields = Object.keys(header).filter((f) => f !== 'type');
      const field = rng.int(4) === 0 ? rng.pick(FIELDS) : rng.pick(fields);
      if (rng.int(5) === 0) delete header[field];
      else header[field] = rng.int(3) === 0 && field in ctx.known ? ctx.known[field] : randomValue(rng, ctx);
    }
    return header;
  }
  return randomFields(rng, ctx);
}

function randomFields(rng: Prng, ctx: FuzzContext): Record<string, unknown> {
  const header: Record<string, unknown> = {};
  for (let i = rng.int(6); i > 0; i--) {
    const field = rng.int(8) === 0 ? rng.bytes(4).toString('hex') : rng.pick(FIELDS);
    header[field] = rng.int(3) === 0 && field in ctx.known ? ctx.known[field] : randomValue(rng, ctx);
  }
  if (rng.int(3) === 0) header.rid = rng.int(4) === 0 ? 'rid' : 1 + rng.int(1_000_000);
  header.type = rng.int(10) === 0 ? randomValue(rng, ctx) : rng.pick(TYPES);
  return header;
}

function prefix(headerLength: number, bodyLength: number): Buffer {
  const p = Buffer.allocUnsafe(8);
  p.writeUInt32BE(headerLength >>> 0, 0);
  p.writeUInt32BE(bodyLength >>> 0, 4);
  return p;
}

function frameOf(header: Buffer, body: Buffer): Buffer {
  return Buffer.concat([prefix(header.byteLength, body.byteLength), header, body]);
}

/** One well-formed frame (a valid prefix and JSON header) with wrong contents or a bad body. */
export function wellFormedFrame(rng: Prng, ctx: FuzzContext): Buffer {
  const header = Buffer.from(JSON.stringify(randomHeader(rng, ctx)));
  const body = rng.int(3) === 0 ? rng.bytes(rng.int(2_000)) : Buffer.alloc(0);
  return frameOf(header, body);
}

/** One frame that breaks the framing itself: the connection cannot go on after it. */
export function brokenFrame(rng: Prng, ctx: FuzzContext): Buffer {
  const header = Buffer.from(JSON.stringify(randomHeader(rng, ctx)));
  switch (rng.int(8)) {
    case 0: return rng.bytes(1 + rng.int(600)); // noise
    case 1: return prefix(0xffff_ffff, 0xffff_ffff); // 8 GB declared
    case 2: return Buffer.concat([prefix(header.byteLength, 0x7fff_ffff), header]); // body far above the limit
    case 3: return Buffer.concat([prefix(header.byteLength, 200 << 20), header, rng.bytes(100)]); // a big body that never comes
    case 4: return frameOf(Buffer.from(rng.pick(['{', '[]', 'null', '"x"', '{"type":5}', '{"type":""}', '\u0000\u0001', '{"type":"a"}x'])), Buffer.alloc(0));
    case 5: return frameOf(rng.bytes(1 + rng.int(60)), rng.bytes(rng.int(40))); // header not JSON
    case 6: { const f = frameOf(header, rng.bytes(rng.int(300))); return f.subarray(0, 1 + rng.int(f.byteLength - 1)); } // truncated
    default: return prefix(rng.int(16), rng.int(16)).subarray(0, 1 + rng.int(7)); // a cut prefix
  }
}

export interface Target { name: string; host: string; port: number }
export interface FuzzOptions { secret: string; tls?: TlsSettings; deadlineMs: number }
export interface BatchOutcome { frames: number; closedByServer: boolean; error?: string }

/**
 * Opens one connection, completes TLS (stage 'tls') or TLS and the handshake (stage 'authenticated')
 * as a real peer would, or neither (stage 'raw'), writes `frames`
 * in one go and ends its side; resolves once the server has closed the connection, or reports it
 * as a hang after `deadlineMs`.
 */
export async function sendBatch(target: Target, frames: Buffer[], stage: 'raw' | 'tls' | 'authenticated', options: FuzzOptions): Promise<BatchOutcome> {
  const raw = net.connect({ host: target.host, port: target.port });
  raw.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => { raw.once('connect', resolve); raw.once('error', reject); });
  let socket: net.Socket = raw;
  try {
    if (stage !== 'raw') {
      const secret = Buffer.from(options.secret);
      const upgraded = await clientTls(raw, { tls: options.tls, secret, timeoutMs: 10_000, host: target.host });
      socket = upgraded.socket;
      socket.on('error', () => undefined);
      if (stage === 'authenticated') {
        await clientHandshake(socket, { secret, role: 'executor', timeoutMs: 10_000, channelBinding: upgraded.channelBinding });
      }
    }
  } catch (error) {
    raw.destroy();
    return { frames: 0, closedByServer: false, error: `handshake with ${target.name} failed: ${(error as Error).message}` };
  }
  const closed = new Promise<boolean>((resolve) => {
    if (socket.closed) resolve(true);
    socket.once('close', () => resolve(true));
  });
  socket.resume(); // drop replies, so the server is never held up by a full socket
  socket.end(Buffer.concat(frames));
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([closed, new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), options.deadlineMs); })]);
  clearTimeout(timer);
  socket.destroy();
  raw.destroy();
  return { frames: frames.length, closedByServer: outcome };
}

/** Runs `tasks` with at most `width` at once. */
export async function inWaves<T>(tasks: Array<() => Promise<T>>, width: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, tasks.length) }, async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  }));
  return results;
}

/** Resident memory of a process in bytes (Linux /proc). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}
