// The event log's lines: TaskStart and TaskEnd are written field by field into bytes for speed; each must
// be exactly JSON.stringify of the event with its fields that are 0 left out (logForm), with every optional
// field, odd strings, and every kind of number, and read back (parseEventLine) as the event again.
// A task started and ended within one batch is one line (its TaskEnd's, carrying its host and start
// time), read back as its two events; a start whose end is in a later batch, or past another line, keeps its line.
// A run of such tasks of one stage and status is one Tasks line of columns (version 4; its executors listed
// and each task's index in them when it ran on several, version 5), read back as the events version 3's
// lines give, in order; a cut or malformed Tasks line is skipped.
// And the packed events read back (the monitor thread's status fold) are the events packed, field for field.

import { describe, expect, it } from 'vitest';
import { PLACES_PER_LINE, PackedLineWriter, TASKS_PER_LINE, eventLine } from '../../../engine/events/event-line.ts';
import { foldEventLog, parseEventLine } from '../../../engine/events/log-reader.ts';
import { LineChunks } from '../../../engine/events/line-chunks.ts';
import { EventPacker, EventUnpacker } from '../../../engine/events/packed-events.ts';
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

/** What a line is JSON.stringify of: a task's event without stageAttempt, attempt and io counters that are 0 (or -0). */
function logForm(e: EngineEvent): unknown {
  if (e.event !== 'TaskStart' && e.event !== 'TaskEnd') return e;
  const nonZero = (value: object): object => Object.fromEntries(Object.entries(value).filter(([key, x]) => x !== 0 || !['stageAttempt', 'attempt', ...Object.keys(io)].includes(key)));
  const form = nonZero(e) as Record<string, unknown>;
  if (e.event === 'TaskEnd') form.io = nonZero(e.io);
  return form;
}

/** `e` as a line of the log gives it back: JSON's numbers (NaN and ±Infinity null, -0 0). */
const asRead = (e: EngineEvent): unknown => JSON.parse(JSON.stringify(e), (_key, x: unknown) => (Object.is(x, -0) ? 0 : x));

/** The lines one PackedLineWriter writes for `events`, packed into batches by `packer` as the log does. */
function throughOneWriter(events: EngineEvent[], packer: EventPacker): string {
  const writer = new PackedLineWriter();
  const lines = new LineChunks();
  for (const event of events) {
    packer.push(event);
    if (packer.full) writer.write(packer.take(), lines);
  }
  writer.write(packer.take(), lines);
  return Buffer.concat(lines.take()).toString('utf8');
}

/** A seeded stream of 3,000 tasks' events where time, stage, attempt, executor, host, status and io repeat, alternate and change. */
function taskStream(): EngineEvent[] {
  let seed = 7;
  const next = (n: number): number => { // an integer in [0, n) from the high bits of a 32-bit xorshift
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return Math.floor(((seed >>> 0) / 2 ** 32) * n);
  };
  const events: EngineEvent[] = [];
  for (let i = 0; i < 3_000; i++) {
    const stageId = next(4) === 0 ? next(5) : 2;
    const common = { time: 1_767_225_600_000 + (i >> 3), stageId, stageAttempt: next(10) === 0 ? 1 : 0, taskId: i, partition: next(300), attempt: next(8) === 0 ? 1 : 0, executorId: `exec-${next(3)}` };
    if (next(2) === 0) events.push({ event: 'TaskStart', ...common, host: next(5) === 0 ? 'other-host' : '127.0.0.1' });
    else {
      const status = (['succeeded', 'succeeded', 'succeeded', 'failed', 'killed'] as const)[next(5)]!;
      const varied = next(3) === 0;
      events.push({
        event: 'TaskEnd', ...common, status, durationMs: next(50), io: varied ? { ...io, inputBytes: next(1000), spillBytes: next(2) === 0 ? -0 : 0 } : io,
        ...(status === 'failed' ? { failure: `boom ${next(9)}`, failureKind: 'UserCodeError' } : {}),
      });
    }
    if (next(100) === 0) events.push({ event: 'JobEnd', time: i, jobId: i, status: 'succeeded' });
  }
  return events;
}

