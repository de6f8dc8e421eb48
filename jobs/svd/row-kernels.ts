// Executor-side products over one sparse-rows partition (see sparse-rows.ts): the partial Gram
// matrix, the partial Gram-times-block product Σ_r a_r (a_rᵀ X), each row's projection a_rᵀ X, and
// the sums behind mean-centering. Centering is applied entry by entry as the values are read
// (value − mult × offset): the matrix is never densified and the cached partition never changes.
//
// Dense blocks are row-major Float64Arrays: X is n × b with X[j * b + c] = column c of row j, so
// the b numbers one sparse entry touches are adjacent in memory.

import { Table, makeVector, vectorFromArray, Utf8 } from 'apache-arrow';
import { libraryFunctions, columnData } from '../../engine/extend.ts';
import { decodeIds } from '../shared/id-encoding.ts';
import type { IdEncoding } from '../shared/id-encoding.ts';
import { vectorColumn } from './sparse-rows.ts';
import { leafStarts, treePartials } from './leaf-tree.ts';
import type { LeafTree } from './leaf-tree.ts';
import { productModule } from './product-wasm.ts';

/**
 * What is subtracted from each stored rating: nothing, one global mean, or a mean per row or per
 * column of the layout (user centering is 'rows' when users are the wide side, else 'cols').
 */
export type Centering =
  | { kind: 'none' }
  | { kind: 'global'; mean: number }
  | { kind: 'rows'; means: Float64Array }
  | { kind: 'cols'; means: Float64Array };

/** One partition's rows in CSR form: row r's entries are starts[r]..starts[r+1]. */
export interface CsrRows {
  rowIds: Int32Array;
  starts: Int32Array;
  cols: Int32Array;
  values: Float64Array;
}

const structure = new WeakMap<object, { rowIds: Int32Array; starts: Int32Array }>();

function column<T extends Int32Array | Float64Array>(table: Table, name: string): T {
  const data = columnData(table, name);
  return (data.values as T).subarray(data.offset, data.offset + data.length) as T;
}

/** The partition's CSR view, with the centering already subtracted from the values. */
export function csrRows(table: Table, centering: Centering): CsrRows {
  const rowData = columnData(table, 'row');
  const rows = (rowData.values as Int32Array).subarray(rowData.offset, rowData.offset + rowData.length);
  const cols = column<Int32Array>(table, 'col');
  const raw = column<Float64Array>(table, 'value');
  const mult = column<Int32Array>(table, 'mult');
  // Keyed by the column's Data: the same object for every pass over a cached partition.
  let shape = structure.get(rowData);
  if (!shape) {
    let count = 0;
    for (let p = 0; p < rows.length; p++) if (p === 0 || rows[p] !== rows[p - 1]) count++;
    const rowIds = new Int32Array(count);
    const starts = new Int32Array(count + 1);
    let r = -1;
    for (let p = 0; p < rows.length; p++) {
      if (p === 0 || rows[p] !== rows[p - 1]) {
        rowIds[++r] = rows[p]!;
        starts[r] = p;
      }
    }
    starts[count] = rows.length;
    shape = { rowIds, starts };
    structure.set(rowData, shape);
  }
  let values = raw;
  if (centering.kind !== 'none') {
    values = new Float64Array(raw.length);
    if (centering.kind === 'global') {
      for (let p = 0; p < raw.length; p++) values[p] = raw[p]! - mult[p]! * centering.mean;
    } else if (centering.kind === 'cols') {
      for (let p = 0; p < raw.length; p++) values[p] = raw[p]! - mult[p]! * centering.means[cols[p]!]!;
    } else {
      for (let p = 0; p < raw.length; p++) values[p] = raw[p]! - mult[p]! * centering.means[rows[p]!]!;
    }
  }
  return { rowIds: shape.rowIds, starts: shape.starts, cols, values };
}

/**
 * Partial Gram matrix G = Σ_r a_r a_rᵀ (n × n, narrow side) of this partition's rows, as subtree
 * sums (leaf-tree.ts). Only the lower triangle (row ≥ column) is filled; the driver mirrors it.
 */
export function gramPartial(table: Table, n: number, centering: Centering, tree: LeafTree): Table {
  const { rowIds, starts, cols, values } = csrRows(table, centering);
  return treePartials(rowIds, tree, n * n, (r0, r1, g) => {
    for (let r = r0; r < r1; r++) {
      const end = starts[r + 1]!;
      for (let p = starts[r]!; p < end; p++) {
        // Columns are ascending within a row, so cols[q] ≤ cols[p] for q ≤ p: lower triangle.
        const base = cols[p]! * n;
        const vp = values[p]!;
        for (let q = starts[r]!; q <= p; q++) g[base + cols[q]!] += vp * values[q]!;
      }
    }
  });
}

