// Executor-side kernels of rankingMetrics.
//
// 1. rankingRows puts recommendations and relevant items in one shape, so they can be unioned and
//    grouped by user whatever their id types:
//      __user: Float64 (53-bit id key)  __item: Float64 (id key)  __pos: Float64  __rel: Uint8
//    __pos is the order of a recommendation (its rank, or −score); relevant rows have __rel = 1.
// 2. userRankingStats reads a groupByKey('__user') batch and adds each user's precision, recall,
//    AP and NDCG at k to exact sums (stat table: 0 precision, 1 recall, 2 AP, 3 NDCG, 4 users).
//
// Worked example, k = 3, user 1: recommendations a (rank 1), b (2), c (3); relevant {b, d}.
//   hits at positions [0, 1, 0]; precision = 1/3; recall = 1/2;
//   AP = (1/2 at position 2) / min(3, 2) = 0.25; DCG = 1/log2(3); IDCG = 1 + 1/log2(3);
//   NDCG = 0.6309 / 1.6309 = 0.3869

import type { Table } from 'apache-arrow';
import { columnData, describeSchema, isNumericType, readNumbers, libraryFunctions } from '../../engine/extend.ts';
import { EvaluationError } from './errors.ts';
import { ExactSum } from './exact-sum.ts';
import { readGroups } from './grouped.ts';
import { idKeys } from './row-hash.ts';
import { statTable } from './stat-table.ts';
import { typedTable } from './typed-table.ts';

export const USER_KEY = '__user';
export const RANKING_STATS = 5;

export interface RankingRowsSpec {
  userColumn: string;
  itemColumn: string;
  rankColumn: string;
  scoreColumn: string;
  /** true for the relevant-items side, false for recommendations. */
  relevant: boolean;
}

/**
 * The normalized rows (see the top of this file) of a batch of recommendations or relevant items.
 *
 * @example
 * rankingRows(recs, { userColumn: 'userId', itemColumn: 'itemId', rankColumn: 'rank', scoreColumn: 'score', relevant: false });
 */
export function rankingRows(batch: Table, spec: RankingRowsSpec): Table {
  const n = batch.numRows;
  const side = spec.relevant ? 'relevant' : 'recommendations';
  const user = idKeys(batch, spec.userColumn, `as the user column of rankingMetrics' ${side}`);
  const item = idKeys(batch, spec.itemColumn, `as the item column of rankingMetrics' ${side}`);
  const pos = new Float64Array(n);
  if (!spec.relevant) {
    const names = batch.schema.fields.map((f) => f.name);
    const byRank = names.includes(spec.rankColumn);
    const column = byRank ? spec.rankColumn : spec.scoreColumn;
    if (!names.includes(column)) {
      throw new EvaluationError(
        'EVAL_COLUMN',
        `rankingMetrics: the recommendations have neither a rank column '${spec.rankColumn}' nor a score column '${spec.scoreColumn}'; ` +
          `columns are [${describeSchema(batch.schema)}]. Pass { rankColumn } (1 = best) or { scoreColumn } (higher = better).`,
      );
    }
    const data = columnData(batch, column);
    if (!isNumericType(data.type)) {
      throw new EvaluationError('EVAL_COLUMN', `rankingMetrics: ${byRank ? 'rank' : 'score'} column '${column}' is ${String(data.type)}; expected a numeric column.`);
    }
    const { values, valid } = readNumbers(data, false)!;
    for (let i = 0; i < n; i++) {
      const v = byRank ? values[i] : -values[i];
      pos[i] = v !== v || (valid !== null && valid[i] === 0) ? Infinity : v; // missing order → last
    }
  }
  const rel = new Uint8Array(n).fill(spec.relevant ? 1 : 0);
  return typedTable({ [USER_KEY]: user, __item: item, __pos: pos, __rel: rel });
}

/**
 * Exact per-batch sums of the per-user metrics at `k`, over users with at least one relevant item.
 *
 * @example
 * userRankingStats(groupedBatch, 10); // stat table: 0 Σprecision, 1 Σrecall, 2 ΣAP, 3 ΣNDCG, 4 users
 */
export function userRankingStats(batch: Table, k: number): Table {
  const sums = Array.from({ length: RANKING_STATS }, () => new ExactSum());
  if (batch.numRows === 0) return statTable(sums);
  const { numGroups, starts, rows } = readGroups(batch, 'rankingMetrics');
  const item = readNumbers(columnData(rows, '__item'), false)!.values;
  const pos = readNumbers(columnData(rows, '__pos'), false)!.values;
  const rel = readNumbers(columnData(rows, '__rel'), false)!.values;
  const order = new Int32Array(rows.numRows);
  for (let i = 0; i < order.length; i++) order[i] = i;
  // Relevant rows first, then recommendations by position, ties by item key.
  const compare = (a: number, b: number): number => rel[b] - rel[a] || pos[a] - pos[b] || item[a] - item[b] || a - b;
  const idcg = new Float64Array(k + 1);
  for (let i = 1; i <= k; i++) idcg[i] = idcg[i - 1] + 1 / Math.log2(i + 1);
  let users = 0;
  for (let g = 0; g < numGroups; g++) {
    const group = order.subarray(starts[g], starts[g + 1]).sort(compare);
    const relevant = new Set<number>();
    let r = 0;
    for (; r < group.length && rel[group[r]] === 1; r++) relevant.add(item[group[r]]);
    if (relevant.size === 0) continue;
    users++;
    const seen = new Set<number>();
    let position = 0;
    let hits = 0;
    let precisionSum = 0; // Σ over hits of hits-so-far / position
    let dcg = 0;
    for (; r < group.length && position < k; r++) {
      const it = item[group[r]];
      if (seen.has(it)) continue; // a repeated item keeps its best position only
      seen.add(it);
      position++;
      if (!relevant.has(it)) continue;
      hits++;
      precisionSum += hits / position;
      dcg += 1 / Math.log2(position + 1);
    }
    const ideal = Math.min(k, relevant.size);
    sums[0].add(hits / k);
    sums[1].add(hits / relevant.size);
    sums[2].add(precisionSum / ideal);
    sums[3].add(dcg / idcg[ideal]);
  }
  sums[4].add(users);
  return statTable(sums);
}

export const rankingKernels = libraryFunctions(import.meta.url, { rankingRows, userRankingStats });
