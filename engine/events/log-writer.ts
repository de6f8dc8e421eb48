// The event log's writer: one JSON line per event, for one application, written incrementally so a
// driver killed outright (SIGKILL, the OOM killer) leaves a log that opens in `dataflow history`.
//
// The model:
//  - append() packs each event into numbers (packed-events.ts): a few stores, nothing kept on the
//    JS heap for the garbage collector to copy or promote. appendBatch() takes a batch of the
//    driver's bus, whose tasks are packed already: their rows are copied as they are.
//  - The first THREAD_AFTER_EVENTS events are encoded as lines (event-line.ts) on the caller's
//    thread, batch by batch; after them a thread of the writer's own (log-encoder-thread.ts) takes
//    the batches: what the log cost a job of short tasks, measured by bench/event-log.ts. Both write
//    the same lines (one PackedLineWriter's): a task started and ended within a batch on one line.
//  - With `fold` (the live UI is on) that thread also folds the events into the UI's status and
//    answers its queries (query()), so the driver's thread neither folds nor keeps the status. The
//    batches packed before the thread ran are kept (as numbers) and sent to it first, to be folded
//    only; until then the monitor folds on the driver's thread (app-monitor.ts). With no log
//    (withoutLog) the writer only feeds that fold.
//  - Lines leave in batches (every FLUSH_MS, or sooner once BATCH_BYTES wait), never one write per
//    event, never a synchronous call on the driver's thread; once the thread encodes, it also writes
//    a local file itself (its own positioned writes after the driver's bytes). The driver's thread
//    never wakes another thread but to flush on demand or for a UI query (waking one cost it
//    0.05-6 ms on a 2-vCPU VM).
//
//   local dir   <dir>/<appId>.jsonl.inprogress, appended batch by batch, renamed <appId>.jsonl at close
//   s3://...    <dir>/<appId>.jsonl.inprogress/part-00000, part-00001...: each upload (every
//               S3_FLUSH_MS, or S3_PART_BYTES) is a new object, since S3 cannot append; at close the
//               parts are joined into <appId>.jsonl and removed. A crash loses at most the last interval.

import { mkdir, open, rename, type FileHandle } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { joinLocation, localPath, schemeOf, storageFor, type Storage, type StorageOptions } from '../../connectors/storage/index.ts';
import type { EngineEvent } from './events.ts';
import { PackedLineWriter } from './event-line.ts';
import { LineChunks } from './line-chunks.ts';
import type { StatusQuery, StatusViews } from './fold.ts';
import type { EncoderThreadData, FromMonitorThread, ToMonitorThread } from './log-encoder-thread.ts';
import { EventPacker, type ObjectBatch, type PackedBatch } from './packed-events.ts';

const ENCODER_THREAD = new URL('./log-encoder-thread.mjs', import.meta.url);

const FLUSH_MS = 250;
const BATCH_BYTES = 256 * 1024;
const S3_FLUSH_MS = 5_000;
const S3_PART_BYTES = 8 * 1024 * 1024;
/**
 * Events after which the lines are encoded on a thread of the log's own (log-encoder-thread.ts), the
 * driver's thread only packing each event into numbers: a job of many short tasks then pays a few
 * stores per event. Below it, starting the thread would cost more than it saves.
 */
const THREAD_AFTER_EVENTS = 4_096;

export const IN_PROGRESS = '.inprogress';
export const LOG_EXTENSION = '.jsonl';

/** Where lines go: appended to a local file, or uploaded as parts (or nowhere: no log, only the UI's fold). */
interface LogSink {
  readonly location: string;
  /** Whether it takes lines at all. */
  readonly lines: boolean;
  /** A local file's descriptor, which the encoder thread may write to itself (positioned writes). */
  readonly fd?: number;
  write(chunks: Buffer[]): Promise<void>;
  finish(): Promise<string>;
}

export interface LogWriterOptions extends StorageOptions {
  /** Events after which encoding moves to the encoder thread (default THREAD_AFTER_EVENTS; Infinity: never). */
  threadAfterEvents?: number;
  /** Also fold the events into application `appId`'s status on the encoder thread, once it runs (query() answers from it). */
  fold?: { appId: string };
}

