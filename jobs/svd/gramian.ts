// The 'gramian' mode: form G = AᵀA of the NARROW side (n × n) in one distributed pass, each
// partition summing Σ_r a_r a_rᵀ over its rows, the partials added in partition order on the
// driver; then a local symmetric eigen-decomposition G = V Λ Vᵀ gives σ = √λ and V.
// Cost: Σ_r nnz_r² multiply-adds on the executors, n² numbers back per partition, O(n³) on the
// driver (about 2 s at n = 1000, a few minutes at the limit n = 4096), so it is for narrow sides only.

import { symmetricEigen } from './symmetric-eigen.ts';
import { fixSigns } from './dense-block.ts';
import type { NarrowSolution } from './block-krylov.ts';

/** Widest narrow side the Gramian mode accepts (G has n² entries; the eigen-solve is O(n³)). */
export const MAX_GRAMIAN_SIDE = 4096;

/**
 * Top-k singular values and narrow-side vectors from the lower triangle of G = AᵀA (n × n).
 *
 * @example
 *   const { sigma, vectors } = solveGramian(await distributedGram(), n, 10);
 */
export function solveGramian(lower: Float64Array, n: number, k: number): NarrowSolution {
  const g = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      g[i * n + j] = lower[i * n + j]!;
      g[j * n + i] = lower[i * n + j]!;
    }
  }
  const { values, vectors } = symmetricEigen(g, n);
  const out = new Float64Array(n * k);
  for (let j = 0; j < n; j++) for (let c = 0; c < k; c++) out[j * k + c] = vectors[j * n + c]!;
  fixSigns(out, k);
  const sigma = Float64Array.from(values.subarray(0, k), (v) => Math.sqrt(Math.max(v, 0)));
  return { sigma, vectors: out, passes: 1, restarts: 0, residual: 0 };
}
