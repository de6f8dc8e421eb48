// The 'lanczos' mode: thick-restarted BLOCK Lanczos on M = AᵀA (narrow side n), with full
// reorthogonalization, driven by one distributed pass per block: Y = Σ_r a_r (a_rᵀ X).
//
// Why block Lanczos rather than single-vector Golub–Kahan: a single-vector step needs two dependent
// distributed jobs (A·v, then Aᵀ·u) and touches every sparse entry for ONE vector; a block step is
// one job that streams each row's entries once for b vectors (b multiply-adds per load, so the
// memory traffic and the per-job latency are paid once per b vectors). Why not the randomized range
// finder: its power iterations keep only the last block, so values inside the noise bulk converge
// slowly and stop at ~1e-4 (scikit-learn's randomized_svd's third value is off in the fifth digit
// on the 20M set); keeping the whole Krylov basis with Rayleigh–Ritz and restarting on converging
// Ritz vectors gives ARPACK-level precision with the same products.
//
// Per iteration (one block of b vectors):
//   driver: Z ⟂ basis (block Gram–Schmidt, twice), orthonormalize         O(n·s·b)
//   executors: W = M Z, each partition's rows summed locally              O(nnz·b), n·b numbers back
//   driver: append Z to Q, new columns of H = Qᵀ M Q (H[:, new] = Qᵀ W)     O(n·s·b)
// The basis is column-major (dense-block.ts): every driver loop runs over contiguous n-long vectors.
// When the basis is full (s = maxBasis): eig(H) → Ritz pairs (θ, y). The Krylov relation
//   M Q = Q H + F E_lastᵀ,   F = W_last − Q Qᵀ W_last   (the last product's part outside the basis)
// gives every residual without touching n-long vectors: M Q y − θ Q y = F y_last (y_last = the last
// b entries of y), so ‖r‖² = y_lastᵀ (FᵀF) y_last (ARPACK's Ritz estimate). Stop when every
// requested pair has ‖r‖ ≤ tol · θ₁; otherwise thick restart: rotate the basis in place to the
// best `keep` Ritz vectors (Q ← Q Y[:, :keep]), H becomes diag(θ) — no pass needed, the coupling
// to the next block F·R⁻¹ is recomputed explicitly as Xᵀ M Z — and continue from F.

import { SvdConvergenceError } from './errors.ts';
import { symmetricEigen, symmetricPartEigen } from './symmetric-eigen.ts';
import { BlockBasis, SingleVectorBasis } from './dense-wasm.ts';
import { combineInto, dots, fixSigns, orthogonalizeAgainst, orthonormalizeBlock, randomBlock, toColumnMajor, toRowMajor } from './dense-block.ts';

/** Multiplies AᵀA (narrow side, n × n) with a dense n × b block, row-major in and out. */
export interface GramOperator {
  readonly n: number;
  /** x is only read (until the promise settles); the result is a new array, which the caller may change. */
  apply(x: Float64Array, b: number): Promise<Float64Array>;
}

export interface KrylovOptions {
  k: number;
  blockSize: number;
  /** Largest basis kept before a restart (≥ k + 2·blockSize, ≤ n). */
  maxBasis: number;
  /** Residual tolerance relative to the largest eigenvalue of AᵀA. */
  tol: number;
  /** Restarts allowed before SvdConvergenceError. */
  maxIter: number;
  seed: number;
  /** Told after each restart's Rayleigh–Ritz step (the first one too): its number, the largest relative residual, products so far. */
  onRestart?: (progress: { restart: number; residual: number; passes: number }) => void;
}

export interface NarrowSolution {
  /** Singular values, descending (σ = √θ). */
  sigma: Float64Array;
  /** n × k row-major: column c is the narrow-side singular vector of sigma[c]. */
  vectors: Float64Array;
  /** Block products (distributed passes) used. */
  passes: number;
  restarts: number;
  /** Largest relative residual ‖AᵀA v − σ² v‖ / σ₁² among the k pairs. */
  residual: number;
}

