// Event-log lines written from packed events (packed-events.ts), byte for byte JSON.stringify of each
// event in UTF-8, except that a task's line leaves out its fields that are 0 (stageAttempt, attempt and
// io's counters: most of them, most of the time), which the reader gives back as 0 (log-reader.ts). A
// task's TaskStart and TaskEnd (nearly all of a log) are written field by field from their numbers,
// with no object or string built: strings built per task, and their flattening on write, were most of
// what the log cost (bench/event-log.ts). A field added to TaskStart or TaskEnd goes into the packed
// layout and here (test/unit/events/event-line.test.ts compares every shape).
//
// A task that starts and ends within one batch gets one line, its TaskEnd's, which carries what its
// TaskStart's would have said (events.ts: `sinceStart` and `host`), when nothing but other tasks' lines
// came between the two; the reader gives the TaskStart back right before it (log-reader.ts). Half a
// short task's bytes were its TaskStart line, and they were copied twice (encoded, then written).
//
// Consecutive such tasks of one stage and status go on one `Tasks` line of columns, each value its
// difference from the task before (version 4, events.ts): ~23 bytes a task, not ~270. The executors
// they ended on are listed once and each task gives its own's index (version 5): a stage's tasks end
// on its executors in turn. The bytes themselves were the cost: going into new page-cache pages, they
// cost the driver of 1,000 empty tasks +97 to +265 ns a task over the monitor off, against ≈ +40
// encoded but not written (issue 12).

import type { EngineEvent } from './events.ts';
import { LineChunks } from './line-chunks.ts';
import { newline, num, raw, smallInt, str } from './json-bytes.ts';
import { EventPacker, F, LINE, TASK_END, TASK_START, TASK_START_WIDTH, TASK_END_WIDTH, type PackedBatch, STATUSES } from './packed-events.ts';

/**
 * Writes packed batches as lines, one writer per log (the driver's thread, or the encoder thread): it
 * keeps the names the batches number, and the bytes of the field runs tasks repeat (a stage's id and
 * attempt, an attempt with its executor and host or status, a time or an io block equal to the last one), so a
 * task's line (or two) is mostly a few copies and the digits of its id, partition and duration (and time, when it moved on).
 */
export class PackedLineWriter {
  private readonly names: string[] = [];
  /** `,"stageId":S,"stageAttempt":A,"taskId":` (no stageAttempt when 0) by attemptKey(S, A). */
  private readonly stageRuns = new Segments();
  /** TaskStart's `,"attempt":N,"executorId":E,"host":H}` (no attempt when 0) by (attempt, executor#, host#). */
  private readonly startTails = new Segments();
  /** TaskEnd's `,"attempt":N,"executorId":E,"status":S,"durationMs":` (no attempt when 0) by (attempt, executor#, status). */
  private readonly endRuns = new Segments();
  /** The last io block written (`,"io":{…}`, its counters that are 0 left out) and its nine numbers. */
  private readonly lastIo = new Float64Array(IO_COUNT).fill(Number.NaN);
  private ioBlock: Uint8Array = new Uint8Array(0);
  /** TaskEnd's run as above with its TaskStart's host carried: `…,"executorId":E,"host":H,"status":S,"durationMs":`, by (attempt, executor#, status, host#). */
  private readonly carryingEndRuns = new Segments();
  /**
   * By row of the batch being written: -1 for a TaskStart whose line its TaskEnd's carries; 1 + the
   * row of its TaskStart for that TaskEnd; 0 for any other task row (pairTasks).
   */
  private pairs = new Int32Array(0);
  /** The batch's TaskStarts waiting for their TaskEnd, by taskId's low bits (a later one there takes the place). */
  private readonly waitingTask = new Float64Array(WAITING_SLOTS);
  private readonly waitingRow = new Int32Array(WAITING_SLOTS);
  /** Which run of task rows (between two other lines, within one batch) each slot's start is of: a slot of another run is empty. */
  private readonly waitingRun = new Float64Array(WAITING_SLOTS);
  private run = 0;
  /** The last time written and its digits (tasks of a busy driver share a millisecond by the dozen). */
  private lastTime = Number.NaN;
  private readonly timeDigits = new Uint8Array(32);
  private timeLength = 0;
  /** The rows of the batch being written whose tasks go on one `Tasks` line (join()), and their TaskStarts' rows. */
  private readonly groupRows = new Int32Array(TASKS_PER_LINE);
  private readonly groupStarts = new Int32Array(TASKS_PER_LINE);
  /** By task of the group, the index of the executor it ran on in groupExecutors / groupHosts (its place). */
  private readonly groupPlaces = new Int32Array(TASKS_PER_LINE);
  /** The group's places (executor#, and host# of the task's start), in the order first seen. */
  private readonly groupExecutors = new Float64Array(PLACES_PER_LINE);
  private readonly groupHosts = new Float64Array(PLACES_PER_LINE);
  private places = 0;
  private grouped = 0;
  private groupNumbers: Float64Array = new Float64Array(0);
  private groupInto: LineChunks | undefined;
  /** One column of a group's values, and the buffer its line is built in. */
  private readonly column = new Float64Array(TASKS_PER_LINE);
  private scratch = Buffer.alloc(0);

