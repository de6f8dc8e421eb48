// The driver-side twin of SparseRowsOperator for matrices that fit in the driver: the cached sparse
// rows are collected ONCE into plain CSR arrays (Int32Array starts/cols, Float64Array values), and
// every product then runs on the driver in tight loops — no job, no Arrow table, no allocation per
// row. Single-vector products (the driver's default block) run as WebAssembly (product-kernels.wat):
// compiled code from the first call, where a JavaScript loop would run interpreted for much of a
// small matrix's solve. The sums are the executors' (leaf-tree.ts): each of the 16 leaves sums its
// rows in ascending order, each output number accumulating the same terms in the same order as
// row-kernels.ts's gramApplyPartial, and the leaves are added along the same fixed tree, so the
// results are bit-identical to the distributed passes. Spark's RowMatrix.computeSVD does the same
// ("local" modes) when the problem is small.

import type { Table } from 'apache-arrow';
import type { Dataset } from '../../engine/index.ts';
import { columnData, tableFromColumns } from '../../engine/extend.ts';
import { csrRows, gramPartial, projectRowsInWasm, rowProductsTable } from './row-kernels.ts';
import type { Centering, PackKernel, ScaleKernel } from './row-kernels.ts';
import type { IdEncoding } from '../shared/id-encoding.ts';
import { LEAVES, sumTree } from './leaf-tree.ts';
import type { LeafTree } from './leaf-tree.ts';
import type { GramOperator } from './block-krylov.ts';
import { productModule } from './product-wasm.ts';

export { PRODUCT_KERNELS_WASM } from './product-wasm.ts';

/** One partition owning every leaf: the driver then adds the same tree the executors would. */
export const ONE_PART: LeafTree = { leaves: LEAVES, bounds: Int32Array.of(0, LEAVES) };

export class LocalRowsOperator implements GramOperator {
  /** Products run so far (none of them is a job). */
  passes = 0;
  /** Seconds spent in those products, the collect included. */
  seconds = 0;
  /** Row r's entries are starts[r]..starts[r+1] of cols/values (centering applied); rows ordered by (leaf, row). */
  private readonly starts: Int32Array;
  /** Row r's wide index. */
  private readonly rowIds: Int32Array;
  private readonly cols: Int32Array;
  private readonly values: Float64Array;
  /** Leaf l owns rows leafStarts[l]..leafStarts[l+1]. */
  private readonly leafStarts: Int32Array;
  /** The same rows in WebAssembly memory, for single-vector products (null without WebAssembly). */
  private readonly wasm: WasmRows | null;

  private constructor(private readonly table: Table, readonly n: number, private readonly centering: Centering) {
    const csr = csrRows(table, centering);
    this.starts = csr.starts;
    this.rowIds = csr.rowIds;
    this.cols = csr.cols;
    this.values = csr.values;
    this.leafStarts = new Int32Array(LEAVES + 1);
    let r = 0;
    for (let l = 0; l < LEAVES; l++) {
      this.leafStarts[l] = r;
      while (r < csr.rowIds.length && csr.rowIds[r]! % LEAVES === l) r++;
    }
    this.leafStarts[LEAVES] = r;
    const module = productModule();
    this.wasm = module ? new WasmRows(module, this.starts, this.cols, this.values, this.leafStarts, n) : null;
  }

  /**
   * Collects the cached rows (partitions in order, so rows stay ordered by leaf) into one batch.
   *
   * @example
   *   const op = await LocalRowsOperator.collect(rows, n, { kind: 'none' });
   */
  static async collect(rows: Dataset, n: number, centering: Centering): Promise<LocalRowsOperator> {
    const started = performance.now();
    const op = LocalRowsOperator.fromTable(await rows.toTable(), n, centering);
    op.seconds = (performance.now() - started) / 1000;
    return op;
  }

  /** The operator over sparse rows already on the driver (layoutRows' schema, ordered by leaf then row). */
  static fromTable(collected: Table, n: number, centering: Centering): LocalRowsOperator {
    return new LocalRowsOperator(oneBatch(collected), n, centering);
  }

