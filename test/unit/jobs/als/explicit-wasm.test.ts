import { describe, expect, it } from 'vitest';
import { randomAlsRows, sameBits } from '../../../helpers/als-rows.ts';
import { ExplicitWasm, MAX_WASM_WIDTH } from '../../../../jobs/als/explicit-wasm.ts';
import { accumulateExplicitGeneric, explicitAccumulator } from '../../../../jobs/als/explicit-kernel.ts';


describe('explicit normal equations: wasm SIMD, unrolled JS and the reference loop agree bit for bit', () => {
  it('every width up to MAX_WASM_WIDTH, with and without a bias offset, rows of 0 to 300 ratings', () => {
    for (let m = 1; m <= MAX_WASM_WIDTH; m++) {
      for (const biased of [false, true]) {
        const width = biased ? m + 1 : m;
        const features = Int32Array.from({ length: m }, (_, i) => i);
        const offset = biased ? m : -1;
        const { ys, pos, r } = randomAlsRows(width, 40, 700, 7 * m + (biased ? 1 : 0));
        const wasm = ExplicitWasm.create(ys, width, features, offset, pos, r);
        expect(wasm).not.toBeNull();
        const js = explicitAccumulator(width, features, offset);
        const size = (m * (m + 1)) / 2;
        for (const [s, e] of [[0, 0], [0, 1], [1, 300], [300, 700]]) {
          const a1 = new Float64Array(size); const b1 = new Float64Array(m);
          const a2 = new Float64Array(size); const b2 = new Float64Array(m);
          const a3 = new Float64Array(size); const b3 = new Float64Array(m);
          wasm!.accumulate(a1, b1, s, e, 3.25);
          js(a2, b2, ys, pos, r, s, e, 3.25);
          accumulateExplicitGeneric(a3, b3, ys, pos, r, s, e, width, features, offset, 3.25);
          expect(sameBits(a1, a3) && sameBits(b1, b3)).toBe(true);
          expect(sameBits(a2, a3) && sameBits(b2, b3)).toBe(true);
        }
      }
    }
  });

  it('feature components need not be contiguous (item side with biases: [y, 1, b])', () => {
    const k = 5;
    const width = k + 2;
    const features = Int32Array.from([0, 1, 2, 3, 4, k + 1]);
    const { ys, pos, r } = randomAlsRows(width, 30, 200, 99);
    const wasm = ExplicitWasm.create(ys, width, features, k, pos, r)!;
    const size = (6 * 7) / 2;
    const a1 = new Float64Array(size); const b1 = new Float64Array(6);
    const a2 = new Float64Array(size); const b2 = new Float64Array(6);
    wasm.accumulate(a1, b1, 0, 200, 0.5);
    accumulateExplicitGeneric(a2, b2, ys, pos, r, 0, 200, width, features, k, 0.5);
    expect(sameBits(a1, a2) && sameBits(b1, b2)).toBe(true);
    expect(a1[0]).toBeGreaterThan(0);
  });

  it('widths above MAX_WASM_WIDTH fall back to the JavaScript kernel', () => {
    const m = MAX_WASM_WIDTH + 1;
    const { ys, pos, r } = randomAlsRows(m, 4, 10, 1);
    expect(ExplicitWasm.create(ys, m, Int32Array.from({ length: m }, (_, i) => i), -1, pos, r)).toBeNull();
  });
});
