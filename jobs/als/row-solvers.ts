// The per-row least-squares solves of one half-iteration, for every row of a block. With the
// factors Y the block received (in `ys`, one vector of `width` floats per position) row u solves
//
//   explicit:  (Σ_i y_i·y_iᵀ + λ·n_u^ν·I) x_u = Σ_i (r_ui − μ − offset_i)·y_i     n_u = #ratings of u
//   implicit:  (YᵀY + Σ_i (c_ui − 1)·y_i·y_iᵀ + λ·n_u^ν·I) x_u = Σ_i c_ui·p_ui·y_i
//              c_ui = 1 + α·|r_ui|, p_ui = 1 if r_ui > 0 else 0, n_u = #positive ratings (as Spark)
// ν = regExponent: 1 (default) is ALS-WR as Spark, 0 a constant λ, between them frequency-scaled.
//
// the sums running over u's ratings in increasing index of the other side (the in-block order).
// With biases, y_i = [y, 1] and offset_i = b_i for users (x_u = [x, b_u]), and symmetrically for
// items, so biases are learnt by the same solve (they are regularized like the factors).

import { addDiagonal, addOuter, packedSize, solveSpdPacked } from './cholesky.ts';
import { ImplicitCg } from './cg.ts';
import { wasmSimdAvailable } from './wasm-kernels.ts';
import { nnlsPacked } from './nnls.ts';
import { explicitAccumulator } from './explicit-kernel.ts';
import { ExplicitWasm } from './explicit-wasm.ts';
import { ExplicitBlocked } from './explicit-blocked.ts';
import { AlsNumericError } from './errors.ts';
import type { InBlock } from './in-blocks.ts';
import type { AlsPlan } from './options.ts';
import { sumConfidencePreference, sumSquaredTargets } from './train-loss.ts';
import type { TrainLoss } from './train-loss.ts';

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
 * Compiles the WebAssembly kernels solveRows will use for `plan` on this thread (wabt's text →
 * module → instance, ~50-70 ms of CPU the first time), so that it happens while the in-blocks are
 * built rather than in the first iteration's solves. Each is compiled once per thread either way.
 */
export function prepareRowKernels(plan: AlsPlan): void {
  if (plan.implicit) {
    if (!plan.cholesky && !plan.nonnegative) wasmSimdAvailable();
    return;
  }
  const m = componentsOf(plan, 'user').features.length; // both sides solve for the same width
  if (!ExplicitWasm.prepare(m)) ExplicitBlocked.prepare();
}

/**
 * Solves every row of one block. `prev` (the block's previous factors) seeds CG (others ignore it); `gram` is YᵀY
 * (packed, implicit only). Returns the new factors (rows × width) or throws on NaN/∞. `kernels`
 * picks the inner loops (explicit accumulation, CG): WebAssembly SIMD when available, or their
 * JavaScript twins, which give the same bits ('js', for tests). With `loss`, the rows' training
 * loss is added to it (train-loss.ts), observed only: the factors are the same bits either way.
 */
export function solveRows(
  plan: AlsPlan, side: 'user' | 'item', start: number, ib: InBlock, ys: Float32Array, prev: Float32Array, gram: Float64Array | null,
  kernels: 'wasm' | 'js' = 'wasm', loss?: TrainLoss,
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
  const b0 = new Float64Array(m); // b before the solve overwrites it (the loss identity reads it)
  const { rowPtr, pos, r } = ib;
  const implicit = plan.implicit;
  const useCg = implicit && !plan.cholesky && !plan.nonnegative;
  const wasmRows = implicit || kernels === 'js' ? null : ExplicitWasm.create(ys, width, c.features, c.offset, pos, r);
  // above ExplicitWasm's widths (rank > 15): gathered blocks and syrk register tiles, the same bits
  const blockedRows = implicit || kernels === 'js' || wasmRows ? null : ExplicitBlocked.create(ys, width, c.features, c.offset);
  const accumulate = implicit ? null : explicitAccumulator(width, c.features, c.offset);
  const cg = useCg ? new ImplicitCg({ k: m, gram: gram!, ys, width, pos, r, alpha: plan.alpha }, kernels) : null;
  const regOf = (count: number): number => (plan.regExponent === 1 ? plan.regParam * count : plan.regParam * Math.pow(count, plan.regExponent));
  for (let u = 0; u < nLocal; u++) {
    const s = rowPtr[u];
    const e = rowPtr[u + 1];
    let count = 0;
    if (useCg) {
      for (let j = s; j < e; j++) if (r[j] > 0) count++;
      for (let t = 0; t < m; t++) x[t] = prev[u * width + c.result[t]];
      cg!.solveRow(s, e, regOf(count), x, plan.cgSteps, loss?.withError === true);
      // CG stops before the exact solution, where x·b = xᵀ(A + λn·I)x does not hold: from its residual and the y·x it tracked
      if (loss?.withError) loss.squaredError += cg!.rowLoss(s, e, regOf(count));
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
        if (wasmRows) wasmRows.accumulate(a, b, s, e, plan.mean);
        else if (blockedRows && plan.nonnegative) blockedRows.accumulate(a, b, pos, r, s, e, plan.mean);
        else if (!blockedRows) accumulate!(a, b, ys, pos, r, s, e, plan.mean);
      }
      let ok: boolean;
      const blockedSolve = blockedRows !== null && !implicit && !plan.nonnegative;
      if (loss?.withError && !blockedSolve) b0.set(b);
      const reg = regOf(count);
      if (blockedSolve) ok = blockedRows.solve(pos, r, s, e, plan.mean, reg, x);
      else {
        addDiagonal(a, reg, m);
        if (plan.nonnegative) ok = nnlsPacked(a, b, x, m);
        else { ok = solveSpdPacked(a, b, m); x.set(b); }
      }
      if (!ok) {
        throw new AlsNumericError(
          `${side} ${start + u} (dense index): its normal equations (${e - s} ratings, rank ${plan.rank}, λ·n^ν = ${reg}) are not positive definite; ` +
            `use regParam > 0 or a rank no larger than the rating counts`,
        );
      }
      if (loss?.withError) {
        let xb = 0;
        let xx = 0;
        const rhs = blockedSolve ? blockedRows.rhs : b0;
        for (let t = 0; t < m; t++) { xb += x[t] * rhs[t]; xx += x[t] * x[t]; }
        if (implicit) loss.squaredError += sumConfidencePreference(r, s, e, plan.alpha) - xb - reg * xx;
        else loss.squaredError += sumSquaredTargets(ys, width, c.offset, pos, r, s, e, plan.mean) - xb - reg * xx;
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
    if (loss) {
      let xx = 0;
      for (let t = 0; t < m; t++) xx += x[t] * x[t];
      loss.penalty += regOf(count) * xx;
      loss.ratings += e - s;
    }
  }
  return out;
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
