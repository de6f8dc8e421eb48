// groupByKey: gather all rows of each key into one row holding the key and a list of the other
// columns, as nested Arrow data (List<Struct<...>>) so it ships through a shuffle like any table.
//
// Worked example, keys ['k'], rows (k, a, b): (x,1,'p') (y,2,'q') (x,3,'r')
//   groupOf = [0, 1, 0]; rows reordered by group (stable): [0, 2, 1]
//   output:  k | values                              List offsets [0, 2, 3]
//            x | [{a:1, b:'p'}, {a:3, b:'r'}]         Struct children a:[1,3,2] b:['p','r','q']
//            y | [{a:2, b:'q'}]

import { Field, List, Schema, Struct, makeData } from 'apache-arrow';
import type { Data, Table } from 'apache-arrow';
import { DataflowError } from '../errors.ts';
import { columnData, requireColumnIndex, tableFromColumns } from './columns.ts';
import { groupIds } from './group-ids.ts';
import { takeData } from './take.ts';

/** Name of the list column groupRows adds. */
export const GROUP_VALUES_COLUMN = 'values';

/**
 * One row per distinct key (first-appearance order): the key columns, then `values`, a
 * List<Struct<non-key columns>> holding that key's rows in input order. `tableToRows` on the
 * result gives `{ ...keys, values: [{ a: 1, b: 'p' }, ...] }`.
 *
 * @example
 * groupRows(ratings, ['user']); // user, values: List<Struct<item, rating>>
 */
export function groupRows(table: Table, keys: readonly string[]): Table {
  checkGroupKeys(table, keys);
  const valueFields = table.schema.fields.filter((f) => !keys.includes(f.name));
  const { groupOf, numGroups, firstRow } = groupIds(table, keys);
  const n = table.numRows;

  // Counting sort of rows by group: offsets[g]..offsets[g+1] are group g's rows in `order`.
  const offsets = new Int32Array(numGroups + 1);
  for (let i = 0; i < n; i++) offsets[groupOf[i] + 1]++;
  for (let g = 0; g < numGroups; g++) offsets[g + 1] += offsets[g];
  const cursor = offsets.slice(0, numGroups);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[cursor[groupOf[i]]++] = i;

  const values = valueFields.map((f) => takeData(columnData(table, f.name), order));
  const keyValues = keys.map((k) => takeData(columnData(table, k), firstRow));
  return listRows(table, keys, keyValues, values, offsets);
}

/**
 * groupRows of a table whose groups already lie in consecutive rows, in output order: group g
 * is rows offsets[g]..offsets[g+1] (the spilling groupByKey's last step; no rows are moved).
 *
 * @example
 * groupedRuns(table, ['k'], Int32Array.of(0, 2, 3)); // rows 0-1 one group, row 2 another
 */
export function groupedRuns(table: Table, keys: readonly string[], offsets: Int32Array): Table {
  checkGroupKeys(table, keys);
  const values = table.schema.fields.filter((f) => !keys.includes(f.name)).map((f) => columnData(table, f.name));
  const starts = offsets.subarray(0, offsets.length - 1);
  const keyValues = keys.map((k) => takeData(columnData(table, k), starts));
  return listRows(table, keys, keyValues, values, offsets);
}

function checkGroupKeys(table: Table, keys: readonly string[]): void {
  if (keys.includes(GROUP_VALUES_COLUMN)) {
    throw new DataflowError(
      'INVALID_INPUT',
      `groupByKey: a key column is named '${GROUP_VALUES_COLUMN}', which is the name of the grouped-values column; rename the key first.`,
    );
  }
  for (const k of keys) requireColumnIndex(table, k, 'as a groupByKey key');
}

/** The output table: key columns (one row per group), then `values` over the value rows cut at `offsets`. */
function listRows(table: Table, keys: readonly string[], keyValues: Data[], values: Data[], offsets: Int32Array): Table {
  const keyFields = keys.map((k) => table.schema.fields[requireColumnIndex(table, k, 'as a groupByKey key')]);
  const valueFields = table.schema.fields.filter((f) => !keys.includes(f.name));
  const numGroups = offsets.length - 1;
  const n = offsets[numGroups];
  const structType = new Struct(valueFields);
  const structData = makeData({ type: structType, length: n, nullCount: 0, children: values });
  const listType = new List(new Field('item', structType, false));
  const listData = makeData({ type: listType, length: numGroups, nullCount: 0, valueOffsets: offsets, child: structData });
  const fields = [...keyFields, new Field(GROUP_VALUES_COLUMN, listType, true)];
  return tableFromColumns(new Schema(fields), [...keyValues, listData], numGroups);
}