  /** @param names the names batches before the first written here numbered, in order */
  constructor(names: readonly string[] = []) {
    this.names.push(...names);
  }

  /** The names numbered so far, in order (what a writer taking over from this one starts with). */
  get knownNames(): readonly string[] {
    return this.names;
  }

  /** Writes the lines of `batch` (each followed by a newline) into `into`. */
  write(batch: PackedBatch, into: LineChunks): void {
    for (const name of batch.newNames) this.names.push(name);
    const n = batch.numbers;
    const pairs = this.pairTasks(batch);
    this.groupNumbers = n;
    this.groupInto = into;
    this.grouped = 0;
    for (let row = 0; row < batch.length;) {
      const kind = n[row]!;
      if (kind === TASK_START) {
        if (pairs[row] !== -1) {
          this.writeGroup(into);
          const b = into.room(400 + 6 * (this.names[n[row + F.executor]!]!.length + this.names[n[row + F.host]!]!.length));
          into.wrote(newline(b, this.taskStart(n, row, b, into.position)));
        }
        row += TASK_START_WIDTH;
      } else if (kind === TASK_END) {
        const start = pairs[row]! - 1;
        if (start >= 0 && n[row + F.failure]! < 0 && n[row + F.failureKind]! < 0 && this.join(n, row, start)) {
          row += TASK_END_WIDTH;
          continue;
        }
        this.writeGroup(into);
        const failure = n[row + F.failure]! >= 0 ? batch.texts[n[row + F.failure]!]! : undefined;
        const failureKind = n[row + F.failureKind]! >= 0 ? batch.texts[n[row + F.failureKind]!]! : undefined;
        const hostLength = start >= 0 ? this.names[n[start + F.host]!]!.length : 0;
        const b = into.room(1000 + 6 * (this.names[n[row + F.executor]!]!.length + hostLength + (failure?.length ?? 0) + (failureKind?.length ?? 0)));
        into.wrote(newline(b, this.taskEnd(n, row, start, failure, failureKind, b, into.position)));
        row += TASK_END_WIDTH;
      } else if (kind === LINE) {
        this.writeGroup(into);
        const line = batch.texts[n[row + 1]!]!;
        // JSON escapes a UTF-16 unit to at most 6 bytes (\uXXXX), and UTF-8 takes at most 3 for one
        const b = into.room(3 * line.length + 1);
        into.wrote(newline(b, into.position + b.write(line, into.position)));
        row += 2;
      } else {
        throw new Error(`a packed event batch holds an unknown kind ${kind} at ${row}`);
      }
    }
    this.writeGroup(into);
  }

