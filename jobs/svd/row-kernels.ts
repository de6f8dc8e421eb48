// Executor-side products over one sparse-rows partition (see sparse-rows.ts): the partial Gram
// matrix, the partial Gram-times-block product Σ_r a_r (a_rᵀ X), each row's projection a_rᵀ X, and
// the sums behind mean-centering. Centering is applied entry by entry as the values are read
// (value − mult × offset): the matrix is never densified and the cached partition never changes.
//
// Dense blocks are row-major Float64Arrays: X is n × b with X[j * b + c] = column c of row j, so
// the b numbers one sparse entry touches are adjacent in memory.

import { Table, makeVector, vectorFromArray, Utf8 } from 'apache-arrow';
import { libraryFunctions } from '../../engine/closure/library.ts';
import { columnData } from '../../engine/kernels/concat.ts';
import { decodeIds } from './id-encoding.ts';
import type { IdEncoding } from './id-encoding.ts';
import { vectorColumn } from './sparse-rows.ts';

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

function partial(values: Float64Array): Table {
  return new Table({ v: makeVector(values) });
}

/**
 * Partial Gram matrix G = Σ_r a_r a_rᵀ (n × n, narrow side) of this partition's rows. Only the
 * lower triangle (row ≥ column) is filled; the driver mirrors it after summing the partials.
 */
export function gramPartial(table: Table, n: number, centering: Centering): Table {
  const { starts, cols, values } = csrRows(table, centering);
  const g = new Float64Array(n * n);
  for (let r = 0; r + 1 < starts.length; r++) {
    const end = starts[r + 1]!;
    for (let p = starts[r]!; p < end; p++) {
      // Columns are ascending within a row, so cols[q] ≤ cols[p] for q ≤ p: lower triangle.
      const base = cols[p]! * n;
      const vp = values[p]!;
      for (let q = starts[r]!; q <= p; q++) g[base + cols[q]!] += vp * values[q]!;
    }
  }
  return partial(g);
}

/**
 * Partial product Y = Σ_r a_r (a_rᵀ X) = (AᵀA) X restricted to this partition's rows, for a dense
 * n × b block X. One pass over the entries: per row, first w = a_rᵀ X (b numbers), then Y += a_r wᵀ.
 */
export function gramApplyPartial(table: Table, x: Float64Array, b: number, centering: Centering): Table {
  const { starts, cols, values } = csrRows(table, centering);
  const n = x.length / b;
  const y = new Float64Array(n * b);
  const w = new Float64Array(b);
  for (let r = 0; r + 1 < starts.length; r++) {
    const start = starts[r]!;
    const end = starts[r + 1]!;
    w.fill(0);
    for (let p = start; p < end; p++) {
      const v = values[p]!;
      const base = cols[p]! * b;
      for (let c = 0; c < b; c++) w[c] += v * x[base + c]!;
    }
    for (let p = start; p < end; p++) {
      const v = values[p]!;
      const base = cols[p]! * b;
      for (let c = 0; c < b; c++) y[base + c] += v * w[c]!;
    }
  }
  return partial(y);
}

/**
 * Each row's projection (a_rᵀ X) ∘ scale, as rows { <id column>: id, vector: Float64[b] }: the
 * wide-side singular vectors U = A V Σ⁻¹ when X = V and scale = 1/σ.
 */
export function rowProducts(table: Table, x: Float64Array, scale: Float64Array, centering: Centering, ids: IdEncoding): Table {
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
  const decoded = decodeIds(ids, rowIds);
  const idVector = Array.isArray(decoded) ? vectorFromArray(decoded, new Utf8()) : makeVector(decoded);
  return new Table({ [ids.column]: idVector, vector: makeVector(vectorColumn(out, rows, b)) });
}

/** Per narrow index j: the sum of raw ratings and how many there are ([sums..., counts...], 2n). */
export function colStatsPartial(table: Table, n: number): Table {
  const { cols } = csrRows(table, { kind: 'none' });
  const raw = column<Float64Array>(table, 'value');
  const mult = column<Int32Array>(table, 'mult');
  const out = new Float64Array(2 * n);
  for (let p = 0; p < cols.length; p++) {
    out[cols[p]!] += raw[p]!;
    out[n + cols[p]!] += mult[p]!;
  }
  return partial(out);
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

/** Sums the per-partition partials of a collected table (column 'v', one batch per partition) in partition order. */
export function sumPartials(table: Table, length: number): Float64Array {
  // Partials arrive back to back (a partition's partial may span batches): position i of the
  // stream adds to total[i % length], so each partial is added whole, in partition order.
  const total = new Float64Array(length);
  let at = 0;
  for (const batch of table.batches) {
    const data = batch.getChild('v')?.data[0];
    if (!data || batch.numRows === 0) continue;
    const values = (data.values as Float64Array).subarray(data.offset, data.offset + data.length);
    for (let i = 0; i < values.length; i++) {
      total[at] += values[i]!;
      if (++at === length) at = 0;
    }
  }
  if (at !== 0) throw new Error(`svd: the partial results do not add up to whole vectors of ${length} values`);
  return total;
}
