// What an executor counts for its /metrics (`dataflow executor --metrics-port`): the task attempts
// it ran and how they ended, the shuffle bytes they read and wrote, the blocks it served to other
// executors, spills, cached partitions, applications served; plus the process metrics. Each count
// is a number added on an object found once, at the end of a task, never per row.

import { MetricsRegistry, addProcessMetrics } from '../metrics/index.ts';
import type { Series } from '../metrics/index.ts';
import type { TaskDescriptor, TaskFailureReason, TaskResult } from '../protocol/index.ts';

export interface ExecutorMetricsSource {
  /** Applications served now. */
  appCount(): number;
  /** Bytes of cached partitions held now, over every application: in memory and in the work directory. */
  cachedBytes(): Promise<{ memory: number; disk: number }>;
}

export class ExecutorMetrics {
  readonly registry = new MetricsRegistry();
  private readonly started: Series;
  private readonly succeeded: Series;
  private readonly failed;
  private readonly shuffleRead: Series;
  private readonly shuffleWrite: Series;
  private readonly served: Series;
  private readonly spill: Series;

  constructor(executorId: string, cores: number, source: ExecutorMetricsSource) {
    const r = this.registry;
    r.gauge('dataflow_executor_info', 'This executor: its id and cores (the value is always 1)', ['executor_id', 'cores']).set(1, executorId, String(cores));
    this.started = r.counter('dataflow_executor_tasks_started_total', 'Task attempts started on this executor').labels();
    this.succeeded = r.counter('dataflow_executor_tasks_succeeded_total', 'Task attempts that finished').labels();
    this.failed = r.counter('dataflow_executor_tasks_failed_total', 'Task attempts that failed or were killed, by the kind of failure', ['reason']);
    this.shuffleRead = r.counter('dataflow_executor_shuffle_read_bytes_total', 'Shuffle block bytes read by finished tasks (from this and other executors)').labels();
    this.shuffleWrite = r.counter('dataflow_executor_shuffle_write_bytes_total', 'Shuffle bytes written by finished map tasks').labels();
    this.served = r.counter('dataflow_executor_shuffle_served_bytes_total', 'Shuffle block bytes this executor served to reduce tasks').labels();
    this.spill = r.counter('dataflow_executor_spill_bytes_total', 'Bytes finished tasks spilled to the work directory').labels();
    r.gauge('dataflow_executor_cached_bytes', 'Bytes of cached partitions held now, by where', ['storage'], async (set) => {
      const { memory, disk } = await source.cachedBytes();
      set(memory, 'memory');
      set(disk, 'disk');
    });
    r.gauge('dataflow_executor_applications', 'Applications this executor serves now', [], (set) => set(source.appCount()));
    addProcessMetrics(r);
  }

  taskStarted(): void {
    this.started.inc();
  }

  taskSucceeded(task: TaskDescriptor, result: TaskResult): void {
    this.succeeded.inc();
    let read = 0;
    for (const input of task.shuffleInputs) for (const block of input.blocks) read += block.size;
    this.shuffleRead.inc(read);
    if (result.payload.kind === 'mapOutput') {
      let written = 0;
      for (const size of result.payload.blockSizes) written += size;
      this.shuffleWrite.inc(written);
    }
    this.spill.inc(result.metrics?.spillBytes ?? 0);
  }

  taskFailed(reason: Pick<TaskFailureReason, 'kind'>): void {
    this.failed.labels(reason.kind).inc();
  }

  blocksServed(bytes: number): void {
    this.served.inc(bytes);
  }
}
