// Executor-side kernel of mostPopular: for each user of a batch, walk the broadcast popularity
// list (most popular first) and emit the first k items the user has not rated.
//
// Worked example, k = 2, popular = [i3 (count 9), i1 (7), i4 (5), i2 (1)]:
//   user 7 rated {i1, i2} → (7, i3, rank 1, score 9), (7, i4, rank 2, score 5)
//   user 8 rated {i3}     → (8, i1, 1, 7), (8, i4, 2, 5)

import { Field, Float64, Int32, Schema, makeData } from 'apache-arrow';
import type { Data, Table } from 'apache-arrow';
import { columnData, decodeIpc, libraryFunctions, readNumbers, tableFromColumns, takeData } from '../../engine/extend.ts';
import { readGroups } from './grouped.ts';
import { idKeys } from './row-hash.ts';

/** Column of the broadcast popularity table holding each item's count. */
export const COUNT_COLUMN = '__count';

export interface PopularSpec {
  userColumn: string;
  itemColumn: string;
  k: number;
  /** The batch is a groupByKey(user) output with the rated items; else one row per distinct user. */
  excludeRated: boolean;
}

interface PopularList {
  items: Data;
  keys: Float64Array;
  counts: Float64Array;
}

/** The decoded popularity list per broadcast buffer (the same object for every task of an executor). */
const decoded = new WeakMap<Uint8Array, PopularList>();

function popularList(ipc: Uint8Array, itemColumn: string): PopularList {
  let list = decoded.get(ipc);
  if (!list) {
    const table = decodeIpc(ipc, 'the most-popular list (a broadcast)');
    list = {
      items: columnData(table, itemColumn),
      keys: idKeys(table, itemColumn),
      counts: readNumbers(columnData(table, COUNT_COLUMN), false)!.values,
    };
    decoded.set(ipc, list);
  }
  return list;
}

/**
 * Top-k popular items per user of `batch`, minus the user's rated items when `excludeRated`:
 * columns user, item (their input types), rank (Int32, from 1), score (Float64, the item's count).
 *
 * @example
 * popularForUsers(grouped, { userColumn: 'userId', itemColumn: 'itemId', k: 10, excludeRated: true }, ipcBytes);
 */
export function popularForUsers(batch: Table, spec: PopularSpec, popularIpc: Uint8Array): Table {
  if (batch.numRows === 0 && batch.schema.fields.length === 0) return batch; // an empty partition
  const popular = popularList(popularIpc, spec.itemColumn);
  const users = columnData(batch, spec.userColumn, 'as the user column of mostPopular');
  const numUsers = batch.numRows;
  const groups = spec.excludeRated && numUsers > 0 ? readGroups(batch, 'mostPopular') : null;
  const rated = groups ? idKeys(groups.rows, spec.itemColumn, 'as the item column of mostPopular') : null;
  const { k } = spec;
  const userIdx = new Int32Array(numUsers * k);
  const itemIdx = new Int32Array(numUsers * k);
  const rank = new Int32Array(numUsers * k);
  let out = 0;
  for (let u = 0; u < numUsers; u++) {
    let skip: Set<number> | null = null;
    if (groups && rated) {
      skip = new Set<number>();
      for (let r = groups.starts[u]; r < groups.starts[u + 1]; r++) skip.add(rated[r]);
    }
    let taken = 0;
    for (let p = 0; p < popular.keys.length && taken < k; p++) {
      if (skip !== null && skip.has(popular.keys[p])) continue;
      userIdx[out] = u;
      itemIdx[out] = p;
      rank[out] = ++taken;
      out++;
    }
  }
  const score = new Float64Array(out);
  for (let i = 0; i < out; i++) score[i] = popular.counts[itemIdx[i]];
  const schema = new Schema([
    new Field(spec.userColumn, users.type, true),
    new Field(spec.itemColumn, popular.items.type, true),
    new Field('rank', new Int32(), false),
    new Field('score', new Float64(), false),
  ]);
  return tableFromColumns(schema, [
    takeData(users, userIdx.subarray(0, out)),
    takeData(popular.items, itemIdx.subarray(0, out)),
    makeData({ type: new Int32(), length: out, data: rank.subarray(0, out) }),
    makeData({ type: new Float64(), length: out, data: score }),
  ], out);
}

export const popularKernels = libraryFunctions(import.meta.url, { popularForUsers });
