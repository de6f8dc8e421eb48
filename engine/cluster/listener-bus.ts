// The driver's listener bus (Spark's LiveListenerBus): the driver posts each scheduling fact once,
// and whoever watches the application (the progress line, /metrics, the event log and the live UI)
// subscribes here. Adding an observer never touches the driver.
//
// The model:
//  - Events are the event log's own (engine/events/events.ts), plus the few facts only a terminal
//    shows (PartitionsCut). They are plain data built once; listeners read them, never change them.
//  - Delivery is asynchronous and in batches: post() pushes onto a queue; one drain per macrotask
//    (setImmediate) hands every listener the whole batch, in the order posted. So a task's events
//    cost the driver a push, and a listener pays its per-batch work (a write, a fold) once per batch.
//  - A reader that must see everything so far (the UI answering a request, the log at close, a test)
//    calls drain() first: delivery is then synchronous and complete.
//  - A listener that throws is reported once on stderr and keeps receiving: one broken observer does
//    not stop the application or the others.

import type { EngineEvent } from '../events/events.ts';

/** A shuffle's buckets were grouped into reduce partitions by size (the progress line shows it). */
export interface PartitionsCutEvent { event: 'PartitionsCut'; time: number; shuffleIds: number[]; buckets: number; bytes: number; partitions: number }

export type DriverEvent = EngineEvent | PartitionsCutEvent;

export interface DriverListener {
  /** A batch of events, oldest first; the array is shared by every listener and must not be kept or changed. */
  onEvents(events: readonly DriverEvent[]): void;
}

export class ListenerBus {
  private listeners: DriverListener[] = [];
  private queue: DriverEvent[] = [];
  private scheduled = false;
  private readonly failed = new Set<DriverListener>();

  /** Whether anyone listens: a poster may skip building an event nobody would receive. */
  get listening(): boolean {
    return this.listeners.length > 0;
  }

  /** Delivers every event posted from now on to `listener`; returns the function that unsubscribes it. */
  subscribe(listener: DriverListener): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.drain();
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  post(event: DriverEvent): void {
    if (this.listeners.length === 0) return;
    this.queue.push(event);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.drainNow);
    }
  }

  /** Delivers what is waiting now, synchronously. */
  drain(): void {
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    for (const listener of this.listeners) {
      try {
        listener.onEvents(batch);
      } catch (error) {
        if (this.failed.has(listener)) continue;
        this.failed.add(listener);
        process.stderr.write(`dataflow: a listener of the driver's events failed (${error instanceof Error ? error.message : String(error)}); it keeps receiving events\n`);
      }
    }
  }

  private readonly drainNow = (): void => {
    this.scheduled = false;
    this.drain();
  };
}
