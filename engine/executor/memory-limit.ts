// How much memory this process may really use, and how an executor's memory becomes the budget
// its tasks share: the memory cgroup's limit where there is one (containers, systemd slices,
// the out-of-core benchmark), else the machine's physical memory.

import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import type { EngineConfig } from '../config.ts';
import { parseSize } from '../config.ts';

/**
 * Share of an executor's memory that operators may fill with buffers (Spark's
 * spark.memory.fraction, 0.6); the rest covers the runtime, the V8 heap and the transient copies
 * kernels make while they work.
 */
export const EXECUTION_FRACTION = 0.6;

/**
 * Share of an executor's memory that holds cached partitions (Dataset.cache()); partitions beyond
 * it are written to the executor's work directory and read back on use (memory-and-disk). Half of
 * what the execution share leaves: the other half stays for the runtime and the kernels' copies.
 */
export const STORAGE_FRACTION = 0.2;

/**
 * Share of an executor's memory that may hold map outputs kept for reduce tasks instead of files
 * (shuffle/map-output-store.ts), at most its DEFAULT_CAPACITY_BYTES. They are Arrow buffers outside
 * every budget: unbounded by the executor's memory, an 8m executor of bench/out-of-core kept
 * ~150 MB of them (peak RSS 350 MB at 6M rows, 196 MB with every output in files).
 */
export const MAP_OUTPUT_FRACTION = 0.2;

/** Where cgroup file systems are mounted (a parameter for tests). */
const CGROUP_ROOT = '/sys/fs/cgroup';

/**
 * The memory this process may use: the smallest limit of its memory cgroup and every ancestor
 * (cgroup v2 `memory.max`, v1 `memory.limit_in_bytes`), or physical memory when none is set.
 *
 * @example availableMemoryBytes(); // 25275990016 on a 24 GiB machine without a limit
 */
export function availableMemoryBytes(root = CGROUP_ROOT): number {
  const physical = totalmem();
  const limit = cgroupLimit(root);
  return limit !== undefined && limit < physical ? limit : physical;
}

/** The cgroup memory limit of this process, if any (undefined on other systems or when unlimited). */
export function cgroupLimit(root = CGROUP_ROOT): number | undefined {
  let best: number | undefined;
  for (const cgroup of memoryCgroups('self', root)) {
    const value = limitOf(cgroup);
    if (value !== undefined && (best === undefined || value < best)) best = value;
  }
  return best;
}

/** A memory cgroup folder and the layout of its files (v2: memory.max, v1: memory.limit_in_bytes). */
export interface MemoryCgroup { dir: string; version: 1 | 2 }

/**
 * The memory cgroups a process belongs to, its own first and then every ancestor, in the layouts
 * present (a v2 unified tree, a v1 memory hierarchy, or both in hybrid mode). Empty where the
 * process or /proc is gone.
 */
export function memoryCgroups(pid: number | 'self' = 'self', root = CGROUP_ROOT): MemoryCgroup[] {
  let lines: string[];
  try {
    lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n');
  } catch {
    return [];
  }
  const out: MemoryCgroup[] = [];
  for (const line of lines) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    if (path === undefined) continue;
    if (controllers === '') {
      for (const dir of ancestors(path)) out.push({ dir: `${root}${dir}`, version: 2 }, { dir: `${root}/unified${dir}`, version: 2 });
    } else if (controllers!.split(',').includes('memory')) {
      for (const dir of ancestors(path)) out.push({ dir: `${root}/memory${dir}`, version: 1 });
    }
  }
  return out;
}

/** A cgroup's memory limit in bytes; undefined when it has none (or no such file). */
export function limitOf(cgroup: MemoryCgroup): number | undefined {
  const text = readText(join(cgroup.dir, cgroup.version === 2 ? 'memory.max' : 'memory.limit_in_bytes'));
  const value = Number(text);
  // v2 writes 'max'; v1 writes a huge page-rounded number for "no limit".
  if (text === undefined || text === 'max' || !Number.isFinite(value) || value <= 0 || value >= 2 ** 60) return undefined;
  return value;
}

/**
 * How many processes the OOM killer of a cgroup has killed (v2 `memory.events`, v1
 * `memory.oom_control`: the `oom_kill` line); undefined where the kernel does not say.
 */
