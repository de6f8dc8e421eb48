// Why an executor process of local[N] ended, in words that follow "executor exec-2 was lost (…)":
// killed by the kernel's OOM killer (an oom_kill count of its memory cgroups went up as it died),
// out of V8 heap (Node's fatal message on its stderr), killed by a signal, or exited with a code.

import { type MemoryCgroup, limitOf, memoryCgroups, oomKillsOf } from '../executor/memory-limit.ts';

export interface ExecutorExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The end of its stderr. */
  stderrTail: string;
  /** Set when the OOM killer of one of its memory cgroups killed a process as it died: that cgroup's limit. */
  oomKill?: { limitBytes: number | undefined };
  /** The V8 heap limit it registered with. */
  heapLimitBytes?: number;
}

const mb = (bytes: number): string => `${Math.round(bytes / 2 ** 20)} MB`;

/** How an exit is named, and whether it was of memory. */
export interface ExitCause { cause: string; outOfMemory: boolean }

/** The causes, most specific first: the first that applies names the exit. */
const CAUSES: Array<(exit: ExecutorExit) => ExitCause | undefined> = [
  (e) => (e.oomKill && e.signal === 'SIGKILL' ? {
    cause: `its process was killed by the OOM killer (cgroup limit ${e.oomKill.limitBytes === undefined ? 'unknown' : mb(e.oomKill.limitBytes)})`,
    outOfMemory: true,
  } : undefined),
  // V8 ends the whole process, not just the thread, when one allocation cannot fit (a Map or an
  // array growing its backing store), even in a task thread.
  (e) => (/JavaScript heap out of memory/.test(e.stderrTail) ? {
    cause: `its process ran out of memory (heap limit ${e.heapLimitBytes === undefined ? 'unknown' : mb(e.heapLimitBytes)})`,
    outOfMemory: true,
  } : undefined),
  (e) => (e.signal ? { cause: `its process was killed by ${e.signal}`, outOfMemory: false } : undefined),
  (e) => {
    const lines = e.stderrTail.split('\n').map((l) => l.trim()).filter(Boolean);
    const line = lines.find((l) => /error/i.test(l)) ?? lines[lines.length - 1];
    return { cause: `its process exited with code ${e.code}${line ? `: ${line}` : ''}`, outOfMemory: false };
  },
];

/**
 * @example describeExit({ code: null, signal: 'SIGKILL', stderrTail: '', oomKill: { limitBytes: 629145600 } })
 *   // → { cause: 'its process was killed by the OOM killer (cgroup limit 600 MB)', outOfMemory: true }
 */
export function describeExit(exit: ExecutorExit): ExitCause {
  for (const name of CAUSES) {
    const named = name(exit);
    if (named !== undefined) return named;
  }
  return { cause: 'its process ended', outOfMemory: false };
}

/**
 * Notices the OOM killer of the memory cgroups some processes are in (cgroup v1 or v2): kills are
 * counted per cgroup by the kernel, not per process, so a look right after a process died of
 * SIGKILL says whether the OOM killer did it. Each kill seen is claimed by one such death (two
 * executors killed at once are both named).
 */
export class OomKillWatch {
  private readonly counts = new Map<string, { cgroup: MemoryCgroup; kills: number }>();
  /** Kills seen and not yet claimed, with the smallest limit among the cgroups that killed. */
  private unclaimed = 0;
  private limitBytes: number | undefined;

  /** @param root where cgroup file systems are mounted (a parameter for tests) */
  constructor(private readonly root?: string) {}

  /** Watches the memory cgroups `pid` is in (and their ancestors) from now on. */
  add(pid: number | 'self'): void {
    for (const cgroup of memoryCgroups(pid, this.root)) {
      if (this.counts.has(cgroup.dir)) continue;
      const kills = oomKillsOf(cgroup);
      if (kills !== undefined) this.counts.set(cgroup.dir, { cgroup, kills });
    }
  }

  /**
   * Claims a kill by an OOM killer not claimed yet, for a process that just died of SIGKILL: the
   * smallest limit among the cgroups that killed, or undefined when no OOM killer did.
   */
  claim(): { limitBytes: number | undefined } | undefined {
    // One kill counts in its cgroup and, under v2, in each ancestor: the largest rise is the number of kills.
    let rise = 0;
    for (const entry of this.counts.values()) {
      const kills = oomKillsOf(entry.cgroup) ?? entry.kills;
      if (kills <= entry.kills) continue;
      rise = Math.max(rise, kills - entry.kills);
      entry.kills = kills;
      const limit = limitOf(entry.cgroup);
      if (limit !== undefined && (this.limitBytes === undefined || limit < this.limitBytes)) this.limitBytes = limit;
    }
    this.unclaimed += rise;
    if (this.unclaimed === 0) return undefined;
    this.unclaimed--;
    return { limitBytes: this.limitBytes };
  }
}
