// Spill partitions by a hash of the key: how a spilling operator splits what does not fit into
// pieces that each fit, with every row of one key in the same piece, in input order. Shared by
// hash aggregation and groupByKey (spilling-group-by.ts, spilling-group-rows.ts) and the grace
// hash join (spilling-join.ts).

import type { Table } from 'apache-arrow';
import { hashKeys } from '../kernels/key-hash.ts';
import { takeRows } from '../kernels/take.ts';
import type { SpillWriter } from './spill-files.ts';

/**
 * Appends the rows of `table` to `partitions` by a hash of `keys`, each partition keeping input
 * order. `level` re-mixes the hash: the reduce partition was chosen by hash % numPartitions, and a
 * partition split again at the next level must not land in one piece.
 *
 * @example
 * const parts = [0, 1, 2, 3].map((p) => spill.openRun(`join-p${p}`));
 * writeHashPartitioned(batch, ['k'], parts, 0);
 */
export function writeHashPartitioned(table: Table, keys: readonly string[], partitions: SpillWriter[], level: number): void {
  const n = table.numRows;
  if (n === 0) return;
  const hashes = hashKeys(table, keys);
  const count = partitions.length;
  const of = new Int32Array(n);
  const starts = new Int32Array(count + 1);
  const seed = Math.imul(level + 1, 0x9e3779b9);
  for (let i = 0; i < n; i++) {
    let x = hashes[i]! ^ seed;
    x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
    x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
    x ^= x >>> 16;
    const p = (x >>> 0) % count;
    of[i] = p;
    starts[p + 1]!++;
  }
  for (let p = 0; p < count; p++) starts[p + 1]! += starts[p]!;
  const next = starts.slice(0, count);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[next[of[i]!]!++] = i;
  const sorted = takeRows(table, order);
  for (let p = 0; p < count; p++) {
    if (starts[p + 1]! > starts[p]!) partitions[p]!.append(sorted.slice(starts[p]!, starts[p + 1]!));
  }
}
