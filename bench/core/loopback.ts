// Reference figures for shuffle throughput: how fast bytes move between two Node processes over
// loopback TCP, (a) through a raw net.Socket and (b) through the engine's own framed, authenticated
// transport. The receiver dials the sender, a child process (loopback-peer.ts), so both ends have
// their own core, and times each transfer to its last byte. Dialling is how a reducer reaches the
// block server it fetches from, and what lets a socket be read with `onread`. Each receiver is a
// second child, the engine's with an executor's environment (as the receiving end of a fetch is):
// not this process, the shuffle benchmark's driver, whose sessions' threads and collections
// slowed the raw receiver while it lived here (2026-12-04: the raw reference read 2,880-3,170
// MB/s interleaved, against 5,148-5,559 in the calibration before the sessions opened, and the
// engine's transport, received in a child, 1.2-1.3× of it). Child start-up is not timed.
//
// The raw figure is meant as the best a Node process pair can do, not a strawman: the receiver
// reads with `onread` into one reused buffer (no fresh 64 KiB Buffer per read, which is what
// 'data' events cost, and what halved the reference before), and calibrateRawLoopback tries
// several write sizes and read-buffer sizes; the interleaved runs take the fastest of its best few.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { executorEnvironment } from '../../engine/cluster/local-cluster.ts';

const PEER = fileURLToPath(new URL('./loopback-peer.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** How the raw transfer writes and reads: write size, and the reused read buffer ('data' = plain 'data' events). */
export interface RawConfig {
  write: number;
  read: number | 'data';
}

export interface LoopbackOptions {
  /** Bytes per transfer (e.g. 1 GiB). */
  bytes: number;
  /** Bytes per engine frame (e.g. 4 MiB). */
  chunk: number;
  /** The raw transfer's configurations (the fastest few of calibrateRawLoopback): the round's raw figure is the fastest of them. */
  raw: RawConfig[];
}

/** MB/s (10^6 bytes per second) at the receiver: the fastest raw configuration's transfer, and the engine's. */
export interface LoopbackRates {
  raw: number;
  /** The configuration that gave `raw`. */
  rawConfig: RawConfig;
  engine: number;
}

/** Every configuration tried and its MB/s (best of its rounds), fastest first. */
export interface RawCalibration {
  best: RawConfig;
  tried: Array<{ config: RawConfig; mbPerSec: number }>;
}

const WRITE_SIZES = [64 << 10, 256 << 10, 1 << 20, 4 << 20, 16 << 20];
const READ_MODES: Array<number | 'data'> = ['data', 256 << 10, 1 << 20, 4 << 20];

/**
 * Raw loopback with every write size × read mode above, `rounds` times each (a sender per write
 * size, the read modes alternating on its connections), to pick the configuration the interleaved
 * runs use.
 *
 * @example
 * const { best } = await calibrateRawLoopback(512 << 20, 2); // e.g. { write: 4194304, read: 4194304 }
 */
export async function calibrateRawLoopback(bytes: number, rounds: number): Promise<RawCalibration> {
  const rates = new Map<string, { config: RawConfig; mbPerSec: number }>();
  for (let round = 0; round < rounds; round++) {
    for (const write of WRITE_SIZES) {
      const sender = await startRawSender(bytes, write, READ_MODES.length);
      try {
        for (const read of READ_MODES) {
          const [mbPerSec] = await receiveRaw(sender.port, bytes, read, 1);
          const key = `${write}/${read}`;
          const seen = rates.get(key);
          if (!seen || seen.mbPerSec < mbPerSec) rates.set(key, { config: { write, read }, mbPerSec });
        }
      } finally {
        await sender.exited;
      }
    }
  }
  const tried = [...rates.values()].sort((a, b) => b.mbPerSec - a.mbPerSec);
  return { best: tried[0]!.config, tried };
}

/** How a raw configuration is described in tables. @example describeRaw({ write: 4 << 20, read: 1 << 20 }) // '4 MiB writes, reads into a reused 1 MiB buffer' */
export function describeRaw(config: RawConfig): string {
  const size = (n: number): string => (n >= 1 << 20 ? `${n / 2 ** 20} MiB` : `${n / 1024} KiB`);
  return `${size(config.write)} writes, ${config.read === 'data' ? "'data' events" : `reads into a reused ${size(config.read)} buffer`}`;
}

/**
 * One raw transfer per configuration of `options.raw`, then one through the engine's transport,
 * each from a fresh sender process and each the second of two in a row (the first unrecorded), as
 * each recorded shuffle run follows an unrecorded one of its session (core/shuffle-throughput.ts):
 * whatever ran just before does not set either figure back. The raw figure is the fastest
 * configuration's: the calibration's single pick was a gamble under load (2026-12-04, two runs of
 * bench/core: 64 KiB writes, picked at 5,450 MB/s, read 2,820 best between the shuffle runs, where
 * the engine's transport, with 4 MiB frames, read 4,156; 4 MiB writes, picked in the next run, read
 * 4,871). Call it between the runs of the figure it is a reference for, so both see the same
 * machine load.
 *
 * @example
 * const { raw, engine } = await measureLoopbackOnce({ bytes: 1 << 30, chunk: 4 << 20, raw: [calibration.best] });
 * console.log(raw, 'MB/s');
 */
export async function measureLoopbackOnce(options: LoopbackOptions): Promise<LoopbackRates> {
  let fastest: { raw: number; rawConfig: RawConfig } | undefined;
  for (const config of options.raw) {
    const raw = await rawLoopback(options.bytes, config);
    if (!fastest || raw > fastest.raw) fastest = { raw, rawConfig: config };
  }
  if (!fastest) throw new Error('measureLoopbackOnce: no raw configuration given');
  return { ...fastest, engine: await engineLoopback(options) };
}

/** The second of two transfers of `bytes` from one sender (see measureLoopbackOnce). */
async function rawLoopback(bytes: number, config: RawConfig): Promise<number> {
  const sender = await startRawSender(bytes, config.write, 2);
  try {
    return (await receiveRaw(sender.port, bytes, config.read, 2))[1]!; // the first unrecorded
  } finally {
    await sender.exited;
  }
}

/** A raw sender child listening for `runs` connections. */
function startRawSender(bytes: number, write: number, runs: number): Promise<{ port: number; exited: Promise<void> }> {
  return startSender('raw', bytes, write, runs, process.env);
}

/** A sender child listening for `runs` connections, once it has printed its port. */
async function startSender(mode: 'raw' | 'engine', bytes: number, chunk: number, runs: number, env: NodeJS.ProcessEnv): Promise<{ port: number; exited: Promise<void> }> {
  const child = spawnPeer(mode, 0, bytes, chunk, runs, env, 'pipe');
  const exited = exitOf(child, mode);
  const port = await new Promise<number>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (data: Buffer) => {
      text += data.toString();
      if (text.includes('\n')) resolve(Number(text.trim()));
    });
    exited.then(() => reject(new Error(`${mode} loopback sender exited before listening`)), reject);
  });
  return { port, exited };
}