  /** (AᵀA) X for X n × b, row-major. */
  async apply(x: Float64Array, b: number): Promise<Float64Array> {
    this.passes++;
    const started = performance.now();
    const y = this.product(x, b);
    this.seconds += (performance.now() - started) / 1000;
    return y;
  }

  /**
   * Each row's projection (a_rᵀ X) ∘ scale as rows { <id column>: id, vector }: row-kernels.ts's
   * rowProducts on the same table (the same kernels, sums and bits), from the rows this operator
   * already holds in WebAssembly memory, so U = A V Σ⁻¹ needs no second copy of the matrix. Null
   * without WebAssembly or its memory (rowProducts then).
   */
  rowProducts(x: Float64Array, scale: Float64Array, ids: IdEncoding): Table | null {
    const out = this.wasm?.project(x, scale);
    return out ? rowProductsTable(this.rowIds, out, scale.length, ids) : null;
  }

  /** Lower triangle of G = AᵀA (n × n, row-major). */
  async gram(): Promise<Float64Array> {
    this.passes++;
    const started = performance.now();
    const g = sumTree(gramPartial(this.table, this.n, this.centering, ONE_PART), ONE_PART, this.n * this.n);
    this.seconds += (performance.now() - started) / 1000;
    return g;
  }

  /**
   * Y = Σ_leaves Σ_rows a_r (a_rᵀ X), column group by column group (groups of 4, 2 or 1 columns,
   * packed n × width so a sparse entry's numbers are adjacent). Leaves are summed into their own
   * buffers and merged pairwise as soon as two siblings are complete: the tree of leaf-tree.ts.
   */
  private product(x: Float64Array, b: number): Float64Array {
    const n = this.n;
    const y = new Float64Array(n * b);
    for (let c0 = 0; c0 < b; ) {
      const left = b - c0;
      const width = left >= 3 ? 4 : left;
      const used = Math.min(width, left);
      const packed = width === 1 && b === 1 ? x : new Float64Array(n * width);
      if (packed !== x) for (let j = 0; j < n; j++) for (let t = 0; t < used; t++) packed[j * width + t] = x[j * b + c0 + t]!;
      const root = this.leafTreeSum(packed, width);
      if (root !== null && width === 1 && b === 1) return root;
      if (root !== null) for (let j = 0; j < n; j++) for (let t = 0; t < used; t++) y[j * b + c0 + t] = root[j * width + t]!;
      c0 += used;
    }
    return y;
  }

  /** The 16 leaves' partial products for one packed column group, added along the fixed tree. */
  private leafTreeSum(xg: Float64Array, width: number): Float64Array {
    if (width === 1 && this.wasm) return this.wasm.treeSum(xg);
    const buffers = new JsBuffers(this.n * width);
    // A stack of completed subtrees (level, buffer): two of the same level are siblings.
    const levels: number[] = [];
    const stack: Buffer[] = [];
    for (let l = 0; l < LEAVES; l++) {
      const out = buffers.take();
      const r0 = this.leafStarts[l]!;
      const r1 = this.leafStarts[l + 1]!;
      if (width === 4) leaf4(this.starts, this.cols, this.values, r0, r1, xg, out.view);
      else if (width === 2) leaf2(this.starts, this.cols, this.values, r0, r1, xg, out.view);
      else leaf1(this.starts, this.cols, this.values, r0, r1, xg, out.view);
      let level = 0;
      let top = out;
      while (levels.length > 0 && levels[levels.length - 1] === level) {
        const into = stack.pop()!;
        levels.pop();
        buffers.merge(into, top);
        top = into;
        level++;
      }
      levels.push(level);
      stack.push(top);
    }
    const root = stack[0]!;
    const result = root.view.slice();
    buffers.give(root);
    return result;
  }
}