/**
 * Top-k eigenpairs of AᵀA from products only.
 *
 * @example
 *   const { sigma } = await blockKrylov(op, { k: 10, blockSize: 10, maxBasis: 40, tol: 1e-10, maxIter: 200, seed: 1 });
 */
export async function blockKrylov(op: GramOperator, options: KrylovOptions): Promise<NarrowSolution> {
  const { n } = op;
  const k = options.k;
  const b = options.blockSize;
  // Every block is a full b vectors (a truncated block would drop part of M·Z and break the Krylov
  // relation the thick restart relies on), so the basis holds a whole number of blocks.
  const m = Math.floor(Math.max(options.maxBasis, k + 2 * b) / b) * b;
  if (n <= m) return denseSolve(op, k);
  // The basis lives in WebAssembly memory, its Gram–Schmidt compiled (same bits as dense-block.ts):
  // scalar for a single vector, SIMD for blocks of 4·g vectors.
  const wasm = b === 1 ? SingleVectorBasis.create(n, m) : BlockBasis.create(n, m, b);
  const q = wasm ? wasm.q : new Float64Array(n * m);
  const orthogonalize = (z: Float64Array, s: number, known?: Float64Array): void => {
    if (wasm) wasm.orthogonalize(z, s, known);
    else orthogonalizeAgainst(z, b, q, s, n, known);
  };
  const h = new Float64Array(m * m);
  const hw = new Float64Array(m * b);
  let s = 0;
  let passes = 0;
  let z = randomBlock(n, b, options.seed, 0);
  // Qᵀ Z when it is known already: the last step's H column is Qᵀ W over the very basis and block
  // the next Gram–Schmidt starts from (the same dots() call, so the same bits), one pass saved.
  let known: Float64Array | undefined;
  for (let restart = 0; ; restart++) {
    // Expand the basis one block at a time until it is full.
    while (s + b <= m) {
      await yieldToEventLoop();
      if (wasm instanceof SingleVectorBasis) {
        // Both steps in one copy in and out of WebAssembly memory (the same bits).
        if (!wasm.orthonormalize(z, s, known)) orthonormalizeBlock(z, b, q, s, n, options.seed, passes + 1);
      } else {
        orthogonalize(z, s, known);
        orthonormalizeBlock(z, b, q, s, n, options.seed, passes + 1);
      }
      // n × 1 is the same array in either order: a single vector goes and comes back uncopied.
      const w = b === 1 ? await op.apply(z, 1) : toColumnMajor(await op.apply(toRowMajor(z, b, n), b), b, n);
      passes++;
      q.set(z, s * n);
      // H[i][s+c] = H[s+c][i] = q_i · (M z_c) for every i < s + b.
      if (wasm) wasm.dots(hw, s + b, w);
      else dots(hw, q, s + b, w, b, n, b);
      for (let i = 0; i < s + b; i++) {
        for (let c = 0; c < b; c++) {
          h[i * m + s + c] = hw[i * b + c]!;
          h[(s + c) * m + i] = hw[i * b + c]!;
        }
      }
      s += b;
      z = w;
      known = hw;
    }
    // Rayleigh–Ritz on the whole basis: eig of H's symmetric part (formed where the solve runs).
    await yieldToEventLoop();
    const { values, vectors } = symmetricPartEigen(h, m, s);
    // F = the last product outside the basis; its Gram gives each Ritz pair's residual norm.
    orthogonalize(z, s, known);
    known = undefined; // the basis is rotated below
    const f = new Float64Array(b * b);
    if (wasm instanceof SingleVectorBasis) f[0] = wasm.selfDot(z);
    else dots(f, z, b, z, b, n, b);
    const theta1 = Math.max(values[0]!, Number.MIN_VALUE);
    let residual = 0;
    for (let c = 0; c < k; c++) {
      let sum = 0;
      for (let r = 0; r < b; r++) {
        const yr = vectors[(s - b + r) * s + c]!;
        for (let t = 0; t < b; t++) sum += yr * f[r * b + t]! * vectors[(s - b + t) * s + c]!;
      }
      residual = Math.max(residual, Math.sqrt(Math.max(sum, 0)) / theta1);
    }
    options.onRestart?.({ restart, residual, passes });
    if (residual <= options.tol) {
      let out: Float64Array;
      if (wasm instanceof SingleVectorBasis) out = wasm.finalVectors(s, vectors, s, k);
      else {
        const x = new Float64Array(n * k);
        if (wasm) wasm.combine(x, s, vectors, s, k);
        else combineInto(x, q, s, vectors, s, k, n, 1);
        out = toRowMajor(x, k, n);
        fixSigns(out, k);
      }
      const sigma = Float64Array.from(values.subarray(0, k), (v) => Math.sqrt(Math.max(v, 0)));
      return { sigma, vectors: out, passes, restarts: restart, residual };
    }
    if (restart >= options.maxIter) {
      throw new SvdConvergenceError(
        `svd (lanczos): ${k} singular values did not converge in ${options.maxIter} restarts (${passes} block products): ` +
          `largest relative residual ${residual.toExponential(2)} > tol ${options.tol}; raise options.maxIter, loosen options.tol or use mode 'gramian'`,
      );
    }
    // Thick restart: Q[:, :keep] ← Q Y[:, :keep] (a rotation; the old basis is dropped), H = diag(θ).
    // Keeping half of the unwanted Ritz vectors as well (as ARPACK's nev + (ncv − nev)/2 does)
    // needs about as many products as keeping all but 2 blocks, with a third of the restarts.
    const keep = Math.max(k, Math.floor((k + s) / 2));
    await yieldToEventLoop();
    const x = new Float64Array(n * keep);
    if (wasm) wasm.combine(x, s, vectors, s, keep);
    else combineInto(x, q, s, vectors, s, keep, n, 1);
    q.fill(0);
    q.set(x, 0);
    h.fill(0);
    for (let c = 0; c < keep; c++) h[c * m + c] = values[c]!;
    s = keep;
  }
}

