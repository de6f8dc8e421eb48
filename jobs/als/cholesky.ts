// Cholesky factorization and solve of a symmetric positive definite matrix stored PACKED LOWER
// by rows (LAPACK's 'L' packed layout read row-wise), the form ALS accumulates normal equations in.
//
// Worked example, n = 3: the matrix           is stored as
//   | a00 a01 a02 |                           [a00, a10, a11, a20, a21, a22]
//   | a10 a11 a12 |   (symmetric: a01 = a10)   row i starts at i(i+1)/2, holds columns 0..i
//   | a20 a21 a22 |
// Accumulating a rank-one update y·yᵀ touches n(n+1)/2 entries instead of n², and the rows of the
// factor L are contiguous, so the inner loops below are unit-stride dot products.

/** Size of the packed lower triangle of an n×n matrix. */
export function packedSize(n: number): number {
  return (n * (n + 1)) / 2;
}

/**
 * Adds `w · y·yᵀ` to the packed lower matrix `a` (n = y.length, or `n` if given).
 *
 * @example
 *   const a = new Float64Array(packedSize(2)); addOuter(a, Float64Array.of(1, 2), 1); // [1, 2, 4]
 */
export function addOuter(a: Float64Array, y: Float64Array, w: number, n = y.length): void {
  let at = 0;
  for (let i = 0; i < n; i++) {
    const wi = w * y[i];
    for (let j = 0; j <= i; j++) a[at + j] += wi * y[j];
    at += i + 1;
  }
}

/** Adds `d` to the diagonal of the packed lower matrix `a` (n×n). */
export function addDiagonal(a: Float64Array, d: number, n: number): void {
  for (let i = 0, at = 0; i < n; i++, at += i) a[at + i] += d;
}

/**
 * In-place Cholesky factorization A = L·Lᵀ of the packed lower matrix `a` (n×n). Returns the
 * index of the first non-positive pivot, or -1 when A is positive definite (then `a` holds L).
 *
 * @example
 *   const a = Float64Array.of(4, 2, 5); // [[4, 2], [2, 5]]
 *   choleskyPacked(a, 2); // -1, a = [2, 1, 2]
 */
export function choleskyPacked(a: Float64Array, n: number): number {
  for (let i = 0, ii = 0; i < n; i++, ii += i) {
    for (let j = 0, jj = 0; j <= i; j++, jj += j) {
      let s = a[ii + j];
      for (let k = 0; k < j; k++) s -= a[ii + k] * a[jj + k];
      if (i === j) {
        if (!(s > 0)) return i;
        a[ii + i] = Math.sqrt(s);
      } else {
        a[ii + j] = s / a[jj + j];
      }
    }
  }
  return -1;
}

/**
 * Solves L·Lᵀ·x = b in place (b becomes x), with `l` the packed factor from choleskyPacked.
 *
 * @example
 *   const a = Float64Array.of(4, 2, 5); choleskyPacked(a, 2);
 *   const b = Float64Array.of(6, 7); choleskySolvePacked(a, b, 2); // b = [1, 1]
 */
export function choleskySolvePacked(l: Float64Array, b: Float64Array, n: number): void {
  // forward: L z = b
  for (let i = 0, ii = 0; i < n; i++, ii += i) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[ii + k] * b[k];
    b[i] = s / l[ii + i];
  }
  // backward: Lᵀ x = z (column i of Lᵀ is row i of L)
  for (let i = n - 1; i >= 0; i--) {
    const ii = (i * (i + 1)) / 2;
    const xi = b[i] / l[ii + i];
    b[i] = xi;
    for (let k = 0; k < i; k++) b[k] -= l[ii + k] * xi;
  }
}

/**
 * Solves A·x = b for the packed lower SPD matrix `a` (destroyed) into `b`. Returns false when A is
 * not positive definite (for example regParam 0 and fewer ratings than the rank).
 */
export function solveSpdPacked(a: Float64Array, b: Float64Array, n: number): boolean {
  if (choleskyPacked(a, n) >= 0) return false;
  choleskySolvePacked(a, b, n);
  return true;
}

/** y = A·x for the packed lower symmetric matrix `a` (n×n). */
export function symmetricPackedMultiply(a: Float64Array, x: Float64Array, y: Float64Array, n: number): void {
  y.fill(0, 0, n);
  for (let i = 0, ii = 0; i < n; i++, ii += i) {
    let s = 0;
    const xi = x[i];
    for (let j = 0; j < i; j++) {
      const aij = a[ii + j];
      s += aij * x[j];
      y[j] += aij * xi;
    }
    y[i] += s + a[ii + i] * xi;
  }
}