/**
 * Partial product Y = Σ_r a_r (a_rᵀ X) = (AᵀA) X restricted to this partition's rows, for a dense
 * n × b block X (row-major), as subtree sums (leaf-tree.ts). Per row: w = a_rᵀ X, then Y += a_r wᵀ.
 *
 * X is cut into groups of 4 columns, each packed n × 4 (32 bytes per narrow index): one pass over
 * the rows per group, with the four w's in locals. The random reads and writes by column index then
 * stay within 2 · n · 32 bytes (~680 KB at n = 10,677, inside the L2 cache) instead of 2 · n · 8b
 * (2.7 MB at b = 16, which made each pass ~6× slower); the sparse entries are streamed once per group.
 */
export function gramApplyPartial(table: Table, x: Float64Array, b: number, centering: Centering, tree: LeafTree): Table {
  const n = x.length / b;
  const wasm = wasmPartition(table, centering, n, Math.ceil(b / 4));
  if (wasm) return gramApplyWasm(wasm, x, b, n, tree);
  const { rowIds, starts, cols, values } = csrRows(table, centering);
  const groups: Float64Array[] = [];
  for (let c0 = 0; c0 < b; c0 += 4) {
    const packed = new Float64Array(n * 4);
    const width = Math.min(4, b - c0);
    for (let j = 0; j < n; j++) for (let t = 0; t < width; t++) packed[j * 4 + t] = x[j * b + c0 + t]!;
    groups.push(packed);
  }
  const yg = new Float64Array(n * 4);
  return treePartials(rowIds, tree, n * b, (r0, r1, y) => {
    groups.forEach((xg, g) => {
      yg.fill(0);
      for (let r = r0; r < r1; r++) {
        const start = starts[r]!;
        const end = starts[r + 1]!;
        let w0 = 0, w1 = 0, w2 = 0, w3 = 0;
        for (let p = start; p < end; p++) {
          const v = values[p]!;
          const base = cols[p]! * 4;
          w0 += v * xg[base]!;
          w1 += v * xg[base + 1]!;
          w2 += v * xg[base + 2]!;
          w3 += v * xg[base + 3]!;
        }
        for (let p = start; p < end; p++) {
          const v = values[p]!;
          const base = cols[p]! * 4;
          yg[base] += v * w0;
          yg[base + 1] += v * w1;
          yg[base + 2] += v * w2;
          yg[base + 3] += v * w3;
        }
      }
      const c0 = g * 4;
      const width = Math.min(4, b - c0);
      for (let j = 0; j < n; j++) for (let t = 0; t < width; t++) y[j * b + c0 + t] = yg[j * 4 + t]!;
    });
  });
}

/**
 * A cached partition's CSR in WebAssembly memory, for product-kernels.wat's leaf4 and leaf8 (the
 * loops above in SIMD pairs, the same operations in the same order per number: the same bits, ~2×
 * faster; leaf8 streams the entries once for 8 columns, so b = 16 takes 2 passes instead of 4):
 *   starts (Int32, rows + 1) | cols (Int32, nnz) | values (Float64, nnz, centering applied) |
 *   ACCUMULATORS leaf accumulators (n × 8 each) | x (n × 4 per 4 columns)
 * The leaf tree's sums are added there too (wasmTreePartials), so a product allocates only its result.
 * Copied once per cached partition; the values are rewritten only when the centering changes.
 */
interface WasmPartition {
  rowIds: Int32Array;
  memory: WebAssembly.Memory;
  leaf4: (starts: number, cols: number, values: number, r0: number, r1: number, x: number, out: number) => void;
  leaf8: WasmPartition['leaf4'];
  leaf4c: WasmPartition['leaf4'];
  leaf8c: WasmPartition['leaf4'];
  merge: (into: number, from: number, count: number) => void;
  /** The dot-product halves alone, each row's w = a_rᵀ X stored in turn (rowProducts). */
  proj4: WasmPartition['leaf4'];
  proj8: WasmPartition['leaf4'];
  proj4c: WasmPartition['leaf4'];
  proj8c: WasmPartition['leaf4'];
  pack: PackKernel;
  scale: ScaleKernel;
  colsAt: number;
  valuesAt: number;
  outAt: number;
  xAt: number;
  nnz: number;
  /** The centering whose values are in memory. */
  centering: Centering | null;
  /** cols as Uint16 and values as Float32 (exactly the Float64 values): the leaf4c/leaf8c kernels. */
  compact: boolean;
}

