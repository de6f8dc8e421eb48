// Non-negative least squares on normal equations (Lawson–Hanson active set): minimize
// ½·xᵀAx − bᵀx subject to x ≥ 0, for a symmetric positive definite A given packed lower (as the
// ALS normal equations are). Used per row when `nonnegative: true`.
//
// Each outer step frees the variable with the largest gradient w = b − A·x; the inner loop solves
// the unconstrained system on the free set and steps back toward feasibility when a free
// variable would go negative. Small k (the rank), so sub-systems are re-factored from scratch.

import { packedSize, solveSpdPacked } from './cholesky.ts';

/**
 * Writes the NNLS solution into `x` (length n). `a` is the packed lower matrix (not modified).
 * Returns false when a free sub-system is not positive definite.
 *
 * @example
 *   // A = I, b = [1, −2] → x = [1, 0]
 *   nnlsPacked(Float64Array.of(1, 0, 1), Float64Array.of(1, -2), x, 2);
 */
export function nnlsPacked(a: Float64Array, b: Float64Array, x: Float64Array, n: number): boolean {
  const full = new Float64Array(n * n);
  for (let i = 0, at = 0; i < n; i++) for (let j = 0; j <= i; j++, at++) { full[i * n + j] = a[at]; full[j * n + i] = a[at]; }
  const free = new Uint8Array(n);
  const w = new Float64Array(n);
  const z = new Float64Array(n);
  const sub = new Float64Array(packedSize(n));
  const rhs = new Float64Array(n);
  const idx = new Int32Array(n);
  x.fill(0, 0, n);
  const tol = 1e-12 * (1 + maxAbs(b, n));
  for (let outer = 0; outer < 3 * n + 3; outer++) {
    gradient(full, b, x, w, n);
    let best = -1;
    let bestW = tol;
    for (let j = 0; j < n; j++) if (!free[j] && w[j] > bestW) { bestW = w[j]; best = j; }
    if (best < 0) return true;
    free[best] = 1;
    for (let inner = 0; inner < 3 * n + 3; inner++) {
      // solve A_FF z_F = b_F
      let m = 0;
      for (let j = 0; j < n; j++) if (free[j]) idx[m++] = j;
      for (let r = 0, at = 0; r < m; r++) {
        rhs[r] = b[idx[r]];
        for (let c = 0; c <= r; c++, at++) sub[at] = full[idx[r] * n + idx[c]];
      }
      if (!solveSpdPacked(sub, rhs, m)) return false;
      z.fill(0, 0, n);
      let feasible = true;
      for (let r = 0; r < m; r++) { z[idx[r]] = rhs[r]; if (rhs[r] <= 0) feasible = false; }
      if (feasible) { x.set(z.subarray(0, n)); break; }
      let alpha = Infinity;
      for (let r = 0; r < m; r++) {
        const j = idx[r];
        if (z[j] <= 0) alpha = Math.min(alpha, x[j] / (x[j] - z[j]));
      }
      for (let j = 0; j < n; j++) {
        if (!free[j]) continue;
        x[j] += alpha * (z[j] - x[j]);
        if (x[j] <= 1e-15) { x[j] = 0; free[j] = 0; }
      }
    }
  }
  return true;
}

function gradient(full: Float64Array, b: Float64Array, x: Float64Array, w: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let j = 0; j < n; j++) s -= full[i * n + j] * x[j];
    w[i] = s;
  }
}

function maxAbs(v: Float64Array, n: number): number {
  let m = 0;
  for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(v[i]));
  return m;
}
