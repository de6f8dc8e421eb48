// Factor matrices as Arrow list columns (the `features` column of Spark's ALS factors, our saved
// SVD vectors): a row-major n × width typed array ⇄ List<Float32 | Float64> with one list per row.
// Reading accepts any float child type and refuses a null or a list of the wrong length, naming
// the file and the row's id.

import { Field, Float32, Float64, List, Type, makeData, makeVector } from 'apache-arrow';
import type { Table, Vector } from 'apache-arrow';
import { columnData } from '../../engine/extend.ts';

/** A List column of `n` rows of `width` values each, sharing `values`' buffer. */
export function listColumn(values: Float32Array | Float64Array, n: number, width: number): Vector {
  const childType = values instanceof Float32Array ? new Float32() : new Float64();
  const child = makeData({ type: childType, length: n * width, data: values.subarray(0, n * width) });
  const valueOffsets = Int32Array.from({ length: n + 1 }, (_, i) => i * width);
  return makeVector(makeData({ type: new List(new Field('element', childType, true)), length: n, valueOffsets, child }));
}

/**
 * Copies the list column `name` of `table` into `out` (row r's list at `at(r) * width`), checking
 * every list is present and `width` long. `where` names the file, `idOf(r)` the row, in errors.
 */
export function readListColumn(
  table: Table, name: string, width: number, out: Float32Array | Float64Array, at: (row: number) => number,
  where: string, idOf: (row: number) => string, fail: (message: string) => Error,
): void {
  const field = table.schema.fields.find((f) => f.name === name);
  if (!field) throw fail(`${where} has no column '${name}'; columns are [${table.schema.fields.map((f) => f.name).join(', ')}]`);
  if (field.type.typeId !== Type.List && field.type.typeId !== Type.FixedSizeList) {
    throw fail(`${where}: column '${name}' is ${String(field.type)}, expected a list of floats (array<float>)`);
  }
  if (table.numRows === 0) return;
  const data = columnData(table, name);
  const child = data.children[0]!;
  if (child.type.typeId !== Type.Float) throw fail(`${where}: column '${name}' holds ${String(child.type)} values, expected float or double`);
  const values = child.values as Float32Array | Float64Array;
  const fixed = data.type.typeId === Type.FixedSizeList;
  const offsets = fixed ? undefined : (data.valueOffsets as Int32Array);
  const childNulls = child.nullCount > 0;
  for (let r = 0; r < data.length; r++) {
    if (!data.getValid(r)) throw fail(`${where}: the ${name} of ${idOf(r)} is null`);
    const start = fixed ? (data.offset + r) * width : offsets![data.offset + r]!;
    const end = fixed ? start + width : offsets![data.offset + r + 1]!;
    if (end - start !== width) throw fail(`${where}: the ${name} of ${idOf(r)} has ${end - start} values, expected ${width} (the model's rank)`);
    const o = at(r) * width;
    for (let d = 0; d < width; d++) {
      if (childNulls && !child.getValid(start + d)) throw fail(`${where}: the ${name} of ${idOf(r)} has a null at position ${d}`);
      out[o + d] = values[child.offset + start + d]!;
    }
  }
}
