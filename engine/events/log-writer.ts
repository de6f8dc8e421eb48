// The event log's writer: one JSON line per event, for one application, written incrementally so a
// driver killed outright (SIGKILL, the OOM killer) leaves a log that opens in `dataflow history`.
// Each event becomes its JSON line (event-line.ts) as it arrives, encoded at once into a buffer
// outside the JS heap: neither the event nor its line outlives the call, so the garbage collector
// never copies or promotes them (what the log cost most, measured by bench/event-log.ts). Buffers
// leave in batches (every FLUSH_MS, or sooner once BATCH_BYTES wait), never one write per event,
// never a synchronous call.
//
//   local dir   <dir>/<appId>.jsonl.inprogress, appended batch by batch, renamed <appId>.jsonl at close
//   s3://...    <dir>/<appId>.jsonl.inprogress/part-00000, part-00001...: each upload (every
//               S3_FLUSH_MS, or S3_PART_BYTES) is a new object, since S3 cannot append; at close the
//               parts are joined into <appId>.jsonl and removed. A crash loses at most the last interval.

import { mkdir, open, rename, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { joinLocation, localPath, schemeOf, storageFor, type Storage, type StorageOptions } from '../../connectors/storage/index.ts';
import type { EngineEvent } from './events.ts';
import { eventLine } from './event-line.ts';

const FLUSH_MS = 250;
const BATCH_BYTES = 256 * 1024;
const S3_FLUSH_MS = 5_000;
const S3_PART_BYTES = 8 * 1024 * 1024;
/** The size of each buffer lines are encoded into (a longer line gets a buffer of its own size). */
const CHUNK_BYTES = 64 * 1024;

export const IN_PROGRESS = '.inprogress';
export const LOG_EXTENSION = '.jsonl';

/** Where lines go: appended to a local file, or uploaded as parts. */
interface LogSink {
  readonly location: string;
  write(chunks: Buffer[]): Promise<void>;
  finish(): Promise<string>;
}

export class EventLogWriter {
  /** Filled buffers waiting to be written, and the one being filled (`used` bytes of it). */
  private filled: Buffer[] = [];
  private current: Buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0;
  private waitingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  /** The writes so far, in order: each batch starts once the previous one ended. */
  private chain: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private closed = false;

  private constructor(private readonly sink: LogSink, private readonly flushMs: number, private readonly batchBytes: number) {}

  /**
   * Creates `<appId>.jsonl.inprogress` in `dir` (a local folder, created if needed, or s3://).
   *
   * @example
   * const log = await EventLogWriter.open('/tmp/dataflow-events', 'app-20260101120000-ab12');
   * log.append({ event: 'JobEnd', time: Date.now(), jobId: 0, status: 'succeeded' });
   * await log.close(); // '/tmp/dataflow-events/app-20260101120000-ab12.jsonl'
   */
  static async open(dir: string, appId: string, options: StorageOptions = {}): Promise<EventLogWriter> {
    if (schemeOf(dir) === 's3') return new EventLogWriter(new S3Parts(storageFor(dir, options), joinLocation(dir, `${appId}${LOG_EXTENSION}`)), S3_FLUSH_MS, S3_PART_BYTES);
    if (schemeOf(dir) !== 'file') throw new Error(`the event log cannot be written to ${dir}: use a local folder or an s3:// location`);
    const folder = localPath(dir);
    await mkdir(folder, { recursive: true });
    const final = join(folder, `${appId}${LOG_EXTENSION}`);
    const handle = await open(final + IN_PROGRESS, 'wx');
    return new EventLogWriter(new LocalFile(handle, final), FLUSH_MS, BATCH_BYTES);
  }

  /** Where the log is being written (its in-progress name). */
  get location(): string {
    return this.sink.location;
  }

  /** Queues one event's line; it is written with the next batch. */
  append(event: EngineEvent): void {
    if (this.closed) return;
    const line = eventLine(event);
    const most = line.length * 3 + 1; // UTF-8 takes at most 3 bytes per UTF-16 unit
    if (this.used + most > this.current.length) {
      if (this.used > 0) this.filled.push(this.current.subarray(0, this.used));
      this.current = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, most));
      this.used = 0;
    }
    const bytes = this.current.write(line, this.used) + 1;
    this.current[this.used + bytes - 1] = 0x0a;
    this.used += bytes;
    this.waitingBytes += bytes;
    if (this.waitingBytes >= this.batchBytes) void this.flush();
    else if (this.timer === undefined) {
      this.timer = setTimeout(() => void this.flush(), this.flushMs);
      this.timer.unref();
    }
  }

  /** Writes what is waiting; resolves once it is written (and every batch before it). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.waitingBytes > 0) {
      const chunks = this.filled;
      if (this.used > 0) chunks.push(this.current.subarray(0, this.used));
      // what is left of the current buffer is filled next: its written part now belongs to `chunks`
      this.current = this.current.subarray(this.used);
      this.used = 0;
      this.filled = [];
      this.waitingBytes = 0;
      this.chain = this.chain.then(() => (this.failure ? undefined : this.sink.write(chunks))).catch((error: unknown) => {
        this.failure ??= error instanceof Error ? error : new Error(String(error));
        process.stderr.write(`dataflow: the event log ${this.sink.location} could not be written (${this.failure.message}); the events that follow are not logged\n`);
      });
    }
    return this.chain;
  }

  /** Writes the rest and gives the log its final name; returns that name. */
  async close(): Promise<string> {
    if (this.closed) return this.sink.location;
    await this.flush();
    this.closed = true;
    return this.sink.finish();
  }
}

class LocalFile implements LogSink {
  constructor(private readonly handle: FileHandle, private readonly final: string) {}

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
