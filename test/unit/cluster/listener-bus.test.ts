// The driver's listener bus: events delivered in order, in one batch DELIVERY_MS after the first, to
// every subscriber; drain() delivers synchronously; a listener that throws neither stops the others
// nor loses its later events.

import { describe, expect, it } from 'vitest';
import { DELIVERY_MS, ListenerBus, eventsOf, type DriverEvent, type DriverEventBatch } from '../../../engine/cluster/listener-bus.ts';

const jobEnd = (jobId: number): DriverEvent => ({ event: 'JobEnd', time: jobId, jobId, status: 'succeeded' });
/** Resolves after the bus's delivery timer armed before it. */
const delivered = (): Promise<void> => new Promise((r) => setTimeout(r, DELIVERY_MS + 2));
const jobIds = (batch: DriverEventBatch): number[] => eventsOf(batch).map((e) => (e as { jobId: number }).jobId);

describe('ListenerBus', () => {
  it('delivers what was posted before its timer as one batch, in order, to each listener', async () => {
    const bus = new ListenerBus();
    const a: number[][] = [];
    const b: number[][] = [];
    bus.subscribe({ onEvents: (events) => a.push(jobIds(events)) });
    bus.subscribe({ onEvents: (events) => b.push(jobIds(events)) });
    bus.post(jobEnd(0));
    await new Promise((r) => setImmediate(r));
    for (let i = 1; i < 5; i++) bus.post(jobEnd(i)); // a later macrotask: the same batch
    expect(a).toEqual([]); // not yet: delivery is asynchronous
    await delivered();
    bus.post(jobEnd(5));
    await delivered();
    expect(a).toEqual([[0, 1, 2, 3, 4], [5]]);
    expect(b).toEqual(a);
  });

  it('drain() delivers synchronously, and a later drain by the timer delivers nothing twice', async () => {
    const bus = new ListenerBus();
    const seen: number[] = [];
    bus.subscribe({ onEvents: (events) => { seen.push(...jobIds(events)); } });
    bus.post(jobEnd(1));
    bus.post(jobEnd(2));
    bus.drain();
    expect(seen).toEqual([1, 2]);
    bus.post(jobEnd(3));
    await delivered();
    expect(seen).toEqual([1, 2, 3]);
  });

  it('keeps nothing while nobody listens, and unsubscribing delivers what the listener was owed', () => {
    const bus = new ListenerBus();
    expect(bus.listening).toBe(false);
    bus.post(jobEnd(0));
    const seen: number[] = [];
    const unsubscribe = bus.subscribe({ onEvents: (events) => { seen.push(...jobIds(events)); } });
    bus.post(jobEnd(1));
    unsubscribe();
    bus.post(jobEnd(2));
    bus.drain();
    expect(seen).toEqual([1]);
  });

  it('reports a throwing listener once on stderr; it and the others go on receiving', () => {
    const bus = new ListenerBus();
    const good: number[] = [];
    let calls = 0;
    bus.subscribe({ onEvents: () => { calls++; throw new Error('broken observer'); } });
    bus.subscribe({ onEvents: (events) => { good.push(...jobIds(events)); } });
    const written: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string) => { written.push(chunk); return true; }) as typeof process.stderr.write;
    try {
      bus.post(jobEnd(1));
      bus.drain();
      bus.post(jobEnd(2));
      bus.drain();
    } finally {
      process.stderr.write = write;
    }
    expect(good).toEqual([1, 2]);
    expect(calls).toBe(2);
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/a listener of the driver's events failed \(broken observer\)/);
  });

  it('delivers a task posted by its fields as the same event as posted whole, names and failure texts included, to a listener subscribed late too', () => {
    const bus = new ListenerBus();
    const first: DriverEvent[] = [];
    bus.subscribe({ onEvents: (batch) => { first.push(...eventsOf(batch)); } });
    const io = { inputBytes: 1, inputRecords: 2, shuffleReadBytes: 3, shuffleReadRecords: 4, shuffleWriteBytes: 5, shuffleWriteRecords: 6, outputRecords: 7, spillBytes: 8, peakMemoryBytes: 9 };
    const start: DriverEvent = { event: 'TaskStart', time: 10, stageId: 1, stageAttempt: 0, taskId: 3, partition: 2, attempt: 1, executorId: 'exec-1', host: 'h1' };
    const end: DriverEvent = {
      event: 'TaskEnd', time: 11, stageId: 1, stageAttempt: 0, taskId: 3, partition: 2, attempt: 1, executorId: 'exec-1', status: 'failed', durationMs: 1,
      io, failure: 'boom', failureKind: 'UserCode',
    };
    bus.post(start);
    bus.postTaskStart(10, 1, 0, 3, 2, 1, 'exec-1', 'h1');
    bus.post(jobEnd(4));
    bus.post(end);
    bus.postTaskEnd(11, 1, 0, 3, 2, 1, 'exec-1', 'failed', 1, io, 'boom', 'UserCode');
    bus.drain();
    expect(first).toEqual([start, start, jobEnd(4), end, end]);
    // a listener that missed the batches which numbered the names reads them all the same
    const late: DriverEvent[] = [];
    bus.subscribe({ onEvents: (batch) => { late.push(...eventsOf(batch)); } });
    bus.postTaskEnd(12, 1, 0, 4, 3, 0, 'exec-1', 'succeeded', 2, undefined);
    bus.drain();
    const zero = Object.fromEntries(Object.keys(io).map((k) => [k, 0]));
    expect(late).toEqual([{ event: 'TaskEnd', time: 12, stageId: 1, stageAttempt: 0, taskId: 4, partition: 3, attempt: 0, executorId: 'exec-1', status: 'succeeded', durationMs: 2, io: zero }]);
  });
});
