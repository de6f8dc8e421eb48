// The cost model behind svd()'s 'auto' choices: which solver and where the products run, by shape.

import { describe, expect, it } from 'vitest';
import { DRIVER_MAX_ENTRIES, planSvd, svdCosts } from '../../../../jobs/svd/plan.ts';
import type { SvdShape } from '../../../../jobs/svd/plan.ts';

const shape = (narrow: number, wide: number, entries: number, k = 10): SvdShape => ({ narrow, wide, entries, k, blockSize: 4, maxBasis: 50, slots: 2 });

describe('planSvd', () => {
  it('solves a MovieLens-100k-shaped matrix (943 × 1682) with Lanczos on the driver, not the O(n³) Gramian', () => {
    const s = shape(943, 1682, 100_000);
    expect(planSvd(s, 'auto', 'auto')).toMatchObject({ mode: 'lanczos', products: 'driver' });
    const costs = svdCosts(s);
    expect(costs.gramian.driver).toBeGreaterThan(10 * costs.lanczos.driver);
  });

  it('keeps the products on the executors for 20M ratings (too many to collect) and on large matrices', () => {
    expect(planSvd(shape(26_744, 138_493, 20_000_263), 'auto', 'auto')).toMatchObject({ mode: 'lanczos', products: 'executors' });
    expect(planSvd(shape(3706, 6040, DRIVER_MAX_ENTRIES + 1), 'auto', 'auto').products).toBe('executors');
  });

  it('takes the Gramian only for a very narrow side, and never beyond its width limit', () => {
    expect(planSvd(shape(150, 5000, 100_000, 5), 'auto', 'auto').mode).toBe('gramian');
    expect(planSvd(shape(5000, 100_000, 1_000, 5), 'auto', 'auto').mode).toBe('lanczos');
  });

  it('follows explicit options', () => {
    const s = shape(943, 1682, 100_000);
    expect(planSvd(s, 'gramian', 'auto').mode).toBe('gramian');
    expect(planSvd(s, 'auto', 'executors')).toMatchObject({ mode: 'lanczos', products: 'executors' });
    expect(planSvd(shape(3706, 6040, 2 * DRIVER_MAX_ENTRIES), 'lanczos', 'driver').products).toBe('driver');
  });
});