  /**
   * Adds the TaskEnd at `row` (its TaskStart at `start`, carried) to the group of tasks waiting to be
   * written as one line, after writing the group so far when this one does not share its stage and
   * status, the group is full or has run on PLACES_PER_LINE other executors, or a column's difference
   * from the row before would not give its value back exactly. False (the group written) when a value
   * is not a finite number: that task gets its own line, which writes NaN and ±Infinity as JSON does (null).
   */
  private join(n: Float64Array, row: number, start: number): boolean {
    const count = this.grouped;
    let place = -1;
    if (count > 0) {
      const last = this.groupRows[count - 1]!;
      const lastStart = this.groupStarts[count - 1]!;
      const first = this.groupRows[0]!;
      let joins = count < TASKS_PER_LINE && n[row + F.stageId] === n[first + F.stageId] && n[row + F.stageAttempt] === n[first + F.stageAttempt]
        && n[row + F.status] === n[first + F.status] && exact(n[last + F.time]! - n[lastStart + F.time]!, n[row + F.time]! - n[start + F.time]!);
      for (let i = 0; joins && i < GROUP_COLUMNS.length; i++) joins = exact(n[last + GROUP_COLUMNS[i]!]!, n[row + GROUP_COLUMNS[i]!]!);
      if (joins) place = this.placeOf(n[row + F.executor]!, n[start + F.host]!);
      if (place < 0) this.writeGroup(this.groupInto!);
    }
    if (this.grouped === 0) {
      let finite = exact(0, n[row + F.time]! - n[start + F.time]!);
      for (let i = 0; finite && i < GROUP_COLUMNS.length; i++) finite = exact(0, n[row + GROUP_COLUMNS[i]!]!);
      if (!finite) return false;
      if (!Number.isFinite(n[row + F.stageId]!) || !Number.isFinite(n[row + F.stageAttempt]!)) return false; // the line's header would write null
      this.places = 0;
      place = this.placeOf(n[row + F.executor]!, n[start + F.host]!);
    }
    this.groupRows[this.grouped] = row;
    this.groupStarts[this.grouped] = start;
    this.groupPlaces[this.grouped++] = place;
    return true;
  }

  /** The index of (executor#, host#) among the group's places, added if new; -1 when the group has PLACES_PER_LINE already. */
  private placeOf(executor: number, host: number): number {
    const places = this.places;
    for (let i = places - 1; i >= 0; i--) if (this.groupExecutors[i] === executor && this.groupHosts[i] === host) return i;
    if (places === PLACES_PER_LINE) return -1;
    this.groupExecutors[places] = executor;
    this.groupHosts[places] = host;
    return this.places++;
  }

