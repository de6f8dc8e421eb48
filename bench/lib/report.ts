// Benchmark output: a markdown table of our figures beside reference figures, the command that
// produced it, and the same data as JSON under bench/results/ (gitignored).

import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';

export interface TableRow {
  measure: string;
  dataflow: string;
  reference: string;
  verdict: string;
}

/**
 * @example
 * markdownTable([{ measure: 'x', dataflow: '1', reference: '2', verdict: '0.5×' }]);
 * // | measure | dataflow | reference | ratio / goal |\n|---|---|---|---|\n| x | 1 | 2 | 0.5× |
 */
export function markdownTable(rows: readonly TableRow[]): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|');
  return [
    '| measure | dataflow | reference | ratio / goal |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${cell(r.measure)} | ${cell(r.dataflow)} | ${cell(r.reference)} | ${cell(r.verdict)} |`),
  ].join('\n');
}

/** What the machine looked like during the run (the machine is shared: load matters). */
export function machineInfo(): Record<string, unknown> {
  return {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/**
 * Writes `data` to `<dir>/<name>-<timestamp>.json` and returns the path.
 *
 * @example await writeResults('bench/results', 'core', { rows }); // 'bench/results/core-2025-01-31T10-20-00.json'
 */
export async function writeResults(dir: string, name: string, data: unknown): Promise<string> {
  await mkdir(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').replace(/-\d+Z$/, 'Z');
  const file = join(dir, `${name}-${stamp}.json`);
  await writeFile(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}

/** 1234.5 → '1,235'; 0.0456 → '0.046'; three significant digits below 100. */
export function fmt(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toPrecision(abs >= 1 ? 3 : 2);
}
