// Conjugate gradient for the rows of implicit ALS (Hu, Koren, Volinsky), matrix-free and warm-started
// from each row's previous factor, as the `implicit` library does:
//
//   A = YᵀY + Σ_i (c_i − 1)·y_i·y_iᵀ + λ·n·I        b = Σ_i c_i·p_i·y_i
//
// A is never formed: A·v = YᵀY·v + λ·n·v + Σ_i (c_i − 1)(y_i·v)·y_i costs O(k² + |I_u|·k), so a few
// steps (3 by default) are far cheaper than accumulating A (O(|I_u|·k²)) and factoring it (O(k³)).
// The O(k²) and O(|I_u|·k) parts run in wasm-kernels.ts (WebAssembly SIMD, or its JS twin with the
// same bits); the O(k) vector updates stay here. One ImplicitCg serves a whole block:
//
//   heap layout (bytes, kp = k rounded up to a multiple of 8, 16-byte aligned):
//   [ YᵀY full kp×kp f64 | x | r | p | Ap | ys: nPos rows × kp f32 | pos (chunk) | c−1 (chunk) | c·p (chunk)
//     | y·x (chunk) | y·p (chunk) ]
// Ratings are loaded in chunks of consecutive rows, so the heap holds Y plus a bounded window. The
// last two are used only when the train loss is asked for (solveRow's `track`).

import { cgHeap } from './wasm-kernels.ts';
import type { CgHeap } from './wasm-kernels.ts';

const CHUNK = 1 << 16;
const align16 = (n: number): number => (n + 15) & ~15;

/** What one block's rows share: YᵀY (packed lower k×k), the received factors, the ratings. */
export interface ImplicitBlockInput {
  k: number;
  gram: Float64Array;
  /** nPos factor vectors of `width` floats; components [0, k) are used. */
  ys: Float32Array;
  width: number;
  pos: Int32Array;
  r: Float32Array;
  alpha: number;
}

/**
 * Solves implicit-ALS rows of one block by `steps` CG iterations each. The heap is the thread's
 * (one wasm memory, reused across blocks): use one ImplicitCg at a time per thread and kind.
 *
 * @example
 *   const cg = new ImplicitCg({ k, gram, ys, width: k, pos, r, alpha: 1 });
 *   cg.solveRow(rowPtr[u], rowPtr[u + 1], 0.01 * nPositive, x, 3); // x: warm start in, solution out
 */
export class ImplicitCg {
  private readonly heap: CgHeap;
  private readonly k: number;
  private readonly kp: number;
  private readonly at: { g: number; x: number; r: number; p: number; ap: number; ys: number; pos: number; w: number; c: number; yx: number; yp: number };
  private readonly input: ImplicitBlockInput;
  private lo = 0;
  private hi = 0;
  /** Whether the last solveRow kept y_j·x for every rating (at.yx), so rowLoss needs no pass of its own. */
  private tracked = false;
  private capacity = CHUNK;
  private f64!: Float64Array;

  constructor(input: ImplicitBlockInput, prefer: 'wasm' | 'js' = 'wasm') {
    this.input = input;
    this.heap = cgHeap(prefer);
    const k = input.k;
    const kp = Math.ceil(k / 8) * 8;
    this.k = k;
    this.kp = kp;
    const nPos = input.width > 0 ? input.ys.length / input.width : 0;
    const vecBytes = align16(kp * 8);
    const g = 0;
    const x = align16(kp * kp * 8);
    const ys = x + 4 * vecBytes;
    const pos = ys + align16(nPos * kp * 4);
    this.at = { g, x, r: x + vecBytes, p: x + 2 * vecBytes, ap: x + 3 * vecBytes, ys, pos, w: 0, c: 0, yx: 0, yp: 0 };
    this.layoutChunk(CHUNK);
    // YᵀY expanded to a full padded matrix, vectors zeroed (their padding stays 0), Y padded to kp
    const f = this.f64;
    f.fill(0, 0, ys / 8);
    for (let i = 0, at = 0; i < k; i++) {
      for (let j = 0; j <= i; j++, at++) { f[i * kp + j] = input.gram[at]; f[j * kp + i] = input.gram[at]; }
    }
    const y32 = new Float32Array(this.heap.buffer(), ys, nPos * kp);
    if (kp === input.width) y32.set(input.ys.subarray(0, nPos * kp));
    else {
      for (let n = 0; n < nPos; n++) {
        const o = n * input.width;
        const t = n * kp;
        for (let d = 0; d < k; d++) y32[t + d] = input.ys[o + d];
        for (let d = k; d < kp; d++) y32[t + d] = 0;
      }
    }
  }