/** The collected rows as one contiguous batch (partitions in order), which the row kernels read as one partition. */
export function oneBatch(collected: Table): Table {
  if (collected.batches.length === 1) return collected;
  return tableFromColumns(collected.schema, collected.schema.fields.map((f) => columnData(collected, f.name)), collected.numRows);
}

/** A zeroed n × width accumulator. */
interface Buffer {
  view: Float64Array;
}

/** Zeroed accumulators, reused: take() one, give() it back (it is zeroed again). */
class JsBuffers {
  private readonly free: Buffer[] = [];
  constructor(private readonly size: number) {}
  take(): Buffer {
    return this.free.pop() ?? { view: new Float64Array(this.size) };
  }
  give(buffer: Buffer): void {
    buffer.view.fill(0);
    this.free.push(buffer);
  }
  /** into ← into + from (left + right sibling), then gives `from` back. */
  merge(into: Buffer, from: Buffer): void {
    const a = into.view;
    const b = from.view;
    for (let i = 0; i < a.length; i++) a[i] = a[i]! + b[i]!;
    this.give(from);
  }
}

/**
 * The CSR rows copied once into a WebAssembly memory laid out as
 *   starts (Int32, rows + 1) | cols (Int32, nnz) | values (Float64, nnz) | x (n) |
 *   accumulators (n each, zero between products) | leaf starts (Int32, LEAVES + 1),
 * grown only by project() (which then re-makes the views). A product is one call (tree1): the
 * leaves through leaf1 and the same tree of merges as leafTreeSum's, on log2(16) + 1 = 5 accumulators.
 */
class WasmRows {
  private x!: Float64Array;
  /** The first accumulator, where tree1 leaves the root's sum. */
  private root!: Float64Array;
  private readonly tree: (starts: number, cols: number, values: number, leafStarts: number, leaves: number, x: number, acc: number, n: number) => void;
  private readonly proj4: (starts: number, cols: number, values: number, r0: number, r1: number, x: number, out: number) => void;
  private readonly proj8: WasmRows['proj4'];
  private readonly pack: PackKernel;
  private readonly scale: ScaleKernel;
  private readonly memory: WebAssembly.Memory;
  private readonly n: number;
  private readonly rows: number;
  private readonly startsAt = 0;
  private readonly colsAt: number;
  private readonly valuesAt: number;
  private readonly xAt: number;
  private readonly buffersAt: number;
  private readonly leafStartsAt: number;
  private readonly end: number;

  constructor(module: WebAssembly.Module, starts: Int32Array, cols: Int32Array, values: Float64Array, leafStarts: Int32Array, n: number) {
    const instance = new WebAssembly.Instance(module, {});
    const exports = instance.exports as unknown as { memory: WebAssembly.Memory; tree1: WasmRows['tree']; proj4: WasmRows['proj4']; proj8: WasmRows['proj4']; pack: PackKernel; scale: ScaleKernel };
    this.n = n;
    this.rows = starts.length - 1;
    const align = (bytes: number) => Math.ceil(bytes / 8) * 8;
    this.colsAt = align(starts.length * 4);
    this.valuesAt = align(this.colsAt + cols.length * 4);
    this.xAt = this.valuesAt + values.length * 8;
    this.buffersAt = this.xAt + n * 8;
    this.leafStartsAt = this.buffersAt + (Math.log2(LEAVES) + 1) * n * 8;
    this.end = align(this.leafStartsAt + leafStarts.length * 4);
    const memory = exports.memory;
    if (this.end > memory.buffer.byteLength) memory.grow(Math.ceil((this.end - memory.buffer.byteLength) / 65536));
    const buffer = memory.buffer;
    new Int32Array(buffer, this.startsAt, starts.length).set(starts);
    new Int32Array(buffer, this.colsAt, cols.length).set(cols);
    new Float64Array(buffer, this.valuesAt, values.length).set(values);
    new Int32Array(buffer, this.leafStartsAt, leafStarts.length).set(leafStarts);
    this.memory = memory;
    this.makeViews();
    this.tree = exports.tree1;
    this.proj4 = exports.proj4;
    this.proj8 = exports.proj8;
    this.pack = exports.pack;
    this.scale = exports.scale;
  }

