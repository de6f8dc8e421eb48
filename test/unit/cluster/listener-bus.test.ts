// The driver's listener bus: events delivered in order, in one batch per macrotask, to every
// subscriber; drain() delivers synchronously; a listener that throws neither stops the others nor
// loses its later events.

import { describe, expect, it } from 'vitest';
import { ListenerBus, type DriverEvent } from '../../../engine/cluster/listener-bus.ts';

const jobEnd = (jobId: number): DriverEvent => ({ event: 'JobEnd', time: jobId, jobId, status: 'succeeded' });

describe('ListenerBus', () => {
  it('delivers what was posted in one macrotask as one batch, in order, to each listener', async () => {
    const bus = new ListenerBus();
    const a: number[][] = [];
    const b: number[][] = [];
    bus.subscribe({ onEvents: (events) => a.push(events.map((e) => (e as { jobId: number }).jobId)) });
    bus.subscribe({ onEvents: (events) => b.push(events.map((e) => (e as { jobId: number }).jobId)) });
    for (let i = 0; i < 5; i++) bus.post(jobEnd(i));
    expect(a).toEqual([]); // not yet: delivery is asynchronous
    await new Promise((r) => setImmediate(r));
    bus.post(jobEnd(5));
    await new Promise((r) => setImmediate(r));
    expect(a).toEqual([[0, 1, 2, 3, 4], [5]]);
    expect(b).toEqual(a);
  });

  it('drain() delivers synchronously, and a later drain by the timer delivers nothing twice', async () => {
    const bus = new ListenerBus();
    const seen: number[] = [];
    bus.subscribe({ onEvents: (events) => { for (const e of events) seen.push((e as { jobId: number }).jobId); } });
    bus.post(jobEnd(1));
    bus.post(jobEnd(2));
    bus.drain();
    expect(seen).toEqual([1, 2]);
    bus.post(jobEnd(3));
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([1, 2, 3]);
  });

  it('keeps nothing while nobody listens, and unsubscribing delivers what the listener was owed', () => {
    const bus = new ListenerBus();
    expect(bus.listening).toBe(false);
    bus.post(jobEnd(0));
    const seen: number[] = [];
    const unsubscribe = bus.subscribe({ onEvents: (events) => { for (const e of events) seen.push((e as { jobId: number }).jobId); } });
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
    bus.subscribe({ onEvents: (events) => { for (const e of events) good.push((e as { jobId: number }).jobId); } });
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
});
