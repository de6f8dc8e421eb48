// tuningTable: a tuning result as a text table, one row per candidate (its parameters, mean ± sd of
// the metric over the folds, seconds, status), the best marked, and the baseline when scored.

import type { TuningResult } from './cross-validate.ts';

/**
 * @example
 *   console.log(tuningTable(await tuneAls(ratings, { candidates, metric: 'rmse' })));
 *   //    rank  regParam  RMSE mean ± sd     seconds
 *   //  *   50      0.15  0.8528 ± 0.0041     61.2
 */
export function tuningTable<P extends object>(result: TuningResult<P, unknown>): string {
  const keys: string[] = [];
  for (const c of result.candidates) for (const key of Object.keys(c.params)) if (!keys.includes(key)) keys.push(key);
  const value = (v: unknown): string => (v === undefined ? '' : typeof v === 'number' ? String(Number(v.toPrecision(6))) : String(v));
  const score = (mean: number, sd: number, n: number): string => (Number.isNaN(mean) ? '' : `${mean.toFixed(4)} ± ${sd.toFixed(4)}${n < result.folds.length ? ` (${n} fold${n === 1 ? '' : 's'})` : ''}`);
  const header = ['', ...keys, `${result.label} mean ± sd`, 'seconds', ''];
  const rows = result.candidates.map((c) => [
    c === result.best ? '*' : '',
    ...keys.map((key) => value((c.params as Record<string, unknown>)[key])),
    score(c.mean, c.sd, c.scores.length),
    c.seconds.toFixed(1),
    c.status === 'complete' ? '' : c.status === 'stopped' ? 'stopped early' : `failed: ${c.error ?? ''}`,
  ]);
  if (result.baseline) {
    const b = result.baseline;
    rows.push(['', ...keys.map((_, i) => (i === 0 ? b.name : '')), score(b.mean, b.sd, b.scores.length), '', 'baseline']);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((cell, i) => (i === cells.length - 1 ? cell : i === 0 || i === header.length - 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
