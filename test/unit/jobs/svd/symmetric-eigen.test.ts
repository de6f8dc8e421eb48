import { describe, expect, it } from 'vitest';
import { symmetricEigen } from '../../../../jobs/svd/symmetric-eigen.ts';

function randomSymmetric(n: number, seed: number): Float64Array {
  let s = seed;
  const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647) - 0.5;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = rnd();
  return a;
}

describe('symmetricEigen', () => {
  it('solves a 2×2 matrix exactly', () => {
    const { values, vectors } = symmetricEigen(Float64Array.of(2, 1, 1, 2), 2);
    expect(values[0]).toBeCloseTo(3, 14);
    expect(values[1]).toBeCloseTo(1, 14);
    expect(Math.abs(vectors[0]!)).toBeCloseTo(Math.SQRT1_2, 14);
    expect(vectors[0]! * vectors[2]!).toBeGreaterThan(0); // (1, 1) direction for λ = 3
  });

  it.each([1, 3, 17, 80])('A·v = λ·v with orthonormal v and descending λ (n = %i)', (n) => {
    const a = randomSymmetric(n, 7 + n);
    const { values, vectors } = symmetricEigen(a, n);
    for (let j = 1; j < n; j++) expect(values[j]!).toBeLessThanOrEqual(values[j - 1]!);
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < n; i++) {
        let av = 0;
        for (let k = 0; k < n; k++) av += a[i * n + k]! * vectors[k * n + j]!;
        expect(Math.abs(av - values[j]! * vectors[i * n + j]!)).toBeLessThan(1e-12);
      }
      for (let l = 0; l < n; l++) {
        let dot = 0;
        for (let k = 0; k < n; k++) dot += vectors[k * n + j]! * vectors[k * n + l]!;
        expect(Math.abs(dot - (j === l ? 1 : 0))).toBeLessThan(1e-12);
      }
    }
  });

  it('keeps repeated and zero eigenvalues of a diagonal matrix', () => {
    const a = new Float64Array(16);
    [5, 0, 5, -1].forEach((v, i) => (a[i * 4 + i] = v));
    expect(Array.from(symmetricEigen(a, 4).values)).toEqual([5, 5, 0, -1]);
  });

  it('rejects a buffer of the wrong size', () => {
    expect(() => symmetricEigen(new Float64Array(5), 2)).toThrow(/2×2 = 4 values, got 5/);
  });
});
