// Small dense linear algebra on the driver for the Krylov solver: seeded random blocks, block
// Gram–Schmidt (twice: "twice is enough", Giraud et al.) against a basis, and sign fixing.
//
// A block is n × b row-major (x[j * b + c]); a basis is n × stride row-major whose first `s` columns
// are in use, so appending a column never moves the others.

import { Xoshiro128 } from '../../connectors/generate/prng.ts';

/**
 * n × b standard normal entries from `seed`. Entry (j, c) depends only on (seed, stream, j, c)'s
 * position in a fixed order, never on the cluster or partitioning.
 */
export function randomBlock(n: number, b: number, seed: number, stream: number): Float64Array {
  const rng = new Xoshiro128(seed, stream);
  const out = new Float64Array(n * b);
  for (let i = 0; i < out.length; i++) out[i] = rng.normal();
  return out;
}

/** Z ← (I − Q Qᵀ) Z for the first s columns of basis Q (n × stride), applied twice. */
export function orthogonalizeAgainst(z: Float64Array, b: number, q: Float64Array, stride: number, s: number): void {
  if (s === 0) return;
  const n = z.length / b;
  const c = new Float64Array(s * b);
  for (let pass = 0; pass < 2; pass++) {
    c.fill(0);
    for (let j = 0; j < n; j++) {
      const qj = j * stride;
      const zj = j * b;
      for (let i = 0; i < s; i++) {
        const qv = q[qj + i]!;
        if (qv === 0) continue;
        const ci = i * b;
        for (let col = 0; col < b; col++) c[ci + col] += qv * z[zj + col]!;
      }
    }
    for (let j = 0; j < n; j++) {
      const qj = j * stride;
      const zj = j * b;
      for (let i = 0; i < s; i++) {
        const qv = q[qj + i]!;
        if (qv === 0) continue;
        const ci = i * b;
        for (let col = 0; col < b; col++) z[zj + col] -= qv * c[ci + col]!;
      }
    }
  }
}

/**
 * Orthonormalizes the columns of Z in place (modified Gram–Schmidt, each column twice). A column
 * that is (numerically) in the span of the basis and the earlier columns is replaced by a fresh
 * random direction, orthogonalized the same way, so the block always keeps b columns.
 * Returns how many columns had to be replaced.
 */
export function orthonormalizeBlock(z: Float64Array, b: number, q: Float64Array, stride: number, s: number, seed: number, stream: number): number {
  const n = z.length / b;
  let replaced = 0;
  for (let col = 0; col < b; col++) {
    for (let attempt = 0; ; attempt++) {
      const before = columnNorm(z, b, col);
      for (let pass = 0; pass < 2; pass++) {
        for (let prev = 0; prev < col; prev++) {
          let dot = 0;
          for (let j = 0; j < n; j++) dot += z[j * b + prev]! * z[j * b + col]!;
          for (let j = 0; j < n; j++) z[j * b + col] -= dot * z[j * b + prev]!;
        }
      }
      const after = columnNorm(z, b, col);
      if (after > 1e-10 * Math.max(before, Number.MIN_VALUE) && after > 0) {
        for (let j = 0; j < n; j++) z[j * b + col] /= after;
        break;
      }
      if (attempt > 3) throw new Error(`svd: could not extend an orthonormal basis of ${s + col} vectors in dimension ${n}`);
      // Replace by a random direction orthogonal to the basis, then retry against earlier columns.
      replaced++;
      const fresh = randomBlock(n, 1, seed, stream * 1009 + col * 31 + attempt + 1);
      orthogonalizeAgainst(fresh, 1, q, stride, s);
      for (let j = 0; j < n; j++) z[j * b + col] = fresh[j]!;
    }
  }
  return replaced;
}

function columnNorm(z: Float64Array, b: number, col: number): number {
  let sum = 0;
  for (let i = col; i < z.length; i += b) sum += z[i]! * z[i]!;
  return Math.sqrt(sum);
}

/** Flips each column's sign so that its largest-magnitude entry (first one on ties) is positive. */
export function fixSigns(x: Float64Array, b: number): void {
  const n = x.length / b;
  for (let col = 0; col < b; col++) {
    let best = 0;
    for (let j = 0; j < n; j++) if (Math.abs(x[j * b + col]!) > Math.abs(best)) best = x[j * b + col]!;
    if (best < 0) for (let j = 0; j < n; j++) x[j * b + col] = -x[j * b + col]!;
  }
}