export class EventLogWriter {
  /** Events packed, not yet encoded. */
  private readonly packer = new EventPacker();
  /** Writes lines on this thread until the encoder thread takes over (it keeps the names numbered so far). */
  private readonly lineWriter = new PackedLineWriter();
  /** Lines encoded on this thread. */
  private readonly lines = new LineChunks();
  /** Encoded lines waiting to be written, in order, and their bytes. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes handed to the sink so far (written, or queued to be): where the encoder thread's writes start. */
  private queuedBytes = 0;
  /** Once encoding has moved to the encoder thread: the thread, and its answers so far, in order. */
  private encoder: EncoderThread | undefined;
  private encoded: Promise<void> = Promise.resolve();
  private appended = 0;
  private timer: NodeJS.Timeout | undefined;
  /** The writes so far, in order: each batch starts once the previous one ended. */
  private chain: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private closed = false;
  /** With `fold`, until the encoder thread runs: every batch taken so far (its numbers cut to length), for the thread to fold first. */
  private kept: PackedBatch[] | undefined;

  private constructor(
    private readonly sink: LogSink, private readonly flushMs: number, private readonly batchBytes: number, private readonly threadAfter: number,
    private readonly fold: { appId: string } | undefined,
  ) {
    if (fold) this.kept = [];
  }

  /**
   * Creates `<appId>.jsonl.inprogress` in `dir` (a local folder, created if needed, or s3://).
   *
   * @example
   * const log = await EventLogWriter.open('/tmp/dataflow-events', 'app-20260101120000-ab12');
   * log.append({ event: 'JobEnd', time: Date.now(), jobId: 0, status: 'succeeded' });
   * await log.close(); // '/tmp/dataflow-events/app-20260101120000-ab12.jsonl'
   */
  static async open(dir: string, appId: string, options: LogWriterOptions = {}): Promise<EventLogWriter> {
    const threadAfter = options.threadAfterEvents ?? THREAD_AFTER_EVENTS;
    if (schemeOf(dir) === 's3') {
      return new EventLogWriter(new S3Parts(storageFor(dir, options), joinLocation(dir, `${appId}${LOG_EXTENSION}`)), S3_FLUSH_MS, S3_PART_BYTES, threadAfter, options.fold);
    }
    if (schemeOf(dir) !== 'file') throw new Error(`the event log cannot be written to ${dir}: use a local folder or an s3:// location`);
    const folder = localPath(dir);
    await mkdir(folder, { recursive: true });
    const final = join(folder, `${appId}${LOG_EXTENSION}`);
    const handle = await open(final + IN_PROGRESS, 'wx');
    return new EventLogWriter(new LocalFile(handle, final), FLUSH_MS, BATCH_BYTES, threadAfter, options.fold);
  }

  /** A writer with no log: the events only go to application `appId`'s status fold on the encoder thread (the UI is on, the log off). */
  static withoutLog(appId: string, options: Pick<LogWriterOptions, 'threadAfterEvents'> = {}): EventLogWriter {
    return new EventLogWriter(new NoLog(), FLUSH_MS, BATCH_BYTES, options.threadAfterEvents ?? THREAD_AFTER_EVENTS, { appId });
  }

  /** Whether the encoder thread folds the status now: query() answers, and nobody else need fold. */
  get folds(): boolean {
    return this.fold !== undefined && this.encoder !== undefined;
  }

  /**
   * `query` answered from the status the encoder thread folded of every event appended before it.
   * Only once `folds`: before, the caller folds the events itself.
   */
  async query<Q extends StatusQuery>(query: Q): Promise<StatusViews[Q['view']]> {
    if (!this.encoder || !this.fold) throw new Error('the event log writer does not fold the status (yet): fold the events where they are appended');
    this.encodeWaiting();
    return (await this.encoder.query(query)) as StatusViews[Q['view']];
  }

  /** Where the log is being written (its in-progress name). */
  get location(): string {
    return this.sink.location;
  }

  /** Queues one event's line; it is written with the next batch. */
  append(event: EngineEvent): void {
    if (this.closed) return;
    this.packer.push(event);
    this.counted();
    this.armTimer();
  }

  /**
   * append() for each event of a batch of the driver's bus but those of kind `skip` (events the log
   * does not take), in order: its rows copied as they are (EventPacker.appendBatch).
   */
  appendBatch<E extends { event: string }>(batch: ObjectBatch<E>, skip: E['event']): void {
    if (this.closed) return;
    this.counted(this.packer.appendBatch(batch.rows, batch.objects, batch.names, skip));
    this.armTimer();
  }

