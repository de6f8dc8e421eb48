// The benchmarks' statistics: the median's confidence interval the cost benchmarks report.
import { describe, expect, it } from 'vitest';
import { medianInterval } from '../../../bench/lib/measure.ts';

describe('medianInterval', () => {
  it('takes the order statistics the sign test gives, with their exact coverage', () => {
    // n = 40: P(K ≤ 13) = 0.0192 for K ~ Binomial(40, ½), so the 14th smallest and 14th largest: 96.2%
    const values = Array.from({ length: 40 }, (_, i) => 40 - i); // 40 … 1, unsorted on purpose
    const interval = medianInterval(values)!;
    expect(interval.low).toBe(14);
    expect(interval.high).toBe(27);
    expect(interval.coverage).toBeCloseTo(1 - 2 * 0.019239, 5);
  });

  it('is the smallest and largest value at 6 values, and has none below', () => {
    expect(medianInterval([5, 1, 4, 2, 6, 3])).toEqual({ low: 1, high: 6, coverage: 1 - 2 / 64 });
    expect(medianInterval([1, 2, 3, 4, 5])).toBeUndefined();
  });

  it('covers the true median about as often as it claims', () => {
    // Ratios around 1.02 with noise: in 2,000 trials of 40 values the interval holds 1.02 in ≥ 95%.
    let seed = 7;
    const random = (): number => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed / 2 ** 32; };
    let held = 0;
    for (let trial = 0; trial < 2000; trial++) {
      const values = Array.from({ length: 40 }, () => 1.02 + (random() - 0.5) * 0.1);
      const { low, high } = medianInterval(values)!;
      if (low <= 1.02 && 1.02 <= high) held++;
    }
    expect(held / 2000).toBeGreaterThan(0.95);
    expect(held / 2000).toBeLessThan(0.98);
  });
});
