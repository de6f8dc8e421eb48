// The application monitor's thread (Spark runs its event log and its UI's status listener on queue
// threads of their own): packed batches of events in (packed-events.ts), their JSON lines written
// to the local log file here, or sent back to the driver's thread for other storage, and the events
// folded into the UI's status, whose queries it answers. A busy driver pays a few stores per event.

import { writevSync } from 'node:fs';
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { PackedLineWriter } from './event-line.ts';
import type { EngineEvent } from './events.ts';
import { answerQuery, applyEvent, emptyAppState, type AppState, type StatusQuery, type StatusViews } from './fold.ts';
import { LineChunks } from './line-chunks.ts';
import { EventUnpacker, type PackedBatch } from './packed-events.ts';

/**
 * What the writer posts, in order: a batch (`lines`: encode its lines; false for the batches whose
 * lines the driver's thread wrote before this thread ran, sent again to be folded), or a query of
 * the status folded so far (the batches before it included).
 */
export type ToMonitorThread =
  | { kind: 'batch'; batch: PackedBatch; lines: boolean }
  | { kind: 'query'; id: number; query: StatusQuery };

/**
 * What the thread answers, in the order asked: for each batch its lines as the first `lengths[i]`
 * bytes of each of `memory` (plain ArrayBuffers cross threads cheaper than Buffers; none when the
 * thread wrote them itself or there is no log) and the batch's own numbers, back to be packed into
 * again; for each query its answer, or why there is none.
 */
export type FromMonitorThread =
  | { kind: 'encoded'; seq: number; memory: ArrayBuffer[]; lengths: number[]; numbers: Float64Array }
  | { kind: 'answer'; id: number; answer?: StatusViews[StatusQuery['view']]; error?: string };

/**
 * What the thread starts with: the names the driver's line writer numbered so far, the flag the
 * writer raises to wake it at once, and a local log file it writes the lines to itself (from
 * `position` on: the writer's bytes before it; without a file, the lines go back to the writer);
 * `fold`: the application whose status it folds (the UI is on).
 */
export interface EncoderThreadData { names: string[]; wake: SharedArrayBuffer; file?: { fd: number; position: number }; fold?: { appId: string } }

/**
 * How long the thread sleeps between looks at its port. It never waits in its event loop: a thread
 * asleep there is woken by every message, and on this kind of machine (a VM with 2 vCPUs) that wake
 * cost the posting driver 0.05-6 ms a batch (bench/event-log.ts). Asleep in Atomics.wait instead, a
 * post costs the driver only the message's copy; the writer raises `wake` when it needs an answer now.
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
const state: AppState | undefined = data.fold ? emptyAppState(data.fold.appId) : undefined;
const unpacker = new EventUnpacker();
const fold = (event: EngineEvent): void => { applyEvent(state!, event); };
/** Why the status cannot be folded on (a bug in the fold): queries answer it; the log goes on. */
let foldError: string | undefined;

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

function received(message: ToMonitorThread): void {
  if (message.kind === 'query') {
    let answer: FromMonitorThread;
    if (!state) answer = { kind: 'answer', id: message.id, error: 'the application status is not folded (the UI is off)' };
    else if (foldError !== undefined) answer = { kind: 'answer', id: message.id, error: foldError };
    else answer = { kind: 'answer', id: message.id, answer: answerQuery(state, message.query) };
    port!.postMessage(answer);
    return;
  }
  const batch = message.batch;
  if (state && foldError === undefined) {
    try {
      unpacker.read(batch, fold, true); // the fold keeps no event of a task: the unpacker fills in the same two
    } catch (error) {
      foldError = `the application status could not be folded: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  let chunks: Buffer[] = [];
  if (message.lines) {
    lineWriter.write(batch, lines);
    if (file) writeAll(file.fd, lines.take());
    else chunks = lines.take(true); // each at the start of memory of its own
  }
  const memory = chunks.map((c) => c.buffer as ArrayBuffer);
  const answer: FromMonitorThread = { kind: 'encoded', seq: batch.seq, memory, lengths: chunks.map((c) => c.length), numbers: batch.numbers };
  port!.postMessage(answer, [...memory, batch.numbers.buffer as ArrayBuffer]);
}

for (let sleepMs = POLL_MS; ;) {
  Atomics.wait(wake, 0, 0, sleepMs);
  Atomics.store(wake, 0, 0);
  sleepMs = Math.min(2 * sleepMs, IDLE_POLL_MS);
  for (let message = receiveMessageOnPort(port); message !== undefined; message = receiveMessageOnPort(port)) {
    sleepMs = POLL_MS;
    received(message.message as ToMonitorThread);
  }
}
