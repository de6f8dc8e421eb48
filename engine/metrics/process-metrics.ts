// The metrics every dataflow process exposes about itself (driver, master, executor), under the
// names Node exporters use, so existing dashboards read them: V8 heap used and total, resident
// memory, start time and uptime, and the event-loop delay (perf_hooks.monitorEventLoopDelay, one
// sampler per process at a 20 ms resolution, read when scraped).

import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { IntervalHistogram } from 'node:perf_hooks';
import type { MetricsRegistry } from './registry.ts';

let delay: IntervalHistogram | undefined;

/** The process's event-loop delay sampler, started at the first use. */
function eventLoopDelay(): IntervalHistogram {
  if (!delay) {
    delay = monitorEventLoopDelay({ resolution: 20 });
    delay.enable();
  }
  return delay;
}

const startSeconds = Math.round(Date.now() / 1000 - process.uptime());

/** Adds the process metrics to `registry`. */
export function addProcessMetrics(registry: MetricsRegistry): void {
  const loop = eventLoopDelay();
  registry.gauge('nodejs_heap_size_used_bytes', 'V8 heap in use on the main thread, in bytes', [], (set) => set(process.memoryUsage().heapUsed));
  registry.gauge('nodejs_heap_size_total_bytes', 'V8 heap allocated on the main thread, in bytes', [], (set) => set(process.memoryUsage().heapTotal));
  registry.gauge('process_resident_memory_bytes', 'Resident set size of the process, in bytes', [], (set) => set(process.memoryUsage.rss()));
  registry.gauge('process_start_time_seconds', 'When the process started, in seconds since the Unix epoch', [], (set) => set(startSeconds));
  registry.gauge('dataflow_process_uptime_seconds', 'Seconds since the process started', [], (set) => set(Math.floor(process.uptime())));
  registry.summary('nodejs_eventloop_delay_seconds', 'Delay of the event loop (how late timers fire) since the process started, in seconds', (set) => {
    // the histogram is in nanoseconds; with no sample yet its percentiles are 0 and its mean NaN
    for (const q of [0.5, 0.9, 0.99]) set(loop.percentile(q * 100) / 1e9, String(q));
    set(loop.count > 0 ? (loop.mean * loop.count) / 1e9 : 0, '_sum');
    set(loop.count, '_count');
  });
  registry.gauge('nodejs_eventloop_delay_max_seconds', 'Longest delay of the event loop since the process started, in seconds', [], (set) => set(loop.max / 1e9));
}
