// Reading an event log (JSON lines): each line that parses as a known event is folded, any other
// line (corrupt, truncated by a crash mid-write, from a newer writer) is skipped and counted, so a
// damaged log still opens and says how much of it could not be read (skippedLogLines). A task's
// fields the writer leaves out when 0 (event-line.ts) are read back as 0; older logs wrote them all.
// A TaskEnd line that carries its task's start (`sinceStart` and `host`, version 3) is read back as
// that TaskStart and then the TaskEnd, the two events the live UI folded.

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
