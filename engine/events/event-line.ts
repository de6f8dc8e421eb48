// Event-log lines written from packed events (packed-events.ts), byte for byte JSON.stringify of each
// event in UTF-8. A task's TaskStart and TaskEnd (nearly all of a log) are written field by field
// from their numbers, with no object or string built: strings built per task, and their flattening on
// write, were most of what the log cost (bench/event-log.ts). A field added to TaskStart or TaskEnd
// goes into the packed layout and here (test/unit/events/event-line.test.ts compares every shape).

import type { EngineEvent } from './events.ts';
import { LineChunks } from './line-chunks.ts';
import { EventPacker, F, LINE, TASK_END, TASK_START, TASK_START_WIDTH, TASK_END_WIDTH, type PackedBatch, STATUSES } from './packed-events.ts';

/**
 * Writes the lines of `batch` (each followed by a newline) into `into`; `names` are the batch's
 * names and those of the batches before it, in order.
 */
export function writePackedLines(batch: PackedBatch, names: readonly string[], into: LineChunks): void {
  const n = batch.numbers;
  for (let row = 0; row < batch.length;) {
    const kind = n[row]!;
    if (kind === TASK_START) {
      const executor = names[n[row + F.executor]!]!;
      const host = names[n[row + F.host]!]!;
      const b = into.room(400 + 6 * (executor.length + host.length));
      into.wrote(newline(b, writeTaskStart(n, row, executor, host, b, into.position)));
      row += TASK_START_WIDTH;
    } else if (kind === TASK_END) {
      const executor = names[n[row + F.executor]!]!;
      const failure = n[row + F.failure]! >= 0 ? batch.texts[n[row + F.failure]!]! : undefined;
      const failureKind = n[row + F.failureKind]! >= 0 ? batch.texts[n[row + F.failureKind]!]! : undefined;
      const b = into.room(1000 + 6 * (executor.length + (failure?.length ?? 0) + (failureKind?.length ?? 0)));
      into.wrote(newline(b, writeTaskEnd(n, row, executor, failure, failureKind, b, into.position)));
      row += TASK_END_WIDTH;
    } else if (kind === LINE) {
      const line = batch.texts[n[row + 1]!]!;
      // JSON escapes a UTF-16 unit to at most 6 bytes (\uXXXX), and UTF-8 takes at most 3 for one
      const b = into.room(3 * line.length + 1);
      into.wrote(newline(b, into.position + b.write(line, into.position)));
      row += 2;
    } else {
      throw new Error(`a packed event batch holds an unknown kind ${kind} at ${row}`);
    }
  }
}

/**
 * One event's line (without its newline), as the log writes it.
 *
 * @example eventLine({ event: 'JobEnd', time: 5, jobId: 0, status: 'succeeded' })
 *   // '{"event":"JobEnd","time":5,"jobId":0,"status":"succeeded"}'
 */
export function eventLine(e: EngineEvent): string {
  const packer = new EventPacker(64);
  packer.push(e);
  const batch = packer.take();
  const lines = new LineChunks();
  writePackedLines(batch, batch.newNames, lines);
  return Buffer.concat(lines.take()).toString('utf8').slice(0, -1);
}

function newline(b: Buffer, end: number): number {
  b[end] = 0x0a;
  return end + 1;
}

const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'latin1'));
const KEY = {
  startTime: bytes('{"event":"TaskStart","time":'), endTime: bytes('{"event":"TaskEnd","time":'), stageId: bytes(',"stageId":'),
  stageAttempt: bytes(',"stageAttempt":'), taskId: bytes(',"taskId":'), partition: bytes(',"partition":'), attempt: bytes(',"attempt":'),
  executorId: bytes(',"executorId":'), host: bytes(',"host":'), close: bytes('}'),
  statusThenDuration: STATUSES.map((s) => bytes(`,"status":"${s}","durationMs":`)),
  io: [
    ',"io":{"inputBytes":', ',"inputRecords":', ',"shuffleReadBytes":', ',"shuffleReadRecords":', ',"shuffleWriteBytes":', ',"shuffleWriteRecords":',
    ',"outputRecords":', ',"spillBytes":', ',"peakMemoryBytes":',
  ].map(bytes),
  failure: bytes(',"failure":'), failureKind: bytes(',"failureKind":'),
};

