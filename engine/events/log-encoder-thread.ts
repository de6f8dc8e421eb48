// The event log's encoder thread: packed batches of events in (packed-events.ts), their JSON lines
// written to the local log file here, or sent back to the driver's thread for other storage. Spark's
// event log listener runs on its own thread too: a busy driver pays a few stores per event, not the encoding.

import { writevSync } from 'node:fs';
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { PackedLineWriter } from './event-line.ts';
import { LineChunks } from './line-chunks.ts';
import type { PackedBatch } from './packed-events.ts';

/**
 * What the thread answers for each batch, in the order the batches came: the lines as the first
 * `lengths[i]` bytes of each of `memory` (plain ArrayBuffers cross threads cheaper than Buffers),
 * and the batch's own numbers, back to be packed into again.
 */
export interface EncodedBatch { seq: number; memory: ArrayBuffer[]; lengths: number[]; numbers: Float64Array }

/**
 * What the thread starts with: the names numbered so far, the flag the writer raises to wake it at
 * once, and a local log file it writes the lines to itself (from `position` on: the writer's bytes
 * before it); without a file, the lines go back to the writer (`memory` of each answer).
 */
export interface EncoderThreadData { names: string[]; wake: SharedArrayBuffer; file?: { fd: number; position: number } }

/**
 * How long the thread sleeps between looks at its port. It never waits in its event loop: a thread
 * asleep there is woken by every message, and on this kind of machine (a VM with 2 vCPUs) that wake
 * cost the posting driver 0.05-6 ms a batch (bench/event-log.ts). Asleep in Atomics.wait instead, a
 * post costs the driver only the message's copy; the writer raises `wake` when it needs lines now.
 */
const POLL_MS = 50;
/** An application gone quiet is looked at less and less often, down to once a second. */
const IDLE_POLL_MS = 1_000;

const port = parentPort;
if (!port) throw new Error('log-encoder-thread.ts runs as a worker thread of the event log writer');
const data = workerData as EncoderThreadData;
const wake = new Int32Array(data.wake);
const lineWriter = new PackedLineWriter(data.names);
const lines = new LineChunks();
const file = data.file;
let position = file?.position ?? 0;

/** Writes `chunks` at `position` on (positioned: the writer's own last writes may still be under way before it). */
function writeAll(fd: number, chunks: Buffer[]): void {
  for (let rest = chunks; rest.length > 0;) {
    let written = writevSync(fd, rest, position);
    position += written;
    // a short write leaves the rest for another round
    while (rest.length > 0 && written >= rest[0]!.length) written -= rest.shift()!.length;
    if (rest.length > 0 && written > 0) rest[0] = rest[0]!.subarray(written);
  }
}

for (let sleepMs = POLL_MS; ;) {
  Atomics.wait(wake, 0, 0, sleepMs);
  Atomics.store(wake, 0, 0);
  sleepMs = Math.min(2 * sleepMs, IDLE_POLL_MS);
  for (let received = receiveMessageOnPort(port); received !== undefined; received = receiveMessageOnPort(port)) {
    sleepMs = POLL_MS;
    const batch = received.message as PackedBatch;
    lineWriter.write(batch, lines);
    if (file) {
      writeAll(file.fd, lines.take());
      const answer: EncodedBatch = { seq: batch.seq, memory: [], lengths: [], numbers: batch.numbers };
      port.postMessage(answer, [batch.numbers.buffer as ArrayBuffer]);
      continue;
    }
    const chunks = lines.take(true); // each at the start of memory of its own
    const memory = chunks.map((c) => c.buffer as ArrayBuffer);
    const answer: EncodedBatch = { seq: batch.seq, memory, lengths: chunks.map((c) => c.length), numbers: batch.numbers };
    port.postMessage(answer, [...memory, batch.numbers.buffer as ArrayBuffer]);
  }
}
