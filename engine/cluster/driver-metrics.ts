// What the driver counts for its /metrics (mounted on the driver's UI server): jobs, task attempts
// and how they ended, shuffle bytes its finished tasks read and wrote, spills, cached bytes,
// executors added and lost; gauges of what runs now; plus the process metrics. A listener of the
// driver's bus (listener-bus.ts): a number added per event on a series found once, never per row.

import { MetricsRegistry, addProcessMetrics } from '../metrics/index.ts';
import type { Series } from '../metrics/index.ts';
import type { DriverEvent, DriverListener } from './listener-bus.ts';

/** What the driver holds now, read when scraped. */
export interface DriverMetricsSource {
  jobsActive(): number;
  tasksRunning(): number;
  executorsAlive(): number;
}

export class DriverMetrics implements DriverListener {
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

  onEvents(events: readonly DriverEvent[]): void {
    for (const e of events) {
      switch (e.event) {
        case 'JobStart': this.jobsStarted.inc(); break;
        case 'JobEnd': this.jobsEnded.labels(e.status === 'succeeded' ? 'succeeded' : 'failed').inc(); break;
        case 'TaskStart': this.started.inc(); break;
        case 'TaskEnd':
          if (e.status === 'succeeded') {
            this.succeeded.inc();
            this.shuffleRead.inc(e.io.shuffleReadBytes);
            this.shuffleWrite.inc(e.io.shuffleWriteBytes);
            this.spill.inc(e.io.spillBytes);
          } else {
            this.failed.labels(e.failureKind ?? e.status).inc();
          }
          break;
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
}