/** The kernel for a group of `lanes` columns over this partition's layout. */
function leafKernel(part: WasmPartition, lanes: 4 | 8): WasmPartition['leaf4'] {
  if (part.compact) return lanes === 8 ? part.leaf8c : part.leaf4c;
  return lanes === 8 ? part.leaf8 : part.leaf4;
}

/** The projection kernel (w = a_rᵀ X per row) for a group of `lanes` columns over this partition's layout. */
function projKernel(part: WasmPartition, lanes: 4 | 8): WasmPartition['leaf4'] {
  if (part.compact) return lanes === 8 ? part.proj8c : part.proj4c;
  return lanes === 8 ? part.proj8 : part.proj4;
}

/** Accumulators a partition's leaf tree needs at most: one per level of 16 leaves (log2 16 + 1). */
const ACCUMULATORS = 5;

const wasmPartitions = new WeakMap<object, WasmPartition | null>();

function sameCentering(a: Centering, b: Centering): boolean {
  if (a.kind === 'none' || b.kind === 'none') return a.kind === b.kind;
  if (a.kind === 'global' || b.kind === 'global') return a.kind === 'global' && b.kind === 'global' && Object.is(a.mean, b.mean);
  if (a.kind !== b.kind || a.means.length !== b.means.length) return false;
  if (a.means === b.means) return true;
  for (let i = 0; i < a.means.length; i++) if (!Object.is(a.means[i], b.means[i])) return false;
  return true;
}

/** The partition in WebAssembly memory with room for `groups` packed column groups, or null without WebAssembly or memory. */
function wasmPartition(table: Table, centering: Centering, n: number, groups: number): WasmPartition | null {
  const module = productModule();
  if (!module) return null;
  const rowData = columnData(table, 'row');
  let part = wasmPartitions.get(rowData);
  if (part === null) return null;
  const { rowIds, starts, cols } = csrRows(table, { kind: 'none' });
  if (!part) {
    const instance = new WebAssembly.Instance(module, {});
    const exports = instance.exports as unknown as Pick<WasmPartition, 'memory' | 'leaf4' | 'leaf8' | 'leaf4c' | 'leaf8c' | 'merge' | 'proj4' | 'proj8' | 'proj4c' | 'proj8c' | 'pack' | 'scale'>;
    const align = (bytes: number) => Math.ceil(bytes / 16) * 16;
    const colsAt = align(starts.length * 4);
    const valuesAt = align(colsAt + cols.length * 4);
    const outAt = valuesAt + cols.length * 8;
    part = { rowIds, memory: exports.memory, leaf4: exports.leaf4, leaf8: exports.leaf8, leaf4c: exports.leaf4c, leaf8c: exports.leaf8c, merge: exports.merge, proj4: exports.proj4, proj8: exports.proj8, proj4c: exports.proj4c, proj8c: exports.proj8c, pack: exports.pack, scale: exports.scale, colsAt, valuesAt, outAt, xAt: outAt + ACCUMULATORS * n * 64, nnz: cols.length, centering: null, compact: false };
    if (!grow(part, part.xAt)) {
      wasmPartitions.set(rowData, null);
      return null;
    }
    new Int32Array(part.memory.buffer, 0, starts.length).set(starts);
    new Int32Array(part.memory.buffer, colsAt, cols.length).set(cols);
    wasmPartitions.set(rowData, part);
  }
  if (!grow(part, part.xAt + n * 32 * groups)) return null;
  if (!part.centering || !sameCentering(part.centering, centering)) {
    // The very expressions of csrRows, written into WebAssembly memory.
    const values = new Float64Array(part.memory.buffer, part.valuesAt, part.nnz);
    const raw = column<Float64Array>(table, 'value');
    const mult = column<Int32Array>(table, 'mult');
    const rows = (rowData.values as Int32Array).subarray(rowData.offset, rowData.offset + rowData.length);
    if (centering.kind === 'none') values.set(raw);
    else if (centering.kind === 'global') {
      for (let p = 0; p < raw.length; p++) values[p] = raw[p]! - mult[p]! * centering.mean;
    } else if (centering.kind === 'cols') {
      for (let p = 0; p < raw.length; p++) values[p] = raw[p]! - mult[p]! * centering.means[cols[p]!]!;
    } else {
      for (let p = 0; p < raw.length; p++) values[p] = raw[p]! - mult[p]! * centering.means[rows[p]!]!;
    }
    part.centering = centering;
    // Compact (6 bytes an entry instead of 12) when nothing is lost: column indices below 65,536 and
    // every value exactly a float32. Both are rewritten in place, ascending (entry p's narrower
    // number lands below every wider one not yet read), and cols are rewritten when that changes.
    let compact = n <= 65_536;
    for (let p = 0; compact && p < values.length; p++) compact = Math.fround(values[p]!) === values[p];
    if (compact) {
      const narrow = new Float32Array(part.memory.buffer, part.valuesAt, part.nnz);
      for (let p = 0; p < values.length; p++) narrow[p] = values[p]!;
    }
    if (compact !== part.compact) {
      if (compact) new Uint16Array(part.memory.buffer, part.colsAt, cols.length).set(cols);
      else new Int32Array(part.memory.buffer, part.colsAt, cols.length).set(cols);
      part.compact = compact;
    }
  }
  return part;
}

