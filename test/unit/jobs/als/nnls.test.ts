import { describe, expect, it } from 'vitest';
import { nnlsPacked } from '../../../../jobs/als/nnls.ts';
import { addDiagonal, addOuter, packedSize } from '../../../../jobs/als/cholesky.ts';

describe('NNLS on normal equations', () => {
  it('clips a negative unconstrained solution of a diagonal system', () => {
    const x = new Float64Array(2);
    expect(nnlsPacked(Float64Array.of(1, 0, 1), Float64Array.of(1, -2), x, 2)).toBe(true);
    expect(Array.from(x)).toEqual([1, 0]);
  });

  it('equals the unconstrained solution when that is positive', () => {
    const a = Float64Array.of(4, 2, 5); // [[4,2],[2,5]], x = [1, 1] → b = [6, 7]
    const x = new Float64Array(2);
    nnlsPacked(a, Float64Array.of(6, 7), x, 2);
    expect(x[0]).toBeCloseTo(1, 12);
    expect(x[1]).toBeCloseTo(1, 12);
  });

  it('satisfies the KKT conditions on a coupled system', () => {
    const n = 6;
    const a = new Float64Array(packedSize(n));
    for (let t = 0; t < 10; t++) addOuter(a, Float64Array.from({ length: n }, (_, i) => Math.cos(t * 1.7 + i * 0.9)), 1);
    addDiagonal(a, 0.01, n);
    const b = Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 1 : -1) * (i + 1));
    const x = new Float64Array(n);
    expect(nnlsPacked(a, b, x, n)).toBe(true);
    const full = (i: number, j: number): number => (i >= j ? a[(i * (i + 1)) / 2 + j] : a[(j * (j + 1)) / 2 + i]);
    for (let i = 0; i < n; i++) {
      let g = b[i];
      for (let j = 0; j < n; j++) g -= full(i, j) * x[j];
      expect(x[i]).toBeGreaterThanOrEqual(0);
      if (x[i] > 1e-9) expect(Math.abs(g)).toBeLessThan(1e-8); // free variables: zero gradient
      else expect(g).toBeLessThan(1e-8); // bound variables: gradient points outward
    }
  });
});
