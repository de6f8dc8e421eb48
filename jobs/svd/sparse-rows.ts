// The ratings matrix laid out for the SVD passes: each partition holds whole rows of the WIDE side
// (the side with more ids), each row's entries sorted by column, duplicates summed. Executor-side
// kernels (library functions) that build it from the raw ratings.
//
// Worked example, users are rows (wide), items columns (narrow), ratings (user, item, rating):
//   (u7, i3, 4.0) (u2, i9, 1.0) (u7, i1, 3.5) (u7, i3, 5.0)      ← u7 rated i3 twice
//   dense ids: users u2→0 u7→1, items i1→0 i3→1 i9→2
//   encodeRatings: (row 1, col 1, 4.0) (row 0, col 2, 1.0) (row 1, col 0, 3.5) (row 1, col 1, 5.0)
//   a partition after groupByKey(['row']) + buildSparseRows, sorted by (row, col):
//     row   | 0    1    1
//     col   | 2    0    1
//     value | 1.0  3.5  9.0   ← 4.0 + 5.0: duplicates are SUMMED, as scipy's coo → csr does
//     mult  | 1    1    2     ← how many ratings were summed (centering subtracts mult × mean)

import { Field, Float64, Int32, List, Schema, Table, makeData, makeVector } from 'apache-arrow';
import type { Data, Struct } from 'apache-arrow';
import { libraryFunctions, columnData, tableFromColumns, groupRows } from '../../engine/extend.ts';
import { SvdInputError } from './errors.ts';
import { encodeColumn } from '../shared/id-encoding.ts';
import type { IdList } from '../shared/id-encoding.ts';

/** What encodeRatings needs: the input's column names and both sides' sorted ids. */
export interface EncodeSpec {
  userColumn: string;
  itemColumn: string;
  ratingColumn: string;
  users: IdList;
  items: IdList;
  /** True when users are the wide side (rows of the layout); false when items are. */
  usersAreRows: boolean;
}

/** Schema of a sparse-rows partition. */
export const SPARSE_ROWS_SCHEMA = new Schema([
  new Field('row', new Int32(), false),
  new Field('col', new Int32(), false),
  new Field('value', new Float64(), false),
  new Field('mult', new Int32(), false),
]);

/** Dense indices of an id column of the ratings: every id is known, since the encoding came from them. */
function denseIndices(batch: Table, column: string, ids: IdList): Int32Array {
  const vector = batch.getChild(column);
  if (!vector) throw new SvdInputError(`svd: the ratings have no column '${column}' (columns: ${batch.schema.fields.map((f) => f.name).join(', ')})`);
  const out = encodeColumn(vector, ids, { column, job: 'svd', nulls: 'error' });
  for (let i = 0; i < out.length; i++) {
    if (out[i]! < 0) throw new SvdInputError(`svd: ${column} ${String(vector.get(i))} in row ${i} of a batch has no dense index (unknown id); were the ratings changed after svd() read them?`);
  }
  return out;
}

/**
 * One batch of raw ratings → (row, col, value) with dense indices. Rejects null, NaN and infinite
 * ratings with the offending ids, since a single NaN would silently turn every singular value NaN.
 */
export function encodeRatings(batch: Table, spec: EncodeSpec): Table {
  const users = denseIndices(batch, spec.userColumn, spec.users);
  const items = denseIndices(batch, spec.itemColumn, spec.items);
  const vector = batch.getChild(spec.ratingColumn);
  if (!vector) throw new SvdInputError(`svd: the ratings have no column '${spec.ratingColumn}' (columns: ${batch.schema.fields.map((f) => f.name).join(', ')}); pass options.ratingColumn`);
  const value = new Float64Array(batch.numRows);
  for (let i = 0; i < value.length; i++) {
    const raw: unknown = vector.get(i);
    const v = typeof raw === 'bigint' ? Number(raw) : (raw as number | null);
    if (v === null || v === undefined || !Number.isFinite(v)) {
      throw new SvdInputError(
        `svd: rating ${String(raw)} for ${spec.userColumn} ${String(batch.getChild(spec.userColumn)?.get(i))}, ${spec.itemColumn} ${String(batch.getChild(spec.itemColumn)?.get(i))} ` +
          `is not a finite number; drop or impute missing/NaN ratings before the SVD (e.g. ratings.filter((r) => Number.isFinite(r.${spec.ratingColumn})))`,
      );
    }
    value[i] = v;
  }
  return new Table({
    row: makeVector(spec.usersAreRows ? users : items),
    col: makeVector(spec.usersAreRows ? items : users),
    value: makeVector(value),
  });
}

/**
 * A partition of groupByKey(['row']) output (row, values: List<Struct<col, value>>) → sorted sparse
 * rows. The order never depends on how the input was partitioned: rows ascending (by leaf first,
 * leaf = row % leaves, when `leaves` is given: see leaf-tree.ts), entries by column, duplicates
 * summed in ascending value order.
 */
