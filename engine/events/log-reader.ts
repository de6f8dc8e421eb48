// Reading an event log (JSON lines): each line that parses as a known event is folded, any other
// line (corrupt, truncated by a crash mid-write, from a newer writer) is skipped and counted, so a
// damaged log still opens and says how much of it could not be read (skippedLogLines). A task's
// fields the writer leaves out when 0 (event-line.ts) are read back as 0; older logs wrote them all.
// A TaskEnd line that carries its task's start (`sinceStart` and `host`, version 3) is read back as
// that TaskStart and then the TaskEnd, the two events the live UI folded; a `Tasks` line (version 4,
// columns of a run of such tasks, events.ts; version 5, of tasks on several executors) as each of its
// tasks' TaskStart and TaskEnd, in order.

import type { EngineEvent, EngineEventName, TaskIo } from './events.ts';
import { type AppState, applyEvent, emptyAppState } from './fold.ts';

const EVENT_NAMES: ReadonlySet<EngineEventName> = new Set<EngineEventName>([
  'ApplicationStart', 'ApplicationEnd', 'JobStart', 'JobEnd', 'StageSubmitted', 'StageCompleted', 'TaskStart', 'TaskEnd',
  'ExecutorAdded', 'ExecutorRemoved', 'DatasetCached', 'DatasetUnpersisted', 'AppEvent',
]);

/**
 * The events of one line of a log (one, or a TaskStart and its TaskEnd), or undefined when it is not
 * one (blank lines are undefined too).
 *
 * @example parseEventLine('{"event":"JobEnd","time":1,"jobId":0,"status":"succeeded"}')?.[0]?.event // 'JobEnd'
 */
export function parseEventLine(line: string): EngineEvent[] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { event, time } = value as { event?: unknown; time?: unknown };
  if (event === 'Tasks') return tasksLine(value as TasksFields);
  if (typeof event !== 'string' || !EVENT_NAMES.has(event as EngineEventName) || typeof time !== 'number') return undefined;
  if (event !== 'TaskStart' && event !== 'TaskEnd') return [value as EngineEvent];
  const task = value as TaskFields;
  withZeros(task, event === 'TaskEnd');
  if (event === 'TaskStart' || task.sinceStart === undefined) return [value as EngineEvent];
  return withStart(task as TaskFields & TaskEndEvent);
}

type TaskEndEvent = Extract<EngineEvent, { event: 'TaskEnd' }>;

/**
 * A TaskEnd line that carries its TaskStart (`sinceStart`: ms from the start's time to its own;
 * `host`) as the two events, its own without those fields; undefined if they are not a number and a string.
 */
function withStart(end: TaskFields & TaskEndEvent): EngineEvent[] | undefined {
  const { sinceStart, host } = end;
  if (typeof sinceStart !== 'number' || typeof host !== 'string') return undefined;
  delete end.sinceStart;
  delete end.host;
  const start: EngineEvent = {
    event: 'TaskStart', time: end.time - sinceStart, stageId: end.stageId, stageAttempt: end.stageAttempt, taskId: end.taskId, partition: end.partition,
    attempt: end.attempt, executorId: end.executorId, host,
  };
  return [start, end];
}

/** A `Tasks` line (version 4) as parsed: its columns not yet checked. */
interface TasksFields {
  stageId?: unknown; stageAttempt?: unknown; executorId?: unknown; host?: unknown; status?: unknown; executorIndex?: unknown;
  taskId?: unknown; partition?: unknown; attempt?: unknown; time?: unknown; durationMs?: unknown; sinceStart?: unknown; io?: unknown;
}
const STATUSES: ReadonlySet<unknown> = new Set(['succeeded', 'failed', 'killed']);

/**
 * A `Tasks` line's tasks as each one's TaskStart and TaskEnd, in order (each column holds its first
 * value, then each row's difference from the row before); undefined when a field is missing or of the
 * wrong type, or a column's length is not the others'.
 */
