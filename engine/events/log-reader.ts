// Reading an event log (JSON lines): each line that parses as a known event is folded, any other
// line (corrupt, truncated by a crash mid-write, from a newer writer) is skipped and counted, so a
// damaged log still opens and says how much of it could not be read (skippedLogLines).

import type { EngineEvent, EngineEventName } from './events.ts';
import { type AppState, applyEvent, emptyAppState } from './fold.ts';

const EVENT_NAMES: ReadonlySet<EngineEventName> = new Set<EngineEventName>([
  'ApplicationStart', 'ApplicationEnd', 'JobStart', 'JobEnd', 'StageSubmitted', 'StageCompleted', 'TaskStart', 'TaskEnd',
  'ExecutorAdded', 'ExecutorRemoved', 'DatasetCached', 'DatasetUnpersisted', 'AppEvent',
]);

/**
 * One line of a log as an event, or undefined when it is not one (blank lines are undefined too).
 *
 * @example parseEventLine('{"event":"JobEnd","time":1,"jobId":0,"status":"succeeded"}')?.event // 'JobEnd'
 */
export function parseEventLine(line: string): EngineEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { event, time } = value as { event?: unknown; time?: unknown };
  if (typeof event !== 'string' || !EVENT_NAMES.has(event as EngineEventName) || typeof time !== 'number') return undefined;
  return value as EngineEvent;
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
    const event = parseEventLine(line);
    if (event) applyEvent(state, event);
    else state.skippedLogLines++;
  }
  return state;
}