  /**
   * Writes the group of tasks join() gathered, if any: one task as its TaskEnd's line carrying its
   * start (version 3's), more as one `Tasks` line (events.ts), built in a scratch buffer of this
   * writer's and copied, so that `into` gives it only the room it takes.
   */
  private writeGroup(into: LineChunks): void {
    const count = this.grouped;
    if (count === 0) return;
    this.grouped = 0;
    const n = this.groupNumbers;
    const row = this.groupRows[0]!;
    const start = this.groupStarts[0]!;
    if (count === 1) {
      const b = into.room(1000 + 6 * (this.names[n[row + F.executor]!]!.length + this.names[n[start + F.host]!]!.length));
      into.wrote(newline(b, this.taskEnd(n, row, start, undefined, undefined, b, into.position)));
      return;
    }
    const places = this.places;
    let nameLengths = 0;
    for (let p = 0; p < places; p++) nameLengths += this.names[this.groupExecutors[p]!]!.length + this.names[this.groupHosts[p]!]!.length + 2;
    const most = 1024 + 6 * nameLengths + count * (GROUP_COLUMNS.length + 2) * 26;
    if (this.scratch.length < most) this.scratch = Buffer.allocUnsafeSlow(Math.max(most, TASKS_PER_LINE * (GROUP_COLUMNS.length + 2) * 26 + 4096));
    const s = this.scratch;
    let at = num(s, raw(s, 0, KEY.tasksOpen), n[row + F.stageId]!);
    if (n[row + F.stageAttempt] !== 0) at = num(s, raw(s, at, KEY.stageAttempt), n[row + F.stageAttempt]!);
    if (places === 1) {
      at = str(s, raw(s, at, KEY.executorId), this.names[this.groupExecutors[0]!]!);
      at = str(s, raw(s, at, KEY.host), this.names[this.groupHosts[0]!]!);
    } else {
      at = this.nameList(s, raw(s, at, KEY.executorIds), this.groupExecutors, places);
      at = this.nameList(s, raw(s, at, KEY.hosts), this.groupHosts, places);
    }
    at = raw(s, at, KEY.tasksStatus[n[row + F.status]!]!);
    if (places > 1) {
      at = raw(s, at, KEY.executorIndex);
      for (let i = 0; i < count; i++) {
        if (i > 0) s[at++] = 0x2c;
        at = smallInt(s, at, this.groupPlaces[i]!);
      }
      s[at++] = 0x5d;
    }
    const column = this.column;
    for (let c = 0; c < GROUP_COLUMNS.length; c++) {
      const field = GROUP_COLUMNS[c]!;
      let zero = true;
      for (let i = 0; i < count; i++) {
        const x = (column[i] = n[this.groupRows[i]! + field]!);
        if (x !== 0) zero = false;
      }
      if (field === F.io) at = raw(s, at, KEY.ioOpen);
      if (!zero || field === F.taskId || field === F.partition || field === F.time || field === F.durationMs) {
        at = this.deltas(s, raw(s, at, s[at - 1] === 0x7b ? COLUMN_FIRST_KEYS[c]! : COLUMN_KEYS[c]!), count);
      }
      if (field === F.durationMs) {
        for (let i = 0; i < count; i++) column[i] = n[this.groupRows[i]! + F.time]! - n[this.groupStarts[i]! + F.time]!;
        at = this.deltas(s, raw(s, at, KEY.sinceStarts), count);
      }
    }
    at = raw(s, raw(s, at, KEY.close), KEY.close);
    s[at++] = 0x0a;
    const b = into.room(at);
    s.copy(b, into.position, 0, at);
    into.wrote(into.position + at);
  }

  /** The names numbered `numbers[0, count)` as a JSON array's items and its `]`. */
  private nameList(s: Buffer, at: number, numbers: Float64Array, count: number): number {
    for (let i = 0; i < count; i++) {
      if (i > 0) s[at++] = 0x2c;
      at = str(s, at, this.names[numbers[i]!]!);
    }
    s[at] = 0x5d;
    return at + 1;
  }

  /** `[d0,d1,…]]`-less: the first `count` values of the column as their differences from the one before (the first from 0), then `]`. */
  private deltas(s: Buffer, at: number, count: number): number {
    const column = this.column;
    let last = 0;
    for (let i = 0; i < count; i++) {
      const x = column[i]!;
      if (i > 0) s[at++] = 0x2c;
      at = num(s, at, x - last);
      last = x;
    }
    s[at] = 0x5d;
    return at + 1;
  }