/** Grows the partition's memory to at least `bytes`; false when WebAssembly cannot give that much. */
function grow(part: WasmPartition, bytes: number): boolean {
  return growMemory(part.memory, bytes);
}

/** Grows a WebAssembly memory to at least `bytes` (views of it are then detached); false when it cannot grow that much. */
export function growMemory(memory: WebAssembly.Memory, bytes: number): boolean {
  const have = memory.buffer.byteLength;
  if (bytes <= have) return true;
  try {
    memory.grow(Math.ceil((bytes - have) / 65536));
    return true;
  } catch (e) {
    if (e instanceof RangeError) return false;
    throw e;
  }
}

/**
 * How the wasm kernels cut a b-wide block: groups of 8 columns (leaf8) while more than 4 are left,
 * then one of 4 (leaf4); a group's unused lanes are zero. The lanes add up to 4·⌈b/4⌉, so the
 * packed block takes the room wasmPartition reserves. b = 10: [0, 8) then [8, 10) in 4 lanes.
 */
function wasmGroups(b: number): Array<{ c0: number; width: number; lanes: 4 | 8 }> {
  const groups: Array<{ c0: number; width: number; lanes: 4 | 8 }> = [];
  for (let c0 = 0; c0 < b; c0 += 8) {
    const left = b - c0;
    groups.push({ c0, width: Math.min(8, left), lanes: left > 4 ? 8 : 4 });
  }
  return groups;
}

/** gramApplyPartial on the partition in WebAssembly memory: each leaf's rows, group by group, through leaf8 or leaf4. */
function gramApplyWasm(part: WasmPartition, x: Float64Array, b: number, n: number, tree: LeafTree): Table {
  const groups = wasmGroups(b);
  const xAt = packGroups(part.memory, part.xAt, x, b, n, groups);
  if (part.rowIds.length === 0) return treePartials(part.rowIds, tree, n * b, () => {});
  return wasmTreePartials(part, tree, n, b, groups, xAt);
}

/** X (n × b, row-major) packed group by group at byte offset xAt of memory (unused lanes zero); each group's address. */
function packGroups(memory: WebAssembly.Memory, xAt: number, x: Float64Array, b: number, n: number, groups: ReturnType<typeof wasmGroups>): number[] {
  const packed = new Float64Array(memory.buffer, xAt, n * 4 * Math.ceil(b / 4));
  packed.fill(0);
  let o = 0;
  return groups.map(({ c0, width, lanes }) => {
    for (let j = 0; j < n; j++) for (let t = 0; t < width; t++) packed[o + j * lanes + t] = x[j * b + c0 + t]!;
    const at = xAt + o * 8;
    o += n * lanes;
    return at;
  });
}

/**
 * treePartials (leaf-tree.ts) with the leaves summed and merged in WebAssembly memory, group by
 * group: each leaf's rows go into a zeroed accumulator, siblings are added left + right (merge) as
 * soon as both are complete, exactly as treePartials adds them, and only the partition's finished
 * subtree sums are copied out, into the result. Same nodes, same additions, same bits.
 */