  /** Which kernels run: 'wasm' (SIMD) or 'js'. */
  get kind(): 'wasm' | 'js' { return this.heap.kind; }

  private layoutChunk(capacity: number): void {
    this.capacity = capacity;
    this.at.w = align16(this.at.pos + capacity * 4);
    this.at.c = this.at.w + capacity * 8;
    this.at.yx = this.at.c + capacity * 8;
    this.at.yp = this.at.yx + capacity * 8;
    this.heap.ensure(this.at.yp + capacity * 8);
    this.f64 = new Float64Array(this.heap.buffer());
  }

  /** Makes ratings [s, e) addressable (loads the chunk starting at s when they are not). */
  private load(s: number, e: number): void {
    if (s >= this.lo && e <= this.hi) return;
    const { pos, r, alpha } = this.input;
    if (e - s > this.capacity) this.layoutChunk(e - s);
    const hi = Math.min(pos.length, s + this.capacity);
    const buffer = this.heap.buffer();
    new Int32Array(buffer, this.at.pos, hi - s).set(pos.subarray(s, hi));
    const w = new Float64Array(buffer, this.at.w, hi - s);
    const c = new Float64Array(buffer, this.at.c, hi - s);
    for (let j = s; j < hi; j++) {
      const wj = alpha * Math.abs(r[j]);
      w[j - s] = wj;
      c[j - s] = r[j] > 0 ? 1 + wj : 0;
    }
    this.lo = s;
    this.hi = hi;
    this.f64 = new Float64Array(buffer);
  }

  /** out = A·v for ratings [s, e) (chunk-relative) and regularization reg. */
  private applyA(s: number, e: number, reg: number, v: number, out: number, dots: number): void {
    const { kernels } = this.heap;
    kernels.gramApply(this.at.g, v, out, this.kp, reg);
    kernels.ratingsApply(this.at.ys, this.at.pos, this.at.w, s, e, this.kp, v, out, dots);
  }

