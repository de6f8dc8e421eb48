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
//   an object  | 4 | index into the batch's objects |   (the driver's bus only: its batches never cross a thread)
//
// The driver's bus packs the events it is posted the same way (engine/cluster/listener-bus.ts), its
// other events kept as objects beside the rows; the event log's writer then copies a bus batch's
// rows as they are (appendBatch), so a task's fields are stored once on the driver's thread.

import type { EngineEvent, TaskIo } from './events.ts';

export const TASK_START = 1;
export const TASK_END = 2;
export const LINE = 3;
export const OBJECT = 4;
export const STATUSES = ['succeeded', 'failed', 'killed'] as const;
const STATUS_CODE = { succeeded: 0, failed: 1, killed: 2 } as const;
type TaskStartEvent = Extract<EngineEvent, { event: 'TaskStart' }>;
type TaskEndEvent = Extract<EngineEvent, { event: 'TaskEnd' }>;
/** Where each field sits in a task's row (TaskStart's row ends after `host`). */
export const F = {
  time: 1, stageId: 2, stageAttempt: 3, taskId: 4, partition: 5, attempt: 6, executor: 7, host: 8,
  status: 8, durationMs: 9, io: 10, failure: 19, failureKind: 20,
} as const;
/** Where each counter of a TaskEnd's io sits, from F.io on. */
export const IO = {
  inputBytes: 0, inputRecords: 1, shuffleReadBytes: 2, shuffleReadRecords: 3, shuffleWriteBytes: 4, shuffleWriteRecords: 5, outputRecords: 6, spillBytes: 7,
  peakMemoryBytes: 8,
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
  /** The rows that are not a plain task's, in order: LINE and OBJECT rows, and TaskEnds that refer to texts. */
  specials: number[];
  /** The events it holds. */
  count: number;
}

/** A bus's batch: packed rows whose OBJECT rows index `objects`, and every name its packer numbered so far. */
export interface ObjectBatch<E> {
  rows: PackedBatch;
  objects: readonly E[];
  names: readonly string[];
}

/** A task's counters where they come from (a task's metrics: absent ones are 0). */
export type TaskCounters = { readonly [K in keyof TaskIo]?: number };

