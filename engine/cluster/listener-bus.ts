// The driver's listener bus (Spark's LiveListenerBus): the driver posts each scheduling fact once,
// and whoever watches the application (the progress line, /metrics, the event log and the live UI)
// subscribes here. Adding an observer never touches the driver.
//
// The model:
//  - Events are the event log's own (engine/events/events.ts), plus the few facts only a terminal
//    shows (PartitionsCut). A task's TaskStart and TaskEnd are packed as a row of numbers when posted
//    (engine/events/packed-events.ts; the driver posts them field by field, building no object), the
//    rarer events kept as the plain objects posted; listeners read them, never change them.
//  - Delivery is asynchronous and in batches: a drain hands every listener the whole batch, in the
//    order posted, when a job ends (the driver drains then, so an action returns after every
//    listener saw its events), when MAX_WAITING numbers wait, or DELIVERY_MS after the first event
//    waiting (the progress line's pace). So a task's events cost the driver a few stores each, and a
//    listener pays its per-batch work (a write, a fold) once per many tasks: on `local`, where a task
//    ends in a macrotask of its own, a drain per macrotask made every per-batch cost a per-task one.
//    Not a timer alone: under valgrind, which runs the driver ~50x slower, a short one fired every task.
//    The event log's writer copies the batch's rows as they are (no field of a task is read and
//    stored twice).
//  - A reader that must see everything so far (the UI answering a request, /metrics, the log at close, a test)
//    calls drain() first: delivery is then synchronous and complete.
//  - A listener that throws is reported once on stderr and keeps receiving: one broken observer does
//    not stop the application or the others.

import type { EngineEvent } from '../events/events.ts';
import { EventPacker, EventUnpacker, OBJECT, TASK_END, TASK_END_WIDTH, TASK_START, TASK_START_WIDTH, type ObjectBatch, type TaskCounters } from '../events/packed-events.ts';

/** How long the first event of a batch waits for others before the batch is delivered, ms. */
export const DELIVERY_MS = 100;
/** Numbers packed (about 2,000 tasks) past which a batch is delivered at once. */
const MAX_WAITING = 65_536;

/** A shuffle's buckets were grouped into reduce partitions by size (the progress line shows it). */
export interface PartitionsCutEvent { event: 'PartitionsCut'; time: number; shuffleIds: number[]; buckets: number; bytes: number; partitions: number }

export type DriverEvent = EngineEvent | PartitionsCutEvent;

/** What a listener is handed: the events packed (packed-events.ts), those other than a task's as objects. */
export type DriverEventBatch = ObjectBatch<DriverEvent>;

export interface DriverListener {
  /** A batch of events, oldest first; it is shared by every listener and must not be kept or changed (eventsOf() reads it as objects). */
  onEvents(events: DriverEventBatch): void;
}

/** A listener's view of each row of a batch (visitRows): a task's fields are read from `n` at `row` (packed-events.ts F). */
export interface RowVisitor {
  taskStart(n: Float64Array, row: number): void;
  taskEnd(n: Float64Array, row: number, texts: readonly string[]): void;
  other(event: DriverEvent): void;
}

/** Calls `visitor` for each event of `batch`, in order, reading tasks' fields where they are packed. */
export function visitRows(batch: DriverEventBatch, visitor: RowVisitor): void {
  const { numbers: n, length, texts } = batch.rows;
  for (let row = 0; row < length;) {
    const kind = n[row]!;
    if (kind === TASK_START) {
      visitor.taskStart(n, row);
      row += TASK_START_WIDTH;
    } else if (kind === TASK_END) {
      visitor.taskEnd(n, row, texts);
      row += TASK_END_WIDTH;
    } else if (kind === OBJECT) {
      visitor.other(batch.objects[n[row + 1]!]!);
      row += 2;
    } else {
      throw new Error(`the driver's bus delivered an unknown kind ${kind} at ${row}`);
    }
  }
}

/**
 * The events of `batch` as objects, in order (fresh ones: they may be kept).
 *
 * @example bus.subscribe({ onEvents: (batch) => { for (const e of eventsOf(batch)) if (e.event === 'JobEnd') ended.push(e.jobId); } });
 */
export function eventsOf(batch: DriverEventBatch): DriverEvent[] {
  const events: DriverEvent[] = [];
  new EventUnpacker().readObjects(batch, (e) => events.push(e));
  return events;
}

export class ListenerBus {
  private listeners: DriverListener[] = [];
  /** The events posted since the last delivery; its names last the bus's life. */
  private readonly packer = new EventPacker(4_096, Infinity);
  private objects: DriverEvent[] = [];
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
    const kind = event.event;
    if (kind === 'TaskStart' || kind === 'TaskEnd') this.packer.push(event, kind);
    else this.packer.pushObject(this.objects.push(event) - 1);
    this.posted();
  }

  /** post() of a TaskStart, given its fields (no event object is built). */
  postTaskStart(time: number, stageId: number, stageAttempt: number, taskId: number, partition: number, attempt: number, executorId: string, host: string): void {
    if (this.listeners.length === 0) return;
    this.packer.taskStart(time, stageId, stageAttempt, taskId, partition, attempt, executorId, host);
    this.posted();
  }

  /** post() of a TaskEnd, given its fields (no event object is built); `io`'s absent counters are 0. */
  postTaskEnd(
    time: number, stageId: number, stageAttempt: number, taskId: number, partition: number, attempt: number, executorId: string,
    status: 'succeeded' | 'failed' | 'killed', durationMs: number, io: TaskCounters | undefined, failure?: string, failureKind?: string,
  ): void {
    if (this.listeners.length === 0) return;
    this.packer.taskEnd(time, stageId, stageAttempt, taskId, partition, attempt, executorId, status, durationMs, io, failure, failureKind);
    this.posted();
  }

  /** Delivers what is waiting now, synchronously. */
  drain(): void {
    if (this.packer.size === 0) return;
    // (a spread of the packed batch into this one cost ~4 us on Node 20, as much as a task)
    const batch: DriverEventBatch = { rows: this.packer.take(), objects: this.objects, names: this.packer.knownNames };
    this.objects = [];
    for (const listener of this.listeners) {
      try {
        listener.onEvents(batch);
      } catch (error) {
        if (this.failed.has(listener)) continue;
        this.failed.add(listener);
        process.stderr.write(`dataflow: a listener of the driver's events failed (${error instanceof Error ? error.message : String(error)}); it keeps receiving events\n`);
      }
    }
    this.packer.recycle(batch.rows.numbers); // no listener keeps it: the next batches pack into it again
  }

  /** After an event is packed: the batch delivered now if it is large, else its delivery scheduled. */
  private posted(): void {
    if (this.packer.size >= MAX_WAITING) this.drain();
    else if (!this.scheduled) this.scheduleDrain();
  }

  private scheduleDrain(): void {
    this.scheduled = true;
    // unref'd: what is left at exit is drained by whoever stops the application (Session.stop)
    setTimeout(this.drainNow, DELIVERY_MS).unref();
  }

  private readonly drainNow = (): void => {
    this.scheduled = false;
    this.drain();
  };
}