  /**
   * Pairs each TaskEnd of `batch` with the TaskStart of its task before it, when only task rows come
   * between them and the two agree on every field they share, and the start's time is given back
   * exactly by the end's time less their difference (always, for times in whole milliseconds):
   * pairs[start] = -1, pairs[end] = start + 1. Other task rows get 0.
   */
  private pairTasks(batch: PackedBatch): Int32Array {
    if (this.pairs.length < batch.length) this.pairs = new Int32Array(batch.numbers.length);
    const pairs = this.pairs;
    const n = batch.numbers;
    const tasks = this.waitingTask;
    const rows = this.waitingRow;
    const runs = this.waitingRun;
    let run = ++this.run;
    for (let row = 0; row < batch.length;) {
      const kind = n[row]!;
      if (kind === TASK_START) {
        const taskId = n[row + F.taskId]!;
        const slot = taskId & WAITING_MASK;
        pairs[row] = 0;
        tasks[slot] = taskId;
        rows[slot] = row;
        runs[slot] = run;
        row += TASK_START_WIDTH;
      } else if (kind === TASK_END) {
        const taskId = n[row + F.taskId]!;
        const slot = taskId & WAITING_MASK;
        pairs[row] = 0;
        if (runs[slot] === run && tasks[slot] === taskId) {
          runs[slot] = 0;
          const start = rows[slot]!;
          const time = n[row + F.time]!;
          const startTime = n[start + F.time]!;
          if (
            n[start + F.stageId] === n[row + F.stageId] && n[start + F.stageAttempt] === n[row + F.stageAttempt] && n[start + F.partition] === n[row + F.partition]
            && n[start + F.attempt] === n[row + F.attempt] && n[start + F.executor] === n[row + F.executor] && time - (time - startTime) === startTime
          ) {
            pairs[start] = -1;
            pairs[row] = start + 1;
          }
        }
        row += TASK_END_WIDTH;
      } else if (kind === LINE) {
        run = ++this.run; // a start before another line keeps its own line
        row += 2;
      } else {
        throw new Error(`a packed event batch holds an unknown kind ${kind} at ${row}`);
      }
    }
    return pairs;
  }

  /** time … partition, the fields both lines start with: `{"event":…,"time":T,"stageId":S,"stageAttempt":A,"taskId":I,"partition":P`. */
  private head(n: Float64Array, row: number, opening: Uint8Array, b: Buffer, at: number): number {
    at = raw(b, at, opening);
    const time = n[row + F.time]!;
    if (time === this.lastTime && this.timeLength > 0) {
      const digits = this.timeDigits; // a copy byte by byte: cheaper than set() for ~13 bytes
      for (let i = 0; i < this.timeLength; i++) b[at + i] = digits[i]!;
      at += this.timeLength;
    } else {
      const start = at;
      at = num(b, at, time);
      this.lastTime = time;
      this.timeLength = at - start <= 32 ? at - start : 0;
      if (this.timeLength > 0) this.timeDigits.set(b.subarray(start, at));
    }
    const stageId = n[row + F.stageId]!;
    const stageAttempt = n[row + F.stageAttempt]!;
    const key = stageAttempt < 4096 ? stageId * 4096 + stageAttempt : Number.NaN; // NaN: not kept, never found
    const run = this.stageRuns.find(key);
    if (run !== undefined) at = raw(b, at, run);
    else {
      const start = at;
      at = num(b, raw(b, at, KEY.stageId), stageId);
      if (stageAttempt !== 0) at = num(b, raw(b, at, KEY.stageAttempt), stageAttempt);
      at = raw(b, at, KEY.taskId);
      this.stageRuns.keep(key, b, start, at);
    }
    at = num(b, at, n[row + F.taskId]!);
    return num(b, raw(b, at, KEY.partition), n[row + F.partition]!);
  }

  private taskStart(n: Float64Array, row: number, b: Buffer, at: number): number {
    at = this.head(n, row, KEY.startTime, b, at);
    const attempt = n[row + F.attempt]!;
    const executor = n[row + F.executor]!;
    const host = n[row + F.host]!;
    const key = executor < 65536 && host < 65536 ? (attempt * 65536 + executor) * 65536 + host : Number.NaN;
    const tail = this.startTails.find(key);
    if (tail !== undefined) return raw(b, at, tail);
    const start = at;
    if (attempt !== 0) at = num(b, raw(b, at, KEY.attempt), attempt);
    at = str(b, raw(b, at, KEY.executorId), this.names[executor]!);
    at = raw(b, str(b, raw(b, at, KEY.host), this.names[host]!), KEY.close);
    this.startTails.keep(key, b, start, at);
    return at;
  }

