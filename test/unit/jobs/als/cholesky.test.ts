import { describe, expect, it } from 'vitest';
import { addDiagonal, addOuter, choleskyPacked, choleskySolvePacked, packedSize, solveSpdPacked, symmetricPackedMultiply } from '../../../../jobs/als/cholesky.ts';

function randomSpd(n: number, seed: number): { packed: Float64Array; full: Float64Array } {
  let s = seed;
  const rnd = (): number => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648 - 0.5; };
  const packed = new Float64Array(packedSize(n));
  const y = new Float64Array(n);
  for (let t = 0; t < n + 5; t++) { for (let i = 0; i < n; i++) y[i] = rnd(); addOuter(packed, y, 1); }
  addDiagonal(packed, 0.1, n);
  const full = new Float64Array(n * n);
  for (let i = 0, at = 0; i < n; i++) for (let j = 0; j <= i; j++, at++) { full[i * n + j] = packed[at]; full[j * n + i] = packed[at]; }
  return { packed, full };
}

describe('packed Cholesky', () => {
  it('solves the 2×2 worked example exactly', () => {
    const a = Float64Array.of(4, 2, 5);
    expect(choleskyPacked(a, 2)).toBe(-1);
    expect(Array.from(a)).toEqual([2, 1, 2]);
    const b = Float64Array.of(6, 7);
    choleskySolvePacked(a, b, 2);
    expect(Array.from(b)).toEqual([1, 1]);
  });

  it('addOuter and addDiagonal fill the packed lower layout', () => {
    const a = new Float64Array(packedSize(3));
    addOuter(a, Float64Array.of(1, 2, 3), 2);
    addDiagonal(a, 10, 3);
    expect(Array.from(a)).toEqual([12, 4, 18, 6, 12, 28]);
  });

  for (const n of [1, 10, 64, 256]) {
    it(`recovers a known solution for n = ${n}`, () => {
      const { packed, full } = randomSpd(n, n);
      const x = Float64Array.from({ length: n }, (_, i) => Math.sin(i + 1));
      const b = new Float64Array(n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) b[i] += full[i * n + j] * x[j];
      const check = new Float64Array(n);
      symmetricPackedMultiply(packed, x, check, n);
      for (let i = 0; i < n; i++) expect(check[i]).toBeCloseTo(b[i], 9);
      expect(solveSpdPacked(packed, b, n)).toBe(true);
      for (let i = 0; i < n; i++) expect(b[i]).toBeCloseTo(x[i], 7);
    });
  }

  it('reports the first non-positive pivot of a singular matrix', () => {
    const a = new Float64Array(packedSize(3));
    addOuter(a, Float64Array.of(1, 1, 1), 1); // rank one
    expect(choleskyPacked(a, 3)).toBe(1);
    expect(solveSpdPacked(Float64Array.of(1, 2, 1), Float64Array.of(1, 1), 2)).toBe(false); // det < 0
  });
});
