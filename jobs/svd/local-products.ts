// The driver-side twin of SparseRowsOperator for matrices that fit in the driver: the cached sparse
// rows are collected ONCE into one table, and every product then runs on the driver with the same
// kernels, as if one partition owned all 16 leaves (leaf-tree.ts) — so the sums, and the results,
// are bit-identical to the distributed passes, without a job (and its latency) per Lanczos step.
// Spark's RowMatrix.computeSVD does the same ("local" modes) when the problem is small.

import type { Table } from 'apache-arrow';
import type { Dataset } from '../../engine/index.ts';
import { columnData, tableFromColumns } from '../../engine/extend.ts';
import { gramApplyPartial, gramPartial } from './row-kernels.ts';
import type { Centering } from './row-kernels.ts';
import { LEAVES, sumTree } from './leaf-tree.ts';
import type { LeafTree } from './leaf-tree.ts';
import type { GramOperator } from './block-krylov.ts';

/** One partition owning every leaf: the driver then adds the same tree the executors would. */
const ONE_PART: LeafTree = { leaves: LEAVES, bounds: Int32Array.of(0, LEAVES) };

export class LocalRowsOperator implements GramOperator {
  /** Products run so far (none of them is a job). */
  passes = 0;
  /** Seconds spent in those products, the collect included. */
  seconds = 0;

  private constructor(private readonly table: Table, readonly n: number, private readonly centering: Centering) {}

  /**
   * Collects the cached rows (partitions in order, so rows stay ordered by leaf) into one batch.
   *
   * @example
   *   const op = await LocalRowsOperator.collect(rows, n, { kind: 'none' });
   */
  static async collect(rows: Dataset, n: number, centering: Centering): Promise<LocalRowsOperator> {
    const started = performance.now();
    const collected = await rows.toTable();
    // One contiguous batch: the kernels' per-table caches (row starts, leaf starts) are then built once.
    const table = tableFromColumns(collected.schema, collected.schema.fields.map((f) => columnData(collected, f.name)), collected.numRows);
    const op = new LocalRowsOperator(table, n, centering);
    op.seconds = (performance.now() - started) / 1000;
    return op;
  }

  /** (AᵀA) X for X n × b, row-major. */
  async apply(x: Float64Array, b: number): Promise<Float64Array> {
    this.passes++;
    const started = performance.now();
    const y = sumTree(gramApplyPartial(this.table, x, b, this.centering, ONE_PART), ONE_PART, this.n * b);
    this.seconds += (performance.now() - started) / 1000;
    return y;
  }

  /** Lower triangle of G = AᵀA (n × n, row-major). */
  async gram(): Promise<Float64Array> {
    this.passes++;
    const started = performance.now();
    const g = sumTree(gramPartial(this.table, this.n, this.centering, ONE_PART), ONE_PART, this.n * this.n);
    this.seconds += (performance.now() - started) / 1000;
    return g;
  }
}
