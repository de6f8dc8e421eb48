// Distinct rows: keep the first occurrence of every distinct tuple of the chosen columns (all
// columns by default). Used on both sides of a shuffle for `distinct()`: each map task drops its
// own duplicates, the reduce task drops those that came from different map tasks.

import type { Table } from 'apache-arrow';
import { groupIds } from './group-ids.ts';
import { takeRows } from './take.ts';

/**
 * The rows of `table` whose `columns` tuple has not appeared in an earlier row, in input order,
 * with all columns kept. Equality is exact per column (NaN equals NaN, null equals null, -0
 * equals 0), as in group-ids.ts. Returns `table` itself when no row is a duplicate.
 *
 * @example
 * distinctRows(table);                // fully distinct rows
 * distinctRows(table, ['userId']);    // the first row of each user
 */
export function distinctRows(table: Table, columns?: readonly string[]): Table {
  const keys = columns ?? table.schema.fields.map((f) => f.name);
  if (table.numRows === 0) return table;
  if (keys.length === 0) return takeRows(table, Int32Array.of(0)); // every row equals every other
  const { numGroups, firstRow } = groupIds(table, keys);
  if (numGroups === table.numRows) return table;
  return takeRows(table, firstRow);
}