describe('eventLine', () => {
  it.each(events.map((e, i) => [i, e] as const))('writes event %i exactly as JSON.stringify of its log form does, and reads it back', (_i, event) => {
    expect(eventLine(event)).toBe(JSON.stringify(logForm(event)));
    expect(parseEventLine(eventLine(event))).toEqual([asRead(event)]);
  });

  it('leaves out a task\'s fields that are 0, and reads them back as 0; a log written with them all still reads', () => {
    const zeroIo = { inputBytes: 0, inputRecords: 0, shuffleReadBytes: 0, shuffleReadRecords: 0, shuffleWriteBytes: 0, shuffleWriteRecords: 0, outputRecords: 0, spillBytes: 0, peakMemoryBytes: 0 };
    const end: EngineEvent = { event: 'TaskEnd', time: 9, stageId: 2, stageAttempt: 0, taskId: 5, partition: 5, attempt: 0, executorId: 'driver', status: 'succeeded', durationMs: 0, io: { ...zeroIo, inputRecords: 1, outputRecords: 1 } };
    expect(eventLine(end)).toBe('{"event":"TaskEnd","time":9,"stageId":2,"taskId":5,"partition":5,"executorId":"driver","status":"succeeded","durationMs":0,"io":{"inputRecords":1,"outputRecords":1}}');
    expect(parseEventLine(eventLine(end))).toEqual([end]);
    const idle: EngineEvent = { ...end, io: zeroIo };
    expect(eventLine(idle)).toContain('"io":{}}');
    expect(parseEventLine(eventLine(idle))).toEqual([idle]);
    expect(parseEventLine(JSON.stringify(end))).toEqual([end]); // an older log's full line
  });
});

/** The lines one PackedLineWriter writes for `batches`, each packed into one batch. */
function inBatches(...batches: EngineEvent[][]): string[] {
  const writer = new PackedLineWriter();
  const packer = new EventPacker(64);
  const lines = new LineChunks();
  for (const batch of batches) {
    for (const event of batch) packer.push(event);
    writer.write(packer.take(), lines);
  }
  return Buffer.concat(lines.take()).toString('utf8').trimEnd().split('\n');
}