  /**
   * Runs `steps` CG iterations on the row whose ratings are [start, end) of the block, with
   * regularization `reg` = λ·n, starting from `x` (k values, updated in place). With `track`, it
   * also keeps y_j·x of every rating as x moves (the kernels store each y_j·p they form; x += α·p
   * moves y_j·x by α·(y_j·p)), for rowLoss: a few scalar adds per rating instead of a pass.
   */
  solveRow(start: number, end: number, reg: number, x: Float64Array, steps: number, track = false): void {
    this.load(start, end);
    const s = start - this.lo;
    const e = end - this.lo;
    const { k } = this;
    const f = this.f64;
    const X = this.at.x / 8; const R = this.at.r / 8; const P = this.at.p / 8; const AP = this.at.ap / 8;
    for (let d = 0; d < k; d++) f[X + d] = x[d];
    // r = b − A·x = −(YᵀY·x + reg·x) + Σ_j (c_j·p_j − (c_j − 1)·(y_j·x))·y_j, one pass over the ratings
    this.heap.kernels.gramApply(this.at.g, this.at.x, this.at.ap, this.kp, reg);
    for (let d = 0; d < k; d++) f[R + d] = -f[AP + d];
    this.tracked = track && this.input.alpha > 0; // with α = 0 no kernel forms y_j·x (every w_j is 0)
    const YX = this.at.yx / 8; const YP = this.at.yp / 8;
    this.heap.kernels.residualRows(this.at.ys, this.at.pos, this.at.w, this.at.c, s, e, this.kp, this.at.x, this.at.r, this.tracked ? this.at.yx : 0);
    let rsOld = 0;
    for (let d = 0; d < k; d++) { f[P + d] = f[R + d]; rsOld += f[R + d] * f[R + d]; }
    for (let it = 0; it < steps; it++) {
      if (rsOld < 1e-20) break;
      this.applyA(s, e, reg, this.at.p, this.at.ap, this.tracked ? this.at.yp : 0);
      let pAp = 0;
      for (let d = 0; d < k; d++) pAp += f[P + d] * f[AP + d];
      if (!(pAp > 0)) break;
      const alpha = rsOld / pAp;
      let rsNew = 0;
      for (let d = 0; d < k; d++) {
        f[X + d] += alpha * f[P + d];
        f[R + d] -= alpha * f[AP + d];
        rsNew += f[R + d] * f[R + d];
      }
      // (entries with w_j = 0 hold stale values here: rowLoss reads only those with c_j ≠ 0, which have w_j ≠ 0)
      if (this.tracked) for (let j = YX + s, t = YP + s, end = YX + e; j < end; j++, t++) f[j] += alpha * f[t];
      const beta = rsNew / rsOld;
      for (let d = 0; d < k; d++) f[P + d] = f[R + d] + beta * f[P + d];
      rsOld = rsNew;
    }
    for (let d = 0; d < k; d++) x[d] = f[X + d];
  }

  /**
   * The row's implicit objective Σ_all c·(p − x·y)² at the x solveRow just returned (call it right
   * after, for the same row). With CG's final residual r = b − (A + reg·I)·x, where A = YᵀY +
   * Σ_rated (c − 1)·y·yᵀ and b = Σ_rated c·p·y, it is Σ_rated c·p² − x·b − x·r − reg·|x|². x·b comes
   * from the y_j·x that a tracked solveRow kept, else from one more pass over the ratings.
   */
  rowLoss(start: number, end: number, reg: number): number {
    const s = start - this.lo;
    const e = end - this.lo;
    const { k, kp } = this;
    const f = this.f64;
    const X = this.at.x / 8; const R = this.at.r / 8; const AP = this.at.ap / 8; const C = this.at.c / 8; const YX = this.at.yx / 8;
    let cp = 0; // Σ c·p² = Σ c·p (p is 0 or 1, and c·p is what c holds)
    let xb = 0;
    if (this.tracked) {
      for (let j = s; j < e; j++) {
        const cj = f[C + j];
        if (cj !== 0) { cp += cj; xb += cj * f[YX + j]; }
      }
    } else {
      for (let d = 0; d < kp; d++) f[AP + d] = 0;
      this.heap.kernels.residualRows(this.at.ys, this.at.pos, this.at.w, this.at.c, s, e, kp, this.at.x, this.at.ap, 0);
      // ap = Σ_j (c_j − w_j·(y_j·x))·y_j = b − Σ_rated (c − 1)(y·x)·y, so x·b = x·ap + q with q from ratingsApply
      for (let j = s; j < e; j++) cp += f[C + j];
      let xap = 0;
      for (let d = 0; d < k; d++) xap += f[X + d] * f[AP + d];
      for (let d = 0; d < kp; d++) f[AP + d] = 0;
      this.heap.kernels.ratingsApply(this.at.ys, this.at.pos, this.at.w, s, e, kp, this.at.x, this.at.ap, 0);
      let q = 0;
      for (let d = 0; d < k; d++) q += f[X + d] * f[AP + d];
      xb = xap + q;
    }
    let xr = 0; let xx = 0;
    for (let d = 0; d < k; d++) { xr += f[X + d] * f[R + d]; xx += f[X + d] * f[X + d]; }
    return cp - xb - xr - reg * xx;
  }
}
