// The driver's handle on the cached sparse rows: each method runs one job whose tasks return their
// partition's subtree sums (a dense n×b block, the n×n Gram, or column sums), which the driver adds
// along the fixed leaf tree (leaf-tree.ts), so the result never depends on the number of partitions
// or on which task finished first. The dense block travels to the tasks as a capture, never as a
// broadcast, so iteration i's block is not kept alive by the session after the job.

import type { Table } from 'apache-arrow';
import type { Dataset } from '../../engine/index.ts';
import { rowKernels } from './row-kernels.ts';
import { sumTree } from './leaf-tree.ts';
import type { LeafTree } from './leaf-tree.ts';
import type { Centering } from './row-kernels.ts';
import type { GramOperator } from './block-krylov.ts';

export class SparseRowsOperator implements GramOperator {
  /** Distributed passes run so far (one per apply/gram/stats call). */
  passes = 0;
  /** Seconds spent in those passes, as the driver sees them (job latency included). */
  seconds = 0;

  constructor(readonly rows: Dataset, readonly n: number, readonly centering: Centering, readonly tree: LeafTree) {}

  /** (AᵀA) X for X n × b, row-major. */
  async apply(x: Float64Array, b: number): Promise<Float64Array> {
    this.passes++;
    const started = performance.now();
    const apply = rowKernels.gramApplyPartial;
    const { centering, tree } = this;
    const table = await this.rows.mapBatches((t) => apply(t, x, b, centering, tree), { apply, x, b, centering, tree }).toTable();
    const y = sumTree(table, tree, this.n * b);
    this.seconds += (performance.now() - started) / 1000;
    return y;
  }

  /** Lower triangle of G = AᵀA (n × n, row-major). */
  async gram(): Promise<Float64Array> {
    this.passes++;
    const n = this.n;
    const gram = rowKernels.gramPartial;
    const { centering, tree } = this;
    const table = await this.rows.mapBatches((t) => gram(t, n, centering, tree), { gram, n, centering, tree }).toTable();
    return sumTree(table, tree, n * n);
  }
}

/** Per narrow index: [sums of raw ratings..., rating counts...] (2n numbers), summed along the leaf tree. */
export async function columnStats(rows: Dataset, n: number, tree: LeafTree): Promise<Float64Array> {
  const stats = rowKernels.colStatsPartial;
  const table = await rows.mapBatches((t) => stats(t, n, tree), { stats, n, tree }).toTable();
  return sumTree(table, tree, 2 * n);
}

/** Per wide row index: the mean of its raw ratings (each row is whole in one partition). */
export async function rowMeans(rows: Dataset, count: number): Promise<Float64Array> {
  return meansOf(await rows.mapBatches(rowKernels.rowStats).toTable(), count);
}

/** rowStats' output (row, sum, count) → the mean per wide row index. */
export function meansOf(table: Table, count: number): Float64Array {
  const means = new Float64Array(count);
  const ids = table.getChild('row')?.toArray() as Int32Array | undefined;
  const sums = table.getChild('sum')?.toArray() as Float64Array | undefined;
  const counts = table.getChild('count')?.toArray() as Float64Array | undefined;
  if (!ids || !sums || !counts) return means;
  for (let i = 0; i < ids.length; i++) means[ids[i]!] = sums[i]! / counts[i]!;
  return means;
}
