import { describe, expect, it } from 'vitest';
import { blockKrylov } from '../../../../jobs/svd/block-krylov.ts';
import type { GramOperator } from '../../../../jobs/svd/block-krylov.ts';
import { SvdConvergenceError } from '../../../../jobs/svd/errors.ts';

/** A = P·diag(s)·Qᵀ with orthonormal P (m × r) and Q (n × r) from Householder reflections: known σ. */
function constructed(m: number, n: number, s: number[]): { a: Float64Array; op: GramOperator } {
  const orthonormal = (rows: number, seed: number) => {
    let x = seed;
    const rnd = () => ((x = (x * 48271) % 2147483647) / 2147483647) - 0.5;
    const q = new Float64Array(rows * rows);
    for (let i = 0; i < rows; i++) q[i * rows + i] = 1;
    for (let h = 0; h < 3; h++) {
      const v = Array.from({ length: rows }, rnd);
      const norm = Math.hypot(...v);
      for (let c = 0; c < rows; c++) {
        let dot = 0;
        for (let i = 0; i < rows; i++) dot += v[i]! * q[i * rows + c]!;
        for (let i = 0; i < rows; i++) q[i * rows + c] -= (2 * v[i]! * dot) / (norm * norm);
      }
    }
    return q;
  };
  const p = orthonormal(m, 11);
  const q = orthonormal(n, 23);
  const a = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let r = 0; r < s.length; r++) a[i * n + j] += p[i * m + r]! * s[r]! * q[j * n + r]!;
  return { a, op: denseOperator(a, m, n) };
}

function denseOperator(a: Float64Array, m: number, n: number): GramOperator & { calls: number } {
  return {
    n,
    calls: 0,
    async apply(x, b) {
      this.calls++;
      const y = new Float64Array(n * b);
      const w = new Float64Array(b);
      for (let r = 0; r < m; r++) {
        w.fill(0);
        for (let j = 0; j < n; j++) for (let c = 0; c < b; c++) w[c] += a[r * n + j]! * x[j * b + c]!;
        for (let j = 0; j < n; j++) for (let c = 0; c < b; c++) y[j * b + c] += a[r * n + j]! * w[c]!;
      }
      return y;
    },
  };
}

const sigmas = Array.from({ length: 60 }, (_, i) => 100 / (1 + i) + (i % 3) * 0.01);

describe('blockKrylov', () => {
  it('finds known singular values to 1e-10 relative, with orthonormal vectors', async () => {
    const { op } = constructed(140, 120, sigmas);
    const k = 12;
    const res = await blockKrylov(op, { k, blockSize: 4, maxBasis: 48, tol: 1e-10, maxIter: 500, seed: 3 });
    const expected = [...sigmas].sort((x, y) => y - x).slice(0, k);
    res.sigma.forEach((s, i) => expect(Math.abs(s - expected[i]!) / expected[i]!).toBeLessThan(1e-10));
    for (let c = 0; c < k; c++) {
      let norm = 0;
      for (let j = 0; j < 120; j++) norm += res.vectors[j * k + c]! ** 2;
      expect(norm).toBeCloseTo(1, 10);
    }
    expect(res.restarts).toBeGreaterThan(0); // the thick restart really ran
  });

  it('gives bit-identical results for the same seed', async () => {
    const { op } = constructed(90, 70, sigmas.slice(0, 40));
    const options = { k: 6, blockSize: 4, maxBasis: 30, tol: 1e-9, maxIter: 300, seed: 9 };
    const a = await blockKrylov(op, options);
    const b = await blockKrylov(op, options);
    expect(Array.from(b.sigma)).toEqual(Array.from(a.sigma));
    expect(Array.from(b.vectors)).toEqual(Array.from(a.vectors));
  });

  it('solves a narrow side smaller than the basis densely in one product', async () => {
    const counting = denseOperator(constructed(30, 8, [5, 4, 3, 2, 1, 0.5]).a, 30, 8);
    const res = await blockKrylov(counting, { k: 3, blockSize: 4, maxBasis: 40, tol: 1e-10, maxIter: 10, seed: 1 });
    expect(counting.calls).toBe(1);
    res.sigma.forEach((s, i) => expect(s).toBeCloseTo([5, 4, 3][i]!, 12));
  });

  it('reports non-convergence with the residual and the options to change', async () => {
    const { op } = constructed(100, 90, sigmas);
    await expect(blockKrylov(op, { k: 10, blockSize: 4, maxBasis: 24, tol: 1e-14, maxIter: 1, seed: 1 })).rejects.toThrow(SvdConvergenceError);
    await expect(blockKrylov(op, { k: 10, blockSize: 4, maxBasis: 24, tol: 1e-14, maxIter: 1, seed: 1 })).rejects.toThrow(/maxIter/);
  });
});
