import { describe, expect, it } from 'vitest';
import { randomAlsRows, sameBits } from '../../../helpers/als-rows.ts';
import { ExplicitBlocked } from '../../../../jobs/als/explicit-blocked.ts';
import { accumulateExplicitGeneric } from '../../../../jobs/als/explicit-kernel.ts';
import { addDiagonal, solveSpdPacked } from '../../../../jobs/als/cholesky.ts';
import { solveRows } from '../../../../jobs/als/row-solvers.ts';
import type { AlsPlan } from '../../../../jobs/als/options.ts';
import type { InBlock } from '../../../../jobs/als/in-blocks.ts';


/** The normal equations summed in the opposite order (descending j), for a check that is not bit-for-bit. */
function reversed(ys: Float32Array, pos: Int32Array, r: Float32Array, s: number, e: number, width: number, features: Int32Array, offset: number, mean: number) {
  const m = features.length;
  const a = new Float64Array((m * (m + 1)) / 2); const b = new Float64Array(m);
  for (let j = e - 1; j >= s; j--) {
    const o = pos[j] * width;
    const t = r[j] - mean - (offset >= 0 ? ys[o + offset] : 0);
    for (let i = 0, at = 0; i < m; at += ++i) {
      b[i] += t * ys[o + features[i]];
      for (let q = 0; q <= i; q++) a[at + q] += ys[o + features[i]] * ys[o + features[q]];
    }
  }
  return { a, b };
}

describe('explicit normal equations at high rank: gathered blocks on syrk register tiles', () => {
  it('ranks 17 to 200 (any padding), with and without a bias offset, rows spanning several chunks: the reference loop\'s bits', () => {
    for (const m of [17, 18, 19, 20, 50, 101, 200]) {
      for (const biased of [false, true]) {
        const width = biased ? m + 2 : m;
        // item side with biases: features [y, b_u slot], offset the item's own bias slot (not contiguous)
        const features = Int32Array.from({ length: m }, (_, i) => (biased && i === m - 1 ? m + 1 : i));
        const offset = biased ? m - 1 + 0 : -1;
        const { ys, pos, r } = randomAlsRows(width, 60, 900, 13 * m + (biased ? 1 : 0));
        const blocked = ExplicitBlocked.create(ys, width, features, offset);
        expect(blocked).not.toBeNull();
        const size = (m * (m + 1)) / 2;
        for (const [s, e] of [[0, 0], [0, 1], [1, 300], [300, 900]]) {
          const a1 = new Float64Array(size).fill(7); const b1 = new Float64Array(m).fill(7);
          const a2 = new Float64Array(size); const b2 = new Float64Array(m);
          blocked!.accumulate(a1, b1, pos, r, s, e, 3.25);
          accumulateExplicitGeneric(a2, b2, ys, pos, r, s, e, width, features, offset, 3.25);
          expect(sameBits(a1, a2) && sameBits(b1, b2), `m ${m} biased ${biased} [${s}, ${e})`).toBe(true);
          const ref = reversed(ys, pos, r, s, e, width, features, offset, 3.25);
          const scale = Math.max(1e-300, ...Array.from(ref.a, Math.abs), ...Array.from(ref.b, Math.abs));
          let worst = 0;
          for (let k = 0; k < size; k++) worst = Math.max(worst, Math.abs(a1[k] - ref.a[k]) / scale);
          for (let k = 0; k < m; k++) worst = Math.max(worst, Math.abs(b1[k] - ref.b[k]) / scale);
          expect(worst).toBeLessThan(1e-9);
          if (e - s > 0) expect(a1[0]).toBeGreaterThan(0);
        }
      }
    }
  });

  it('solve (wasm Cholesky on the square) matches the packed Cholesky to 1e-9 and refuses a singular system', () => {
    for (const m of [17, 50, 51, 100, 200]) {
      const width = m;
      const features = Int32Array.from({ length: m }, (_, i) => i);
      const { ys, pos, r } = randomAlsRows(width, 3 * m, 4 * m, 5 * m);
      const blocked = ExplicitBlocked.create(ys, width, features, -1)!;
      const a = new Float64Array((m * (m + 1)) / 2); const b = new Float64Array(m);
      accumulateExplicitGeneric(a, b, ys, pos, r, 0, 4 * m, width, features, -1, 0.5);
      addDiagonal(a, 0.01 * 4 * m, m);
      expect(solveSpdPacked(a, b, m)).toBe(true);
      const x = new Float64Array(m);
      expect(blocked.solve(pos, r, 0, 4 * m, 0.5, 0.01 * 4 * m, x)).toBe(true);
      const scale = Math.max(...Array.from(b, Math.abs));
      let worst = 0;
      for (let k = 0; k < m; k++) worst = Math.max(worst, Math.abs(x[k] - b[k]) / scale);
      expect(worst).toBeLessThan(1e-9);
      // fewer ratings than the rank and no regularization: not positive definite
      expect(blocked.solve(pos, r, 0, m - 3, 0.5, 0, x)).toBe(false);
    }
  });

  it('solveRows at rank 50 (with and without biases, and nonnegative): the blocked kernels agree with the JavaScript loops to a Float32 rounding', () => {
    for (const [biases, nonnegative] of [[false, false], [true, false], [false, true]]) {
      const rank = 50;
      const width = biases ? rank + 2 : rank;
      const { ys, pos, r } = randomAlsRows(width, 120, 3000, 3);
      const rowPtr = Int32Array.from({ length: 21 }, (_, u) => u * 150);
      const ib = { rowPtr, pos, r } as unknown as InBlock;
      const plan = { rank, width, implicit: false, alpha: 1, regParam: 0.1, nonnegative, cholesky: false, cgSteps: 3, biases, mean: biases ? 2.5 : 0, regExponent: 1 } as unknown as AlsPlan;
      const prev = new Float32Array(20 * width);
      const wasm = solveRows(plan, 'user', 0, ib, ys, prev, null, 'wasm');
      const js = solveRows(plan, 'user', 0, ib, ys, prev, null, 'js');
      let worst = 0; let size = 0;
      for (let k = 0; k < js.length; k++) { worst = Math.max(worst, Math.abs(wasm[k] - js[k])); size = Math.max(size, Math.abs(js[k])); }
      expect(size).toBeGreaterThan(0);
      expect(worst / size).toBeLessThan(1e-6); // Float32 factors: a rounding apart at most
    }
  });
});
