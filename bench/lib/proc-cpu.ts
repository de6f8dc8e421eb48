// CPU time of whole processes (every thread: JavaScript, GC helpers, libuv pool, worker threads), read
// from Linux's per-thread schedstat: nanoseconds on a CPU, exact as of each thread's last switch, so a
// reading taken while the processes are idle (between jobs) is exact, unlike tick-based utime/stime.

import { readFileSync, readdirSync } from 'node:fs';

/**
 * Milliseconds of CPU all threads of `pid` have used so far; NaN where /proc has no schedstat
 * (not Linux). Threads that ended earlier are not counted: take both readings of a difference
 * while the same threads live (a session's executors keep theirs).
 *
 * @example const before = processCpuMs(process.pid); await job(); const used = processCpuMs(process.pid) - before;
 */
export function processCpuMs(pid: number): number {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return Number.NaN;
  }
  let ns = 0;
  for (const tid of tasks) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return ns / 1e6;
}

/** The sum of processCpuMs over `pids`. @example processesCpuMs([process.pid, ...executorPids]) */
export function processesCpuMs(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + processCpuMs(pid), 0);
}
