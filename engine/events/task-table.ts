// One stage attempt's tasks as the UI's fold keeps them: columns of numbers in typed arrays, not an
// object per task. A live application folds every TaskStart and TaskEnd; objects kept per task outlive
// the young generation and the garbage collector copies them (what the fold cost most, measured by
// bench/event-log.ts). TaskStatus objects are built only when a page asks for the stage.
//
//   row r of `numbers` (NUMBERS_PER_TASK doubles), one array for the whole table:
//   | taskId | partition | attempt | startTime | endTime | durationMs | status | executor# | host# | io: inputBytes … peakMemoryBytes (9) |
//   status: 0 running, 1 succeeded, 2 failed, 3 killed; executor#, host#: indexes into the application's NameTable

import type { TaskIo } from './events.ts';
import type { TaskStatus } from './status.ts';

const IO_FIELDS = ['inputBytes', 'inputRecords', 'shuffleReadBytes', 'shuffleReadRecords', 'shuffleWriteBytes', 'shuffleWriteRecords', 'outputRecords', 'spillBytes', 'peakMemoryBytes'] as const;
const STATUS = 6;
const EXECUTOR = 7;
const HOST = 8;
const IO_AT = 9;
const NUMBERS_PER_TASK = IO_AT + IO_FIELDS.length;
const STATUSES = ['running', 'succeeded', 'failed', 'killed'] as const;
/** Rows a table starts with at most (590 KB): a stage of more tasks grows by doubling. */
const MOST_ROWS_AT_FIRST = 4096;
const STATUS_CODE: Record<TaskStatus['status'], number> = { running: 0, succeeded: 1, failed: 2, killed: 3 };
const SUCCEEDED = STATUS_CODE.succeeded;

/** What a task start says of it. */
export interface TaskStarted { taskId: number; partition: number; attempt: number; executorId: string; host: string; time: number }
/** What a task end says of it. */
export interface TaskEnded { taskId: number; partition: number; attempt: number; executorId: string; time: number; status: 'succeeded' | 'failed' | 'killed'; durationMs: number; io: TaskIo; failure?: string }

export class TaskTable {
  /** Room for the tasks the stage was submitted with (retries beyond it double the room). */
  private numbers: Float64Array;
  private rows = 0;
  /** Task ids mostly come in order, a row each: the row of id t is t − firstTaskId; the others are in rowOf. */
  private firstTaskId = 0;
  private rowOf: Map<number, number> | undefined;
  private failures: Map<number, string> | undefined;

  /**
   * @param names the strings executors and hosts are stored as indexes of, shared by an application's tables
   * @param expectedTasks the stage's task count, if known: room for that many rows from the start
   */
  constructor(private readonly names: NameTable, expectedTasks = 4) {
    this.numbers = new Float64Array(Math.max(1, Math.min(expectedTasks, MOST_ROWS_AT_FIRST)) * NUMBERS_PER_TASK);
  }

  get size(): number {
    return this.rows;
  }

  /** A task started (a second start of the same task id starts it afresh). */
  start(task: TaskStarted): void {
    const row = this.rowFor(task.taskId);
    const at = row * NUMBERS_PER_TASK;
    const numbers = this.numbers;
    numbers[at] = task.taskId;
    numbers[at + 1] = task.partition;
    numbers[at + 2] = task.attempt;
    numbers[at + 3] = task.time;
    numbers[at + STATUS] = 0;
    numbers[at + EXECUTOR] = this.names.index(task.executorId);
    numbers[at + HOST] = this.names.index(task.host);
    this.failures?.delete(row);
  }