export function oomKillsOf(cgroup: MemoryCgroup): number | undefined {
  const text = readText(join(cgroup.dir, cgroup.version === 2 ? 'memory.events' : 'memory.oom_control'));
  const match = text === undefined ? null : /^oom_kill (\d+)$/m.exec(text);
  return match ? Number(match[1]) : undefined;
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** '/a/b' → ['/a/b', '/a', '']: a cgroup and every ancestor up to the root. */
function ancestors(path: string): string[] {
  const out: string[] = [];
  let p = path === '/' ? '' : path.replace(/\/$/, '');
  for (;;) {
    out.push(p);
    if (p === '') return out;
    p = p.slice(0, p.lastIndexOf('/'));
  }
}

/**
 * What each task may hold: the execution share of the executor's memory split evenly over the
 * tasks it runs at once.
 *
 * @example taskMemoryBytes(2 * 2 ** 30, 4); // 0.6 × 2 GiB / 4 ≈ 322 MB
 */
export function taskMemoryBytes(executorMemoryBytes: number, slots: number): number {
  return Math.floor((executorMemoryBytes * EXECUTION_FRACTION) / Math.max(1, slots));
}

/**
 * Of a task's share (taskMemoryBytes), the window of shuffle blocks fetched ahead: a quarter, from
 * 64 KiB to 64 MiB. The rest is the budget its operators hold buffers under (operatorBudgetBytes).
 */
export function fetchWindowBytes(taskShareBytes: number): number {
  return Math.max(64 << 10, Math.min(64 << 20, Math.floor(taskShareBytes / 4)));
}

/** What a task's operators may hold at once: its share less the fetch window (at least 1 byte). */
export function operatorBudgetBytes(taskShareBytes: number): number {
  return Math.max(1, taskShareBytes - fetchWindowBytes(taskShareBytes));
}

/**
 * What each task thread's cache may hold in memory: the storage share of the executor's memory
 * split evenly over its task threads (each thread keeps the partitions its tasks cached).
 *
 * @example storageMemoryBytes(2 * 2 ** 30, 4); // 0.2 × 2 GiB / 4 ≈ 107 MB
 */
export function storageMemoryBytes(executorMemoryBytes: number, threads: number): number {
  return Math.floor((executorMemoryBytes * STORAGE_FRACTION) / Math.max(1, threads));
}

/**
 * What an executor's kept map outputs may hold together: MAP_OUTPUT_FRACTION of its memory, at most `cap`.
 *
 * @example mapOutputMemoryBytes(8 * 2 ** 20, 512 * 2 ** 20); // 1677721: an 8m executor writes its outputs to files
 */
export function mapOutputMemoryBytes(executorMemoryBytes: number, cap: number): number {
  return Math.min(cap, Math.floor(executorMemoryBytes * MAP_OUTPUT_FRACTION));
}

/**
 * The memory of each of `executors` executors on this machine: `dataflow.executor.memory` when
 * set, else the memory this process may use shared evenly by them.
 *
 * @example executorMemoryBytes(resolveConfig(['dataflow.executor.memory=2g']), 4); // 2147483648
 */
export function executorMemoryBytes(config: EngineConfig, executors: number): number {
  const configured = config['dataflow.executor.memory'];
  if (configured !== '') return parseSize(configured, 'configuration dataflow.executor.memory');
  return Math.floor(availableMemoryBytes() / Math.max(1, executors));
}

/**
 * The old-generation size (MiB) each task thread's V8 heap starts with: a quarter of the task's
 * memory share, at most 128 MiB; 0 (V8's own default) below 32 MiB. V8 counts the Arrow buffers a
 * task allocates (ArrayBuffers, outside its heap) against a small old-generation limit sized from
 * the ~16 MB of objects an executor keeps, so a map task decoding 20 MB of columns ran several full
 * collections (45 mark-compacts in 5 ratings-stats jobs on 20M rows, about a sixth of the
 * executors' time); starting from 128 MiB none ran. Dead buffers may then wait for a collection
 * up to that size, which is why it is a share of the task's memory.
 *
 * @example initialOldSpaceMb(4 * 2 ** 30); // 128
 * @example initialOldSpaceMb(64 * 2 ** 20); // 0 (16 MiB: left to V8)
 */
export function initialOldSpaceMb(taskShareBytes: number): number {
  const mb = Math.min(128, Math.floor(taskShareBytes / 4 / 2 ** 20));
  return mb >= 32 ? mb : 0;
}