  /** A TaskEnd's line; with `start` (its TaskStart's row, or -1) it carries that start's host and time (as `sinceStart`). */
  private taskEnd(n: Float64Array, row: number, start: number, failure: string | undefined, failureKind: string | undefined, b: Buffer, at: number): number {
    at = this.head(n, row, KEY.endTime, b, at);
    const attempt = n[row + F.attempt]!;
    const executor = n[row + F.executor]!;
    const status = n[row + F.status]!;
    const host = start >= 0 ? n[start + F.host]! : -1;
    let key = executor < 65536 ? (attempt * 65536 + executor) * 4 + status : Number.NaN;
    if (start >= 0) key = host < 65536 ? key * 65536 + host : Number.NaN;
    const runs = start >= 0 ? this.carryingEndRuns : this.endRuns;
    const mid = runs.find(key);
    if (mid !== undefined) at = raw(b, at, mid);
    else {
      const from = at;
      if (attempt !== 0) at = num(b, raw(b, at, KEY.attempt), attempt);
      at = str(b, raw(b, at, KEY.executorId), this.names[executor]!);
      if (start >= 0) at = str(b, raw(b, at, KEY.host), this.names[host]!);
      at = raw(b, at, KEY.statusThenDuration[status]!);
      runs.keep(key, b, from, at);
    }
    at = num(b, at, n[row + F.durationMs]!);
    if (start >= 0) at = num(b, raw(b, at, KEY.sinceStart), n[row + F.time]! - n[start + F.time]!);
    at = this.io(n, row + F.io, b, at);
    if (failure !== undefined) at = str(b, raw(b, at, KEY.failure), failure);
    if (failureKind !== undefined) at = str(b, raw(b, at, KEY.failureKind), failureKind);
    return raw(b, at, KEY.close);
  }

  /** `,"io":{…}` with the counters that are not 0: the last block again when its nine numbers are the same (=== writes the same JSON). */
  private io(n: Float64Array, from: number, b: Buffer, at: number): number {
    const last = this.lastIo;
    let same = true;
    for (let i = 0; i < IO_COUNT; i++) {
      if (n[from + i] !== last[i]) {
        same = false;
        break;
      }
    }
    if (same) return raw(b, at, this.ioBlock);
    const start = at;
    at = raw(b, at, KEY.ioOpen);
    let separator = KEY.io; // the first counter written has no comma before it
    for (let i = 0; i < IO_COUNT; i++) {
      const x = (last[i] = n[from + i]!);
      if (x === 0) continue; // -0 too: JSON would write it as 0
      at = num(b, raw(b, at, separator[i]!), x);
      separator = KEY.ioNext;
    }
    at = raw(b, at, KEY.close);
    this.ioBlock = new Uint8Array(b.subarray(start, at)); // a copy: the buffer written into may move to another thread
    return at;
  }
}

/** Byte runs by a numeric key, the last one found first. Bounded: past MAX_SEGMENTS it starts afresh. */
class Segments {
  private lastKey = Number.NaN;
  private last: Uint8Array | undefined;
  private readonly byKey = new Map<number, Uint8Array>();

  find(key: number): Uint8Array | undefined {
    if (key === this.lastKey) return this.last;
    const found = this.byKey.get(key);
    if (found !== undefined) {
      this.lastKey = key;
      this.last = found;
    }
    return found;
  }

  /** Keeps a copy of `b[start, end)` under `key` (a copy: the buffer written into may move to another thread). */
  keep(key: number, b: Buffer, start: number, end: number): void {
    if (!Number.isSafeInteger(key) || end - start > MAX_SEGMENT_BYTES) return;
    const copy = new Uint8Array(b.subarray(start, end));
    if (this.byKey.size >= MAX_SEGMENTS) this.byKey.clear();
    this.byKey.set(key, copy);
    this.lastKey = key;
    this.last = copy;
  }
}

const MAX_SEGMENTS = 4096;
/**
 * Tasks on one `Tasks` line at most: at ~25 bytes a task a line is ~6 KB, so a line cut by a crash
 * loses at most 256 tasks, and the line's fixed part (~120 bytes) costs under a byte a task.
 */