  /** After `events` more were packed: the encoder thread started after the first `threadAfter`, a full batch taken. */
  private counted(events = 1): void {
    const before = this.appended;
    this.appended += events;
    if (before < this.threadAfter && this.appended >= this.threadAfter) {
      this.encodeWaiting();
      this.writePending();
      // a local file the thread writes itself, after the bytes queued here (a write of its own costs
      // the driver's thread ~0.1 ms: libuv wakes a pool thread); other sinks get the lines back
      const file = this.sink.fd === undefined ? undefined : { fd: this.sink.fd, position: this.queuedBytes };
      this.encoder = new EncoderThread({ names: this.lineWriter.knownNames, file, fold: this.fold, lines: this.sink.lines }, this.packer, this.kept ?? []);
      this.kept = undefined;
    } else if (this.packer.full) this.encodeWaiting();
  }

  private armTimer(): void {
    if (this.timer !== undefined) return;
    // a batch that cannot be encoded ends the log, never the application (this runs from a timer)
    this.timer = setTimeout(() => { try { void this.flush(false).catch((error: unknown) => this.failed(error)); } catch (error) { this.failed(error); } }, this.flushMs);
    this.timer.unref();
  }

  /**
   * Writes what is waiting; resolves once it is written (and every batch before it). `now`: wake the
   * encoder thread for it (a reader waits); the writer's own timer lets the thread come round to it.
   */
  flush(now = true): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.encodeWaiting();
    if (now) this.encoder?.wakeUp();
    // the thread's answers so far, then what they and this thread encoded, written in order
    return this.encoded.then(() => {
      this.writePending();
      return this.chain;
    });
  }

  /** Writes the rest and gives the log its final name; returns that name. */
  async close(): Promise<string> {
    if (this.closed) return this.sink.location;
    await this.flush();
    this.closed = true;
    this.encoder?.stop();
    return this.sink.finish();
  }

  /** Encodes the events packed so far: here, or on the encoder thread once there is one. */
  private encodeWaiting(): void {
    if (this.packer.size === 0) return;
    const batch = this.packer.take();
    if (this.encoder) {
      const answer = this.encoder.encode(batch);
      this.encoded = this.encoded.then(async () => this.addPending(await answer)).catch((error: unknown) => this.failed(error));
      return;
    }
    // no spread: a spread of a batch cost ~4 us on Node 20 (listener-bus.ts)
    const { seq, numbers, length, newNames, texts, specials, count } = batch;
    this.kept?.push({ seq, numbers: numbers.slice(0, length), length, newNames, texts, specials, count });
    if (!this.sink.lines) return;
    this.lineWriter.write(batch, this.lines);
    this.addPending(this.lines.take());
  }

  private addPending(chunks: Buffer[]): void {
    for (const chunk of chunks) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
    }
    if (this.pendingBytes >= this.batchBytes) this.writePending();
  }

  private writePending(): void {
    if (this.pendingBytes === 0) return;
    const chunks = this.pending;
    this.queuedBytes += this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    this.chain = this.chain.then(() => (this.failure ? undefined : this.sink.write(chunks))).catch((error: unknown) => this.failed(error));
  }

  private failed(error: unknown): void {
    if (this.failure) return;
    this.failure = error instanceof Error ? error : new Error(String(error));
    process.stderr.write(`dataflow: the event log ${this.sink.location} could not be written (${this.failure.message}); the events that follow are not logged\n`);
  }
}

/** The encoder thread, as the writer sees it: a batch posted, its lines' buffers back in order; a query posted, its answer back. */
class EncoderThread {
  private readonly worker: Worker;
  /** Raised (and notified) to wake the thread before its next look at the port. */
  private readonly wake = new Int32Array(new SharedArrayBuffer(4));
  private readonly waiting = new Map<number, { resolve: (chunks: Buffer[]) => void; reject: (error: Error) => void }>();
  private readonly asked = new Map<number, { resolve: (answer: StatusViews[StatusQuery['view']]) => void; reject: (error: Error) => void }>();
  private nextQuery = 0;
  private readonly lines: boolean;
  private error: Error | undefined;

