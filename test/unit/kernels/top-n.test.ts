// Tests of topRows (take(n) on a sort, per partition and on the driver): it must give exactly the
// first n rows of the full stable sort, for the heap path and the sort path, with ties, nulls, NaN,
// strings and several keys, and the top of concatenated tops must equal the top of the whole.

import { describe, expect, it } from 'vitest';
import { sortTable } from '../../../engine/kernels/sort.ts';
import type { SortKey } from '../../../engine/kernels/sort.ts';
import { topRows } from '../../../engine/kernels/top-n.ts';
import { concatTables } from '../../../engine/kernels/concat-tables.ts';
import type { Row } from '../../../engine/kernels/rows.ts';
import { T, prng, rows, table } from './relational-fixtures.ts';

const types = { id: T.i32(), k: T.i32(), x: T.f64(), s: T.str() };

/** Rows with many ties on k, nulls and NaN in x, nulls in s; id records the input position. */
function generated(n: number, seed: number): Row[] {
  const rand = prng(seed);
  return Array.from({ length: n }, (_, id) => {
    const r = rand();
    return {
      id,
      k: Math.floor(rand() * 20),
      x: r < 0.05 ? null : r < 0.1 ? NaN : Math.floor(rand() * 50) / 2,
      s: rand() < 0.1 ? null : `s${Math.floor(rand() * 30)}`,
    };
  });
}

const orders: SortKey[][] = [
  [{ column: 'k', ascending: false }],
  [{ column: 'x', ascending: true }],
  [{ column: 'x', ascending: false }, { column: 'k', ascending: true }],
  [{ column: 's', ascending: true }, { column: 'x', ascending: false }],
];

describe('topRows', () => {
  it('is the first n rows of the stable full sort, through the heap and the sort path', () => {
    const data = generated(3000, 11);
    const t = table(types, data);
    for (const keys of orders) {
      const sorted = rows(sortTable(t, keys));
      for (const n of [0, 1, 10, 57, 374, 375, 2999, 3000, 5000]) {
        expect(rows(topRows(t, keys, n)), `${JSON.stringify(keys)} n=${n}`).toEqual(sorted.slice(0, n));
      }
    }
  });

  it('merging the tops of consecutive chunks in order gives the top of the whole (ties keep input order)', () => {
    const data = generated(4000, 5);
    for (const keys of orders) {
      const whole = rows(sortTable(table(types, data), keys)).slice(0, 25);
      const chunks = [0, 700, 1500, 1501, 4000].slice(1).map((end, i, ends) => table(types, data.slice(i === 0 ? 0 : ends[i - 1], end)));
      const tops = concatTables(chunks.map((c) => topRows(c, keys, 25)));
      expect(rows(topRows(tops, keys, 25))).toEqual(whole);
    }
  });

  it('keeps the schema of an empty table and of a table of fewer rows than n', () => {
    const empty = table(types, []);
    expect(topRows(empty, orders[0]!, 5).schema.fields.map((f) => f.name)).toEqual(['id', 'k', 'x', 's']);
    const few = table(types, generated(3, 1));
    expect(rows(topRows(few, orders[1]!, 5))).toEqual(rows(sortTable(few, orders[1]!)));
  });
});
