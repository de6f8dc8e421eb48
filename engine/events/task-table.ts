// One stage attempt's tasks as the UI's fold keeps them: a column of numbers per field, not an object
// per task. A live application folds every TaskStart and TaskEnd; objects kept per task outlive the
// young generation and the garbage collector copies them (what the fold cost most, measured by
// bench/event-log.ts). TaskStatus objects are built only when a page asks for the stage.
//
//   field f of row r is columns[f][r] (a Float64Array of room for every row), and 0 while columns[f]
//   is undefined: a column is made at its first value that is not 0
//   | taskId | partition | attempt | startTime | endTime | durationMs | status | executor# | host# | io: inputBytes … peakMemoryBytes (9) |
//   status: 0 running, 1 succeeded, 2 failed, 3 killed; executor#, host#: indexes into the application's NameTable
//
// Most fields of most tasks are 0 (their attempt, most io counters, the executor and host on `local`):
// a task of the empty-task job takes 8 columns, 64 bytes, where rows of all 18 fields took 144. The
// first 100,000 tasks of an application fill fresh memory (RETAINED_TASKS, fold.ts), whose first touch
// is what the fold cost most on a VM that shadows page tables (bench/HISTORY.md, "This machine"); past
// them, every stage forgets an old stage's tasks, whose columns the new stage's take again (ColumnPool).

import type { TaskIo } from './events.ts';
import type { TaskStatus } from './status.ts';

const IO_FIELDS = ['inputBytes', 'inputRecords', 'shuffleReadBytes', 'shuffleReadRecords', 'shuffleWriteBytes', 'shuffleWriteRecords', 'outputRecords', 'spillBytes', 'peakMemoryBytes'] as const;
const TASK_ID = 0;
const PARTITION = 1;
const ATTEMPT = 2;
const START_TIME = 3;
const END_TIME = 4;
const DURATION = 5;
const STATUS = 6;
const EXECUTOR = 7;
const HOST = 8;
const IO_AT = 9;
const FIELDS = IO_AT + IO_FIELDS.length;
const STATUSES = ['running', 'succeeded', 'failed', 'killed'] as const;
/** Rows a table starts with room for at most: a stage of more tasks grows by doubling. */
const MOST_ROWS_AT_FIRST = 4096;
const STATUS_CODE: Record<TaskStatus['status'], number> = { running: 0, succeeded: 1, failed: 2, killed: 3 };
const SUCCEEDED = STATUS_CODE.succeeded;
/** Bytes of columns a ColumnPool keeps at most: a few stages' worth (a stage of 1,000 empty tasks has 64 KB). */
const POOL_MOST_BYTES = 4 * 1024 * 1024;

/** What a task start says of it. */
export interface TaskStarted { taskId: number; partition: number; attempt: number; executorId: string; host: string; time: number }
/** What a task end says of it. */
export interface TaskEnded { taskId: number; partition: number; attempt: number; executorId: string; time: number; status: 'succeeded' | 'failed' | 'killed'; durationMs: number; io: TaskIo; failure?: string }

export class TaskTable {
  /** By field, its column (room for `capacity` rows), or undefined while every row's value is 0. */
  private readonly columns: (Float64Array | undefined)[] = new Array<Float64Array | undefined>(FIELDS).fill(undefined);
  /** Rows each column has room for: the tasks the stage was submitted with (retries beyond it double it). */
  private capacity: number;
  private rows = 0;
  /** Task ids mostly come in order, a row each: the row of id t is t − firstTaskId; the others are in rowOf. */
  private firstTaskId = 0;
  private rowOf: Map<number, number> | undefined;
  private failures: Map<number, string> | undefined;

  /**
   * @param names the strings executors and hosts are stored as indexes of, shared by an application's tables
   * @param expectedTasks the stage's task count, if known: room for that many rows from the start
   */
  constructor(private readonly names: NameTable, expectedTasks = 4, private readonly pool = new ColumnPool()) {
    this.capacity = Math.max(1, Math.min(expectedTasks, MOST_ROWS_AT_FIRST));
  }

