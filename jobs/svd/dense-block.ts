// Small dense linear algebra on the driver for the Krylov solver: seeded random blocks, block
// Gram–Schmidt (twice: "twice is enough", Giraud et al.) against a basis, basis rotations, and
// sign fixing.
//
// Storage is COLUMN-MAJOR: a block of b vectors of length n is one Float64Array with vector c at
// [c·n, (c+1)·n), and a basis is the same with room for more vectors. Every inner loop then runs
// over contiguous n-long vectors, and the kernels below work on 4 × 4 tiles (4 basis vectors
// against 4 block vectors): each pass over j loads 8 numbers and does 16 multiply-adds, which is
// what makes plain JS reach ~1-2 GFLOP/s here instead of ~0.3 with b-long inner loops.
//
//   n = 3, block of b = 2 vectors (1,2,3) and (4,5,6):  [1, 2, 3, 4, 5, 6]

import { Xoshiro128 } from '../../engine/extend.ts';
import { SvdConvergenceError } from './errors.ts';

/**
 * n × b standard normal entries from `seed`, column-major. Entry (j, c) depends only on
 * (seed, stream, j, c), never on the cluster or partitioning.
 */
export function randomBlock(n: number, b: number, seed: number, stream: number): Float64Array {
  const rng = new Xoshiro128(seed, stream);
  const out = new Float64Array(n * b);
  for (let i = 0; i < out.length; i++) out[i] = rng.normal();
  return out;
}

/**
 * out[i·ldOut + c] = q_i · z_c for i < s, c < b (q_i the i-th vector of q, z_c of z; both n long).
 *
 * @example dots(c, q, 10, z, 4, n, 4) // c = Qᵀ Z, 10 × 4 row-major
 */
export function dots(out: Float64Array, q: Float64Array, s: number, z: Float64Array, b: number, n: number, ldOut: number): void {
  let i = 0;
  for (; i + 4 <= s; i += 4) {
    const q0 = i * n, q1 = q0 + n, q2 = q1 + n, q3 = q2 + n;
    let c = 0;
    for (; c + 4 <= b; c += 4) {
      const z0 = c * n, z1 = z0 + n, z2 = z1 + n, z3 = z2 + n;
      let a00 = 0, a01 = 0, a02 = 0, a03 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0;
      let a20 = 0, a21 = 0, a22 = 0, a23 = 0, a30 = 0, a31 = 0, a32 = 0, a33 = 0;
      for (let j = 0; j < n; j++) {
        const x0 = q[q0 + j]!, x1 = q[q1 + j]!, x2 = q[q2 + j]!, x3 = q[q3 + j]!;
        const y0 = z[z0 + j]!, y1 = z[z1 + j]!, y2 = z[z2 + j]!, y3 = z[z3 + j]!;
        a00 += x0 * y0; a01 += x0 * y1; a02 += x0 * y2; a03 += x0 * y3;
        a10 += x1 * y0; a11 += x1 * y1; a12 += x1 * y2; a13 += x1 * y3;
        a20 += x2 * y0; a21 += x2 * y1; a22 += x2 * y2; a23 += x2 * y3;
        a30 += x3 * y0; a31 += x3 * y1; a32 += x3 * y2; a33 += x3 * y3;
      }
      const o = i * ldOut + c;
      out[o] = a00; out[o + 1] = a01; out[o + 2] = a02; out[o + 3] = a03;
      out[o + ldOut] = a10; out[o + ldOut + 1] = a11; out[o + ldOut + 2] = a12; out[o + ldOut + 3] = a13;
      out[o + 2 * ldOut] = a20; out[o + 2 * ldOut + 1] = a21; out[o + 2 * ldOut + 2] = a22; out[o + 2 * ldOut + 3] = a23;
      out[o + 3 * ldOut] = a30; out[o + 3 * ldOut + 1] = a31; out[o + 3 * ldOut + 2] = a32; out[o + 3 * ldOut + 3] = a33;
    }
    // Remaining block vectors (all of them when b < 4, e.g. single-vector Lanczos): 4 × 1 tiles,
    // each sum in the same order as dot() gives.
    for (; c < b; c++) {
      const zc = c * n;
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
      for (let j = 0; j < n; j++) {
        const y = z[zc + j]!;
        a0 += q[q0 + j]! * y;
        a1 += q[q1 + j]! * y;
        a2 += q[q2 + j]! * y;
        a3 += q[q3 + j]! * y;
      }
      const o = i * ldOut + c;
      out[o] = a0; out[o + ldOut] = a1; out[o + 2 * ldOut] = a2; out[o + 3 * ldOut] = a3;
    }
  }
  for (; i < s; i++) for (let c = 0; c < b; c++) out[i * ldOut + c] = dot(q, i * n, z, c * n, n);
}