function wasmTreePartials(part: WasmPartition, tree: LeafTree, n: number, b: number, groups: ReturnType<typeof wasmGroups>, xAt: number[]): Table {
  const { leaves, bounds } = tree;
  const rowIds = part.rowIds;
  const starts = leafStarts(rowIds, leaves);
  const first = rowIds[0]! % leaves;
  let p = 0;
  while (bounds[p + 1]! <= first) p++;
  const buffer = part.memory.buffer;
  const accumulators = Array.from({ length: ACCUMULATORS }, (_, i) => part.outAt + i * n * 64);
  new Float64Array(buffer, part.outAt, ACCUMULATORS * n * 8).fill(0);
  let nodes: number[] = [];
  let values = new Float64Array(0);
  groups.forEach(({ c0, width, lanes }, g) => {
    const kernel = leafKernel(part, lanes);
    const free = accumulators.slice();
    const stack: Array<{ node: number; at: number }> = [];
    for (let l = bounds[p]!; l < bounds[p + 1]!; l++) {
      const at = free.pop()!;
      kernel(0, part.colsAt, part.valuesAt, starts[l]!, starts[l + 1]!, xAt[g]!, at);
      stack.push({ node: leaves + l, at });
      while (stack.length >= 2 && stack[stack.length - 2]!.node % 2 === 0 && stack[stack.length - 1]!.node === stack[stack.length - 2]!.node + 1) {
        const right = stack.pop()!;
        const left = stack.pop()!;
        part.merge(left.at, right.at, n * lanes); // left + right, and right zeroed
        free.push(right.at);
        stack.push({ node: left.node >> 1, at: left.at });
      }
    }
    if (g === 0) {
      nodes = stack.map((s) => s.node);
      values = new Float64Array(nodes.length * n * b);
    }
    stack.forEach(({ at }, i) => {
      const sum = new Float64Array(buffer, at, n * lanes);
      const o = i * n * b + c0;
      for (let j = 0; j < n; j++) for (let t = 0; t < width; t++) values[o + j * b + t] = sum[j * lanes + t]!;
      sum.fill(0);
    });
  });
  return new Table({ node: makeVector(Int32Array.from(nodes)), v: makeVector(vectorColumn(values, nodes.length, n * b)) });
}

/**
 * Each row's projection (a_rᵀ X) ∘ scale, as rows { <id column>: id, vector: Float64[b] }: the
 * wide-side singular vectors U = A V Σ⁻¹ when X = V and scale = 1/σ.
 */
export function rowProducts(table: Table, x: Float64Array, scale: Float64Array, centering: Centering, ids: IdEncoding): Table {
  const projected = rowProductsWasm(table, x, scale, centering);
  const { rowIds, out } = projected ?? rowProductsJs(table, x, scale, centering);
  return rowProductsTable(rowIds, out, scale.length, ids);
}

/** rowProducts' table from its numbers: row r (id rowIds[r], decoded) gets out[r·b, (r+1)·b). */
export function rowProductsTable(rowIds: Int32Array, out: Float64Array, b: number, ids: IdEncoding): Table {
  const decoded = decodeIds(ids, rowIds);
  const idVector = Array.isArray(decoded) ? vectorFromArray(decoded, new Utf8()) : makeVector(decoded);
  return new Table({ [ids.column]: idVector, vector: makeVector(vectorColumn(out, rowIds.length, b)) });
}

/** product-kernels.wat's pack: a column group of a row-major n × b block, laid out n × lanes (unused lanes 0). */
export type PackKernel = (dst: number, x: number, n: number, b: number, c0: number, width: number, lanes: number) => void;
/** product-kernels.wat's scale: out[r·b + c0 + t] = w[r·lanes + t] · s[c0 + t]. */
export type ScaleKernel = (out: number, w: number, s: number, rows: number, b: number, c0: number, width: number, lanes: number) => void;

/** CSR rows in a product-kernels.wat instance's memory (byte offsets), as projectRowsInWasm reads them. */
export interface WasmCsr {
  memory: WebAssembly.Memory;
  /** proj4/proj8 (or their compact twins) for this layout. */
  kernel: (lanes: 4 | 8) => WasmPartition['leaf4'];
  pack: PackKernel;
  scale: ScaleKernel;
  startsAt: number;
  colsAt: number;
  valuesAt: number;
  rows: number;
  /** First byte past the layout's own data (a multiple of 8): the projection's work space goes there (memory grown as needed). */
  freeAt: number;
}

/**
 * rowProducts' numbers on CSR rows in WebAssembly memory: the rows stream once per 8 columns
 * through proj8 (proj4 for a last group of ≤ 4), and each w is scaled as rowProductsJs scales it:
 * the same sums in the same order, the same bits. X is packed and W scaled in WebAssembly too
 * (pack, scale). Null when the memory cannot grow to hold the work space
 *   X (n × b) | packed groups (n × 4·⌈b/4⌉) | W (rows × 8) | scale (b) | out (rows × b).
 */