describe('one line for a task started and ended within one batch', () => {
  const zero = { inputBytes: 0, inputRecords: 0, shuffleReadBytes: 0, shuffleReadRecords: 0, shuffleWriteBytes: 0, shuffleWriteRecords: 0, outputRecords: 0, spillBytes: 0, peakMemoryBytes: 0 };
  const start = (taskId: number, time: number, more: Partial<EngineEvent & { event: 'TaskStart' }> = {}): EngineEvent =>
    ({ event: 'TaskStart', time, stageId: 4, stageAttempt: 0, taskId, partition: taskId - 10, attempt: 0, executorId: 'driver', host: 'localhost', ...more });
  const end = (taskId: number, time: number, more: Partial<EngineEvent & { event: 'TaskEnd' }> = {}): EngineEvent =>
    ({ event: 'TaskEnd', time, stageId: 4, stageAttempt: 0, taskId, partition: taskId - 10, attempt: 0, executorId: 'driver', status: 'succeeded', durationMs: 1, io: zero, ...more });
  /** The events a log's lines give back, in order. */
  const read = (lines: string[]): EngineEvent[] => lines.flatMap((line) => parseEventLine(line) ?? []);

  it('writes only the TaskEnd line, carrying the start\'s host and time, and reads back the TaskStart right before it', () => {
    const retried = { stageAttempt: 1, attempt: 2, executorId: 'exec "2"', host: 'h\u00e9' } as const;
    const batch = [
      start(10, 1_767_225_600_000), start(11, 1_767_225_600_001, retried),
      end(10, 1_767_225_600_003, { durationMs: 2 }),
      end(11, 1_767_225_600_001, { ...retried, host: undefined, status: 'failed', durationMs: 0, failure: 'boom', failureKind: 'UserCodeError' } as Partial<EngineEvent & { event: 'TaskEnd' }>),
    ];
    expect(inBatches(batch)).toEqual([
      '{"event":"TaskEnd","time":1767225600003,"stageId":4,"taskId":10,"partition":0,"executorId":"driver","host":"localhost","status":"succeeded","durationMs":2,"sinceStart":3,"io":{}}',
      '{"event":"TaskEnd","time":1767225600001,"stageId":4,"stageAttempt":1,"taskId":11,"partition":1,"attempt":2,"executorId":"exec \\"2\\"","host":"hé","status":"failed","durationMs":0,"sinceStart":0,"io":{},"failure":"boom","failureKind":"UserCodeError"}',
    ]);
    expect(read(inBatches(batch))).toEqual([batch[0], batch[2], batch[1], JSON.parse(JSON.stringify(batch[3]))]);
  });

  it('keeps the TaskStart line of a task whose end is in a later batch, past another line, not its own, or not exactly one time difference away', () => {
    const later = [[start(10, 5), start(11, 5)], [end(11, 6), end(10, 7)]];
    expect(inBatches(...later)).toEqual([
      '{"event":"TaskStart","time":5,"stageId":4,"taskId":10,"partition":0,"executorId":"driver","host":"localhost"}',
      '{"event":"TaskStart","time":5,"stageId":4,"taskId":11,"partition":1,"executorId":"driver","host":"localhost"}',
      '{"event":"TaskEnd","time":6,"stageId":4,"taskId":11,"partition":1,"executorId":"driver","status":"succeeded","durationMs":1,"io":{}}',
      '{"event":"TaskEnd","time":7,"stageId":4,"taskId":10,"partition":0,"executorId":"driver","status":"succeeded","durationMs":1,"io":{}}',
    ]);
    expect(read(inBatches(...later))).toEqual(later.flat());
    const kept = [
      start(10, 5), { event: 'ExecutorAdded', time: 6, executorId: 'exec-9', host: 'h', port: 1, cores: 1, memoryBytes: 0 } as EngineEvent, end(10, 7), // another line between
      start(12, 8), end(12, 9, { executorId: 'exec-other' }), // an end that disagrees with its start
      start(13, 0.1), end(13, 0.7), // 0.7 - (0.7 - 0.1) is not 0.1
      start(14, 8, { host: 'first' }), start(14, 8), end(14, 9), // a task id started twice: the later start goes with the end
    ];
    const lines = inBatches(kept);
    expect(lines.filter((l) => l.includes('"TaskStart"')).length).toBe(4);
    expect(lines.filter((l) => l.includes('"sinceStart"')).length).toBe(1);
    expect(lines.at(-1)).toContain('"host":"localhost"');
    expect(read(lines)).toEqual(kept);
  });

  it('reads a version 2 log\'s two lines as before, and skips a carrying line that is cut or whose carried fields are not a number and a string', () => {
    // as version 2 wrote a task (the same bytes version 3 writes for one whose end is in a later batch)
    const v2 = [
      '{"event":"TaskStart","time":5,"stageId":4,"taskId":10,"partition":0,"executorId":"driver","host":"localhost"}',
      '{"event":"TaskEnd","time":7,"stageId":4,"taskId":10,"partition":0,"executorId":"driver","status":"succeeded","durationMs":1,"io":{}}',
    ];
    expect(read(v2)).toEqual([start(10, 5), end(10, 7)]);
    const carrying = inBatches([start(10, 5), end(10, 7)])[0]!;
    expect(parseEventLine(carrying)).toEqual([start(10, 5), end(10, 7)]);
    expect(parseEventLine(carrying.slice(0, -9))).toBeUndefined();
    expect(parseEventLine(carrying.replace('"sinceStart":2', '"sinceStart":"2"'))).toBeUndefined();
    expect(parseEventLine(carrying.replace('"host":"localhost"', '"host":null'))).toBeUndefined();
  });
});