  /**
   * @param start the names the batches to come refer to besides their own new ones; a local file the
   *   thread writes the lines to itself, from `position` on (without it, the lines come back); the
   *   application whose status it folds, if any; whether there are lines to encode at all
   * @param packer where the batches' numbers go back to, to be packed into again
   * @param folded the batches before the thread, whose lines were written: sent first, to be folded only
   */
  constructor(
    start: { names: readonly string[]; file: { fd: number; position: number } | undefined; fold: { appId: string } | undefined; lines: boolean },
    private readonly packer: EventPacker, folded: PackedBatch[],
  ) {
    this.lines = start.lines;
    const data: EncoderThreadData = {
      names: [...start.names], wake: this.wake.buffer as SharedArrayBuffer, ...(start.file ? { file: start.file } : {}), ...(start.fold ? { fold: start.fold } : {}),
    };
    this.worker = new Worker(ENCODER_THREAD, { workerData: data });
    this.worker.unref();
    this.worker.on('message', (message: FromMonitorThread) => {
      if (message.kind === 'answer') {
        const asker = this.asked.get(message.id);
        this.asked.delete(message.id);
        this.settled();
        if (message.error !== undefined) asker?.reject(new Error(message.error));
        else asker?.resolve(message.answer);
        return;
      }
      const waiter = this.waiting.get(message.seq);
      this.waiting.delete(message.seq);
      this.settled();
      this.packer.recycle(message.numbers);
      waiter?.resolve(message.memory.map((memory, i) => Buffer.from(memory, 0, message.lengths[i])));
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`the event log's encoder thread ended (exit code ${code})`)));
    for (const batch of folded) this.post({ kind: 'batch', batch, lines: false }, batch.numbers);
  }

  encode(batch: PackedBatch): Promise<Buffer[]> {
    if (this.error) return Promise.reject(this.error);
    return new Promise((resolve, reject) => {
      // while an answer is awaited the thread keeps the process alive, so a flush at exit completes
      if (this.waiting.size + this.asked.size === 0) this.worker.ref();
      this.waiting.set(batch.seq, { resolve, reject });
      this.post({ kind: 'batch', batch, lines: this.lines }, batch.numbers);
    });
  }

  /** `query` answered from the status the thread folded of every batch posted before it (the thread is woken for it). */
  query(query: StatusQuery): Promise<StatusViews[StatusQuery['view']]> {
    if (this.error) return Promise.reject(this.error);
    return new Promise((resolve, reject) => {
      if (this.waiting.size + this.asked.size === 0) this.worker.ref();
      const id = this.nextQuery++;
      this.asked.set(id, { resolve, reject });
      this.post({ kind: 'query', id, query });
      this.wakeUp();
    });
  }

  /** Has the thread look at its port now rather than at its next poll. */
  wakeUp(): void {
    Atomics.store(this.wake, 0, 1);
    Atomics.notify(this.wake, 0);
  }

  /**
   * Ends the thread, without waiting for it to be gone (10-15 ms of a driver's stop): everything
   * asked of it is answered by now, and an unref'd thread does not keep the process alive.
   */
  stop(): void {
    this.error ??= new Error('the event log is closed');
    void this.worker.terminate();
  }

  private post(message: ToMonitorThread, numbers?: Float64Array): void {
    this.worker.postMessage(message, numbers ? [numbers.buffer as ArrayBuffer] : []);
  }

  /** Once nothing is awaited of the thread, it no longer keeps the process alive. */
  private settled(): void {
    if (this.waiting.size + this.asked.size === 0) this.worker.unref();
  }

  private fail(error: Error): void {
    this.error ??= error;
    for (const waiter of this.waiting.values()) waiter.reject(this.error);
    for (const asker of this.asked.values()) asker.reject(this.error);
    this.waiting.clear();
    this.asked.clear();
  }
}

/** No log: the writer only feeds the status fold (the UI on, the event log off). */
class NoLog implements LogSink {
  readonly location = '';
  readonly lines = false;

  async write(): Promise<void> {}

  async finish(): Promise<string> {
    return '';
  }
}

class LocalFile implements LogSink {
  readonly lines = true;

  constructor(private readonly handle: FileHandle, private readonly final: string) {}

  get fd(): number {
    return this.handle.fd;
  }

  get location(): string {
    return this.final + IN_PROGRESS;
  }

  async write(chunks: Buffer[]): Promise<void> {
    await this.handle.writev(chunks);
  }

  async finish(): Promise<string> {
    await this.handle.close();
    await rename(this.final + IN_PROGRESS, this.final);
    return this.final;
  }
}

class S3Parts implements LogSink {
  readonly lines = true;
  private parts = 0;

  constructor(private readonly storage: Storage, private readonly final: string) {}

  get location(): string {
    return this.final + IN_PROGRESS;
  }

  async write(chunks: Buffer[]): Promise<void> {
    await this.storage.write(`${this.location}/part-${String(this.parts).padStart(5, '0')}`, Buffer.concat(chunks));
    this.parts++;
  }

  async finish(): Promise<string> {
    const storage = this.storage;
    const parts = (await storage.list(`${this.location}/`, { recursive: true })).map((e) => e.path);
    async function* joined(): AsyncGenerator<Uint8Array> {
      for (const part of parts) yield await storage.readAll(part);
    }
    await storage.write(this.final, joined());
    await storage.delete(this.location, { recursive: true });
    return this.final;
  }
}
