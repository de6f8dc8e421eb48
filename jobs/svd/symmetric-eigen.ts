// Symmetric eigen-decomposition of a small dense matrix on the driver: Householder reduction to
// tridiagonal form, then the implicit QL algorithm with Wilkinson-style shifts (EISPACK tred2/tql2,
// as in JAMA). O(n³). It runs as WebAssembly (eigen-kernels.wat, same operations in the same
// order, so the same bits) when the runtime has it: compiled from the first call, where cold
// JavaScript runs interpreted, and ~3× faster than the JavaScript twin at n = 1200 (2.3 s, 7-8 s).
//
// Storage: an n × n matrix is a Float64Array in row-major order, a[i * n + j]. For a symmetric
// matrix row-major and column-major are the same array, so callers need not care.

import { SvdConvergenceError } from './errors.ts';
import { eigenInWasm, eigenOfSymmetricPartInWasm } from './eigen-wasm.ts';

/** Eigenvalues in DESCENDING order, and the matching unit eigenvectors as columns of `vectors`. */
export interface SymmetricEigen {
  values: Float64Array;
  /** n × n row-major; column j (vectors[i * n + j] over i) is the eigenvector of values[j]. */
  vectors: Float64Array;
}

/**
 * Eigenvalues and eigenvectors of the symmetric matrix `a` (n × n, row-major; only read, never
 * changed). Eigenvalues come out sorted from largest to smallest.
 *
 * @example
 *   // [[2, 1], [1, 2]] has eigenvalues 3 and 1, eigenvectors (1, 1)/√2 and (1, -1)/√2
 *   const { values, vectors } = symmetricEigen(Float64Array.of(2, 1, 1, 2), 2);
 *   values; // Float64Array [3, 1]
 */
export function symmetricEigen(a: Float64Array, n: number): SymmetricEigen {
  if (a.length !== n * n) throw new RangeError(`symmetricEigen: expected ${n}×${n} = ${n * n} values, got ${a.length}`);
  if (n === 0) return { values: new Float64Array(0), vectors: new Float64Array(0) };
  const work = eigenInWasm(a, n);
  if (!work) return symmetricEigenInJs(a, n);
  if (work.failedAt >= 0) throw notConverged(work.failedAt, n);
  return sortDescending(work.d, work.vt, n);
}

/**
 * symmetricEigen of the symmetric part of h's leading s × s block (h m × m, row-major, only read):
 * the matrix 0.5·(h[i·m + j] + h[j·m + i]), formed where the solve runs (WebAssembly when there is).
 *
 * @example
 *   // the Rayleigh–Ritz step of a basis of s vectors, H held in an m × m buffer
 *   const { values, vectors } = symmetricPartEigen(h, m, s);
 */
export function symmetricPartEigen(h: Float64Array, m: number, s: number): SymmetricEigen {
  if (h.length < m * m || s > m) throw new RangeError(`symmetricPartEigen: expected an ${m}×${m} buffer (${m * m} values, got ${h.length}) and s ≤ ${m}, got s = ${s}`);
  if (s === 0) return { values: new Float64Array(0), vectors: new Float64Array(0) };
  const work = eigenOfSymmetricPartInWasm(h, m, s);
  if (!work) return symmetricEigenInJs(symmetricPart(h, m, s), s);
  if (work.failedAt >= 0) throw notConverged(work.failedAt, s);
  return sortDescending(work.d, work.vt, s);
}

/** 0.5·(h[i·m + j] + h[j·m + i]) for i, j < s, row-major s × s (eigen-kernels.wat's symmetrize). */
export function symmetricPart(h: Float64Array, m: number, s: number): Float64Array {
  const hs = new Float64Array(s * s);
  for (let i = 0; i < s; i++) for (let j = 0; j < s; j++) hs[i * s + j] = 0.5 * (h[i * m + j]! + h[j * m + i]!);
  return hs;
}

/** symmetricEigen in JavaScript only: what runs without WebAssembly (the tests check both give the same bits). */
export function symmetricEigenInJs(a: Float64Array, n: number): SymmetricEigen {
  if (a.length !== n * n) throw new RangeError(`symmetricEigen: expected ${n}×${n} = ${n * n} values, got ${a.length}`);
  // V holds the matrix, then the accumulated transformations (tred2 works column-major on V[i][j] = v[i*n+j]).
  const v = Float64Array.from(a);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n === 0) return { values: d, vectors: v };
  tridiagonalize(v, d, e, n);
  // QL rotates pairs of eigenvector columns; on the transpose those are contiguous rows (5× faster).
  const vt = transpose(v, n);
  const failedAt = implicitQl(vt, d, e, n);
  if (failedAt >= 0) throw notConverged(failedAt, n);
  return sortDescending(d, vt, n);
}