describe('one Tasks line for a run of tasks of one stage and status (version 4, on several executors version 5)', () => {
  const zero = { inputBytes: 0, inputRecords: 0, shuffleReadBytes: 0, shuffleReadRecords: 0, shuffleWriteBytes: 0, shuffleWriteRecords: 0, outputRecords: 0, spillBytes: 0, peakMemoryBytes: 0 };
  const read = (lines: string[]): EngineEvent[] => lines.flatMap((line) => parseEventLine(line) ?? []);
  type Task = { stageId: number; stageAttempt: number; taskId: number; partition: number; attempt: number; executorId: string };
  const pair = (task: Task, host: string, start: number, end: number, more: Partial<EngineEvent & { event: 'TaskEnd' }> = {}): EngineEvent[] => [
    { event: 'TaskStart', time: start, ...task, host },
    { event: 'TaskEnd', time: end, ...task, status: 'succeeded', durationMs: end - start, io: zero, ...more } as EngineEvent,
  ];

  it('writes a run as one line of columns, each value the difference from the one before, zero columns left out', () => {
    const task = (taskId: number, attempt = 0): Task => ({ stageId: 7, stageAttempt: 0, taskId, partition: taskId - 100, attempt, executorId: 'exec-1' });
    const batch = [
      ...pair(task(100), '127.0.0.1', 1_767_225_600_000, 1_767_225_600_001, { io: { ...zero, inputRecords: 10, peakMemoryBytes: 4096 } }),
      ...pair(task(101), '127.0.0.1', 1_767_225_600_001, 1_767_225_600_001, { io: { ...zero, inputRecords: 10, peakMemoryBytes: 4096 } }),
      ...pair(task(102, 1), '127.0.0.1', 1_767_225_600_001, 1_767_225_600_004, { io: { ...zero, inputRecords: 12, peakMemoryBytes: 2 ** 53 } }),
    ];
    expect(inBatches(batch)).toEqual([
      '{"event":"Tasks","stageId":7,"executorId":"exec-1","host":"127.0.0.1","status":"succeeded","taskId":[100,1,1],"partition":[0,1,1],"attempt":[0,0,1],'
      + '"time":[1767225600001,0,3],"durationMs":[1,-1,3],"sinceStart":[1,-1,3],"io":{"inputRecords":[10,0,2],"peakMemoryBytes":[4096,0,9007199254736896]}}',
    ]);
    expect(read(inBatches(batch))).toEqual(batch);
    const idle = [...pair(task(100), 'h', 5, 6), ...pair(task(101), 'h', 6, 6)];
    expect(inBatches(idle)).toEqual([
      '{"event":"Tasks","stageId":7,"executorId":"exec-1","host":"h","status":"succeeded","taskId":[100,1],"partition":[0,1],"time":[6,0],"durationMs":[1,-1],"sinceStart":[1,-1],"io":{}}',
    ]);
    expect(read(inBatches(idle))).toEqual(idle);
  });

  it('writes a run whose tasks ended on several executors as one line listing them, each task its executor\'s index (version 5), and reads it back in order', () => {
    const task = (taskId: number, executorId: string): Task => ({ stageId: 2, stageAttempt: 1, taskId, partition: taskId, attempt: 0, executorId });
    // how tasks end on local[2] or a cluster: on the executors in turn, each executor on its host
    const batch = [
      ...pair(task(0, 'exec-1'), 'h1', 10, 12), ...pair(task(1, 'exec-2'), 'h2', 10, 12), ...pair(task(2, 'exec-2'), 'h2', 12, 13),
      ...pair(task(3, 'exec-1'), 'h1', 12, 14), ...pair(task(4, 'exec "3"'), 'h1', 13, 14),
    ];
    expect(inBatches(batch)).toEqual([
      '{"event":"Tasks","stageId":2,"stageAttempt":1,"executorId":["exec-1","exec-2","exec \\"3\\""],"host":["h1","h2","h1"],"status":"succeeded","executorIndex":[0,1,1,0,2],'
      + '"taskId":[0,1,1,1,1],"partition":[0,1,1,1,1],"time":[12,0,1,1,0],"durationMs":[2,0,-1,1,-1],"sinceStart":[2,0,-1,1,-1],"io":{}}',
    ]);
    expect(read(inBatches(batch))).toEqual(batch);
    // one executor on two hosts (its tasks' starts say so) is two places
    const moved = [...pair(task(0, 'exec-1'), 'h1', 10, 12), ...pair(task(1, 'exec-1'), 'h2', 10, 12)];
    expect(inBatches(moved)[0]).toContain('"executorId":["exec-1","exec-1"],"host":["h1","h2"],"status":"succeeded","executorIndex":[0,1]');
    expect(read(inBatches(moved))).toEqual(moved);
  });

  it(`ends a line at ${PLACES_PER_LINE} executors: a task on one more starts the next line`, () => {
    const task = (taskId: number): Task => ({ stageId: 0, stageAttempt: 0, taskId, partition: taskId, attempt: 0, executorId: `exec-${taskId % (PLACES_PER_LINE + 6)}` });
    const batch = Array.from({ length: 200 }, (_, i) => pair(task(i), 'h', i, i + 1)).flat();
    const lines = inBatches(batch);
    const parsed = lines.map((l) => JSON.parse(l) as { executorId: string[]; taskId: number[] });
    // 70 executors in turn: each line takes the next 64 tasks, on 64 executors; the 65th starts the next
    expect(parsed.map((l) => [l.executorId.length, l.taskId.length])).toEqual([[64, 64], [64, 64], [64, 64], [8, 8]]);
    expect(read(lines)).toEqual(batch);
  });

  it('skips a version 5 line whose executors, hosts or indexes do not agree', () => {
    const task = (taskId: number, executorId: string): Task => ({ stageId: 1, stageAttempt: 0, taskId, partition: taskId, attempt: 0, executorId });
    const batch = [...pair(task(0, 'a'), 'h', 5, 6), ...pair(task(1, 'b'), 'h', 6, 8), ...pair(task(2, 'a'), 'h', 8, 8)];
    const [line] = inBatches(batch);
    expect(line).toContain('"executorId":["a","b"],"host":["h","h"],"status":"succeeded","executorIndex":[0,1,0]');
    expect(parseEventLine(line!)).toEqual(batch);
    for (const [from, to] of [
      ['"executorIndex":[0,1,0]', '"executorIndex":[0,2,0]'], ['"executorIndex":[0,1,0]', '"executorIndex":[0,1]'], ['"executorIndex":[0,1,0]', '"executorIndex":[0,0.5,0]'],
      ['"executorIndex":[0,1,0]', '"executorIndex":[0,-1,0]'], [',"executorIndex":[0,1,0]', ''], ['"host":["h","h"]', '"host":["h"]'], ['"host":["h","h"]', '"host":"h"'],
      ['"executorId":["a","b"]', '"executorId":["a",2]'], ['"executorId":["a","b"]', '"executorId":[]'],
    ]) expect(parseEventLine(line!.replace(from!, to!)), to).toBeUndefined();
  });

  it('reads back mixed batches (stages, executors, hosts, statuses, failures and other lines between, attempts, big and odd numbers) as version 3 lines give them', () => {
    const random = mulberry(3);
    const events: EngineEvent[] = [];
    const expected: EngineEvent[] = [];
    const batches: EngineEvent[][] = [];
    let batch: EngineEvent[] = [];
    let time = 1_767_225_600_000;
    const odd = [0, -0, 1, 2 ** 53 - 1, 2 ** 53, -(2 ** 53), 2 ** 60, 0.1, 4096.5, 1e21, 1e-7, Number.NaN, Number.POSITIVE_INFINITY];
    for (let i = 0; i < 6_000; i++) {
      const calm = i % 2_000 < 1_000; // half the stream in long runs: one stage, executor, host and status, no NaN or infinity
      const varied = (p: number): boolean => !calm && random() < p;
      const executorId = !varied(0.2) ? 'exec-1' : random() < 0.5 ? 'exec "2"' : 'é';
      const task: Task = { stageId: !varied(0.1) ? 3 : Math.floor(random() * 4), stageAttempt: !varied(0.1) ? 0 : 1, taskId: 2 ** 40 + i, partition: Math.floor(random() * 500), attempt: random() < 0.9 ? 0 : 2, executorId };
      const big = random() < 0.05;
      const values = calm ? odd.filter((x) => Number.isSafeInteger(x) || Math.abs(x) === 2 ** 53) : odd; // their differences are exact
      const io = big ? Object.fromEntries(Object.keys(zero).map((k) => [k, values[Math.floor(random() * values.length)]!])) as typeof zero : { ...zero, inputBytes: 100, outputRecords: Math.floor(random() * 3), peakMemoryBytes: 2 ** 53 - Math.floor(random() * 2) };
      const status = !varied(0.05) ? 'succeeded' : random() < 0.5 ? 'failed' : 'killed';
      const failure = status === 'failed' && random() < 0.5 ? { failure: 'boom', failureKind: 'UserCodeError' } : {};
      const start = time;
      time += Math.floor(random() * 3);
      const [s, e] = pair(task, !varied(0.05) ? '127.0.0.1' : 'other', start, time, { status, io, durationMs: random() < 0.02 ? 0.25 : time - start, ...failure });
      const other = varied(0.01);
      // a start whose end is past another line, or in the next batch, keeps its line: read back where it was
      if (other) batch.push(s!, { event: 'JobEnd', time, jobId: i, status: 'succeeded' }, e!);
      else batch.push(s!, e!);
      events.push(s!, e!);
      if (other) expected.push(s!, { event: 'JobEnd', time, jobId: i, status: 'succeeded' }, e!);
      else expected.push(s!, e!);
      if (random() < (calm ? 0.0005 : 0.002)) {
        batches.push(batch);
        batch = [];
      }
    }
    batches.push(batch);
    const lines = inBatches(...batches);
    for (const line of lines) expect(typeof JSON.parse(line)).toBe('object'); // each line parses alone
    const tasksLines = lines.filter((l) => l.startsWith('{"event":"Tasks"'));
    expect(tasksLines.length).toBeGreaterThan(20);
    expect(Math.max(...tasksLines.map((l) => (JSON.parse(l) as { taskId: number[] }).taskId.length))).toBe(TASKS_PER_LINE);
    expect(tasksLines.filter((l) => l.includes('"executorIndex":[')).length).toBeGreaterThan(5); // runs across executors
    expect(read(lines)).toEqual(expected.map(asRead));
    expect(lines.length).toBeLessThan(events.length / 4); // 12,000 events on ~2,000 lines
  });

  it('skips a Tasks line cut short or whose columns are not arrays of numbers of one length; version 3 carrying lines still read', () => {
    const task = (taskId: number): Task => ({ stageId: 1, stageAttempt: 0, taskId, partition: taskId, attempt: 0, executorId: 'exec-1' });
    const batch = [...pair(task(0), 'h', 5, 6), ...pair(task(1), 'h', 6, 8), ...pair(task(2), 'h', 8, 8)];
    const [line] = inBatches(batch);
    expect(parseEventLine(line!)).toEqual(batch);
    for (let cut = 1; cut < line!.length; cut++) expect(parseEventLine(line!.slice(0, cut))).toBeUndefined();
    expect(parseEventLine(line!.replace('"partition":[0,1,1]', '"partition":[0,1]'))).toBeUndefined();
    expect(parseEventLine(line!.replace('"partition":[0,1,1]', '"partition":[0,null,1]'))).toBeUndefined();
    expect(parseEventLine(line!.replace('"sinceStart":[1,1,-2]', '"sinceStart":3'))).toBeUndefined();
    expect(parseEventLine(line!.replace('"status":"succeeded"', '"status":"done"'))).toBeUndefined();
    expect(parseEventLine(line!.replace(',"host":"h"', ''))).toBeUndefined();
    expect(foldEventLog(`${line}\n${line!.slice(0, 80)}\n`, 'app').skippedLogLines).toBe(1);
    // the same three tasks as version 3 wrote them, a line each
    const v3 = [
      '{"event":"TaskEnd","time":6,"stageId":1,"taskId":0,"partition":0,"executorId":"exec-1","host":"h","status":"succeeded","durationMs":1,"sinceStart":1,"io":{}}',
      '{"event":"TaskEnd","time":8,"stageId":1,"taskId":1,"partition":1,"executorId":"exec-1","host":"h","status":"succeeded","durationMs":2,"sinceStart":2,"io":{}}',
      '{"event":"TaskEnd","time":8,"stageId":1,"taskId":2,"partition":2,"executorId":"exec-1","host":"h","status":"succeeded","durationMs":0,"sinceStart":0,"io":{}}',
    ];
    expect(read(v3)).toEqual(batch);
  });
});

