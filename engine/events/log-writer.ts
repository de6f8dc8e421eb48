// The event log's writer: one JSON line per event, for one application, written incrementally so a
// driver killed outright (SIGKILL, the OOM killer) leaves a log that opens in `dataflow history`.
// The hot path is an array push: events are turned into JSON lines at flush time and leave in
// batches (every FLUSH_MS, or sooner once BATCH_EVENTS wait), never one write per event, never a
// synchronous call.
//
//   local dir   <dir>/<appId>.jsonl.inprogress, appended batch by batch, renamed <appId>.jsonl at close
//   s3://...    <dir>/<appId>.jsonl.inprogress/part-00000, part-00001...: each upload (every
//               S3_FLUSH_MS, or S3_PART_EVENTS) is a new object, since S3 cannot append; at close the
//               parts are joined into <appId>.jsonl and removed. A crash loses at most the last interval.

import { mkdir, open, rename, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { joinLocation, localPath, schemeOf, storageFor, type Storage, type StorageOptions } from '../../connectors/storage/index.ts';
import type { EngineEvent } from './events.ts';

const FLUSH_MS = 250;
/** About 200 bytes a line: a local write of ~400 KB, an S3 part of ~8 MB. */
const BATCH_EVENTS = 2_048;
const S3_FLUSH_MS = 5_000;
const S3_PART_EVENTS = 40_000;

export const IN_PROGRESS = '.inprogress';
export const LOG_EXTENSION = '.jsonl';

/** Where lines go: appended to a local file, or uploaded as parts. */
interface LogSink {
  readonly location: string;
  write(text: string): Promise<void>;
  finish(): Promise<string>;
}

export class EventLogWriter {
  private waiting: EngineEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** The writes so far, in order: each batch starts once the previous one ended. */
  private chain: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private closed = false;

  private constructor(private readonly sink: LogSink, private readonly flushMs: number, private readonly batchEvents: number) {}

  /**
   * Creates `<appId>.jsonl.inprogress` in `dir` (a local folder, created if needed, or s3://).
   *
   * @example
   * const log = await EventLogWriter.open('/tmp/dataflow-events', 'app-20260101120000-ab12');
   * log.append({ event: 'JobEnd', time: Date.now(), jobId: 0, status: 'succeeded' });
   * await log.close(); // '/tmp/dataflow-events/app-20260101120000-ab12.jsonl'
   */
  static async open(dir: string, appId: string, options: StorageOptions = {}): Promise<EventLogWriter> {
    if (schemeOf(dir) === 's3') return new EventLogWriter(new S3Parts(storageFor(dir, options), joinLocation(dir, `${appId}${LOG_EXTENSION}`)), S3_FLUSH_MS, S3_PART_EVENTS);
    if (schemeOf(dir) !== 'file') throw new Error(`the event log cannot be written to ${dir}: use a local folder or an s3:// location`);
    const folder = localPath(dir);
    await mkdir(folder, { recursive: true });
    const final = join(folder, `${appId}${LOG_EXTENSION}`);
    const handle = await open(final + IN_PROGRESS, 'wx');
    return new EventLogWriter(new LocalFile(handle, final), FLUSH_MS, BATCH_EVENTS);
  }

  /** Where the log is being written (its in-progress name). */
  get location(): string {
    return this.sink.location;
  }

  /** Queues one event (kept as it is, not to be changed after); it is written with the next batch. */
  append(event: EngineEvent): void {
    if (this.closed) return;
    this.waiting.push(event);
    if (this.waiting.length >= this.batchEvents) void this.flush();
    else if (this.timer === undefined) {
      this.timer = setTimeout(() => void this.flush(), this.flushMs);
      this.timer.unref();
    }
  }

  /** Writes what is waiting; resolves once it is written (and every batch before it). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.waiting.length > 0) {
      let text = '';
      for (const event of this.waiting) text += `${JSON.stringify(event)}\n`;
      this.waiting = [];
      this.chain = this.chain.then(() => (this.failure ? undefined : this.sink.write(text))).catch((error: unknown) => {
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

  async write(text: string): Promise<void> {
    await this.handle.write(text);
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

  async write(text: string): Promise<void> {
    await this.storage.write(`${this.location}/part-${String(this.parts).padStart(5, '0')}`, new TextEncoder().encode(text));
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
