// Reading the output of groupByKey columnarly: one row per key with `values`, a List<Struct<...>>
// of that key's rows. Kernels that work per user (leave-k-out, ranking metrics, most-popular)
// go through here instead of building one JS object per row.
//
// Example: groups of (user, item) by user, two users:
//   key | values                      →  starts = [0, 2, 3]
//   7   | [{item: 1}, {item: 5}]          rows   = Table { item: [1, 5, 9] }
//   9   | [{item: 9}]                     group g's rows are rows[starts[g] .. starts[g+1])

import { Schema, Type } from 'apache-arrow';
import type { Data, Struct, Table } from 'apache-arrow';
import { columnData, tableFromColumns, GROUP_VALUES_COLUMN } from '../../engine/extend.ts';
import { EvaluationError } from './errors.ts';

export interface Groups {
  numGroups: number;
  /** numGroups + 1 offsets into `rows`. */
  starts: Int32Array;
  /** Every grouped row, as a flat table of the struct's columns. */
  rows: Table;
}

/**
 * The groups of a groupByKey output batch.
 *
 * @example
 * const { numGroups, starts, rows } = readGroups(batch, 'leaveKOut');
 * for (let g = 0; g < numGroups; g++) for (let r = starts[g]; r < starts[g + 1]; r++) { ... }
 */
export function readGroups(batch: Table, fn: string): Groups {
  const list = columnData(batch, GROUP_VALUES_COLUMN, `by ${fn} (the grouped rows of a groupByKey)`);
  if (list.type.typeId !== Type.List || list.children[0]?.type.typeId !== Type.Struct) {
    throw new EvaluationError('EVAL_COLUMN', `${fn}: column '${GROUP_VALUES_COLUMN}' should be List<Struct> from groupByKey, got ${String(list.type)}.`);
  }
  const numGroups = list.length;
  const offsets = list.valueOffsets as Int32Array;
  const base = offsets[0];
  const starts = new Int32Array(numGroups + 1);
  for (let g = 0; g <= numGroups; g++) starts[g] = offsets[g] - base;
  const struct = list.children[0] as Data<Struct>;
  const fields = struct.type.children;
  const total = starts[numGroups];
  // A struct's children are sliced along with it (Arrow JS), so child row i is struct row i.
  const columns = struct.children.map((child) => child.slice(base, total));
  return { numGroups, starts, rows: tableFromColumns(new Schema(fields), columns, total) };
}
