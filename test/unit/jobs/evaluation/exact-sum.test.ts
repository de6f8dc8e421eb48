// ExactSum: exact, order-independent sums (the property the metrics rely on for determinism).

import { describe, expect, it } from 'vitest';
import { ExactSum, exactSum } from '../../../../jobs/evaluation/exact-sum.ts';

describe('ExactSum', () => {
  it('recovers what plain summation loses', () => {
    expect(exactSum([1e16, 1, -1e16])).toBe(1); // plain: 0
    expect(exactSum([0.1, 0.2, 0.3])).toBe(0.6); // plain: 0.6000000000000001
    expect(exactSum([1e100, 1, -1e100, 1e-100])).toBe(1);
    expect(exactSum([])).toBe(0);
  });

  it('gives the same bits in any order and grouping', () => {
    const values = Array.from({ length: 2000 }, (_, i) => Math.sin(i * 12.9898) * 10 ** ((i % 9) - 4));
    const forward = exactSum(values);
    expect(exactSum([...values].reverse())).toBe(forward);
    // Three "partitions" summed apart, then merged through their parts.
    const merged = new ExactSum();
    for (const chunk of [values.slice(0, 500), values.slice(500, 1700), values.slice(1700)]) {
      const s = new ExactSum();
      for (const x of chunk) s.add(x);
      for (const p of s.parts()) merged.add(p);
    }
    expect(merged.value()).toBe(forward);
  });

  it('rounds half-way cases to even as math.fsum does', () => {
    // 1 + 2^-53 is exactly half-way between 1 and the next double; the extra 2^-106 tips it up.
    expect(exactSum([1, 2 ** -53, 2 ** -106])).toBe(1 + 2 ** -52);
    expect(exactSum([1, 2 ** -53])).toBe(1);
  });

  it('passes infinities and NaN through', () => {
    expect(exactSum([1, Infinity])).toBe(Infinity);
    expect(exactSum([Infinity, -Infinity])).toBeNaN();
  });
});
