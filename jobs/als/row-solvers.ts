// The per-row least-squares solves of one half-iteration, for every row of a block. With the
// factors Y the block received (in `ys`, one vector of `width` floats per position) row u solves
//
//   explicit:  (Σ_i y_i·y_iᵀ + λ·n_u·I) x_u = Σ_i (r_ui − μ − offset_i)·y_i     n_u = #ratings of u
//   implicit:  (YᵀY + Σ_i (c_ui − 1)·y_i·y_iᵀ + λ·n_u·I) x_u = Σ_i c_ui·p_ui·y_i
//              c_ui = 1 + α·|r_ui|, p_ui = 1 if r_ui > 0 else 0, n_u = #positive ratings (as Spark)
//
// the sums running over u's ratings in increasing index of the other side (the in-block order).
// With biases, y_i = [y, 1] and offset_i = b_i for users (x_u = [x, b_u]), and symmetrically for
// items, so biases are learnt by the same solve (they are regularized like the factors).

import { addDiagonal, addOuter, packedSize, solveSpdPacked } from './cholesky.ts';
import { CgScratch, conjugateGradient } from './cg.ts';
import type { ImplicitRow } from './cg.ts';
import { nnlsPacked } from './nnls.ts';
import { AlsNumericError } from './errors.ts';
import type { InBlock } from './in-blocks.ts';
import type { AlsPlan } from './options.ts';

/** Which vector components a side solves for and which it reads from the other side. */
interface Components {
  /** Other side's components used as features (length m). */
  features: Int32Array;
  /** Other side's component subtracted from the target (its bias), or −1. */
  offset: number;
  /** Own components written from the solution (length m). */
  result: Int32Array;
  /** Own component fixed at 1, or −1. */
  one: number;
}

function componentsOf(plan: AlsPlan, side: 'user' | 'item'): Components {
  const k = plan.rank;
  const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
  if (!plan.biases) return { features: Int32Array.from(range(k)), offset: -1, result: Int32Array.from(range(k)), one: -1 };
  if (side === 'user') return { features: Int32Array.from([...range(k), k]), offset: k + 1, result: Int32Array.from([...range(k), k]), one: k + 1 };
  return { features: Int32Array.from([...range(k), k + 1]), offset: k, result: Int32Array.from([...range(k), k + 1]), one: k };
}

/**
 * Solves every row of one block. `prev` (the block's previous factors) seeds CG; `gram` is YᵀY
 * (packed, implicit only). Returns the new factors (rows × width) or throws on NaN/∞.
 */
export function solveRows(
  plan: AlsPlan, side: 'user' | 'item', start: number, ib: InBlock, ys: Float32Array, prev: Float32Array, gram: Float64Array | null,
): Float32Array {
  const nLocal = ib.rowPtr.length - 1;
  const { width } = plan;
  const c = componentsOf(plan, side);
  const m = c.features.length;
  const out = new Float32Array(nLocal * width);
  const a = new Float64Array(packedSize(m));
  const b = new Float64Array(m);
  const x = new Float64Array(m);
  const yv = new Float64Array(m);
  const { rowPtr, pos, r } = ib;
  const implicit = plan.implicit;
  const useCg = implicit && !plan.cholesky && !plan.nonnegative;
  let cgRow: ImplicitRow | null = null;
  let scratch: CgScratch | null = null;
  if (useCg) {
    const w = new Float64Array(r.length);
    const pref = new Uint8Array(r.length);
    for (let j = 0; j < r.length; j++) { w[j] = plan.alpha * Math.abs(r[j]); pref[j] = r[j] > 0 ? 1 : 0; }
    cgRow = { gram: gram!, ys, pos, start: 0, end: 0, confidenceMinusOne: w, preference: pref, reg: 0 };
    scratch = new CgScratch(m);
  }
  for (let u = 0; u < nLocal; u++) {
    const s = rowPtr[u];
    const e = rowPtr[u + 1];
    let count = 0;
    if (useCg) {
      for (let j = s; j < e; j++) if (r[j] > 0) count++;
      cgRow!.start = s; cgRow!.end = e; cgRow!.reg = plan.regParam * count;
      for (let t = 0; t < m; t++) x[t] = prev[u * width + c.result[t]];
      conjugateGradient(cgRow!, x, plan.cgSteps, scratch!);
    } else {
      if (implicit) {
        a.set(gram!);
        b.fill(0);
        for (let j = s; j < e; j++) {
          const o = pos[j] * width;
          for (let t = 0; t < m; t++) yv[t] = ys[o + c.features[t]];
          const rating = r[j];
          const w = plan.alpha * Math.abs(rating);
          if (w !== 0) addOuter(a, yv, w, m);
          if (rating > 0) { count++; for (let t = 0; t < m; t++) b[t] += (1 + w) * yv[t]; }
        }
      } else {
        count = e - s;
        accumulateExplicit(a, b, yv, ys, pos, r, s, e, width, m, c.features, c.offset, plan.mean);
      }
      addDiagonal(a, plan.regParam * count, m);
      let ok: boolean;
      if (plan.nonnegative) ok = nnlsPacked(a, b, x, m);
      else { ok = solveSpdPacked(a, b, m); x.set(b); }
      if (!ok) {
        throw new AlsNumericError(
          `${side} ${start + u} (dense index): its normal equations (${e - s} ratings, rank ${plan.rank}, λ·n = ${plan.regParam * count}) are not positive definite; ` +
            `use regParam > 0 or a rank no larger than the rating counts`,
        );
      }
    }
    const o = u * width;
    for (let t = 0; t < m; t++) {
      const v = x[t];
      if (!Number.isFinite(v)) {
        throw new AlsNumericError(`${side} ${start + u} (dense index) got a non-finite factor (${v}) from ${e - s} ratings; lower alpha or raise regParam, and check the ratings' scale`);
      }
      out[o + c.result[t]] = v;
    }
    if (c.one >= 0) out[o + c.one] = 1;
  }
  return out;
}

/**
 * The explicit normal equations of one row: a = Σ y·yᵀ (packed lower), b = Σ (r − mean − y[offset])·y
 * over ratings [s, e). A monomorphic loop with the outer product inlined: this is the hot path.
 */
function accumulateExplicit(
  a: Float64Array, b: Float64Array, yv: Float64Array, ys: Float32Array, pos: Int32Array, r: Float32Array,
  s: number, e: number, width: number, m: number, features: Int32Array, offset: number, mean: number,
): void {
  a.fill(0);
  b.fill(0);
  for (let j = s; j < e; j++) {
    const o = pos[j] * width;
    for (let t = 0; t < m; t++) yv[t] = ys[o + features[t]];
    const target = r[j] - mean - (offset >= 0 ? ys[o + offset] : 0);
    let at = 0;
    for (let i = 0; i < m; i++) {
      const yi = yv[i];
      b[i] += target * yi;
      for (let q = 0; q <= i; q++) a[at + q] += yi * yv[q];
      at += i + 1;
    }
  }
}

/** Σ_i x_i·x_iᵀ (packed, Float64) over rows [from, to) of `factors` (local rows, width ≥ rank). */
export function partialGram(factors: Float32Array, width: number, rank: number, from: number, to: number): Float64Array {
  const g = new Float64Array(packedSize(rank));
  const v = new Float64Array(rank);
  for (let u = from; u < to; u++) {
    for (let d = 0; d < rank; d++) v[d] = factors[u * width + d];
    addOuter(g, v, 1, rank);
  }
  return g;
}