  /**
   * A task ended; one never seen starting is recorded with its start time derived from the duration
   * and no host. Returns its status before: undefined if it was never seen.
   */
  end(task: TaskEnded): TaskStatus['status'] | undefined {
    let row = this.find(task.taskId);
    const numbers = this.numbers;
    const before = row < 0 ? undefined : STATUSES[numbers[row * NUMBERS_PER_TASK + STATUS]!];
    if (row < 0) {
      row = this.rowFor(task.taskId);
      const at = row * NUMBERS_PER_TASK;
      numbers[at] = task.taskId;
      numbers[at + 1] = task.partition;
      numbers[at + 2] = task.attempt;
      numbers[at + 3] = task.time - task.durationMs;
      numbers[at + EXECUTOR] = this.names.index(task.executorId);
      numbers[at + HOST] = this.names.index('');
    }
    const at = row * NUMBERS_PER_TASK;
    numbers[at + 4] = task.time;
    numbers[at + 5] = task.durationMs;
    const io = task.io;
    numbers[at + IO_AT] = io.inputBytes;
    numbers[at + IO_AT + 1] = io.inputRecords;
    numbers[at + IO_AT + 2] = io.shuffleReadBytes;
    numbers[at + IO_AT + 3] = io.shuffleReadRecords;
    numbers[at + IO_AT + 4] = io.shuffleWriteBytes;
    numbers[at + IO_AT + 5] = io.shuffleWriteRecords;
    numbers[at + IO_AT + 6] = io.outputRecords;
    numbers[at + IO_AT + 7] = io.spillBytes;
    numbers[at + IO_AT + 8] = io.peakMemoryBytes;
    numbers[at + STATUS] = STATUS_CODE[task.status];
    if (task.failure !== undefined) (this.failures ??= new Map()).set(row, task.failure);
    return before;
  }

  /** The `field` (a task's duration or one of its io counters) of each succeeded task, in the order first seen. */
  succeeded(field: 'durationMs' | keyof TaskIo): Float64Array {
    const n = this.numbers;
    const offset = field === 'durationMs' ? 5 : IO_AT + IO_FIELDS.indexOf(field);
    let count = 0;
    for (let row = 0; row < this.rows; row++) if (n[row * NUMBERS_PER_TASK + STATUS] === SUCCEEDED) count++;
    const out = new Float64Array(count);
    for (let row = 0, i = 0; row < this.rows; row++) if (n[row * NUMBERS_PER_TASK + STATUS] === SUCCEEDED) out[i++] = n[row * NUMBERS_PER_TASK + offset]!;
    return out;
  }

  /** Every task as the status model's objects, in the order first seen. */
  toStatuses(): TaskStatus[] {
    const out: TaskStatus[] = [];
    for (let row = 0; row < this.rows; row++) {
      const at = row * NUMBERS_PER_TASK;
      const n = this.numbers;
      const task: TaskStatus = {
        taskId: n[at]!, partition: n[at + 1]!, attempt: n[at + 2]!, executorId: this.names.at(n[at + EXECUTOR]!), host: this.names.at(n[at + HOST]!),
        startTime: n[at + 3]!, status: STATUSES[n[at + STATUS]!]!,
      };
      if (task.status !== 'running') {
        task.endTime = n[at + 4]!;
        task.durationMs = n[at + 5]!;
        const io = {} as TaskIo;
        IO_FIELDS.forEach((field, i) => { io[field] = n[at + IO_AT + i]!; });
        task.io = io;
        const failure = this.failures?.get(row);
        if (failure !== undefined) task.failure = failure;
      }
      out.push(task);
    }
    return out;
  }

  /** The row of `taskId`, or -1. */
  private find(taskId: number): number {
    const guess = taskId - this.firstTaskId;
    if (guess >= 0 && guess < this.rows && this.numbers[guess * NUMBERS_PER_TASK] === taskId) return guess;
    return this.rowOf?.get(taskId) ?? -1;
  }

  /** The row of `taskId`, a new one if it has none. */
  private rowFor(taskId: number): number {
    const known = this.find(taskId);
    if (known >= 0) return known;
    const row = this.rows++;
    if (row === 0) this.firstTaskId = taskId;
    else if (taskId - this.firstTaskId !== row) (this.rowOf ??= new Map()).set(taskId, row);
    if ((row + 1) * NUMBERS_PER_TASK > this.numbers.length) {
      const grown = new Float64Array(this.numbers.length * 2);
      grown.set(this.numbers);
      this.numbers = grown;
    }
    return row;
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
