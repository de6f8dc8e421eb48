// The driver's /metrics counts read from the bus's packed batches: tasks started, succeeded (with
// their shuffle and spill bytes) and failed by the kind of failure (or how they ended, without one),
// and the other events, whether a task was posted by its fields or whole.

import { describe, expect, it } from 'vitest';
import { DriverMetrics } from '../../../engine/cluster/driver-metrics.ts';
import { ListenerBus } from '../../../engine/cluster/listener-bus.ts';

/** The exposition's sample lines that start with `prefix`, without process metrics. */
async function samples(metrics: DriverMetrics, prefix: string): Promise<string[]> {
  return (await metrics.registry.render()).split('\n').filter((line) => line.startsWith(prefix));
}

describe('DriverMetrics', () => {
  it('counts the tasks and events of the bus\'s batches', async () => {
    const bus = new ListenerBus();
    const metrics = new DriverMetrics({ jobsActive: () => 0, tasksRunning: () => 0, executorsAlive: () => 2 });
    bus.subscribe(metrics);
    const io = { shuffleReadBytes: 100, shuffleWriteBytes: 40, spillBytes: 7 };
    bus.post({ event: 'JobStart', time: 1, jobId: 0, description: 'count', stages: [], plan: '' });
    for (let t = 0; t < 5; t++) bus.postTaskStart(2, 0, 0, t, t, 0, 'exec-1', 'h');
    bus.postTaskEnd(3, 0, 0, 0, 0, 0, 'exec-1', 'succeeded', 1, io);
    bus.post({
      event: 'TaskEnd', time: 3, stageId: 0, stageAttempt: 0, taskId: 1, partition: 1, attempt: 0, executorId: 'exec-1', status: 'succeeded', durationMs: 1,
      io: { inputBytes: 0, inputRecords: 0, shuffleReadBytes: 1, shuffleReadRecords: 0, shuffleWriteBytes: 2, shuffleWriteRecords: 0, outputRecords: 0, spillBytes: 3, peakMemoryBytes: 0 },
    });
    bus.drain();
    bus.postTaskEnd(4, 0, 0, 2, 2, 0, 'exec-1', 'failed', 1, undefined, 'executor exec-1 ran out of memory', 'OutOfMemory');
    bus.postTaskEnd(4, 0, 0, 3, 3, 0, 'exec-1', 'failed', 1, undefined, 'boom', 'UserCodeError');
    bus.postTaskEnd(4, 0, 0, 4, 4, 0, 'exec-1', 'killed', 1, undefined);
    bus.post({ event: 'ExecutorRemoved', time: 5, executorId: 'exec-1', reason: 'killed', outOfMemory: true });
    bus.post({ event: 'JobEnd', time: 6, jobId: 0, status: 'failed' });
    bus.drain();
    expect(await samples(metrics, 'dataflow_driver_tasks')).toEqual([
      'dataflow_driver_tasks_started_total 5',
      'dataflow_driver_tasks_succeeded_total 2',
      'dataflow_driver_tasks_failed_total{reason="OutOfMemory"} 1',
      'dataflow_driver_tasks_failed_total{reason="UserCodeError"} 1',
      'dataflow_driver_tasks_failed_total{reason="killed"} 1',
      'dataflow_driver_tasks_running 0',
    ]);
    expect(await samples(metrics, 'dataflow_driver_shuffle')).toEqual(['dataflow_driver_shuffle_read_bytes_total 101', 'dataflow_driver_shuffle_write_bytes_total 42']);
    expect(await samples(metrics, 'dataflow_driver_spill')).toEqual(['dataflow_driver_spill_bytes_total 10']);
    expect(await samples(metrics, 'dataflow_driver_jobs')).toEqual([
      'dataflow_driver_jobs_started_total 1', 'dataflow_driver_jobs_ended_total{status="failed"} 1', 'dataflow_driver_jobs_active 0',
    ]);
    expect(await samples(metrics, 'dataflow_driver_executors_lost')).toEqual(['dataflow_driver_executors_lost_total{cause="out_of_memory"} 1']);
  });

  it('delivers what waits on the bus before a scrape, so the scrape counts every event posted before it', async () => {
    const bus = new ListenerBus();
    const metrics = new DriverMetrics({ jobsActive: () => 0, tasksRunning: () => 0, executorsAlive: () => 1, deliver: () => bus.drain() });
    bus.subscribe(metrics);
    bus.postTaskStart(1, 0, 0, 0, 0, 0, 'exec-1', 'h');
    bus.postTaskEnd(2, 0, 0, 0, 0, 0, 'exec-1', 'succeeded', 1, { shuffleReadBytes: 5 });
    expect(await samples(metrics, 'dataflow_driver_shuffle_read')).toEqual(['dataflow_driver_shuffle_read_bytes_total 5']);
  });
});