export const TASKS_PER_LINE = 256;
/**
 * Executors one `Tasks` line names at most: a stage's tasks end on its executors in turn, so a line
 * of one executor's tasks alone would hold a task or two on a cluster; past this many the line ends.
 */
export const PLACES_PER_LINE = 64;
/** The columns of a `Tasks` line, in order (sinceStart, computed, comes after durationMs); the io counters last. */
const GROUP_COLUMNS = [F.taskId, F.partition, F.attempt, F.time, F.durationMs, ...Array.from({ length: 9 }, (_, i) => F.io + i)];

/** Whether `x`, written as its difference from `last`, is read back exactly (a finite difference that, added to `last`, gives `x`). */
function exact(last: number, x: number): boolean {
  const d = x - last;
  return d - d === 0 && last + d === x;
}
/** TaskStarts a batch's writer keeps waiting for their TaskEnd, by their taskId's low bits: far more than tasks run at once. */
const WAITING_SLOTS = 4096;
const WAITING_MASK = WAITING_SLOTS - 1;
const IO_COUNT = 9;
const MAX_SEGMENT_BYTES = 1024;

/**
 * One event's line (without its newline), as the log writes it: a task's without its fields that are 0.
 *
 * @example eventLine({ event: 'JobEnd', time: 5, jobId: 0, status: 'succeeded' })
 *   // '{"event":"JobEnd","time":5,"jobId":0,"status":"succeeded"}'
 */
export function eventLine(e: EngineEvent): string {
  const packer = new EventPacker(64);
  packer.push(e);
  const batch = packer.take();
  const lines = new LineChunks();
  new PackedLineWriter().write(batch, lines);
  return Buffer.concat(lines.take()).toString('utf8').slice(0, -1);
}

/** TaskIo's counters in the order the lines give them (the order the events are built with). */
const IO_NAMES = [
  'inputBytes', 'inputRecords', 'shuffleReadBytes', 'shuffleReadRecords', 'shuffleWriteBytes', 'shuffleWriteRecords', 'outputRecords', 'spillBytes', 'peakMemoryBytes',
] as const;
const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'latin1'));
const KEY = {
  startTime: bytes('{"event":"TaskStart","time":'), endTime: bytes('{"event":"TaskEnd","time":'), stageId: bytes(',"stageId":'),
  stageAttempt: bytes(',"stageAttempt":'), taskId: bytes(',"taskId":'), partition: bytes(',"partition":'), attempt: bytes(',"attempt":'),
  executorId: bytes(',"executorId":'), host: bytes(',"host":'), close: bytes('}'),
  statusThenDuration: STATUSES.map((s) => bytes(`,"status":"${s}","durationMs":`)),
  sinceStart: bytes(',"sinceStart":'), ioOpen: bytes(',"io":{'),
  io: IO_NAMES.map((name) => bytes(`"${name}":`)),
  ioNext: IO_NAMES.map((name) => bytes(`,"${name}":`)),
  failure: bytes(',"failure":'), failureKind: bytes(',"failureKind":'),
  tasksOpen: bytes('{"event":"Tasks","stageId":'), executorIds: bytes(',"executorId":['), hosts: bytes(',"host":['), executorIndex: bytes(',"executorIndex":['), tasksStatus: STATUSES.map((s) => bytes(`,"status":"${s}"`)), sinceStarts: bytes(',"sinceStart":['),
};
/** Each column's key and `[` (an io counter's key without a comma, for the first in io's braces). */
const COLUMN_NAMES = ['taskId', 'partition', 'attempt', 'time', 'durationMs', ...IO_NAMES];
const COLUMN_KEYS = COLUMN_NAMES.map((name) => bytes(`,"${name}":[`));
const COLUMN_FIRST_KEYS = COLUMN_NAMES.map((name, i) => bytes(i < 5 ? `,"${name}":[` : `"${name}":[`));