/** Longest stretch of driver work between two turns of the event loop. */
const YIELD_EVERY_MS = 20;
let lastYield = 0;

/**
 * Lets the driver's event loop read heartbeats between long dense steps (a blocked loop looks like
 * a lost executor), at most once per YIELD_EVERY_MS: a small matrix's steps take well under a
 * millisecond each on the driver, and a turn of the loop per step would cost more than the step.
 */
function yieldToEventLoop(): Promise<void> | undefined {
  const now = performance.now();
  if (now - lastYield < YIELD_EVERY_MS) return undefined;
  return new Promise((resolve) => setImmediate(() => {
    lastYield = performance.now();
    resolve();
  }));
}

function takeColumns(x: Float64Array, width: number, count: number): Float64Array {
  const n = x.length / width;
  const out = new Float64Array(n * count);
  for (let j = 0; j < n; j++) for (let c = 0; c < count; c++) out[j * count + c] = x[j * width + c]!;
  return out;
}

/** Small narrow side (n ≤ basis size): M = M·I in one pass of n columns, then a dense eigen-solve. */
async function denseSolve(op: GramOperator, k: number): Promise<NarrowSolution> {
  const n = op.n;
  const identity = new Float64Array(n * n);
  for (let j = 0; j < n; j++) identity[j * n + j] = 1;
  const g = await op.apply(identity, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) g[i * n + j] = g[j * n + i] = 0.5 * (g[i * n + j]! + g[j * n + i]!);
  const { values, vectors } = symmetricEigen(g, n);
  const out = takeColumns(vectors, n, k);
  fixSigns(out, k);
  const sigma = Float64Array.from(values.subarray(0, k), (v) => Math.sqrt(Math.max(v, 0)));
  return { sigma, vectors: out, passes: 1, restarts: 0, residual: 0 };
}
