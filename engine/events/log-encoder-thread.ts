// The event log's encoder thread: packed batches of events in (packed-events.ts), their JSON lines out
// as buffers whose memory moves back to the driver's thread, which writes them. Spark's event log
// listener runs on its own thread too: a busy driver pays a few stores per event, not the encoding.

import { parentPort, workerData } from 'node:worker_threads';
import { PackedLineWriter } from './event-line.ts';
import { LineChunks } from './line-chunks.ts';
import type { PackedBatch } from './packed-events.ts';

/**
 * What the thread answers for each batch, in the order the batches came: the lines as the first
 * `lengths[i]` bytes of each of `memory` (plain ArrayBuffers cross threads cheaper than Buffers),
 * and the batch's own numbers, back to be packed into again.
 */
export interface EncodedBatch { seq: number; memory: ArrayBuffer[]; lengths: number[]; numbers: Float64Array }

const port = parentPort;
if (!port) throw new Error('log-encoder-thread.ts runs as a worker thread of the event log writer');
const lineWriter = new PackedLineWriter((workerData as { names: string[] }).names);
const lines = new LineChunks();
port.on('message', (batch: PackedBatch) => {
  lineWriter.write(batch, lines);
  const chunks = lines.take(true); // each at the start of memory of its own
  const memory = chunks.map((c) => c.buffer as ArrayBuffer);
  const answer: EncodedBatch = { seq: batch.seq, memory, lengths: chunks.map((c) => c.length), numbers: batch.numbers };
  port.postMessage(answer, [...memory, batch.numbers.buffer as ArrayBuffer]);
});
