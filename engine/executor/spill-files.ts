// A task's spill folder: runs of Arrow batches an operator could not keep in memory, written to
// the executor's work directory and read back one batch at a time. The folder belongs to one task
// attempt and is removed when the task ends, whatever the outcome (the application's folder,
// which holds it, is removed when the application ends, which covers a killed task too).
//
// A run file is a sequence of frames, each an unsigned 32-bit little-endian length followed by
// one complete Arrow IPC stream (schema + one record batch): a reader needs one batch in memory.

import { closeSync, mkdirSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { decodeIpc, encodeIpc } from '../kernels/ipc.ts';
import type { Table } from 'apache-arrow';
import { DataflowError } from '../errors.ts';
import { concatTables } from '../kernels/concat-tables.ts';
import { tableBytes } from './memory-budget.ts';

/**
 * Spilling failed for a reason of the executor's disk (full, unwritable, gone): the task may
 * well succeed on another executor, so it is retried there rather than failing the job.
 */
export class SpillError extends DataflowError {
  readonly retryable = true;
  constructor(readonly executorId: string, readonly path: string, message: string, options?: { cause?: unknown }) {
    super('SPILL_FAILED', message, options);
  }
}

/** The spill folder of one task attempt inside an application's spill folder. */
export function taskSpillDir(spillDir: string, task: { taskId: number; attempt: number }): string {
  return join(spillDir, `task-${task.taskId}-attempt-${task.attempt}`);
}

/** One spilled run: a file of frames, its size and its row count. */
export interface SpillRun {
  path: string;
  bytes: number;
  rows: number;
}

export class TaskSpill {
  private created = false;
  private nextFile = 0;
  private written = 0;
  private files = 0;

  /** @param dir the task attempt's own folder (created on first spill) */
  constructor(readonly dir: string, readonly executorId: string) {}

  /** Bytes written to spill files so far (the task's spill metric). */
  get bytesWritten(): number {
    return this.written;
  }

  get filesWritten(): number {
    return this.files;
  }

  /**
   * Opens a new run for appending batches. Appended batches are gathered until they reach
   * `frameBytes` and written as one frame (fewer, larger frames when many runs fill at once).
   */
  openRun(label: string, frameBytes = 0): SpillWriter {
    const path = join(this.dir, `${String(this.nextFile++).padStart(5, '0')}-${label}.arrows`);
    return this.guard(path, () => {
      if (!this.created) {
        mkdirSync(this.dir, { recursive: true });
        this.created = true;
      }
      this.files++;
      return new SpillWriter(path, openSync(path, 'w'), this, frameBytes);
    });
  }

  /** Writes `bytes` as one file of the task's folder (a spilled part of a map output); returns its path. */
  writeFile(label: string, bytes: Uint8Array): string {
    const path = join(this.dir, `${String(this.nextFile++).padStart(5, '0')}-${label}.part`);
    this.guard(path, () => {
      if (!this.created) {
        mkdirSync(this.dir, { recursive: true });
        this.created = true;
      }
      this.files++;
      const fd = openSync(path, 'w');
      try {
        writeFully(fd, bytes);
      } finally {
        closeSync(fd);
      }
    });
    this.written += bytes.byteLength;
    return path;
  }

  /** Writes `batches` as one run. */
  writeRun(label: string, batches: Iterable<Table>): SpillRun {
    const writer = this.openRun(label);
    for (const batch of batches) writer.append(batch);
    return writer.close();
  }

  /**
   * The batches of a run, in the order written, one in memory at a time; `remove` deletes the
   * file once it has been read to the end.
   */
  *readRun(run: SpillRun, remove = true): Generator<Table> {
    const fd = this.guard(run.path, () => openSync(run.path, 'r'));
    try {
      const header = new Uint8Array(4);
      let position = 0;
      while (position < run.bytes) {
        this.guard(run.path, () => readExactly(fd, header, position));
        const length = new DataView(header.buffer).getUint32(0, true);
        const frame = new Uint8Array(length);
        this.guard(run.path, () => readExactly(fd, frame, position + 4));
        position += 4 + length;
        yield decodeIpc(frame, `spill file ${run.path}`);
      }
    } finally {
      closeSync(fd);
      if (remove) rmSync(run.path, { force: true });
    }
  }

  /** Removes the folder and everything in it. */
  remove(): void {
    if (this.created) rmSync(this.dir, { recursive: true, force: true });
    this.created = false;
  }

  /** Accounts bytes written by one of this task's writers. */
  wrote(bytes: number): void {
    this.written += bytes;
  }

  /** Runs a file operation, turning its failure into a SpillError naming the executor and path. */
  guard<T>(path: string, op: () => T): T {
    try {
      return op();
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      const why = code === 'ENOSPC' ? 'the disk is full'
        : code === 'EACCES' || code === 'EROFS' || code === 'EPERM' ? 'the folder is not writable'
        : code === 'EDQUOT' ? 'the disk quota is exhausted'
        : (cause as Error).message;
      throw new SpillError(
        this.executorId, path,
        `executor ${this.executorId} could not spill to ${path}: ${why} (${code ?? 'error'}). ` +
          `Give the executor a work directory with more free space (dataflow executor --work-dir), or more memory (--memory / dataflow.executor.memory) so it spills less.`,
        { cause },
      );
    }
  }
}

/** Appends batches to one run file. */
export class SpillWriter {
  private bytes = 0;
  private rows = 0;
  private fd: number | undefined;
  private gathered: Table[] = [];
  private gatheredBytes = 0;

  constructor(readonly path: string, fd: number, private readonly owner: TaskSpill, private readonly frameBytes = 0) {
    this.fd = fd;
  }

  append(batch: Table): void {
    if (batch.numRows === 0) return;
    this.gathered.push(batch);
    this.gatheredBytes += tableBytes(batch);
    if (this.gatheredBytes >= this.frameBytes) this.flush();
  }

  private flush(): void {
    if (this.gathered.length === 0) return;
    const batch = this.gathered.length === 1 ? this.gathered[0]! : concatTables(this.gathered);
    this.gathered = [];
    this.gatheredBytes = 0;
    const ipc = encodeIpc(batch);
    const header = new Uint8Array(4);
    new DataView(header.buffer).setUint32(0, ipc.byteLength, true);
    this.owner.guard(this.path, () => {
      writeFully(this.fd!, header);
      writeFully(this.fd!, ipc);
    });
    this.bytes += 4 + ipc.byteLength;
    this.rows += batch.numRows;
    this.owner.wrote(4 + ipc.byteLength);
  }

  close(): SpillRun {
    this.flush();
    if (this.fd !== undefined) this.owner.guard(this.path, () => closeSync(this.fd!));
    this.fd = undefined;
    return { path: this.path, bytes: this.bytes, rows: this.rows };
  }
}

function writeFully(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.byteLength) done += writeSync(fd, bytes, done, bytes.byteLength - done);
}

function readExactly(fd: number, into: Uint8Array, position: number): void {
  let done = 0;
  while (done < into.byteLength) {
    const n = readSync(fd, into, done, into.byteLength - done, position + done);
    if (n === 0) throw new DataflowError('SPILL_TRUNCATED', `spill file ended after ${position + done} bytes; it was truncated while the task ran (disk full, or another process removed it)`);
    done += n;
  }
}
