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
//   executors: W = M Z, each partition's rows summed locally              O(nnz·b), n·b numbers back per partition
//   driver: append Z to Q and W to MQ, new columns of H = Qᵀ M Q            O(n·s·b)
// When the basis is full (s = maxBasis): eig(H) → Ritz pairs (θ, Q·y); residual ‖MQ·y − θ Q·y‖;
// stop when every requested pair has residual ≤ tol · θ₁; otherwise keep the best Ritz vectors
// (thick restart: H becomes diag(θ), no pass needed) and continue from the part of the last W
// outside the old basis.

import { SvdConvergenceError } from './errors.ts';
import { symmetricEigen } from './symmetric-eigen.ts';
import { fixSigns, orthogonalizeAgainst, orthonormalizeBlock, randomBlock } from './dense-block.ts';

/** Multiplies AᵀA (narrow side, n × n) with a dense n × b block, row-major in and out. */
export interface GramOperator {
  readonly n: number;
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
  // Every block is a full b columns (a truncated block would drop part of M·Z and break the Krylov
  // relation the thick restart relies on), so the basis holds a whole number of blocks.
  const m = Math.floor(Math.max(options.maxBasis, k + 2 * b) / b) * b;
  if (n <= m) return denseSolve(op, k);
  const q = new Float64Array(n * m);
  const mq = new Float64Array(n * m);
  const h = new Float64Array(m * m);
  let s = 0;
  let passes = 0;
  let z = randomBlock(n, b, options.seed, 0);
  for (let restart = 0; ; restart++) {
    // Expand the basis one block at a time until it is full.
    while (s + b <= m) {
      await yieldToEventLoop();
      orthogonalizeAgainst(z, b, q, m, s);
      orthonormalizeBlock(z, b, q, m, s, options.seed, passes + 1);
      const w = await op.apply(z, b);
      passes++;
      appendColumns(q, m, s, z, b);
      appendColumns(mq, m, s, w, b);
      updateProjection(h, m, q, mq, s, b, n);
      s += b;
      z = w;
    }
    // Rayleigh–Ritz on the whole basis.
    const hs = new Float64Array(s * s);
    for (let i = 0; i < s; i++) for (let j = 0; j < s; j++) hs[i * s + j] = 0.5 * (h[i * m + j]! + h[j * m + i]!);
    await yieldToEventLoop();
    const { values, vectors } = symmetricEigen(hs, s);
    const keep = Math.max(k, s - 2 * b);
    await yieldToEventLoop();
    const x = combine(q, m, s, vectors, keep, n);
    await yieldToEventLoop();
    const mx = combine(mq, m, s, vectors, keep, n);
    await yieldToEventLoop();
    const theta1 = Math.max(values[0]!, Number.MIN_VALUE);
    let residual = 0;
    for (let c = 0; c < k; c++) {
      let sum = 0;
      for (let j = 0; j < n; j++) {
        const r = mx[j * keep + c]! - values[c]! * x[j * keep + c]!;
        sum += r * r;
      }
      residual = Math.max(residual, Math.sqrt(sum) / theta1);
    }
    if (residual <= options.tol) {
      const out = takeColumns(x, keep, k);
      fixSigns(out, k);
      const sigma = Float64Array.from(values.subarray(0, k), (v) => Math.sqrt(Math.max(v, 0)));
      return { sigma, vectors: out, passes, restarts: restart, residual };
    }
    if (restart >= options.maxIter) {
      throw new SvdConvergenceError(
        `svd (lanczos): ${k} singular values did not converge in ${options.maxIter} restarts (${passes} block products): ` +
          `largest relative residual ${residual.toExponential(2)} > tol ${options.tol}; raise options.maxIter, loosen options.tol or use mode 'gramian'`,
      );
    }
    // The next block: the last product's part outside the OLD basis (rank ≤ b), then thick restart.
    orthogonalizeAgainst(z, b, q, m, s);
    q.fill(0);
    mq.fill(0);
    h.fill(0);
    for (let j = 0; j < n; j++) {
      for (let c = 0; c < keep; c++) {
        q[j * m + c] = x[j * keep + c]!;
        mq[j * m + c] = mx[j * keep + c]!;
      }
    }
    for (let c = 0; c < keep; c++) h[c * m + c] = values[c]!;
    s = keep;
  }
}

/** Lets the driver's event loop read heartbeats between long dense steps (a blocked loop looks like a lost executor). */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
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

function appendColumns(basis: Float64Array, stride: number, s: number, block: Float64Array, width: number): void {
  const n = block.length / width;
  for (let j = 0; j < n; j++) for (let c = 0; c < width; c++) basis[j * stride + s + c] = block[j * width + c]!;
}

/** H[i][s+c] = H[s+c][i] = qᵢ · (M q_{s+c}) for every i < s + width. */
function updateProjection(h: Float64Array, m: number, q: Float64Array, mq: Float64Array, s: number, width: number, n: number): void {
  const cols = s + width;
  const acc = new Float64Array(cols * width);
  for (let j = 0; j < n; j++) {
    const row = j * m;
    for (let i = 0; i < cols; i++) {
      const qv = q[row + i]!;
      if (qv === 0) continue;
      for (let c = 0; c < width; c++) acc[i * width + c] += qv * mq[row + s + c]!;
    }
  }
  for (let i = 0; i < cols; i++) {
    for (let c = 0; c < width; c++) {
      h[i * m + s + c] = acc[i * width + c]!;
      h[(s + c) * m + i] = acc[i * width + c]!;
    }
  }
}

/** basis[:, :s] · Y[:, :count] (n × count), Y being s × s row-major. */
function combine(basis: Float64Array, stride: number, s: number, y: Float64Array, count: number, n: number): Float64Array {
  const out = new Float64Array(n * count);
  for (let j = 0; j < n; j++) {
    const row = j * stride;
    const o = j * count;
    for (let i = 0; i < s; i++) {
      const v = basis[row + i]!;
      if (v === 0) continue;
      const yi = i * s;
      for (let c = 0; c < count; c++) out[o + c] += v * y[yi + c]!;
    }
  }
  return out;
}