/** Events in, batches out. */
export class EventPacker {
  private numbers: Float64Array;
  private length = 0;
  private newNames: string[] = [];
  private texts: string[] = [];
  private specials: number[] = [];
  private count = 0;
  private readonly names = new Map<string, number>();
  /** The names in the order numbered. */
  private readonly numbered: string[] = [];
  /** For appendBatch: the number here of each name the source packer numbered, and whether all are the same. */
  private readonly adopted: number[] = [];
  private adoptedSame = true;
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
    if (kind === 'TaskStart') this.pushTaskStart(e as TaskStartEvent);
    else if (kind === 'TaskEnd') this.pushTaskEnd(e as TaskEndEvent);
    else this.pushSpecial(LINE, this.texts.push(JSON.stringify(e)) - 1);
  }

  /** Packs an event kept as an object, the `index`th of its batch's objects (the bus's events other than a task's). */
  pushObject(index: number): void {
    this.pushSpecial(OBJECT, index);
  }

  private pushSpecial(kind: number, value: number): void {
    if (this.length + TASK_END_WIDTH > this.numbers.length) this.grow();
    const at = this.length;
    this.numbers[at] = kind;
    this.numbers[at + 1] = value;
    this.specials.push(at);
    this.length = at + 2;
    this.count++;
  }

  // TaskStart and TaskEnd each have a path of their own, past the one read of the kind.
  private pushTaskStart(e: TaskStartEvent): void {
    this.taskStart(e.time, e.stageId, e.stageAttempt, e.taskId, e.partition, e.attempt, e.executorId, e.host);
  }

  private pushTaskEnd(e: TaskEndEvent): void {
    this.taskEnd(e.time, e.stageId, e.stageAttempt, e.taskId, e.partition, e.attempt, e.executorId, e.status, e.durationMs, e.io, e.failure, e.failureKind);
  }

  /** Packs a TaskStart from its fields (no event object built). */
  taskStart(time: number, stageId: number, stageAttempt: number, taskId: number, partition: number, attempt: number, executorId: string, host: string): void {
    if (this.length + TASK_END_WIDTH > this.numbers.length) this.grow();
    const n = this.numbers;
    const at = this.length;
    n[at] = TASK_START;
    this.taskFields(n, at, time, stageId, stageAttempt, taskId, partition, attempt, executorId);
    n[at + F.host] = this.host(host);
    this.length = at + TASK_START_WIDTH;
    this.count++;
  }

  /** Packs a TaskEnd from its fields (no event object built); `io`'s absent counters are 0. */
  taskEnd(
    time: number, stageId: number, stageAttempt: number, taskId: number, partition: number, attempt: number, executorId: string,
    status: TaskEndEvent['status'], durationMs: number, io: TaskCounters | undefined, failure?: string, failureKind?: string,
  ): void {
    if (this.length + TASK_END_WIDTH > this.numbers.length) this.grow();
    const n = this.numbers;
    const at = this.length;
    n[at] = TASK_END;
    this.taskFields(n, at, time, stageId, stageAttempt, taskId, partition, attempt, executorId);
    n[at + F.status] = status === 'succeeded' ? 0 : STATUS_CODE[status]; // a keyed load by a string costs a hash lookup
    n[at + F.durationMs] = durationMs;
    const c = at + F.io;
    if (io === undefined) n.fill(0, c, c + 9);
    else {
      n[c] = io.inputBytes ?? 0;
      n[c + 1] = io.inputRecords ?? 0;
      n[c + 2] = io.shuffleReadBytes ?? 0;
      n[c + 3] = io.shuffleReadRecords ?? 0;
      n[c + 4] = io.shuffleWriteBytes ?? 0;
      n[c + 5] = io.shuffleWriteRecords ?? 0;
      n[c + 6] = io.outputRecords ?? 0;
      n[c + 7] = io.spillBytes ?? 0;
      n[c + 8] = io.peakMemoryBytes ?? 0;
    }
    n[at + F.failure] = failure === undefined ? -1 : this.texts.push(failure) - 1;
    n[at + F.failureKind] = failureKind === undefined ? -1 : this.texts.push(failureKind) - 1;
    if (failure !== undefined || failureKind !== undefined) this.specials.push(at);
    this.length = at + TASK_END_WIDTH;
    this.count++;
  }

  /** The fields TaskStart and TaskEnd share (time to executorId), into the row at `at` of `n`. */
  private taskFields(n: Float64Array, at: number, time: number, stageId: number, stageAttempt: number, taskId: number, partition: number, attempt: number, executorId: string): void {
    n[at + F.time] = time;
    n[at + F.stageId] = stageId;
    n[at + F.stageAttempt] = stageAttempt;
    n[at + F.taskId] = taskId;
    n[at + F.partition] = partition;
    n[at + F.attempt] = attempt;
    n[at + F.executor] = this.executor(executorId);
  }

  /**
   * Appends the events of another packer's batch (the driver's bus's) but those of kind `skip`: its
   * task rows copied as they are, in runs between its special rows, and its objects (`objects`, by
   * their OBJECT rows) as LINE rows. `names` are every name the other packer numbered so far; they
   * are numbered here in that order, so the rows keep their numbers unless this packer numbered names
   * of its own first. Every batch appended must come from the same packer. Returns the events appended.
   */
  appendBatch(from: PackedBatch, objects: readonly { event: string }[], names: readonly string[], skip: string): number {
    this.adopt(names);
    while (this.length + from.length > this.numbers.length) this.grow(Infinity);
    const src = from.numbers;
    const n = this.numbers;
    const first = this.length;
    let at = first;
    let copied = 0; // rows of `from` before this are copied
    let appended = from.count;
    const specials = from.specials;
    for (let s = 0; s < specials.length; s++) {
      const row = specials[s]!;
      copyNumbers(src, copied, row, n, at);
      at += row - copied;
      const kind = src[row]!;
      if (kind === TASK_END) {
        copyNumbers(src, row, row + TASK_END_WIDTH, n, at);
        if (n[at + F.failure]! >= 0) n[at + F.failure] = this.texts.push(from.texts[n[at + F.failure]!]!) - 1;
        if (n[at + F.failureKind]! >= 0) n[at + F.failureKind] = this.texts.push(from.texts[n[at + F.failureKind]!]!) - 1;
        this.specials.push(at);
        at += TASK_END_WIDTH;
        copied = row + TASK_END_WIDTH;
        continue;
      }
      copied = row + 2;
      const event = kind === OBJECT ? objects[src[row + 1]!]! : undefined;
      if (event !== undefined && event.event === skip) {
        appended--;
        continue;
      }
      n[at] = LINE;
      n[at + 1] = this.texts.push(event !== undefined ? JSON.stringify(event) : from.texts[src[row + 1]!]!) - 1;
      this.specials.push(at);
      at += 2;
    }
    copyNumbers(src, copied, from.length, n, at);
    at += from.length - copied;
    if (!this.adoptedSame) this.renumber(first, at);
    this.length = at;
    this.count += appended;
    return appended;
  }

  /** Numbers here the names another packer numbered since the last call (appendBatch). */
  private adopt(names: readonly string[]): void {
    for (let i = this.adopted.length; i < names.length; i++) {
      const id = this.name(names[i]!);
      this.adopted.push(id);
      if (id !== i) this.adoptedSame = false;
    }
  }

  /** Rows first to end (appended from another packer) given this packer's numbers for their names. */
  private renumber(first: number, end: number): void {
    const n = this.numbers;
    for (let row = first; row < end;) {
      const kind = n[row]!;
      if (kind === LINE) {
        row += 2;
        continue;
      }
      n[row + F.executor] = this.adopted[n[row + F.executor]!]!;
      if (kind === TASK_START) n[row + F.host] = this.adopted[n[row + F.host]!]!;
      row += kind === TASK_START ? TASK_START_WIDTH : TASK_END_WIDTH;
    }
  }

  /** The batch so far (its numbers are handed over: post them as a transfer), and a fresh one begun. */
  take(): PackedBatch {
    const batch: PackedBatch = {
      seq: this.seq++, numbers: this.numbers, length: this.length, newNames: this.newNames, texts: this.texts, specials: this.specials, count: this.count,
    };
    // a fresh batch starts with the room the last one grew to: growing again would allocate (and
    // page in) every size on the way, each batch
    this.numbers = this.spare.pop() ?? new Float64Array(this.numbers.length);
    this.length = 0;
    this.newNames = [];
    this.texts = [];
    this.specials = [];
    this.count = 0;
    return batch;
  }

  /** Takes back the numbers of a batch encoded (no longer read), to pack into again. */
  recycle(numbers: Float64Array): void {
    if (numbers.length >= this.numbers.length && this.spare.length < 2) this.spare.push(numbers);
  }

  /** The names numbered so far, in order. */
  get knownNames(): readonly string[] {
    return this.numbered;
  }

  /** Room doubled, up to `limit` (a batch appended whole may pass maxCapacity); never less than now. */
  private grow(limit = this.maxCapacity): void {
    const grown = new Float64Array(Math.max(TASK_END_WIDTH, this.numbers.length, Math.min(this.numbers.length * 2, limit)));
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
      this.numbered.push(text);
      this.newNames.push(text);
    }
    return id;
  }
}

