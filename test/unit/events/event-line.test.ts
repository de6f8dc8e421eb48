// The event log's lines: TaskStart and TaskEnd are written field by field into bytes for speed; each must
// be exactly JSON.stringify of the event, with every optional field, odd strings, and every kind of number.

import { describe, expect, it } from 'vitest';
import { eventLine } from '../../../engine/events/event-line.ts';
import type { EngineEvent } from '../../../engine/events/events.ts';

const io = {
  inputBytes: 100, inputRecords: 10, shuffleReadBytes: 0, shuffleReadRecords: 3, shuffleWriteBytes: 800, shuffleWriteRecords: 10,
  outputRecords: 10, spillBytes: 2 ** 40, peakMemoryBytes: 4096.5,
};

const events: EngineEvent[] = [
  { event: 'TaskStart', time: 1_767_225_600_000, stageId: 3, stageAttempt: 1, taskId: 12, partition: 7, attempt: 2, executorId: 'exec-1', host: '127.0.0.1' },
  { event: 'TaskStart', time: 1, stageId: 0, stageAttempt: 0, taskId: 0, partition: 0, attempt: 0, executorId: 'ex "quoted" \\ é \u2028', host: 'h\nnewline' },
  { event: 'TaskEnd', time: 2, stageId: 3, stageAttempt: 0, taskId: 12, partition: 7, attempt: 0, executorId: 'exec-1', status: 'succeeded', durationMs: 5, io },
  {
    event: 'TaskEnd', time: 3, stageId: 3, stageAttempt: 0, taskId: 13, partition: 8, attempt: 1, executorId: 'exec-2', status: 'failed', durationMs: -0,
    io: { ...io, inputBytes: Number.NaN, spillBytes: Number.POSITIVE_INFINITY },
    failure: 'executor exec-2 was lost ("SIGKILL")\n\tat line 3', failureKind: 'ExecutorLost',
  },
  { event: 'TaskEnd', time: 4, stageId: 1, stageAttempt: 2, taskId: 14, partition: 0, attempt: 0, executorId: 'e', status: 'killed', durationMs: 0, io, failureKind: 'TaskKilled' },
  {
    event: 'TaskEnd', time: 1_767_225_600_123, stageId: 0, stageAttempt: 0, taskId: 2 ** 53 - 1, partition: 9, attempt: 0, executorId: 'exec-1', status: 'succeeded',
    durationMs: 0.1, io: { ...io, inputBytes: 2 ** 60, inputRecords: 1e21, shuffleReadBytes: -17, shuffleReadRecords: 1e-7, outputRecords: -(2 ** 53), spillBytes: 10, peakMemoryBytes: 99.99 },
  },
  { event: 'JobEnd', time: 5, jobId: 0, status: 'failed', message: 'boom "x"' },
  { event: 'AppEvent', time: 6, source: 'als', kind: 'iteration', data: { iteration: 3, trainRmse: 0.71, ok: true, none: null } },
];

describe('eventLine', () => {
  it.each(events.map((e, i) => [i, e] as const))('writes event %i exactly as JSON.stringify does', (_i, event) => {
    expect(eventLine(event)).toBe(JSON.stringify(event));
    expect(JSON.parse(eventLine(event))).toEqual(JSON.parse(JSON.stringify(event)));
  });
});