function notConverged(l: number, n: number): SvdConvergenceError {
  return new SvdConvergenceError(`symmetricEigen: the QL iteration did not converge for eigenvalue ${l} of ${n} (NaN or infinite values in the Gram matrix?); check the ratings for NaN/∞`);
}

/** √(a² + b²) without overflow, in the very operations of eigen-kernels.wat's $hypot (so both give the same bits). */
function hypot(a: number, b: number): number {
  const x = Math.abs(a);
  const y = Math.abs(b);
  if (x > y) {
    const t = y / x;
    return x * Math.sqrt(1 + t * t);
  }
  if (y === 0) return 0;
  const t = x / y;
  return y * Math.sqrt(1 + t * t);
}

/** Householder reduction of v (symmetric) to tridiagonal form: d diagonal, e subdiagonal (e[0] = 0). */
function tridiagonalize(v: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) d[j] = v[(n - 1) * n + j]!;
  for (let i = n - 1; i > 0; i--) {
    // Scale to avoid under/overflow.
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]!);
    if (scale === 0) {
      e[i] = d[i - 1]!;
      for (let j = 0; j < i; j++) {
        d[j] = v[(i - 1) * n + j]!;
        v[i * n + j] = 0;
        v[j * n + i] = 0;
      }
    } else {
      // Generate the Householder vector.
      for (let k = 0; k < i; k++) {
        d[k] = d[k]! / scale;
        h += d[k]! * d[k]!;
      }
      let f = d[i - 1]!;
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      // Apply the similarity transformation to the remaining columns.
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        v[j * n + i] = f;
        g = e[j]! + v[j * n + j]! * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += v[k * n + j]! * d[k]!;
          e[k] = e[k]! + v[k * n + j]! * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] = e[j]! / h;
        f += e[j]! * d[j]!;
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] = e[j]! - hh * d[j]!;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        g = e[j]!;
        for (let k = j; k <= i - 1; k++) v[k * n + j] = v[k * n + j]! - (f * e[k]! + g * d[k]!);
        d[j] = v[(i - 1) * n + j]!;
        v[i * n + j] = 0;
      }
    }
    d[i] = h;
  }
  // Accumulate the transformations.
  for (let i = 0; i < n - 1; i++) {
    v[(n - 1) * n + i] = v[i * n + i]!;
    v[i * n + i] = 1;
    const h = d[i + 1]!;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = v[k * n + i + 1]! / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += v[k * n + i + 1]! * v[k * n + j]!;
        for (let k = 0; k <= i; k++) v[k * n + j] = v[k * n + j]! - g * d[k]!;
      }
    }
    for (let k = 0; k <= i; k++) v[k * n + i + 1] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = v[(n - 1) * n + j]!;
    v[(n - 1) * n + j] = 0;
  }
  v[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

function transpose(a: Float64Array, n: number): Float64Array {
  const t = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) t[j * n + i] = a[i * n + j]!;
  return t;
}

/**
 * Implicit QL iterations on the tridiagonal (d, e), accumulating rotations into the rows of vt:
 * -1, or the eigenvalue whose iteration did not converge.
 */
function implicitQl(vt: Float64Array, d: Float64Array, e: Float64Array, n: number): number {
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    // Find a small subdiagonal element.
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]!) <= eps * tst1) break;
      m++;
    }
    if (m === n) m = n - 1;
    // If m === l, d[l] is an eigenvalue; otherwise iterate.
    if (m > l) {
      let iterations = 0;
      do {
        if (++iterations > 60 * n + 100) return l;
        // Compute the implicit shift.
        let g = d[l]!;
        let p = (d[l + 1]! - g) / (2 * e[l]!);
        let r = hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l]! / (p + r);
        d[l + 1] = e[l]! * (p + r);
        const dl1 = d[l + 1]!;
        let h = g - d[l]!;
        for (let i = l + 2; i < n; i++) d[i] = d[i]! - h;
        f += h;
        // Implicit QL transformation.
        p = d[m]!;
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1]!;
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = hypot(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
          // Accumulate the transformation.
          const r0 = i * n;
          const r1 = r0 + n;
          for (let k = 0; k < n; k++) {
            h = vt[r1 + k]!;
            vt[r1 + k] = s * vt[r0 + k]! + c * h;
            vt[r0 + k] = c * vt[r0 + k]! - s * h;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]!) > eps * tst1);
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }
  return -1;
}

/** Sorts eigenpairs by value, largest first (stable on ties); `vt` holds the eigenvectors as rows. */
function sortDescending(d: Float64Array, vt: Float64Array, n: number): SymmetricEigen {
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => d[b]! - d[a]! || a - b);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const from = order[j]!;
    values[j] = d[from]!;
    for (let i = 0; i < n; i++) vectors[i * n + j] = vt[from * n + i]!;
  }
  return { values, vectors };
}