/** The fields TaskStart and TaskEnd share, from time to attempt. */
function writeTaskHead(n: Float64Array, row: number, opening: Uint8Array, b: Buffer, at: number): number {
  at = num(b, raw(b, at, opening), n[row + F.time]!);
  at = num(b, raw(b, at, KEY.stageId), n[row + F.stageId]!);
  at = num(b, raw(b, at, KEY.stageAttempt), n[row + F.stageAttempt]!);
  at = num(b, raw(b, at, KEY.taskId), n[row + F.taskId]!);
  at = num(b, raw(b, at, KEY.partition), n[row + F.partition]!);
  return num(b, raw(b, at, KEY.attempt), n[row + F.attempt]!);
}

function writeTaskStart(n: Float64Array, row: number, executor: string, host: string, b: Buffer, at: number): number {
  at = writeTaskHead(n, row, KEY.startTime, b, at);
  at = str(b, raw(b, at, KEY.executorId), executor);
  at = str(b, raw(b, at, KEY.host), host);
  return raw(b, at, KEY.close);
}

function writeTaskEnd(n: Float64Array, row: number, executor: string, failure: string | undefined, failureKind: string | undefined, b: Buffer, at: number): number {
  at = writeTaskHead(n, row, KEY.endTime, b, at);
  at = str(b, raw(b, at, KEY.executorId), executor);
  at = num(b, raw(b, at, KEY.statusThenDuration[n[row + F.status]!]!), n[row + F.durationMs]!);
  for (let i = 0; i < KEY.io.length; i++) at = num(b, raw(b, at, KEY.io[i]!), n[row + F.io + i]!);
  at = raw(b, at, KEY.close);
  if (failure !== undefined) at = str(b, raw(b, at, KEY.failure), failure);
  if (failureKind !== undefined) at = str(b, raw(b, at, KEY.failureKind), failureKind);
  return raw(b, at, KEY.close);
}

/** Copies constant bytes. */
function raw(b: Buffer, at: number, piece: Uint8Array): number {
  b.set(piece, at);
  return at + piece.length;
}

/** A number as JSON writes it: integers digit by digit, others by String(), NaN and ±Infinity as null. */
function num(b: Buffer, at: number, x: number): number {
  if (x >= 0 && x < 1e9 && (x | 0) === x && !Object.is(x, -0)) return smallInt(b, at, x);
  if (Number.isSafeInteger(x)) {
    if (x < 0) {
      b[at++] = 0x2d;
      x = -x;
    }
    if (x < 1e9) return smallInt(b, at, x);
    // two halves of at most 9 digits each, so that the digits come from int32 arithmetic
    const high = Math.floor(x / 1e9);
    at = smallInt(b, at, high);
    let low = x - high * 1e9;
    for (let i = at + 8; i >= at; i--) {
      const next = (low / 10) | 0;
      b[i] = 0x30 + low - next * 10;
      low = next;
    }
    return at + 9;
  }
  return at + b.write(Number.isFinite(x) ? String(x) : 'null', at, 'latin1');
}

/** 0 <= x < 1e9, an integer. */
function smallInt(b: Buffer, at: number, x: number): number {
  const digits = x < 10 ? 1 : x < 100 ? 2 : x < 1000 ? 3 : x < 10_000 ? 4 : x < 100_000 ? 5 : x < 1_000_000 ? 6 : x < 10_000_000 ? 7 : x < 100_000_000 ? 8 : 9;
  for (let i = at + digits - 1; i >= at; i--) {
    const next = (x / 10) | 0;
    b[i] = 0x30 + x - next * 10;
    x = next;
  }
  return at + digits;
}

/** JSON of the short strings tasks repeat (executor ids, hosts), encoded once. */
const encodedStrings = new Map<string, Uint8Array>();

function str(b: Buffer, at: number, text: string): number {
  let encoded = encodedStrings.get(text);
  if (encoded === undefined) {
    if (text.length > 64 || encodedStrings.size >= 1024) return at + b.write(JSON.stringify(text), at);
    encoded = new Uint8Array(Buffer.from(JSON.stringify(text), 'utf8'));
    encodedStrings.set(text, encoded);
  }
  return raw(b, at, encoded);
}
