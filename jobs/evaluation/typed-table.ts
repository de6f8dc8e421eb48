// Building a Table from typed arrays. Not `new Table({ a: makeVector(...) })`: for zero rows Arrow
// JS fills the record batch with buffer-less Data (values undefined), which the engine's take
// kernel (and so the shuffle writer) cannot read. makeData + tableFromColumns keeps the buffers.

import { Field, Float64, Int32, Schema, Uint8, makeData } from 'apache-arrow';
import type { Table } from 'apache-arrow';
import { tableFromColumns } from '../../engine/extend.ts';

/** A typed array that becomes a non-null column of the matching Arrow type. */
export type NumberColumn = Float64Array | Int32Array | Uint8Array;

/**
 * A single-batch table with one non-null column per entry, in order.
 *
 * @example
 * typedTable({ stat: Int32Array.of(0, 1), value: Float64Array.of(2.5, 3) });
 */
export function typedTable(columns: Record<string, NumberColumn>): Table {
  const entries = Object.entries(columns);
  const fields = entries.map(([name, values]) => new Field(name, arrowType(values), false));
  const data = entries.map(([, values], i) => makeData({ type: fields[i].type, length: values.length, nullCount: 0, data: values } as never));
  return tableFromColumns(new Schema(fields), data, entries.length > 0 ? entries[0][1].length : 0);
}

function arrowType(values: NumberColumn): Float64 | Int32 | Uint8 {
  if (values instanceof Float64Array) return new Float64();
  if (values instanceof Int32Array) return new Int32();
  return new Uint8();
}