/** A seeded generator of numbers in [0, 1). */
function mulberry(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The events one EventUnpacker reads back from the batches `packer` packs them into. */
function readBack(events: EngineEvent[], packer: EventPacker): EngineEvent[] {
  const unpacker = new EventUnpacker();
  const out: EngineEvent[] = [];
  const visit = (e: EngineEvent): void => { out.push(e); };
  for (const event of events) {
    packer.push(event);
    if (packer.full) unpacker.read(packer.take(), visit);
  }
  unpacker.read(packer.take(), visit);
  return out;
}

describe('EventUnpacker', () => {
  it('reads back every shape as packed: optional fields, odd strings, NaN, infinities and -0', () => {
    const back = readBack(events, new EventPacker(64, 64));
    expect(back).toEqual(events);
    expect(Object.is((back[3] as { durationMs: number }).durationMs, -0)).toBe(true);
    expect(back.map((e) => Object.keys(e).sort())).toEqual(events.map((e) => Object.keys(e).sort())); // no failure: undefined added
  });

  it('with reuse, fills in the same two objects for tasks, each holding its event\'s fields while visited', () => {
    const stream = [...events, ...taskStream()];
    const unpacker = new EventUnpacker();
    const packer = new EventPacker(1_024, 4_096);
    const copies: EngineEvent[] = [];
    const tasks = new Set<EngineEvent>();
    const visit = (e: EngineEvent): void => {
      copies.push(structuredClone(e));
      if (e.event === 'TaskStart' || e.event === 'TaskEnd') tasks.add(e);
    };
    for (const event of stream) {
      packer.push(event);
      if (packer.full) unpacker.read(packer.take(), visit, true);
    }
    unpacker.read(packer.take(), visit, true);
    expect(copies).toEqual(stream); // toEqual: a failure field left undefined is as absent
    expect(tasks.size).toBe(2);
  });

  it('reads back a long stream across many batches, names numbered in earlier batches included', () => {
    const stream = taskStream();
    expect(readBack(stream, new EventPacker(1_024, 4_096))).toEqual(stream);
  });
});

describe('PackedLineWriter', () => {
  it('writes runs of tasks exactly, whether their repeated fields come from its copies or are written afresh', () => {
    const events = taskStream();
    const written = throughOneWriter(events, new EventPacker(1_024, 4_096)); // many batches: the writer's copies carry over from one to the next
    expect(written).toBe(events.map((e) => `${JSON.stringify(logForm(e))}\n`).join(''));
  });

  it('writes afresh, not from its copies, a task whose executor or host number is past what its run keys hold', () => {
    const start = (taskId: number, attempt: number, executorId: string): EngineEvent =>
      ({ event: 'TaskStart', time: taskId, stageId: 0, stageAttempt: 0, taskId, partition: 0, attempt, executorId, host: 'h' });
    // names are numbered as first seen: f0 0, h 1, f2 … f65535; then f0 again on attempt 1, and big (65536),
    // whose key would be that attempt-1 task's had it been made of the numbers as they are
    const fillers = [0, ...Array.from({ length: 65_534 }, (_, i) => i + 2)].map((i) => start(i, 0, `f${i}`));
    const events = [...fillers, start(70_000, 1, 'f0'), start(70_001, 0, 'big')];
    const written = throughOneWriter(events, new EventPacker(1_024, 65_536)).trimEnd().split('\n');
    expect(written.at(-1)).toBe(JSON.stringify(logForm(events.at(-1)!)));
    expect(written.length).toBe(events.length);
  });
});
