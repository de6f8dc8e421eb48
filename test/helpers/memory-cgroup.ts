// A memory cgroup for a test (cgroup v2 where its memory controller is there, else v1): processes
// started inside it share its limit, and the kernel's OOM killer ends one of them past it. Needs
// root; `create` returns undefined where no cgroup can be made, so the test can say it skipped.

import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface MemoryCgroupHandle {
  /** The file a process writes its pid into to enter the cgroup (`echo $$ > procs`). */
  procs: string;
  remove(): void;
}

export function createMemoryCgroup(name: string, limitBytes: number): MemoryCgroupHandle | undefined {
  let own: string[];
  try {
    own = readFileSync('/proc/self/cgroup', 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const v2 = own.find((l) => l.startsWith('0::'))?.slice(3);
  const v1 = own.map((l) => /^\d+:([^:]*):(.*)$/.exec(l)).find((m) => m && m[1]!.split(',').includes('memory'))?.[2];
  const candidates: Array<{ dir: string; limits: string[] }> = [];
  if (v2 !== undefined && existsSync('/sys/fs/cgroup/cgroup.controllers') && readFileSync('/sys/fs/cgroup/cgroup.controllers', 'utf8').includes('memory')) {
    candidates.push({ dir: join('/sys/fs/cgroup', v2, name), limits: ['memory.max', 'memory.swap.max'] });
  }
  if (v1 !== undefined && existsSync('/sys/fs/cgroup/memory')) {
    candidates.push({ dir: join('/sys/fs/cgroup/memory', v1, name), limits: ['memory.limit_in_bytes', 'memory.memsw.limit_in_bytes'] });
  }
  for (const c of candidates) {
    try {
      mkdirSync(c.dir);
      writeFileSync(join(c.dir, c.limits[0]!), String(limitBytes));
      try { writeFileSync(join(c.dir, c.limits[1]!), c.limits[1] === 'memory.swap.max' ? '0' : String(limitBytes)); } catch { /* no swap accounting */ }
      return {
        procs: join(c.dir, 'cgroup.procs'),
        remove: () => { try { rmdirSync(c.dir); } catch { /* still busy: left for the system */ } },
      };
    } catch {
      try { rmdirSync(c.dir); } catch { /* not created */ }
    }
  }
  return undefined;
}
