import { describe, expect, it } from 'vitest';
import { resolveSvdOptions } from '../../../../jobs/svd/options.ts';

describe('resolveSvdOptions', () => {
  it('fills defaults that depend on k', () => {
    const o = resolveSvdOptions(10, {});
    expect(o).toMatchObject({ mode: 'auto', products: 'auto', centering: 'none', tol: 1e-8, seed: 42, blockSize: 4, maxBasis: 50, numBlocks: undefined, userColumn: 'userId' });
    expect(resolveSvdOptions(50, {}).blockSize).toBe(16);
  });

  it.each([
    [0, {}, /k must be a positive integer/],
    [2.5, {}, /k must be a positive integer/],
    [5, { mode: 'qr' }, /options.mode must be/],
    [5, { centering: 'item' }, /options.centering must be/],
    [5, { products: 'gpu' }, /options.products must be 'auto', 'driver' or 'executors', got 'gpu'/],
    [5, { tol: 0 }, /options.tol must be in/],
    [5, { numBlocks: 0 }, /options.numBlocks must be an integer ≥ 1/],
    [5, { blockSize: 4, maxBasis: 6 }, /maxBasis must be an integer ≥ k \+ blockSize = 9/],
  ])('rejects k=%s options %o', (k, options, message) => {
    expect(() => resolveSvdOptions(k, options as never)).toThrow(message);
  });
});