function dot(x: Float64Array, xo: number, y: Float64Array, yo: number, n: number): number {
  let sum = 0;
  for (let j = 0; j < n; j++) sum += x[xo + j]! * y[yo + j]!;
  return sum;
}

/**
 * out_c += alpha · Σ_{i<s} y[i·ldY + c] · q_i for c < cols: out (cols vectors) += alpha · Q·Y.
 *
 * @example combineInto(x, q, s, y, s, keep, n, 1) // X = Q·Y[:, :keep] when x starts at zero
 */
export function combineInto(out: Float64Array, q: Float64Array, s: number, y: Float64Array, ldY: number, cols: number, n: number, alpha: number): void {
  let c = 0;
  for (; c + 4 <= cols; c += 4) {
    const o0 = c * n, o1 = o0 + n, o2 = o1 + n, o3 = o2 + n;
    let i = 0;
    for (; i + 4 <= s; i += 4) {
      const q0 = i * n, q1 = q0 + n, q2 = q1 + n, q3 = q2 + n;
      const r0 = i * ldY + c, r1 = r0 + ldY, r2 = r1 + ldY, r3 = r2 + ldY;
      const b00 = alpha * y[r0]!, b01 = alpha * y[r0 + 1]!, b02 = alpha * y[r0 + 2]!, b03 = alpha * y[r0 + 3]!;
      const b10 = alpha * y[r1]!, b11 = alpha * y[r1 + 1]!, b12 = alpha * y[r1 + 2]!, b13 = alpha * y[r1 + 3]!;
      const b20 = alpha * y[r2]!, b21 = alpha * y[r2 + 1]!, b22 = alpha * y[r2 + 2]!, b23 = alpha * y[r2 + 3]!;
      const b30 = alpha * y[r3]!, b31 = alpha * y[r3 + 1]!, b32 = alpha * y[r3 + 2]!, b33 = alpha * y[r3 + 3]!;
      for (let j = 0; j < n; j++) {
        const x0 = q[q0 + j]!, x1 = q[q1 + j]!, x2 = q[q2 + j]!, x3 = q[q3 + j]!;
        out[o0 + j] += x0 * b00 + x1 * b10 + x2 * b20 + x3 * b30;
        out[o1 + j] += x0 * b01 + x1 * b11 + x2 * b21 + x3 * b31;
        out[o2 + j] += x0 * b02 + x1 * b12 + x2 * b22 + x3 * b32;
        out[o3 + j] += x0 * b03 + x1 * b13 + x2 * b23 + x3 * b33;
      }
    }
    for (; i < s; i++) for (let cc = c; cc < c + 4; cc++) axpy(out, cc * n, alpha * y[i * ldY + cc]!, q, i * n, n);
  }
  // Remaining output vectors (all of them when fewer than 4): 4 basis vectors per pass over out.
  for (; c < cols; c++) {
    const o = c * n;
    let i = 0;
    for (; i + 4 <= s; i += 4) {
      const q0 = i * n, q1 = q0 + n, q2 = q1 + n, q3 = q2 + n;
      const b0 = alpha * y[i * ldY + c]!, b1 = alpha * y[(i + 1) * ldY + c]!, b2 = alpha * y[(i + 2) * ldY + c]!, b3 = alpha * y[(i + 3) * ldY + c]!;
      for (let j = 0; j < n; j++) out[o + j] += q[q0 + j]! * b0 + q[q1 + j]! * b1 + q[q2 + j]! * b2 + q[q3 + j]! * b3;
    }
    for (; i < s; i++) axpy(out, o, alpha * y[i * ldY + c]!, q, i * n, n);
  }
}

