// Events packed as numbers, the form the event log encodes lines from (event-line.ts), on the driver's
// thread or on the monitor's thread (log-encoder-thread.ts), to which a batch crosses at the cost of a
// few stores per event, and the form that thread reads the events back from to fold the UI's status
// (EventUnpacker): a task's TaskStart and TaskEnd are fixed fields, so they go as rows of a
// Float64Array; strings go once (executor ids and hosts get a number the first time they are seen) or,
// for the rare other events, as their finished JSON line. (Structured clone of the event objects
// would cost the driver about what encoding them does.)
//
//   TaskStart  | 1 | time | stageId | stageAttempt | taskId | partition | attempt | executor# | host# |
//   TaskEnd    | 2 | time | stageId | stageAttempt | taskId | partition | attempt | executor# | status | durationMs |
//              |   io ×9 (inputBytes … peakMemoryBytes) | failure text# or -1 | failureKind text# or -1 |
//   any other  | 3 | text# (its JSON line) |

import type { EngineEvent } from './events.ts';

export const TASK_START = 1;
export const TASK_END = 2;
export const LINE = 3;
export const STATUSES = ['succeeded', 'failed', 'killed'] as const;
const STATUS_CODE = { succeeded: 0, failed: 1, killed: 2 } as const;
type TaskStartEvent = Extract<EngineEvent, { event: 'TaskStart' }>;
type TaskEndEvent = Extract<EngineEvent, { event: 'TaskEnd' }>;
/** Where each field sits in a task's row (TaskStart's row ends after `host`). */
export const F = {
  time: 1, stageId: 2, stageAttempt: 3, taskId: 4, partition: 5, attempt: 6, executor: 7, host: 8,
  status: 8, durationMs: 9, io: 10, failure: 19, failureKind: 20,
} as const;
export const TASK_START_WIDTH = 9;
export const TASK_END_WIDTH = 21;

/** One batch as posted: rows, the names first seen in it, and its texts. */
export interface PackedBatch {
  seq: number;
  numbers: Float64Array;
  length: number;
  /** Names (executor ids, hosts) first used in this batch, numbered on from those of earlier batches. */
  newNames: string[];
  texts: string[];
}

/** Events in, batches out. */
export class EventPacker {
  private numbers: Float64Array;
  private length = 0;
  private newNames: string[] = [];
  private texts: string[] = [];
  private readonly names = new Map<string, number>();
  /** The last task's executor id and host, and their numbers: the next task's are nearly always the same. */
  private lastExecutor: string | undefined;
  private lastExecutorId = 0;
  private lastHost: string | undefined;
  private lastHostId = 0;
  private seq = 0;
  /** Arrays of numbers given back (by the encoder thread) to pack into again. */
  private readonly spare: Float64Array[] = [];

  /**
   * @param initialCapacity numbers a batch has room for at first
   * @param maxCapacity numbers a batch grows to at most (doubling), when events come faster than
   *   batches are taken: a batch posted to the encoder thread costs the driver ~0.1 ms whatever its
   *   size, so a busy driver posts a few large batches a second rather than one per few hundred tasks
   */
  constructor(initialCapacity = 16_384, private readonly maxCapacity = 262_144) {
    this.numbers = new Float64Array(initialCapacity);
  }

  /** Numbers packed since the last batch was taken. */
  get size(): number {
    return this.length;
  }

  /** Whether the batch may not have room for one more event even grown: take it. */
  get full(): boolean {
    return this.length + TASK_END_WIDTH > this.maxCapacity;
  }

  /**
   * Packs one event. `kind` is `e.event`, when the caller has read it already: a load of `event` over
   * every kind of event is megamorphic (~50 instructions on V8, and it crowds V8's global stub cache
   * that other megamorphic loads hit), so the event's path through the monitor reads it once.
   */
  push(e: EngineEvent, kind: EngineEvent['event'] = e.event): void {
    if (this.length + TASK_END_WIDTH > this.numbers.length) this.grow();
    if (kind === 'TaskStart') this.pushTaskStart(e as TaskStartEvent);
    else if (kind === 'TaskEnd') this.pushTaskEnd(e as TaskEndEvent);
    else {
      const at = this.length;
      this.numbers[at] = LINE;
      this.numbers[at + 1] = this.texts.push(JSON.stringify(e)) - 1;
      this.length = at + 2;
    }
  }

