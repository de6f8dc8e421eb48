import { describe, expect, it } from 'vitest';
import { ImplicitCg } from '../../../../jobs/als/cg.ts';
import { addDiagonal, addOuter, packedSize, solveSpdPacked } from '../../../../jobs/als/cholesky.ts';
import { wasmSimdAvailable } from '../../../../jobs/als/wasm-kernels.ts';

/** An implicit-ALS block: nItems factors (width k), rows of ratings, YᵀY. */
function block(k: number, nItems: number, seed: number): { ys: Float32Array; gram: Float64Array; pos: Int32Array; r: Float32Array; rowPtr: number[] } {
  let s = seed;
  const rnd = (): number => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648; };
  const ys = Float32Array.from({ length: nItems * k }, () => rnd() - 0.5);
  const gram = new Float64Array(packedSize(k));
  const y = new Float64Array(k);
  for (let i = 0; i < nItems; i++) { for (let d = 0; d < k; d++) y[d] = ys[i * k + d]; addOuter(gram, y, 1); }
  const pos: number[] = [];
  const r: number[] = [];
  const rowPtr = [0];
  for (let u = 0; u < 40; u++) {
    const n = u === 7 ? 0 : Math.floor(rnd() * 12);
    for (let t = 0; t < n; t++) { pos.push(Math.floor(rnd() * nItems)); r.push(Math.round(rnd() * 10) - 2); }
    rowPtr.push(pos.length);
  }
  return { ys, gram, pos: Int32Array.from(pos), r: Float32Array.from(r), rowPtr };
}

describe('conjugate gradient for implicit ALS rows', () => {
  const k = 8;
  const b = block(k, 30, 3);
  const alpha = 2;
  const row = 1;
  const [s, e] = [b.rowPtr[row], b.rowPtr[row + 1]];
  const reg = 0.1 * Array.from(b.r.subarray(s, e)).filter((v) => v > 0).length;

  function exact(): Float64Array {
    const a = b.gram.slice();
    const rhs = new Float64Array(k);
    const y = new Float64Array(k);
    for (let j = s; j < e; j++) {
      for (let d = 0; d < k; d++) y[d] = b.ys[b.pos[j] * k + d];
      const w = alpha * Math.abs(b.r[j]);
      addOuter(a, y, w);
      if (b.r[j] > 0) for (let d = 0; d < k; d++) rhs[d] += (1 + w) * y[d];
    }
    addDiagonal(a, reg, k);
    expect(solveSpdPacked(a, rhs, k)).toBe(true);
    return rhs;
  }

  for (const kind of ['wasm', 'js'] as const) {
    it(`reaches the Cholesky solution after k steps from zero (${kind})`, () => {
      const x = new Float64Array(k);
      new ImplicitCg({ k, gram: b.gram, ys: b.ys, width: k, pos: b.pos, r: b.r, alpha }, kind).solveRow(s, e, reg, x, k);
      const want = exact();
      for (let d = 0; d < k; d++) expect(x[d]).toBeCloseTo(want[d], 6);
    });

    it(`a warm start near the solution stays there, and 3 steps reduce the error (${kind})`, () => {
      const want = exact();
      const x = Float64Array.from(want, (v) => v + 0.05);
      const before = Math.hypot(...x.map((v, d) => v - want[d]));
      new ImplicitCg({ k, gram: b.gram, ys: b.ys, width: k, pos: b.pos, r: b.r, alpha }, kind).solveRow(s, e, reg, x, 3);
      const after = Math.hypot(...x.map((v, d) => v - want[d]));
      expect(after).toBeLessThan(before / 3);
    });
  }

  it('WebAssembly SIMD is available in Node 20', () => {
    expect(wasmSimdAvailable()).toBe(true);
  });

  it('the wasm kernels and their JS twin give bit-identical rows (odd and even k, wide rows)', () => {
    for (const kk of [1, 7, 8, 64]) {
      const blk = block(kk, 50, 11 + kk);
      const input = { k: kk, gram: blk.gram, ys: blk.ys, width: kk, pos: blk.pos, r: blk.r, alpha: 1.5 };
      const wasm = new ImplicitCg(input, 'wasm');
      const results: Record<string, Float64Array[]> = { wasm: [], js: [] };
      for (const [kind, cg] of [['wasm', wasm], ['js', new ImplicitCg(input, 'js')]] as const) {
        for (let u = 0; u + 1 < blk.rowPtr.length; u++) {
          const x = Float64Array.from({ length: kk }, (_, d) => Math.sin(u + d));
          cg.solveRow(blk.rowPtr[u], blk.rowPtr[u + 1], 0.01 * (u + 1), x, 3);
          results[kind].push(x);
        }
      }
      expect(wasm.kind).toBe('wasm');
      results.wasm.forEach((x, u) => expect(Buffer.from(x.buffer).equals(Buffer.from(results.js[u].buffer))).toBe(true));
    }
  });
  it('rowLoss is the row\'s objective over every item, tracked through the CG steps or by a pass, and tracking leaves x unchanged (wasm and JS, α > 0 and α = 0)', () => {
    for (const kk of [3, 8, 64]) {
      const nItems = 50;
      const blk = block(kk, nItems, 5 + kk);
      for (const a of [1.5, 0]) {
        const input = { k: kk, gram: blk.gram, ys: blk.ys, width: kk, pos: blk.pos, r: blk.r, alpha: a };
        for (const kind of ['wasm', 'js'] as const) {
          const [plain, tracking] = [new ImplicitCg(input, kind), new ImplicitCg(input, kind)];
          for (let u = 0; u + 1 < blk.rowPtr.length; u++) {
            const [s, e] = [blk.rowPtr[u], blk.rowPtr[u + 1]];
            const reg = 0.01 * (u + 1);
            const x1 = Float64Array.from({ length: kk }, (_, d) => Math.sin(u + d));
            const x2 = x1.slice();
            plain.solveRow(s, e, reg, x1, 3);
            const byPass = plain.rowLoss(s, e, reg);
            tracking.solveRow(s, e, reg, x2, 3, true);
            const tracked = tracking.rowLoss(s, e, reg);
            expect(Buffer.from(x1.buffer).equals(Buffer.from(x2.buffer))).toBe(true);
            // The objective A and b stand for: Σ over all items of (x·y)², plus per rating (c − 1)(x·y)² − 2·c·p·(x·y) + c·p²,
            // with c = 1 + α|r| and p = [r > 0] (for an item rated once: c·(p − x·y)², the weighted squared error)
            const dot = (i: number): number => { let t = 0; for (let d = 0; d < kk; d++) t += x1[d] * blk.ys[i * kk + d]; return t; };
            let direct = 0;
            for (let i = 0; i < nItems; i++) direct += dot(i) ** 2;
            for (let j = s; j < e; j++) {
              const c = 1 + a * Math.abs(blk.r[j]);
              const p = blk.r[j] > 0 ? 1 : 0;
              const t = dot(blk.pos[j]);
              direct += (c - 1) * t * t - 2 * c * p * t + c * p;
            }
            const scale = Math.max(1, Math.abs(direct));
            expect(Math.abs(byPass - direct) / scale, `k ${kk} α ${a} ${kind} row ${u}`).toBeLessThan(1e-9);
            expect(Math.abs(tracked - direct) / scale, `k ${kk} α ${a} ${kind} row ${u}`).toBeLessThan(1e-9);
          }
        }
      }
    }
  });
});