function axpy(out: Float64Array, oo: number, a: number, x: Float64Array, xo: number, n: number): void {
  if (a === 0) return;
  for (let j = 0; j < n; j++) out[oo + j] += a * x[xo + j]!;
}

/**
 * Z ← (I − Q Qᵀ) Z for the first s vectors of basis Q, applied twice (block classical Gram–Schmidt).
 * `known`, when given, already holds the first pass's Qᵀ Z (s × b, row-major, as dots() forms it).
 */
export function orthogonalizeAgainst(z: Float64Array, b: number, q: Float64Array, s: number, n: number, known?: Float64Array): void {
  if (s === 0) return;
  const c = new Float64Array(s * b);
  for (let pass = 0; pass < 2; pass++) {
    if (pass === 0 && known) c.set(known.subarray(0, s * b));
    else dots(c, q, s, z, b, n, b);
    combineInto(z, q, s, c, b, b, n, -1);
  }
}

/**
 * Orthonormalizes the vectors of Z in place (modified Gram–Schmidt, each vector twice). A vector
 * that is (numerically) in the span of the basis and the earlier vectors is replaced by a fresh
 * random direction, orthogonalized the same way, so the block always keeps b vectors.
 * Returns how many vectors had to be replaced.
 */
export function orthonormalizeBlock(z: Float64Array, b: number, q: Float64Array, s: number, n: number, seed: number, stream: number): number {
  let replaced = 0;
  for (let col = 0; col < b; col++) {
    const co = col * n;
    for (let attempt = 0; ; attempt++) {
      const before = Math.sqrt(dot(z, co, z, co, n));
      for (let pass = 0; pass < 2; pass++) {
        for (let prev = 0; prev < col; prev++) axpy(z, co, -dot(z, prev * n, z, co, n), z, prev * n, n);
      }
      const after = Math.sqrt(dot(z, co, z, co, n));
      if (after > 1e-10 * Math.max(before, Number.MIN_VALUE) && after > 0) {
        const inv = 1 / after;
        for (let j = 0; j < n; j++) z[co + j] *= inv;
        break;
      }
      if (attempt > 3) {
        throw new SvdConvergenceError(
          `svd: could not extend an orthonormal basis of ${s + col} vectors in dimension ${n} (the matrix is numerically rank deficient); ask for fewer singular values (smaller k)`,
        );
      }
      // Replace by a random direction orthogonal to the basis, then retry against earlier vectors.
      replaced++;
      const fresh = randomBlock(n, 1, seed, stream * 1009 + col * 31 + attempt + 1);
      orthogonalizeAgainst(fresh, 1, q, s, n);
      z.set(fresh, co);
    }
  }
  return replaced;
}

/** Column-major n × b → row-major (x[j·b + c]), the layout the executors' kernels read. */
export function toRowMajor(z: Float64Array, b: number, n: number): Float64Array {
  const out = new Float64Array(n * b);
  for (let c = 0; c < b; c++) for (let j = 0, o = c * n; j < n; j++) out[j * b + c] = z[o + j]!;
  return out;
}

/** Row-major n × b → column-major. */
export function toColumnMajor(x: Float64Array, b: number, n: number): Float64Array {
  const out = new Float64Array(n * b);
  for (let c = 0; c < b; c++) for (let j = 0, o = c * n; j < n; j++) out[o + j] = x[j * b + c]!;
  return out;
}

/** Flips each column of a ROW-MAJOR n × b block so that its largest-magnitude entry (first one on ties) is positive. */
export function fixSigns(x: Float64Array, b: number): void {
  const n = x.length / b;
  for (let col = 0; col < b; col++) {
    let best = 0;
    for (let j = 0; j < n; j++) if (Math.abs(x[j * b + col]!) > Math.abs(best)) best = x[j * b + col]!;
    if (best < 0) for (let j = 0; j < n; j++) x[j * b + col] = -x[j * b + col]!;
  }
}