  get size(): number {
    return this.rows;
  }

  /** A task started (a second start of the same task id starts it afresh). */
  start(task: TaskStarted): void {
    const row = this.rowFor(task.taskId);
    this.set(TASK_ID, row, task.taskId);
    this.set(PARTITION, row, task.partition);
    this.set(ATTEMPT, row, task.attempt);
    this.set(START_TIME, row, task.time);
    this.set(STATUS, row, 0);
    this.set(EXECUTOR, row, this.names.index(task.executorId));
    this.set(HOST, row, this.names.index(task.host));
    this.failures?.delete(row);
  }

  /**
   * A task ended; one never seen starting is recorded with its start time derived from the duration
   * and no host. Returns its status before: undefined if it was never seen.
   */
  end(task: TaskEnded): TaskStatus['status'] | undefined {
    let row = this.find(task.taskId);
    const before = row < 0 ? undefined : STATUSES[this.get(STATUS, row)];
    if (row < 0) {
      row = this.rowFor(task.taskId);
      this.set(TASK_ID, row, task.taskId);
      this.set(PARTITION, row, task.partition);
      this.set(ATTEMPT, row, task.attempt);
      this.set(START_TIME, row, task.time - task.durationMs);
      this.set(EXECUTOR, row, this.names.index(task.executorId));
      this.set(HOST, row, this.names.index(''));
    }
    this.set(END_TIME, row, task.time);
    this.set(DURATION, row, task.durationMs);
    const io = task.io;
    this.set(IO_AT, row, io.inputBytes);
    this.set(IO_AT + 1, row, io.inputRecords);
    this.set(IO_AT + 2, row, io.shuffleReadBytes);
    this.set(IO_AT + 3, row, io.shuffleReadRecords);
    this.set(IO_AT + 4, row, io.shuffleWriteBytes);
    this.set(IO_AT + 5, row, io.shuffleWriteRecords);
    this.set(IO_AT + 6, row, io.outputRecords);
    this.set(IO_AT + 7, row, io.spillBytes);
    this.set(IO_AT + 8, row, io.peakMemoryBytes);
    this.set(STATUS, row, STATUS_CODE[task.status]);
    if (task.failure !== undefined) (this.failures ??= new Map()).set(row, task.failure);
    return before;
  }

  /**
   * The `field` (a task's duration or one of its io counters) of each succeeded task, in the order
   * first seen: an array of the caller's, which may give it back with recycle() once read.
   */
  succeeded(field: 'durationMs' | keyof TaskIo): Float64Array {
    const status = this.columns[STATUS];
    const values = this.columns[field === 'durationMs' ? DURATION : IO_AT + IO_FIELDS.indexOf(field)];
    let count = 0;
    if (status) for (let row = 0; row < this.rows; row++) if (status[row] === SUCCEEDED) count++;
    const out = this.pool.take(count);
    if (status && values) for (let row = 0, i = 0; row < this.rows; row++) if (status[row] === SUCCEEDED) out[i++] = values[row]!;
    return out;
  }

  /** Every task as the status model's objects, in the order first seen. */
  toStatuses(): TaskStatus[] {
    const out: TaskStatus[] = [];
    for (let row = 0; row < this.rows; row++) {
      const task: TaskStatus = {
        taskId: this.get(TASK_ID, row), partition: this.get(PARTITION, row), attempt: this.get(ATTEMPT, row),
        executorId: this.names.at(this.get(EXECUTOR, row)), host: this.names.at(this.get(HOST, row)),
        startTime: this.get(START_TIME, row), status: STATUSES[this.get(STATUS, row)]!,
      };
      if (task.status !== 'running') {
        task.endTime = this.get(END_TIME, row);
        task.durationMs = this.get(DURATION, row);
        const io = {} as TaskIo;
        IO_FIELDS.forEach((field, i) => { io[field] = this.get(IO_AT + i, row); });
        task.io = io;
        const failure = this.failures?.get(row);
        if (failure !== undefined) task.failure = failure;
      }
      out.push(task);
    }
    return out;
  }

