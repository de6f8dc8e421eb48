// What the driver counts for its /metrics (mounted on the driver's UI server): jobs, task attempts
// and how they ended, shuffle bytes its finished tasks read and wrote, spills, cached bytes,
// executors added and lost; gauges of what runs now; plus the process metrics. A listener of the
// driver's bus (listener-bus.ts): a number added per event on a series found once, never per row.

import { MetricsRegistry, addProcessMetrics } from '../metrics/index.ts';
import type { Series } from '../metrics/index.ts';
import { F, IO, STATUSES } from '../events/packed-events.ts';
import { visitRows, type DriverEvent, type DriverEventBatch, type DriverListener, type RowVisitor } from './listener-bus.ts';

/** What the driver holds now, read when scraped. */
export interface DriverMetricsSource {
  jobsActive(): number;
  tasksRunning(): number;
  executorsAlive(): number;
  /** Delivers the events waiting on the driver's bus, so a scrape counts every event posted before it. */
  deliver?(): void;
}

export class DriverMetrics implements DriverListener, RowVisitor {
  readonly registry = new MetricsRegistry();
  private readonly jobsStarted: Series;
  private readonly jobsEnded;
  private readonly started: Series;
  private readonly succeeded: Series;
  private readonly failed;
  private readonly shuffleRead: Series;
  private readonly shuffleWrite: Series;
  private readonly spill: Series;
  private readonly cachedMemory: Series;
  private readonly cachedDisk: Series;
  private readonly executorsAdded: Series;
  private readonly executorsLost;

  constructor(source: DriverMetricsSource) {
    const r = this.registry;
    if (source.deliver) r.beforeRender(source.deliver);
    this.jobsStarted = r.counter('dataflow_driver_jobs_started_total', 'Jobs submitted (an action, or a shuffle map stage run on its own)').labels();
    this.jobsEnded = r.counter('dataflow_driver_jobs_ended_total', 'Jobs that ended, by outcome', ['status']);
    r.gauge('dataflow_driver_jobs_active', 'Jobs running now', [], (set) => set(source.jobsActive()));
    this.started = r.counter('dataflow_driver_tasks_started_total', 'Task attempts launched on executors').labels();
    this.succeeded = r.counter('dataflow_driver_tasks_succeeded_total', 'Task attempts that finished').labels();
    this.failed = r.counter('dataflow_driver_tasks_failed_total', 'Task attempts that failed, were killed or lost with their executor, by the kind of failure', ['reason']);
    r.gauge('dataflow_driver_tasks_running', 'Task attempts running now', [], (set) => set(source.tasksRunning()));
    this.shuffleRead = r.counter('dataflow_driver_shuffle_read_bytes_total', 'Shuffle bytes read by finished tasks').labels();
    this.shuffleWrite = r.counter('dataflow_driver_shuffle_write_bytes_total', 'Shuffle bytes written by finished map tasks').labels();
    this.spill = r.counter('dataflow_driver_spill_bytes_total', 'Bytes finished tasks spilled to their executors\' work directories').labels();
    const cached = r.counter('dataflow_driver_cached_bytes_total', 'Bytes of partitions finished tasks cached, by where (executors\' /metrics show what is held now)', ['storage']);
    this.cachedMemory = cached.labels('memory');
    this.cachedDisk = cached.labels('disk');
    r.gauge('dataflow_driver_executors', 'Executors serving the application now', [], (set) => set(source.executorsAlive()));
    this.executorsAdded = r.counter('dataflow_driver_executors_added_total', 'Executors that joined the application').labels();
    this.executorsLost = r.counter('dataflow_driver_executors_lost_total', 'Executors the application lost, by cause', ['cause']);
    addProcessMetrics(r);
  }

  onEvents(batch: DriverEventBatch): void {
    visitRows(batch, this);
  }

  taskStart(): void {
    this.started.inc();
  }

  taskEnd(n: Float64Array, row: number, texts: readonly string[]): void {
    if (n[row + F.status] === 0) {
      this.succeeded.inc();
      this.shuffleRead.inc(n[row + F.io + IO.shuffleReadBytes]!);
      this.shuffleWrite.inc(n[row + F.io + IO.shuffleWriteBytes]!);
      this.spill.inc(n[row + F.io + IO.spillBytes]!);
    } else {
      const kind = n[row + F.failureKind]!;
      this.failed.labels(kind >= 0 ? texts[kind]! : STATUSES[n[row + F.status]!]!).inc();
    }
  }

  other(e: DriverEvent): void {
    switch (e.event) {
      case 'JobStart': this.jobsStarted.inc(); break;
      case 'JobEnd': this.jobsEnded.labels(e.status === 'succeeded' ? 'succeeded' : 'failed').inc(); break;
      case 'DatasetCached':
        this.cachedMemory.inc(e.memoryBytes);
        this.cachedDisk.inc(e.diskBytes);
        break;
      case 'ExecutorAdded': this.executorsAdded.inc(); break;
      case 'ExecutorRemoved': this.executorsLost.labels(e.outOfMemory === true ? 'out_of_memory' : 'lost').inc(); break;
      default: break;
    }
  }
}