  // TaskStart and TaskEnd each have a path of their own, past the one read of the kind.
  private pushTaskStart(e: TaskStartEvent): void {
    const n = this.numbers;
    const at = this.length;
    n[at] = TASK_START;
    this.pushTaskFields(n, at, e);
    n[at + F.host] = this.host(e.host);
    this.length = at + TASK_START_WIDTH;
  }

  private pushTaskEnd(e: TaskEndEvent): void {
    const n = this.numbers;
    const at = this.length;
    n[at] = TASK_END;
    this.pushTaskFields(n, at, e);
    n[at + F.status] = e.status === 'succeeded' ? 0 : STATUS_CODE[e.status]; // a keyed load by a string costs a hash lookup
    n[at + F.durationMs] = e.durationMs;
    const io = e.io;
    n[at + F.io] = io.inputBytes;
    n[at + F.io + 1] = io.inputRecords;
    n[at + F.io + 2] = io.shuffleReadBytes;
    n[at + F.io + 3] = io.shuffleReadRecords;
    n[at + F.io + 4] = io.shuffleWriteBytes;
    n[at + F.io + 5] = io.shuffleWriteRecords;
    n[at + F.io + 6] = io.outputRecords;
    n[at + F.io + 7] = io.spillBytes;
    n[at + F.io + 8] = io.peakMemoryBytes;
    n[at + F.failure] = e.failure === undefined ? -1 : this.texts.push(e.failure) - 1;
    n[at + F.failureKind] = e.failureKind === undefined ? -1 : this.texts.push(e.failureKind) - 1;
    this.length = at + TASK_END_WIDTH;
  }

  /** The fields TaskStart and TaskEnd share (time to executorId), into the row at `at` of `n`. */
  private pushTaskFields(n: Float64Array, at: number, e: TaskStartEvent | TaskEndEvent): void {
    n[at + F.time] = e.time;
    n[at + F.stageId] = e.stageId;
    n[at + F.stageAttempt] = e.stageAttempt;
    n[at + F.taskId] = e.taskId;
    n[at + F.partition] = e.partition;
    n[at + F.attempt] = e.attempt;
    n[at + F.executor] = this.executor(e.executorId);
  }

  /** The batch so far (its numbers are handed over: post them as a transfer), and a fresh one begun. */
  take(): PackedBatch {
    const batch: PackedBatch = { seq: this.seq++, numbers: this.numbers, length: this.length, newNames: this.newNames, texts: this.texts };
    // a fresh batch starts with the room the last one grew to: growing again would allocate (and
    // page in) every size on the way, each batch
    this.numbers = this.spare.pop() ?? new Float64Array(this.numbers.length);
    this.length = 0;
    this.newNames = [];
    this.texts = [];
    return batch;
  }

  /** Takes back the numbers of a batch encoded (no longer read), to pack into again. */
  recycle(numbers: Float64Array): void {
    if (numbers.length >= this.numbers.length && this.spare.length < 2) this.spare.push(numbers);
  }

  private grow(): void {
    const grown = new Float64Array(Math.max(TASK_END_WIDTH, Math.min(this.numbers.length * 2, this.maxCapacity)));
    grown.set(this.numbers.subarray(0, this.length));
    this.numbers = grown;
  }

  /** The number of a task's executor id (the one before's, found again without a lookup). */
  private executor(value: string): number {
    if (value !== this.lastExecutor) {
      this.lastExecutor = value;
      this.lastExecutorId = this.name(value);
    }
    return this.lastExecutorId;
  }

  /** The number of a task's host (the one before's, found again without a lookup). */
  private host(value: string): number {
    if (value !== this.lastHost) {
      this.lastHost = value;
      this.lastHostId = this.name(value);
    }
    return this.lastHostId;
  }

  private name(value: string): number {
    const text = typeof value === 'string' ? value : String(value); // a name the line writer can always write
    let id = this.names.get(text);
    if (id === undefined) {
      id = this.names.size;
      this.names.set(text, id);
      this.newNames.push(text);
    }
    return id;
  }
}

/**
 * Packed batches read back as the events they were packed from (the monitor thread's status fold): the
 * same fields with the same values, as JSON.parse of their log lines gives them. Like a line writer,
 * it keeps the names the batches number, so it reads every batch from the first, in order.
 */
export class EventUnpacker {
  private readonly names: string[] = [];
  /** The TaskStart and TaskEnd read() with `reuse` fills in for every task. */
  private readonly start = newTaskStart();
  private readonly end = newTaskEnd();

