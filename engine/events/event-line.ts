// One event as its event-log line, exactly JSON.stringify(event); the two events of every task
// (nearly all of a log) by a template, about 3× faster. A field added to TaskStart or TaskEnd must
// be added here too (test/unit/events/event-line.test.ts compares every shape with JSON.stringify).

import type { EngineEvent } from './events.ts';

/**
 * @example eventLine({ event: 'JobEnd', time: 5, jobId: 0, status: 'succeeded' })
 *   // '{"event":"JobEnd","time":5,"jobId":0,"status":"succeeded"}'
 */
export function eventLine(e: EngineEvent): string {
  if (e.event === 'TaskEnd') {
    const io = e.io;
    return `{"event":"TaskEnd","time":${n(e.time)},"stageId":${n(e.stageId)},"stageAttempt":${n(e.stageAttempt)},"taskId":${n(e.taskId)},` +
      `"partition":${n(e.partition)},"attempt":${n(e.attempt)},"executorId":${JSON.stringify(e.executorId)},"status":"${e.status}",` +
      `"durationMs":${n(e.durationMs)},"io":{"inputBytes":${n(io.inputBytes)},"inputRecords":${n(io.inputRecords)},` +
      `"shuffleReadBytes":${n(io.shuffleReadBytes)},"shuffleReadRecords":${n(io.shuffleReadRecords)},"shuffleWriteBytes":${n(io.shuffleWriteBytes)},` +
      `"shuffleWriteRecords":${n(io.shuffleWriteRecords)},"outputRecords":${n(io.outputRecords)},"spillBytes":${n(io.spillBytes)},` +
      `"peakMemoryBytes":${n(io.peakMemoryBytes)}}${e.failure !== undefined ? `,"failure":${JSON.stringify(e.failure)}` : ''}` +
      `${e.failureKind !== undefined ? `,"failureKind":${JSON.stringify(e.failureKind)}` : ''}}`;
  }
  if (e.event === 'TaskStart') {
    return `{"event":"TaskStart","time":${n(e.time)},"stageId":${n(e.stageId)},"stageAttempt":${n(e.stageAttempt)},"taskId":${n(e.taskId)},` +
      `"partition":${n(e.partition)},"attempt":${n(e.attempt)},"executorId":${JSON.stringify(e.executorId)},"host":${JSON.stringify(e.host)}}`;
  }
  return JSON.stringify(e);
}

/** A number as JSON writes it (NaN and ±Infinity as null). */
function n(x: number): number | string {
  return Number.isFinite(x) ? x : 'null';
}
