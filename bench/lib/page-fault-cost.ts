// What one page fault costs on this machine right now: a figure every benchmark prints beside the
// load average, because it moves the engine's numbers more than load does. On the VM the project is
// measured on (a paravirtualized guest whose page tables the hypervisor shadows), touching a fresh
// 4 KiB page costs 11-16 µs against ~0.5 µs on bare metal, and returning memory (munmap) ~100 µs.

import { spawnSync } from 'node:child_process';

/** Bytes of fresh memory the probe touches: 8,192 pages, ~0.1 s at 14 µs a fault. */
const PROBE_BYTES = 32 * 1024 * 1024;

/**
 * Runs in a child Node process with glibc's defaults (so a 32 MB ArrayBuffer is a fresh mapping, not
 * memory an earlier allocation already faulted in): writes one byte per page, reads the minor
 * faults it took from /proc/self/stat. Prints `<ms> <faults>`.
 */
const PROBE = `
const { readFileSync } = require('node:fs');
const faults = () => Number(readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')[7]);
const bytes = new Uint8Array(${PROBE_BYTES});
const f0 = faults(); const t0 = performance.now();
for (let i = 0; i < bytes.length; i += 4096) bytes[i] = 1;
console.log(performance.now() - t0, faults() - f0);
`;

export interface PageFaultCost {
  /** Microseconds per minor fault; NaN where it could not be measured (not Linux, or no faults). */
  microsPerFault: number;
  faults: number;
}

/**
 * Measures the cost of a minor page fault (first touch of fresh anonymous memory) in a child process.
 *
 * @example `page fault ${pageFaultCost().microsPerFault.toFixed(1)} µs` // 'page fault 14.2 µs' on the project's VM
 */
export function pageFaultCost(): PageFaultCost {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('MALLOC_')) delete env[key];
  delete env.NODE_OPTIONS;
  const child = spawnSync(process.execPath, ['-e', PROBE], { env, encoding: 'utf8', timeout: 30_000 });
  const [ms, faults] = (child.stdout ?? '').trim().split(/\s+/).map(Number);
  if (child.status !== 0 || ms === undefined || faults === undefined || !(faults > 1000)) return { microsPerFault: Number.NaN, faults: faults ?? 0 };
  return { microsPerFault: (ms * 1000) / faults, faults };
}