  /** x and the root's accumulator as views of the memory's current buffer. */
  private makeViews(): void {
    const buffer = this.memory.buffer;
    this.x = new Float64Array(buffer, this.xAt, this.n);
    this.root = new Float64Array(buffer, this.buffersAt, this.n);
  }

  /** Σ_leaves Σ_rows a_r (a_rᵀ x), the 16 leaves added along the fixed tree (leafTreeSum's bits). */
  treeSum(x: Float64Array): Float64Array {
    this.x.set(x);
    this.tree(this.startsAt, this.colsAt, this.valuesAt, this.leafStartsAt, LEAVES, this.xAt, this.buffersAt, this.n);
    const result = this.root.slice();
    this.root.fill(0);
    return result;
  }

  /**
   * rowProducts' numbers (w = a_rᵀ X per row, scaled) for the rows in memory, by proj8/proj4 past
   * the layout; between products only (the memory may grow, and the views are re-made).
   */
  project(x: Float64Array, scale: Float64Array): Float64Array | null {
    const out = projectRowsInWasm({ memory: this.memory, kernel: (lanes) => (lanes === 8 ? this.proj8 : this.proj4), pack: this.pack, scale: this.scale, startsAt: this.startsAt, colsAt: this.colsAt, valuesAt: this.valuesAt, rows: this.rows, freeAt: this.end }, x, scale);
    if (this.x.buffer !== this.memory.buffer) this.makeViews();
    return out;
  }
}

// One leaf's rows r0..r1 into `out` (zeroed): per row w = a_rᵀ X then out += a_r wᵀ; w starts at 0
// and every out number gets its terms in row order, as in gramApplyPartial (same bits).

function leaf4(starts: Int32Array, cols: Int32Array, values: Float64Array, r0: number, r1: number, xg: Float64Array, out: Float64Array): void {
  for (let r = r0; r < r1; r++) {
    const start = starts[r]!;
    const end = starts[r + 1]!;
    let w0 = 0, w1 = 0, w2 = 0, w3 = 0;
    for (let p = start; p < end; p++) {
      const v = values[p]!;
      const base = cols[p]! << 2;
      w0 += v * xg[base]!;
      w1 += v * xg[base + 1]!;
      w2 += v * xg[base + 2]!;
      w3 += v * xg[base + 3]!;
    }
    for (let p = start; p < end; p++) {
      const v = values[p]!;
      const base = cols[p]! << 2;
      out[base] += v * w0;
      out[base + 1] += v * w1;
      out[base + 2] += v * w2;
      out[base + 3] += v * w3;
    }
  }
}

function leaf2(starts: Int32Array, cols: Int32Array, values: Float64Array, r0: number, r1: number, xg: Float64Array, out: Float64Array): void {
  for (let r = r0; r < r1; r++) {
    const start = starts[r]!;
    const end = starts[r + 1]!;
    let w0 = 0, w1 = 0;
    for (let p = start; p < end; p++) {
      const v = values[p]!;
      const base = cols[p]! << 1;
      w0 += v * xg[base]!;
      w1 += v * xg[base + 1]!;
    }
    for (let p = start; p < end; p++) {
      const v = values[p]!;
      const base = cols[p]! << 1;
      out[base] += v * w0;
      out[base + 1] += v * w1;
    }
  }
}

function leaf1(starts: Int32Array, cols: Int32Array, values: Float64Array, r0: number, r1: number, xg: Float64Array, out: Float64Array): void {
  for (let r = r0; r < r1; r++) {
    const start = starts[r]!;
    const end = starts[r + 1]!;
    let w = 0;
    for (let p = start; p < end; p++) w += values[p]! * xg[cols[p]!]!;
    for (let p = start; p < end; p++) out[cols[p]!] += values[p]! * w;
  }
}