  /**
   * Calls `visit` with each event of `batch`, in order. With `reuse`, every task's TaskStart and
   * TaskEnd is one of the same two objects, filled in afresh (their absent failure fields undefined):
   * for a visitor that keeps none of them, as the status fold, which then makes no garbage per task.
   */
  read(batch: PackedBatch, visit: (event: EngineEvent) => void, reuse = false): void {
    for (const name of batch.newNames) this.names.push(name);
    const n = batch.numbers;
    for (let row = 0; row < batch.length;) {
      const kind = n[row]!;
      if (kind === TASK_START) {
        visit(this.readTaskStart(n, row, reuse ? this.start : newTaskStart()));
        row += TASK_START_WIDTH;
      } else if (kind === TASK_END) {
        visit(this.readTaskEnd(batch, row, reuse ? this.end : newTaskEnd()));
        row += TASK_END_WIDTH;
      } else if (kind === LINE) {
        visit(JSON.parse(batch.texts[n[row + 1]!]!) as EngineEvent);
        row += 2;
      } else {
        throw new Error(`a packed event batch holds an unknown kind ${kind} at ${row}`);
      }
    }
  }

  /** The TaskStart at `row` of `n`, written into `into`. */
  private readTaskStart(n: Float64Array, row: number, into: TaskStartEvent): TaskStartEvent {
    this.readTaskFields(n, row, into);
    into.host = this.names[n[row + F.host]!]!;
    return into;
  }

  /** The fields TaskStart and TaskEnd share (time to executorId), at `row` of `n`, written into `into`. */
  private readTaskFields(n: Float64Array, row: number, into: Omit<TaskStartEvent, 'event' | 'host'>): void {
    into.time = n[row + F.time]!;
    into.stageId = n[row + F.stageId]!;
    into.stageAttempt = n[row + F.stageAttempt]!;
    into.taskId = n[row + F.taskId]!;
    into.partition = n[row + F.partition]!;
    into.attempt = n[row + F.attempt]!;
    into.executorId = this.names[n[row + F.executor]!]!;
  }

  /** The TaskEnd at `row` of `batch`, written into `into`; failure fields only where it has them (reset to undefined where `into` had them). */
  private readTaskEnd(batch: PackedBatch, row: number, into: TaskEndEvent): TaskEndEvent {
    const n = batch.numbers;
    this.readTaskFields(n, row, into);
    into.status = STATUSES[n[row + F.status]!]!;
    into.durationMs = n[row + F.durationMs]!;
    const io = into.io;
    const at = row + F.io;
    io.inputBytes = n[at]!;
    io.inputRecords = n[at + 1]!;
    io.shuffleReadBytes = n[at + 2]!;
    io.shuffleReadRecords = n[at + 3]!;
    io.shuffleWriteBytes = n[at + 4]!;
    io.shuffleWriteRecords = n[at + 5]!;
    io.outputRecords = n[at + 6]!;
    io.spillBytes = n[at + 7]!;
    io.peakMemoryBytes = n[at + 8]!;
    const failure = n[row + F.failure]!;
    const failureKind = n[row + F.failureKind]!;
    if (failure >= 0) into.failure = batch.texts[failure]!;
    else if (into.failure !== undefined) into.failure = undefined;
    if (failureKind >= 0) into.failureKind = batch.texts[failureKind]!;
    else if (into.failureKind !== undefined) into.failureKind = undefined;
    return into;
  }
}

/** A TaskStart to fill in (EventUnpacker.readTaskStart). */
function newTaskStart(): TaskStartEvent {
  return { event: 'TaskStart', time: 0, stageId: 0, stageAttempt: 0, taskId: 0, partition: 0, attempt: 0, executorId: '', host: '' };
}

/** A TaskEnd to fill in (EventUnpacker.readTaskEnd), without failure fields. */
function newTaskEnd(): TaskEndEvent {
  return {
    event: 'TaskEnd', time: 0, stageId: 0, stageAttempt: 0, taskId: 0, partition: 0, attempt: 0, executorId: '', status: 'succeeded', durationMs: 0,
    io: {
      inputBytes: 0, inputRecords: 0, shuffleReadBytes: 0, shuffleReadRecords: 0, shuffleWriteBytes: 0, shuffleWriteRecords: 0, outputRecords: 0, spillBytes: 0,
      peakMemoryBytes: 0,
    },
  };
}