  /** An array succeeded() returned is no longer read: its memory is taken again. */
  recycle(values: Float64Array): void {
    this.pool.give(values);
  }

  /** Forgets every task: the columns go back to the pool. The table is not used after. */
  release(): void {
    for (let field = 0; field < FIELDS; field++) {
      const column = this.columns[field];
      if (column !== undefined) this.pool.give(column);
      this.columns[field] = undefined;
    }
    this.rows = 0;
    this.rowOf = undefined;
    this.failures = undefined;
  }

  private get(field: number, row: number): number {
    const column = this.columns[field];
    return column === undefined ? 0 : column[row]!;
  }

  private set(field: number, row: number, value: number): void {
    let column = this.columns[field];
    if (column === undefined) {
      if (value === 0) return;
      column = this.columns[field] = this.pool.take(this.capacity);
    }
    column[row] = value;
  }

  /** The row of `taskId`, or -1. */
  private find(taskId: number): number {
    const guess = taskId - this.firstTaskId;
    if (guess >= 0 && guess < this.rows && this.get(TASK_ID, guess) === taskId) return guess;
    return this.rowOf?.get(taskId) ?? -1;
  }

  /** The row of `taskId`, a new one if it has none. */
  private rowFor(taskId: number): number {
    const known = this.find(taskId);
    if (known >= 0) return known;
    const row = this.rows++;
    if (row === 0) this.firstTaskId = taskId;
    else if (taskId - this.firstTaskId !== row) (this.rowOf ??= new Map()).set(taskId, row);
    if (row + 1 > this.capacity) {
      this.capacity *= 2;
      for (let field = 0; field < FIELDS; field++) {
        const column = this.columns[field];
        if (column === undefined) continue;
        const grown = this.pool.take(this.capacity);
        grown.set(column);
        this.pool.give(column);
        this.columns[field] = grown;
      }
    }
    return row;
  }
}

/**
 * Columns of forgotten task tables, taken again zeroed by new ones: an application folding stage
 * after stage starts a table and forgets an old one at each, and fresh memory for every table cost
 * its first touch (page faults on the monitor's thread: 20 a job of 1,000 empty tasks, ~13 us each
 * on this VM, bench/HISTORY.md) where a reused array costs a fill. One pool per application's state.
 *
 * @example
 * const pool = new ColumnPool();
 * const column = pool.take(1000); // zeroed
 * pool.give(column); // the next take(1000) gets it back, zeroed
 */
export class ColumnPool {
  private readonly free = new Map<number, Float64Array[]>();
  private bytes = 0;

  constructor(private readonly mostBytes = POOL_MOST_BYTES) {}

  /** An array of `length` zeros. */
  take(length: number): Float64Array {
    const column = this.free.get(length)?.pop();
    if (column === undefined) return new Float64Array(length);
    this.bytes -= column.byteLength;
    return column.fill(0);
  }

  /** Takes back an array its holder no longer uses (a view of a whole buffer; kept while the pool has room). */
  give(column: Float64Array): void {
    if (column.length === 0 || column.byteOffset !== 0 || column.byteLength !== column.buffer.byteLength) return;
    if (this.bytes + column.byteLength > this.mostBytes) return;
    let list = this.free.get(column.length);
    if (list === undefined) this.free.set(column.length, (list = []));
    list.push(column);
    this.bytes += column.byteLength;
  }
}

/** Strings stored once and referred to by index (executor ids and hosts: a handful per application). */
export class NameTable {
  private readonly names: string[] = [];
  private readonly indexes = new Map<string, number>();

  index(name: string): number {
    let i = this.indexes.get(name);
    if (i === undefined) {
      i = this.names.length;
      this.names.push(name);
      this.indexes.set(name, i);
    }
    return i;
  }

  at(i: number): string {
    return this.names[i]!;
  }
}
