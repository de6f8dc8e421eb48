// The memory an executor may use: cgroup limits (v1 and v2, on the process's group or an
// ancestor), physical memory otherwise, and how it becomes each task's budget.

import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { totalmem } from 'node:os';
import { availableMemoryBytes, cgroupLimit, executorMemoryBytes, initialOldSpaceMb, limitOf, oomKillsOf, taskMemoryBytes } from '../../../engine/executor/memory-limit.ts';
import { resolveConfig } from '../../../engine/config.ts';
import { useTmpDir } from '../../helpers/tmp-dir.ts';

/** This process's cgroup paths, as /proc/self/cgroup gives them: [v2 path, v1 memory path]. */
function ownGroups(): { unified?: string; memory?: string } {
  const out: { unified?: string; memory?: string } = {};
  for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === '') out.unified = m[2];
    else if (m[1]!.split(',').includes('memory')) out.memory = m[2];
  }
  return out;
}

describe('memory limits', () => {
  const dir = useTmpDir('cgroup');

  it('starts task threads\' heaps with a quarter of the task share, at most 128 MiB, and leaves small shares to V8', () => {
    expect(initialOldSpaceMb(taskMemoryBytes(2 * 2 ** 30, 1))).toBe(128);
    expect(initialOldSpaceMb(200 * 2 ** 20)).toBe(50);
    expect(initialOldSpaceMb(100 * 2 ** 20)).toBe(0);
  });

  it('takes the smallest limit of the process cgroup and its ancestors, v2 or v1', () => {
    const own = ownGroups();
    const root = dir();
    if (own.unified !== undefined) {
      const group = join(root, own.unified);
      mkdirSync(group, { recursive: true });
      writeFileSync(join(group, 'memory.max'), 'max\n');
      writeFileSync(join(root, 'memory.max'), `${3 * 2 ** 30}\n`); // on the root: an ancestor
    }
    if (own.memory !== undefined) {
      const group = join(root, 'memory', own.memory);
      mkdirSync(group, { recursive: true });
      writeFileSync(join(group, 'memory.limit_in_bytes'), `${2 * 2 ** 30}\n`);
    }
    const expected = own.memory !== undefined ? 2 * 2 ** 30 : 3 * 2 ** 30;
    expect(cgroupLimit(root)).toBe(expected);
    expect(availableMemoryBytes(root)).toBe(Math.min(expected, totalmem()));
  });

  it('reads the OOM killer\'s kill count and the limit of a cgroup, v2 or v1', () => {
    const v2 = join(dir(), 'v2');
    const v1 = join(dir(), 'v1');
    mkdirSync(v2);
    mkdirSync(v1);
    writeFileSync(join(v2, 'memory.events'), 'low 0\nhigh 0\nmax 12\noom 3\noom_kill 2\noom_group_kill 0\n');
    writeFileSync(join(v2, 'memory.max'), `${700 * 2 ** 20}\n`);
    writeFileSync(join(v1, 'memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 5\n');
    writeFileSync(join(v1, 'memory.limit_in_bytes'), '9223372036854771712\n');
    expect(oomKillsOf({ dir: v2, version: 2 })).toBe(2);
    expect(limitOf({ dir: v2, version: 2 })).toBe(700 * 2 ** 20);
    expect(oomKillsOf({ dir: v1, version: 1 })).toBe(5);
    expect(limitOf({ dir: v1, version: 1 })).toBeUndefined(); // v1's "no limit"
    expect(oomKillsOf({ dir: join(dir(), 'absent'), version: 2 })).toBeUndefined();
  });

  it('is physical memory when no cgroup sets a limit', () => {
    expect(cgroupLimit(dir())).toBeUndefined();
    expect(availableMemoryBytes(dir())).toBe(totalmem());
  });

  it('gives each task 60% of its executor memory over its slots; config sizes are checked', () => {
    expect(taskMemoryBytes(1000, 2)).toBe(300);
    expect(executorMemoryBytes(resolveConfig(['dataflow.executor.memory=2g']), 4)).toBe(2 * 2 ** 30);
    expect(executorMemoryBytes(resolveConfig([]), 4)).toBe(Math.floor(availableMemoryBytes() / 4));
    expect(() => resolveConfig(['dataflow.executor.memory=lots'])).toThrow(/dataflow.executor.memory lots is not a size \(e.g. 512m, 4g\)/);
  });
});