function tasksLine(line: TasksFields): EngineEvent[] | undefined {
  const { stageId, status } = line;
  const stageAttempt = line.stageAttempt ?? 0;
  if (typeof stageId !== 'number' || typeof stageAttempt !== 'number' || !STATUSES.has(status)) return undefined;
  const taskIds = column(line.taskId, -1);
  if (taskIds === undefined || taskIds.length === 0) return undefined;
  const count = taskIds.length;
  const ran = places(line, count);
  if (ran === undefined) return undefined;
  const { executorIds, hosts, index } = ran;
  const partitions = column(line.partition, count);
  const attempts = column(line.attempt ?? null, count);
  const times = column(line.time, count);
  const durations = column(line.durationMs, count);
  const sinceStarts = column(line.sinceStart, count);
  const io = line.io ?? {};
  if (!partitions || !attempts || !times || !durations || !sinceStarts || typeof io !== 'object' || io === null || Array.isArray(io)) return undefined;
  const counters: Float64Array[] = [];
  for (const counter of IO_COUNTERS) {
    const values = column((io as Partial<Record<keyof TaskIo, unknown>>)[counter] ?? null, count);
    if (!values) return undefined;
    counters.push(values);
  }
  const events: EngineEvent[] = [];
  for (let i = 0; i < count; i++) {
    const time = times[i]!;
    const place = index === undefined ? 0 : index[i]!;
    const task = { stageId, stageAttempt, taskId: taskIds[i]!, partition: partitions[i]!, attempt: attempts[i]!, executorId: executorIds[place]! };
    events.push({ event: 'TaskStart', time: time - sinceStarts[i]!, ...task, host: hosts[place]! });
    events.push({
      event: 'TaskEnd', time, ...task, status: status as TaskEndEvent['status'], durationMs: durations[i]!,
      io: {
        inputBytes: counters[0]![i]!, inputRecords: counters[1]![i]!, shuffleReadBytes: counters[2]![i]!, shuffleReadRecords: counters[3]![i]!,
        shuffleWriteBytes: counters[4]![i]!, shuffleWriteRecords: counters[5]![i]!, outputRecords: counters[6]![i]!, spillBytes: counters[7]![i]!,
        peakMemoryBytes: counters[8]![i]!,
      },
    });
  }
  return events;
}

/**
 * Where a `Tasks` line's tasks ran: one executor and host (version 4), or lists of them and each
 * task's index into both (version 5, `executorIndex`: the index itself, not a difference); undefined
 * when they are not strings, lists of strings of one length, or indexes into them, one a task.
 */
function places(line: TasksFields, count: number): { executorIds: readonly string[]; hosts: readonly string[]; index?: readonly number[] } | undefined {
  const { executorId, host, executorIndex } = line;
  if (typeof executorId === 'string' && typeof host === 'string' && executorIndex === undefined) return { executorIds: [executorId], hosts: [host] };
  const strings = (x: unknown): x is string[] => Array.isArray(x) && x.length > 0 && x.every((s) => typeof s === 'string');
  if (!strings(executorId) || !strings(host) || executorId.length !== host.length || !Array.isArray(executorIndex) || executorIndex.length !== count) return undefined;
  const valid = executorIndex.every((i) => typeof i === 'number' && Number.isInteger(i) && i >= 0 && i < executorId.length);
  return valid ? { executorIds: executorId, hosts: host, index: executorIndex as number[] } : undefined;
}

/**
 * A `Tasks` line's column as its values (each the sum of the differences up to it), of `length`
 * values (-1: any); null for a column left out (all 0); undefined when it is not an array of numbers of that length.
 */
function column(differences: unknown, length: number): Float64Array | undefined {
  if (differences === null) return new Float64Array(length);
  if (!Array.isArray(differences) || (length >= 0 && differences.length !== length)) return undefined;
  const values = new Float64Array(differences.length);
  let last = 0;
  for (let i = 0; i < differences.length; i++) {
    const d: unknown = differences[i];
    if (typeof d !== 'number') return undefined;
    values[i] = last = last + d;
  }
  return values;
}

/** A task line's fields the writer leaves out when 0, and those a TaskEnd carries of its TaskStart. */
interface TaskFields { stageAttempt?: unknown; attempt?: unknown; io?: unknown; sinceStart?: unknown; host?: unknown }
const IO_COUNTERS: ReadonlyArray<keyof TaskIo> = [
  'inputBytes', 'inputRecords', 'shuffleReadBytes', 'shuffleReadRecords', 'shuffleWriteBytes', 'shuffleWriteRecords', 'outputRecords', 'spillBytes', 'peakMemoryBytes',
];

/** Puts back the 0s a task's line leaves out (only a TaskEnd has io). A null stays null: JSON's NaN. */
function withZeros(task: TaskFields, ended: boolean): void {
  if (task.stageAttempt === undefined) task.stageAttempt = 0;
  if (task.attempt === undefined) task.attempt = 0;
  if (!ended) return;
  if (typeof task.io !== 'object' || task.io === null) task.io = {};
  const io = task.io as Partial<Record<keyof TaskIo, unknown>>;
  for (const counter of IO_COUNTERS) if (io[counter] === undefined) io[counter] = 0;
}

/**
 * Folds a whole log's text into an application's state; unreadable lines are counted in
 * `skippedLogLines`. `appId` names the application if the log lacks its ApplicationStart.
 *
 * @example foldEventLog('{"event":"ApplicationStart",...}\n{"event":"Job', 'app-1').skippedLogLines // 1
 */
export function foldEventLog(text: string, appId?: string): AppState {
  const state = emptyAppState(appId);
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (line === '') continue;
    const events = parseEventLine(line);
    if (events) for (const event of events) applyEvent(state, event);
    else state.skippedLogLines++;
  }
  return state;
}