export function buildSparseRows(grouped: Table, leaves = 1): Table {
  if (grouped.numRows === 0) return tableFromColumns(SPARSE_ROWS_SCHEMA, SPARSE_ROWS_SCHEMA.fields.map((f) => makeData({ type: f.type, length: 0 }) as Data), 0);
  const rowData = columnData(grouped, 'row');
  const rowIds = (rowData.values as Int32Array).subarray(rowData.offset, rowData.offset + rowData.length);
  const list = columnData(grouped, 'values');
  const offsets = list.valueOffsets as Int32Array;
  const struct = list.children[0] as Data<Struct>;
  const names = struct.type.children.map((f) => f.name);
  const colData = struct.children[names.indexOf('col')]!;
  const valueData = struct.children[names.indexOf('value')]!;
  const cols = (colData.values as Int32Array).subarray(colData.offset);
  const vals = (valueData.values as Float64Array).subarray(valueData.offset);

  const order = Array.from({ length: rowIds.length }, (_, i) => i).sort((a, b) => (rowIds[a]! % leaves) - (rowIds[b]! % leaves) || rowIds[a]! - rowIds[b]!);
  const total = offsets[list.offset + rowIds.length]! - offsets[list.offset]!;
  const outRow = new Int32Array(total);
  const outCol = new Int32Array(total);
  const outValue = new Float64Array(total);
  const outMult = new Int32Array(total);
  let out = 0;
  let keys = new Float64Array(64);
  for (const g of order) {
    const start = offsets[list.offset + g]!;
    const len = offsets[list.offset + g + 1]! - start;
    if (keys.length < len) keys = new Float64Array(len * 2);
    // Sort entries by (col, value): key = col * len + position, then by value within equal cols.
    const view = keys.subarray(0, len);
    for (let j = 0; j < len; j++) view[j] = cols[start + j]! * len + j;
    view.sort();
    let j = 0;
    while (j < len) {
      const col = Math.floor(view[j]! / len);
      let end = j + 1;
      while (end < len && Math.floor(view[end]! / len) === col) end++;
      let sum: number;
      if (end - j === 1) {
        sum = vals[start + (view[j]! - col * len)]!;
      } else {
        const dup = Array.from({ length: end - j }, (_, d) => vals[start + (view[j + d]! - col * len)]!).sort((a, b) => a - b);
        sum = dup.reduce((s, v) => s + v, 0);
      }
      outRow[out] = rowIds[g]!;
      outCol[out] = col;
      outValue[out] = sum;
      outMult[out] = end - j;
      out++;
      j = end;
    }
  }
  return new Table({
    row: makeVector(outRow.subarray(0, out)),
    col: makeVector(outCol.subarray(0, out)),
    value: makeVector(outValue.subarray(0, out)),
    mult: makeVector(outMult.subarray(0, out)),
  });
}

/**
 * Encoded ratings (row, col, value) + the shuffle key `part` that sends row r to the partition owning
 * its leaf r % leaves: `partKeys[leaf]` is a key value the engine's hash partitioner maps there.
 */
export function withPartKey(encoded: Table, partKeys: Int32Array): Table {
  if (encoded.numRows === 0) {
    return new Table({ part: makeVector(new Int32Array(0)), row: makeVector(new Int32Array(0)), col: makeVector(new Int32Array(0)), value: makeVector(new Float64Array(0)) });
  }
  const rowData = columnData(encoded, 'row');
  const rows = (rowData.values as Int32Array).subarray(rowData.offset, rowData.offset + rowData.length);
  const leaves = partKeys.length;
  const part = new Int32Array(rows.length);
  for (let i = 0; i < rows.length; i++) part[i] = partKeys[rows[i]! % leaves]!;
  return new Table({ part: makeVector(part), row: encoded.getChild('row')!, col: encoded.getChild('col')!, value: encoded.getChild('value')! });
}

/**
 * One partition of groupByKey(['part']) over withPartKey's output (one row per part holding the
 * list of its (row, col, value) entries) → sparse rows ordered by (leaf, row), ready for the
 * products (the whole partition arrives as one batch, so a row's entries are never split).
 */
export function layoutRows(grouped: Table, leaves: number): Table {
  if (grouped.numRows === 0) return buildSparseRows(grouped);
  const list = columnData(grouped, 'values');
  const offsets = list.valueOffsets as Int32Array;
  const struct = list.children[0] as Data<Struct>;
  const names = struct.type.children.map((f) => f.name);
  const from = offsets[list.offset]!;
  const to = offsets[list.offset + grouped.numRows]!;
  const child = (name: string) => {
    const data = struct.children[names.indexOf(name)]!;
    return data.values.subarray(data.offset + from, data.offset + to) as Int32Array | Float64Array;
  };
  const triples = new Table({ row: makeVector(child('row') as Int32Array), col: makeVector(child('col') as Int32Array), value: makeVector(child('value') as Float64Array) });
  return buildSparseRows(groupRows(triples, ['row']), leaves);
}

export const sparseRowKernels = libraryFunctions(import.meta.url, { encodeRatings, buildSparseRows, withPartKey, layoutRows });

/** A List<Float64> column of `rows` vectors of length `width`, from one row-major Float64Array. */
export function vectorColumn(values: Float64Array, rows: number, width: number): Data<List<Float64>> {
  const child = makeData({ type: new Float64(), length: rows * width, nullCount: 0, data: values });
  const offsets = new Int32Array(rows + 1);
  for (let r = 0; r <= rows; r++) offsets[r] = r * width;
  return makeData({ type: new List(new Field('item', new Float64(), false)), length: rows, nullCount: 0, valueOffsets: offsets, child });
}
