import { describe, expect, it } from 'vitest';
import { buildInBlockArrays } from '../../../../jobs/als/in-blocks.ts';
import { sideLayout } from '../../../../jobs/als/layout.ts';

describe('in-block construction', () => {
  it('matches the worked example (sorting, duplicate averaging, positions, out-blocks)', () => {
    const items = { ...sideLayout(3, 2) }; // blocks {0,1} and {2}
    expect(items.blockSize).toBe(2);
    const ib = buildInBlockArrays(Int32Array.of(1, 0, 0, 1), Int32Array.of(2, 1, 2, 2), Float32Array.of(5, 3, 4, 1), 0, 2, items, 'average');
    expect(Array.from(ib.rowPtr)).toEqual([0, 2, 3]);
    expect(Array.from(ib.pos)).toEqual([0, 1, 1]);
    expect(Array.from(ib.r)).toEqual([3, 4, 3]);
    expect(Array.from(ib.msgStart)).toEqual([0, 1, 2]);
    expect(Array.from(ib.outPtr)).toEqual([0, 1, 3]);
    expect(Array.from(ib.outLocal)).toEqual([0, 0, 1]);
  });

  it("rejects duplicates with duplicates: 'error'", () => {
    expect(() => buildInBlockArrays(Int32Array.of(0, 0), Int32Array.of(1, 1), Float32Array.of(1, 2), 0, 1, sideLayout(2, 1), 'error')).toThrow(/duplicate rating/);
  });
});
