import { describe, expect, it } from 'vitest';
import { CgScratch, conjugateGradient } from '../../../../jobs/als/cg.ts';
import { addDiagonal, addOuter, packedSize, solveSpdPacked } from '../../../../jobs/als/cholesky.ts';

describe('conjugate gradient for an implicit ALS row', () => {
  const k = 8;
  const nItems = 30;
  const ys = Float32Array.from({ length: nItems * k }, (_, i) => Math.sin(i * 0.37) * 0.5);
  const gram = new Float64Array(packedSize(k));
  const y = new Float64Array(k);
  for (let i = 0; i < nItems; i++) { for (let d = 0; d < k; d++) y[d] = ys[i * k + d]; addOuter(gram, y, 1); }
  const pos = Int32Array.of(3, 7, 11, 20, 25);
  const r = [5, 1, 3, -1, 2];
  const alpha = 2;
  const w = Float64Array.from(r, (v) => alpha * Math.abs(v));
  const pref = Uint8Array.from(r, (v) => (v > 0 ? 1 : 0));
  const reg = 0.1 * pref.reduce((a, b) => a + b, 0);

  function exact(): Float64Array {
    const a = gram.slice();
    const b = new Float64Array(k);
    pos.forEach((p, j) => {
      for (let d = 0; d < k; d++) y[d] = ys[p * k + d];
      addOuter(a, y, w[j]);
      if (pref[j]) for (let d = 0; d < k; d++) b[d] += (1 + w[j]) * y[d];
    });
    addDiagonal(a, reg, k);
    expect(solveSpdPacked(a, b, k)).toBe(true);
    return b;
  }

  it('reaches the Cholesky solution after k steps from zero', () => {
    const x = new Float64Array(k);
    conjugateGradient({ gram, ys, pos, start: 0, end: pos.length, confidenceMinusOne: w, preference: pref, reg }, x, k, new CgScratch(k));
    const want = exact();
    for (let d = 0; d < k; d++) expect(x[d]).toBeCloseTo(want[d], 6);
  });

  it('a warm start near the solution stays there, and 3 steps reduce the error', () => {
    const want = exact();
    const x = Float64Array.from(want, (v) => v + 0.05);
    const before = Math.hypot(...x.map((v, d) => v - want[d]));
    conjugateGradient({ gram, ys, pos, start: 0, end: pos.length, confidenceMinusOne: w, preference: pref, reg }, x, 3, new CgScratch(k));
    const after = Math.hypot(...x.map((v, d) => v - want[d]));
    expect(after).toBeLessThan(before / 3);
  });
});