/** A raw receiver child dialling the sender at `port` for `runs` transfers; each one's MB/s. */
function receiveRaw(port: number, bytes: number, read: number | 'data', runs: number): Promise<number[]> {
  return receiverRates('raw-receiver', port, bytes, read === 'data' ? 0 : read, runs, process.env);
}

/** Runs a receiver child (`mode`) against the sender at `port`; the MB/s it printed, one per transfer. */
async function receiverRates(mode: 'raw-receiver' | 'engine-receiver', port: number, bytes: number, chunk: number, runs: number, env: NodeJS.ProcessEnv): Promise<number[]> {
  const receiver = spawnPeer(mode, port, bytes, chunk, runs, env, 'pipe');
  let text = '';
  receiver.stdout!.on('data', (data: Buffer) => (text += data.toString()));
  await exitOf(receiver, mode);
  const rates = text.trim().split('\n').map(Number);
  if (rates.length !== runs || !rates.every((r) => r > 0)) throw new Error(`${mode} printed ${JSON.stringify(text)}, expected ${runs} MB/s figures`);
  return rates;
}

/**
 * An engine-transport sender and a receiver child dialling it (handshake included, not timed) for
 * two transfers; MB/s of the second, from the request to its reply, which follows the last frame.
 * Both children run with the environment local[N] gives executors.
 */
async function engineLoopback(options: LoopbackOptions): Promise<number> {
  const env = { ...executorEnvironment(process.env), BENCH_SECRET: randomBytes(32).toString('hex') };
  const sender = await startSender('engine', options.bytes, options.chunk, 2, env);
  try {
    return (await receiverRates('engine-receiver', sender.port, options.bytes, options.chunk, 2, env))[1]!; // the first unrecorded (see measureLoopbackOnce)
  } finally {
    await sender.exited;
  }
}

function spawnPeer(mode: 'raw' | 'raw-receiver' | 'engine' | 'engine-receiver', port: number, bytes: number, chunk: number, runs: number, env: NodeJS.ProcessEnv, stdout: 'pipe' | 'inherit'): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', PEER, mode, String(port), String(bytes), String(chunk), String(runs)], {
    cwd: REPO_ROOT,
    stdio: ['ignore', stdout, 'pipe'],
    env,
  });
}

function exitOf(child: ChildProcess, mode: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr!.on('data', (data: Buffer) => (stderr = (stderr + data.toString()).slice(-2000)));
    child.on('error', reject);
    child.on('close', (code, signal) => { // after its stdio closed: all it printed was read
      if (code === 0) resolve();
      else reject(new Error(`loopback peer (${mode}) ${signal ? `was killed by ${signal}` : `exited with code ${code}`}: ${stderr.trim()}`));
    });
  });
}