/**
 * Copies `src[from, to)` into `dst` from `at` on. A short run by a loop: a bus's batch on `local` is
 * often one task's two rows, and the view that set() needs cost more than the copy (~750
 * instructions a batch, counted by callgrind).
 */
function copyNumbers(src: Float64Array, from: number, to: number, dst: Float64Array, at: number): void {
  if (to - from > 256) {
    dst.set(src.subarray(from, to), at);
    return;
  }
  for (let i = from; i < to; i++) dst[at + i - from] = src[i]!;
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
    this.readRows(batch, this.names, [], visit, reuse);
  }

  /** read() of a bus's batch: its OBJECT rows are its objects, its names its own (no earlier batch need be read). */
  readObjects<E>(batch: ObjectBatch<E>, visit: (event: EngineEvent | E) => void, reuse = false): void {
    this.readRows(batch.rows, batch.names, batch.objects, visit, reuse);
  }

  private readRows<E>(batch: PackedBatch, names: readonly string[], objects: readonly E[], visit: (event: EngineEvent | E) => void, reuse: boolean): void {
    const n = batch.numbers;
    for (let row = 0; row < batch.length;) {
      const kind = n[row]!;
      if (kind === TASK_START) {
        visit(this.readTaskStart(n, row, names, reuse ? this.start : newTaskStart()));
        row += TASK_START_WIDTH;
      } else if (kind === TASK_END) {
        visit(this.readTaskEnd(batch, row, names, reuse ? this.end : newTaskEnd()));
        row += TASK_END_WIDTH;
      } else if (kind === LINE) {
        visit(JSON.parse(batch.texts[n[row + 1]!]!) as EngineEvent);
        row += 2;
      } else if (kind === OBJECT) {
        visit(objects[n[row + 1]!]!);
        row += 2;
      } else {
        throw new Error(`a packed event batch holds an unknown kind ${kind} at ${row}`);
      }
    }
  }

  /** The TaskStart at `row` of `n`, written into `into`. */
  private readTaskStart(n: Float64Array, row: number, names: readonly string[], into: TaskStartEvent): TaskStartEvent {
    this.readTaskFields(n, row, names, into);
    into.host = names[n[row + F.host]!]!;
    return into;
  }

  /** The fields TaskStart and TaskEnd share (time to executorId), at `row` of `n`, written into `into`. */
  private readTaskFields(n: Float64Array, row: number, names: readonly string[], into: Omit<TaskStartEvent, 'event' | 'host'>): void {
    into.time = n[row + F.time]!;
    into.stageId = n[row + F.stageId]!;
    into.stageAttempt = n[row + F.stageAttempt]!;
    into.taskId = n[row + F.taskId]!;
    into.partition = n[row + F.partition]!;
    into.attempt = n[row + F.attempt]!;
    into.executorId = names[n[row + F.executor]!]!;
  }

  /** The TaskEnd at `row` of `batch`, written into `into`; failure fields only where it has them (reset to undefined where `into` had them). */
  private readTaskEnd(batch: PackedBatch, row: number, names: readonly string[], into: TaskEndEvent): TaskEndEvent {
    const n = batch.numbers;
    this.readTaskFields(n, row, names, into);
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
