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
  if (keys.includes(GROUP_VALUES_COLUMN)) {
    throw new DataflowError(
      'INVALID_INPUT',
      `groupByKey: a key column is named '${GROUP_VALUES_COLUMN}', which is the name of the grouped-values column; rename the key first.`,
    );
  }
  const keyFields = keys.map((k) => table.schema.fields[requireColumnIndex(table, k, 'as a groupByKey key')]);
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

  const structType = new Struct(valueFields);
  const children: Data[] = valueFields.map((f) => takeData(columnData(table, f.name), order));
  const structData = makeData({ type: structType, length: n, nullCount: 0, children });
  const listType = new List(new Field('item', structType, false));
  const listData = makeData({ type: listType, length: numGroups, nullCount: 0, valueOffsets: offsets, child: structData });

  const fields = [...keyFields, new Field(GROUP_VALUES_COLUMN, listType, true)];
  const columns = [...keys.map((k) => takeData(columnData(table, k), firstRow)), listData];
  return tableFromColumns(new Schema(fields), columns, numGroups);
}
