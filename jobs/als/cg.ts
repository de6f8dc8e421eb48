// Conjugate gradient for one row of implicit ALS (Hu, Koren, Volinsky), matrix-free and warm-started
// from the row's previous factor, as the `implicit` library does:
//
//   A = YᵀY + Σ_i (c_i − 1)·y_i·y_iᵀ + λ·n·I        b = Σ_i c_i·p_i·y_i
//
// A is never formed: A·v = YᵀY·v + λ·n·v + Σ_i (c_i − 1)(y_i·v)·y_i costs O(k² + |I_u|·k), so a few
// steps (3 by default) are far cheaper than accumulating A (O(|I_u|·k²)) and factoring it (O(k³)).

import { symmetricPackedMultiply } from './cholesky.ts';

/** One row's operands; `ys` holds factors at `pos[j]·k`, weights and preferences per rating. */
export interface ImplicitRow {
  gram: Float64Array; // YᵀY, packed lower k×k
  ys: Float32Array;
  pos: Int32Array;
  start: number;
  end: number;
  confidenceMinusOne: Float64Array; // indexed by rating j (start ≤ j < end)
  preference: Uint8Array; // 1 when the rating is positive
  reg: number; // λ·n
}

/** Scratch buffers reused across rows (k = rank). */
export class CgScratch {
  readonly r: Float64Array;
  readonly p: Float64Array;
  readonly ap: Float64Array;
  constructor(readonly k: number) {
    this.r = new Float64Array(k);
    this.p = new Float64Array(k);
    this.ap = new Float64Array(k);
  }
}

/** out = A·v for the row. */
function applyA(row: ImplicitRow, v: Float64Array, out: Float64Array, k: number): void {
  symmetricPackedMultiply(row.gram, v, out, k);
  for (let d = 0; d < k; d++) out[d] += row.reg * v[d];
  const { ys, pos, confidenceMinusOne } = row;
  for (let j = row.start; j < row.end; j++) {
    const w = confidenceMinusOne[j];
    if (w === 0) continue;
    const o = pos[j] * k;
    let dot = 0;
    for (let d = 0; d < k; d++) dot += ys[o + d] * v[d];
    const s = w * dot;
    for (let d = 0; d < k; d++) out[d] += s * ys[o + d];
  }
}

/**
 * Runs `steps` CG iterations on the row's system starting from `x` (updated in place).
 *
 * @example
 *   conjugateGradient(row, x, 3, new CgScratch(k)); // x ≈ A⁻¹b after k steps (exact in exact arithmetic)
 */
export function conjugateGradient(row: ImplicitRow, x: Float64Array, steps: number, s: CgScratch): void {
  const { k, r, p, ap } = s;
  // r = b − A·x
  applyA(row, x, ap, k);
  for (let d = 0; d < k; d++) r[d] = -ap[d];
  const { ys, pos, confidenceMinusOne, preference } = row;
  for (let j = row.start; j < row.end; j++) {
    if (!preference[j]) continue;
    const c = 1 + confidenceMinusOne[j];
    const o = pos[j] * k;
    for (let d = 0; d < k; d++) r[d] += c * ys[o + d];
  }
  let rsOld = 0;
  for (let d = 0; d < k; d++) { p[d] = r[d]; rsOld += r[d] * r[d]; }
  for (let it = 0; it < steps; it++) {
    if (rsOld < 1e-20) break;
    applyA(row, p, ap, k);
    let pAp = 0;
    for (let d = 0; d < k; d++) pAp += p[d] * ap[d];
    if (!(pAp > 0)) break;
    const alpha = rsOld / pAp;
    let rsNew = 0;
    for (let d = 0; d < k; d++) {
      x[d] += alpha * p[d];
      r[d] -= alpha * ap[d];
      rsNew += r[d] * r[d];
    }
    const beta = rsNew / rsOld;
    for (let d = 0; d < k; d++) p[d] = r[d] + beta * p[d];
    rsOld = rsNew;
  }
}
