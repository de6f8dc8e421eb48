import { describe, expect, it } from 'vitest';
import { buildInBlockArrays } from '../../../../jobs/als/in-blocks.ts';
import { sideLayout } from '../../../../jobs/als/layout.ts';
import { initialFactors, initialFactorsAt } from '../../../../jobs/als/init-factors.ts';
import { makePlan } from '../../../../jobs/als/als.ts';
import { resolveOptions } from '../../../../jobs/als/options.ts';

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
    expect(Array.from(ib.posIndex)).toEqual([1, 2]);
  });

  it('draws the initial factors of chosen rows (the first user half, from posIndex) with the bits of the whole-block draw', () => {
    for (const options of [{ rank: 7 }, { rank: 5, biases: true }, { rank: 4, nonnegative: true }]) {
      const plan = makePlan(resolveOptions(options), 30, 40, 3.5);
      const all = new Float32Array(40 * plan.width);
      initialFactors(plan, 'item', 0, 40, all);
      const indices = Int32Array.of(0, 3, 4, 17, 39);
      const some = new Float32Array(indices.length * plan.width);
      initialFactorsAt(plan, 'item', indices, some);
      indices.forEach((index, row) => expect(some.subarray(row * plan.width, (row + 1) * plan.width)).toEqual(all.subarray(index * plan.width, (index + 1) * plan.width)));
    }
  });

  it('gives the same arrays whether each row arrives sorted by source (one counting sort) or not (two), equal to a plain sort', () => {
    let seed = 11;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const n = 3000;
    const start = 40;
    const nLocal = 60;
    const other = sideLayout(200, 3);
    const rows = Array.from({ length: n }, () => ({ d: start + Math.floor(rnd() * nLocal), s: Math.floor(rnd() ** 2 * 200), r: 0.5 + Math.floor(rnd() * 10) / 2 }));
    // ratings are halves: a pair's duplicates average to the same float in any order
    const build = (list: typeof rows) => buildInBlockArrays(Int32Array.from(list, (x) => x.d), Int32Array.from(list, (x) => x.s), Float32Array.from(list, (x) => x.r), start, nLocal, other, 'average');
    const sorted = [...rows].sort((a, b) => a.d - b.d || a.s - b.s);
    const shuffled = build(rows);
    const inOrder = build(sorted);
    for (const key of ['rowPtr', 'pos', 'r', 'msgStart', 'outPtr', 'outLocal'] as const) expect(Array.from(shuffled[key])).toEqual(Array.from(inOrder[key]));
    // plain reference: distinct (d, s) pairs in order with their mean, and each row's pair count
    const pairs = new Map<string, number[]>();
    for (const x of sorted) pairs.set(`${x.d},${x.s}`, [...(pairs.get(`${x.d},${x.s}`) ?? []), x.r]);
    const means = [...pairs.values()].map((v) => Math.fround(v.reduce((a, b) => a + b, 0) / v.length));
    expect(Array.from(inOrder.r)).toEqual(means);
    const perRow = new Array(nLocal + 1).fill(0);
    for (const key of pairs.keys()) perRow[Number(key.split(',')[0]) - start + 1]++;
    for (let u = 0; u < nLocal; u++) perRow[u + 1] += perRow[u];
    expect(Array.from(inOrder.rowPtr)).toEqual(perRow);
  });

  it("rejects duplicates with duplicates: 'error'", () => {
    expect(() => buildInBlockArrays(Int32Array.of(0, 0), Int32Array.of(1, 1), Float32Array.of(1, 2), 0, 1, sideLayout(2, 1), 'error')).toThrow(/duplicate rating/);
  });
});
