// The standalone master's /metrics: executors alive and waited for after a restart, those
// registered and lost, cores offered and granted, applications running, registered and ended;
// plus the process metrics. Read from the master's book and allocation state when scraped.

import { MetricsRegistry, addProcessMetrics } from '../metrics/index.ts';
import type { MasterBook } from './master-book.ts';
import type { MasterState } from './master-state.ts';

export function masterMetrics(book: MasterBook, state: MasterState): MetricsRegistry {
  const r = new MetricsRegistry();
  r.gauge('dataflow_master_executors', 'Executors now: alive (connected), recovering (known from the recovery file, not back yet)', ['state'], (set) => {
    const states = book.executorStates();
    set(states.alive, 'alive');
    set(states.recovering, 'recovering');
  });
  r.counter('dataflow_master_executors_registered_total', 'Executor registrations (an executor registering again after a master restart counts again)', [], (set) => set(book.counts.executorsRegistered));
  r.counter('dataflow_master_executors_lost_total', 'Executors lost: connection closed or silent past --network-timeout-ms, or not back after a restart', [], (set) => set(book.counts.executorsLost));
  r.gauge('dataflow_master_cores', 'Cores of connected executors: total, and used (granted to applications)', ['state'], (set) => {
    let total = 0;
    let free = 0;
    for (const e of state.executorCores()) if (e.connected) { total += e.cores; free += e.free; }
    set(total, 'total');
    set(total - free, 'used');
  });
  r.gauge('dataflow_master_applications', 'Applications now: running (driver connected), waiting (driver expected back)', ['state'], (set) => {
    const view = book.view(state, '');
    set(view.applications.filter((a) => a.state === 'running').length, 'running');
    set(view.applications.filter((a) => a.state === 'waiting').length, 'waiting');
  });
  r.counter('dataflow_master_applications_registered_total', 'Applications registered', [], (set) => set(book.counts.appsRegistered));
  r.counter('dataflow_master_applications_ended_total', 'Applications ended: finished (the driver unregistered), forgotten (its driver did not come back)', ['status'], (set) => {
    set(book.counts.appsFinished, 'finished');
    set(book.counts.appsForgotten, 'forgotten');
  });
  addProcessMetrics(r);
  return r;
}