export function projectRowsInWasm(csr: WasmCsr, x: Float64Array, scale: Float64Array): Float64Array | null {
  const b = scale.length;
  const n = x.length / b;
  const { memory, rows } = csr;
  const xAt = csr.freeAt;
  const packedAt = xAt + n * b * 8;
  const wAt = packedAt + n * 32 * Math.ceil(b / 4);
  const scaleAt = wAt + rows * 64;
  const outAt = scaleAt + b * 8;
  if (!growMemory(memory, outAt + rows * b * 8)) return null;
  new Float64Array(memory.buffer, xAt, n * b).set(x);
  new Float64Array(memory.buffer, scaleAt, b).set(scale);
  let at = packedAt;
  for (const { c0, width, lanes } of wasmGroups(b)) {
    csr.pack(at, xAt, n, b, c0, width, lanes);
    csr.kernel(lanes)(csr.startsAt, csr.colsAt, csr.valuesAt, 0, rows, at, wAt);
    csr.scale(outAt, wAt, scaleAt, rows, b, c0, width, lanes);
    at += n * lanes * 8;
  }
  return new Float64Array(memory.buffer, outAt, rows * b).slice();
}

/** rowProducts' numbers on the partition in WebAssembly memory (the one the products used); null without WebAssembly or memory. */
function rowProductsWasm(table: Table, x: Float64Array, scale: Float64Array, centering: Centering): { rowIds: Int32Array; out: Float64Array } | null {
  const n = x.length / scale.length;
  const part = wasmPartition(table, centering, n, Math.ceil(scale.length / 4));
  if (!part) return null;
  const out = projectRowsInWasm({ memory: part.memory, kernel: (lanes) => projKernel(part, lanes), pack: part.pack, scale: part.scale, startsAt: 0, colsAt: part.colsAt, valuesAt: part.valuesAt, rows: part.rowIds.length, freeAt: part.xAt }, x, scale);
  return out ? { rowIds: part.rowIds, out } : null;
}

/** rowProducts' numbers in JavaScript (no WebAssembly): w = a_rᵀ X summed from 0 by ascending entry, then scaled. */
function rowProductsJs(table: Table, x: Float64Array, scale: Float64Array, centering: Centering): { rowIds: Int32Array; out: Float64Array } {
  const { rowIds, starts, cols, values } = csrRows(table, centering);
  const b = scale.length;
  const rows = rowIds.length;
  const out = new Float64Array(rows * b);
  for (let r = 0; r < rows; r++) {
    const o = r * b;
    for (let p = starts[r]!; p < starts[r + 1]!; p++) {
      const v = values[p]!;
      const base = cols[p]! * b;
      for (let c = 0; c < b; c++) out[o + c] += v * x[base + c]!;
    }
    for (let c = 0; c < b; c++) out[o + c] *= scale[c]!;
  }
  return { rowIds, out };
}

/** Per narrow index j: the sum of raw ratings and how many there are ([sums..., counts...], 2n), as subtree sums. */
export function colStatsPartial(table: Table, n: number, tree: LeafTree): Table {
  const { rowIds, starts, cols } = csrRows(table, { kind: 'none' });
  const raw = column<Float64Array>(table, 'value');
  const mult = column<Int32Array>(table, 'mult');
  return treePartials(rowIds, tree, 2 * n, (r0, r1, out) => {
    for (let p = starts[r0]!; p < starts[r1]!; p++) {
      out[cols[p]!] += raw[p]!;
      out[n + cols[p]!] += mult[p]!;
    }
  });
}

/** Per wide row: the sum of its raw ratings and how many there are (each row lives in one partition). */
export function rowStats(table: Table): Table {
  const { rowIds, starts } = csrRows(table, { kind: 'none' });
  const raw = column<Float64Array>(table, 'value');
  const mult = column<Int32Array>(table, 'mult');
  const sum = new Float64Array(rowIds.length);
  const count = new Float64Array(rowIds.length);
  for (let r = 0; r < rowIds.length; r++) {
    for (let p = starts[r]!; p < starts[r + 1]!; p++) {
      sum[r] += raw[p]!;
      count[r] += mult[p]!;
    }
  }
  return new Table({ row: makeVector(rowIds), sum: makeVector(sum), count: makeVector(count) });
}

export const rowKernels = libraryFunctions(import.meta.url, { gramPartial, gramApplyPartial, rowProducts, colStatsPartial, rowStats });
