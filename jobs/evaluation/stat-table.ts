// The small "statistics" table that metric kernels send back to the driver: one row per
// (statistic, part), where an exact sum travels as its partials (exact-sum.ts). The driver adds up
// every part of a statistic exactly, so the result does not depend on how rows were batched.
//
//   stat | value          e.g. stat 0 = Σ (p − l)² as two partials, stat 2 = 1000 rows
//   0    | 12.5
//   0    | 1.1e-16
//   2    | 1000

import type { Table } from 'apache-arrow';
import { columnData, readNumbers } from '../../engine/extend.ts';
import { ExactSum } from './exact-sum.ts';
import { typedTable } from './typed-table.ts';

/**
 * A stat table from per-statistic exact sums.
 *
 * @example
 * statTable([sse, sae, count]); // stat 0 = sse's partials, 1 = sae's, 2 = count's
 */
export function statTable(sums: readonly ExactSum[]): Table {
  const stats: number[] = [];
  const values: number[] = [];
  sums.forEach((sum, stat) => {
    for (const part of sum.parts()) {
      stats.push(stat);
      values.push(part);
    }
  });
  return typedTable({ stat: Int32Array.from(stats), value: Float64Array.from(values) });
}

/**
 * Merges stat tables (all batches of a job, in any order) into one exactly rounded total per stat.
 *
 * @example
 * const [sse, sae, n] = mergeStats(await partials.toTable(), 3);
 */
export function mergeStats(table: Table, numStats: number): number[] {
  const sums = Array.from({ length: numStats }, () => new ExactSum());
  if (table.numRows === 0) return sums.map(() => 0);
  const stat = readNumbers(columnData(table, 'stat'), false)!.values;
  const value = readNumbers(columnData(table, 'value'), false)!.values;
  for (let i = 0; i < table.numRows; i++) sums[stat[i]].add(value[i]);
  return sums.map((s) => s.value());
}
