import { describe, expect, it } from 'vitest';
import { Table, makeVector, vectorFromArray, Utf8 } from 'apache-arrow';
import { groupRows } from '../../../../engine/kernels/group-rows.ts';
import { buildSparseRows, encodeRatings } from '../../../../jobs/svd/sparse-rows.ts';
import { SvdInputError } from '../../../../jobs/svd/errors.ts';

const spec = { userColumn: 'userId', itemColumn: 'itemId', ratingColumn: 'rating', users: Float64Array.of(2, 7), items: ['i1', 'i3', 'i9'], usersAreRows: true };

function ratings(users: number[], items: string[], values: number[]): Table {
  return new Table({ userId: makeVector(Int32Array.from(users)), itemId: vectorFromArray(items, new Utf8()), rating: makeVector(Float64Array.from(values)) });
}

describe('encodeRatings + buildSparseRows', () => {
  it('encodes ids densely, sorts rows and columns, and sums duplicates (the worked example)', () => {
    const encoded = encodeRatings(ratings([7, 2, 7, 7], ['i3', 'i9', 'i1', 'i3'], [4, 1, 3.5, 5]), spec);
    expect(Array.from(encoded.getChild('row')!.toArray() as Int32Array)).toEqual([1, 0, 1, 1]);
    expect(Array.from(encoded.getChild('col')!.toArray() as Int32Array)).toEqual([1, 2, 0, 1]);
    const rows = buildSparseRows(groupRows(encoded, ['row']));
    expect(Array.from(rows.getChild('row')!.toArray() as Int32Array)).toEqual([0, 1, 1]);
    expect(Array.from(rows.getChild('col')!.toArray() as Int32Array)).toEqual([2, 0, 1]);
    expect(Array.from(rows.getChild('value')!.toArray() as Float64Array)).toEqual([1, 3.5, 9]);
    expect(Array.from(rows.getChild('mult')!.toArray() as Int32Array)).toEqual([1, 1, 2]);
  });

  it('puts items on the rows when items are the wide side', () => {
    const encoded = encodeRatings(ratings([7, 2], ['i3', 'i9'], [4, 1]), { ...spec, usersAreRows: false });
    expect(Array.from(encoded.getChild('row')!.toArray() as Int32Array)).toEqual([1, 2]);
    expect(Array.from(encoded.getChild('col')!.toArray() as Int32Array)).toEqual([1, 0]);
  });

  it('gives the same layout whatever the input order', () => {
    const a = buildSparseRows(groupRows(encodeRatings(ratings([7, 2, 7, 7], ['i3', 'i9', 'i1', 'i3'], [4, 1, 3.5, 5]), spec), ['row']));
    const b = buildSparseRows(groupRows(encodeRatings(ratings([7, 7, 2, 7], ['i3', 'i1', 'i9', 'i3'], [5, 3.5, 1, 4]), spec), ['row']));
    for (const c of ['row', 'col', 'value', 'mult']) expect(Array.from(b.getChild(c)!.toArray() as ArrayLike<number>)).toEqual(Array.from(a.getChild(c)!.toArray() as ArrayLike<number>));
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY])('rejects a rating of %s naming the user and item', (bad) => {
    expect(() => encodeRatings(ratings([7, 2], ['i3', 'i9'], [4, bad]), spec)).toThrow(SvdInputError);
    expect(() => encodeRatings(ratings([7, 2], ['i3', 'i9'], [4, bad]), spec)).toThrow(/userId 2, itemId i9 is not a finite number/);
  });

  it('rejects an id that is not in the encoding', () => {
    expect(() => encodeRatings(ratings([5], ['i3'], [4]), spec)).toThrow(/userId 5 .* has no dense index/);
  });
});
