import { describe, expect, it } from 'vitest';
import { pack, tableOf, unpack } from '../../../../jobs/als/packed.ts';
import { makeVector } from 'apache-arrow';
import { takeRows } from '../../../../engine/kernels/take.ts';

describe('packed blobs', () => {
  it('round-trips typed arrays of every supported type, aligned', () => {
    const arrays = [Int32Array.of(1, -2, 3), Float32Array.of(0.5), Float64Array.of(Math.PI, -1), Uint8Array.of(7, 8, 9), new Int32Array(0)];
    const blob = pack(arrays);
    expect(blob.byteLength % 8).toBe(0);
    const back = unpack(blob);
    expect(back.map((a) => a.constructor.name)).toEqual(arrays.map((a) => a.constructor.name));
    back.forEach((a, i) => expect(Array.from(a)).toEqual(Array.from(arrays[i])));
  });

  it('copies a misaligned blob instead of failing', () => {
    const blob = pack([Float64Array.of(1.5, 2.5)]);
    const shifted = new Uint8Array(blob.byteLength + 1);
    shifted.set(blob, 1);
    expect(Array.from(unpack(shifted.subarray(1))[0])).toEqual([1.5, 2.5]);
  });

  it('tableOf keeps zero-row columns gatherable', () => {
    const t = tableOf({ a: makeVector(new Int32Array(0)) });
    expect(takeRows(t, new Int32Array(0)).numRows).toBe(0);
  });
});
