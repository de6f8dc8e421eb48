// Explicit ALS's normal equations at high rank (m > MAX_WASM_WIDTH): the rated factor rows of a row
// are gathered, a chunk at a time, into a contiguous Float64 block in wasm memory (syrk-kernels.wat
// `gather`, from the block's Float32 rows the constructor copied into wasm memory once), and the
// kernels accumulate a = Σ_j y_j·y_jᵀ on 4×4 register tiles (a rank-n update, as BLAS syrk) and
// b = Σ_j t_j·y_j over the block. Each entry is its own sum over j in increasing order from +0 with
// the same products as accumulateExplicitGeneric (explicit-kernel.ts), so the bits are the same.
// Heap: [out: mp×mp f64 | bout: mp f64 | x: mp f64 | t: CHUNK f64 | g: CHUNK rows of mp f64 | pos: CHUNK i32 |
//        r: CHUNK f32 | off: nPos f64 | yf: nPos rows of mp f32]. The gather used to be a JavaScript
// loop over Float64 copies (twice the bytes, a typed-array view per rating): at 20M ratings, where
// the rows no longer fit in the last-level cache, it cost as much as the syrk itself.

import { readFileSync } from 'node:fs';
import { compileWat } from './wat.ts';

/** Ratings gathered per call: a block of CHUNK·mp·8 bytes (rank 100: 213 KB) stays in cache. */
const CHUNK = 256;
const SOURCE = 'syrk-kernels.wat';

interface SyrkExports {
  memory: WebAssembly.Memory;
  syrkLower(g: number, n: number, mp: number, out: number, m: number): void;
  cholesky(a: number, n: number, mp: number): number;
  solveCholesky(a: number, n: number, mp: number, b: number, x: number): void;
  gemvT(g: number, t: number, n: number, mp: number, bout: number): void;
  gather(yf: number, off: number, pos: number, r: number, n: number, mp: number, mean: number, g: number, t: number): void;
}

let compiled: WebAssembly.Module | null | undefined;
let instance: SyrkExports | undefined;

/** This thread's instance (one memory per thread), or null without WebAssembly SIMD. */
function syrkInstance(): SyrkExports | null {
  if (compiled === undefined) compiled = compileWat(SOURCE, readFileSync(new URL(`./${SOURCE}`, import.meta.url), 'utf8'));
  if (!compiled) return null;
  return (instance ??= new WebAssembly.Instance(compiled, {}).exports as unknown as SyrkExports);
}

/**
 * Blocked explicit normal equations over a block's received factors `ys` (rows of `width` floats,
 * components `features` as the row's features, `offset` (or −1) subtracted from the target).
 * Null without WebAssembly SIMD (the caller uses the JavaScript loop, which gives the same bits).
 * One instance per thread holds the data: use one ExplicitBlocked at a time per thread.
 *
 * @example
 *   const acc = ExplicitBlocked.create(ys, width, features, offset);
 *   acc?.accumulate(a, b, pos, r, rowPtr[u], rowPtr[u + 1], mean);
 */
export class ExplicitBlocked {
  private readonly mp: number;
  private readonly at: { out: number; bout: number; x: number; t: number; g: number; pos: number; r: number; off: number; yf: number };
  private readonly out: Float64Array;
  private readonly bout: Float64Array;
  private readonly xs: Float64Array;
  private readonly posChunk: Int32Array;
  private readonly rChunk: Float32Array;

  private constructor(private readonly wasm: SyrkExports, ys: Float32Array, width: number, private readonly features: Int32Array, offset: number) {
    const m = features.length;
    this.mp = (m + 3) & ~3;
    const mp = this.mp;
    const nPos = width > 0 ? ys.length / width : 0;
    const out = 0;
    const bout = out + mp * mp * 8;
    const x = bout + mp * 8;
    const t = x + mp * 8;
    const g = t + CHUNK * 8;
    const pos = g + CHUNK * mp * 8;
    const r = pos + CHUNK * 4;
    const off = r + CHUNK * 4;
    const yf = off + nPos * 8; // 16-byte aligned: every region above is a multiple of 16 bytes (mp, CHUNK multiples of 4)
    this.at = { out, bout, x, t, g, pos, r, off, yf };
    const need = yf + nPos * mp * 4;
    const have = wasm.memory.buffer.byteLength;
    if (need > have) wasm.memory.grow(Math.ceil((need - have) / 65536));
    const buffer = wasm.memory.buffer;
    this.out = new Float64Array(buffer, out, mp * mp);
    this.bout = new Float64Array(buffer, bout, mp);
    this.xs = new Float64Array(buffer, x, mp);
    this.posChunk = new Int32Array(buffer, pos, CHUNK);
    this.rChunk = new Float32Array(buffer, r, CHUNK);
    // the rows' features once per block as Float32 rows of mp (zero padding), and their target offsets
    const yfView = new Float32Array(buffer, yf, nPos * mp);
    const offView = new Float64Array(buffer, off, nPos);
    for (let p = 0; p < nPos; p++) {
      const o = p * width;
      const d = p * mp;
      for (let q = 0; q < m; q++) yfView[d + q] = ys[o + features[q]];
      for (let q = m; q < mp; q++) yfView[d + q] = 0;
      offView[p] = offset >= 0 ? ys[o + offset] : 0;
    }
  }

  /** Compiles and instantiates this thread's kernels now (once per thread), so that the first solve does not; false without SIMD. */
  static prepare(): boolean {
    return syrkInstance() !== null;
  }

  static create(ys: Float32Array, width: number, features: Int32Array, offset: number): ExplicitBlocked | null {
    const wasm = syrkInstance();
    return wasm ? new ExplicitBlocked(wasm, ys, width, features, offset) : null;
  }

  /** a (packed lower, m(m+1)/2) and b (m) of ratings [s, e): accumulateExplicitGeneric's bits. */
  accumulate(a: Float64Array, b: Float64Array, pos: Int32Array, r: Float32Array, s: number, e: number, mean: number): void {
    this.gather(pos, r, s, e, mean);
    const { mp, features, out, bout } = this;
    const m = features.length;
    for (let i = 0, k = 0; i < m; i++) {
      const row = i * mp;
      for (let q = 0; q <= i; q++, k++) a[k] = out[row + q];
    }
    for (let q = 0; q < m; q++) b[q] = bout[q];
  }

  /**
   * Solves the normal equations of ratings [s, e) plus `reg` on the diagonal into x (m), with the
   * wasm Cholesky on the square in place (syrk-kernels.wat). False when they are not positive definite.
   */
  solve(pos: Int32Array, r: Float32Array, s: number, e: number, mean: number, reg: number, x: Float64Array): boolean {
    this.gather(pos, r, s, e, mean);
    const { mp, features, out } = this;
    const m = features.length;
    for (let i = 0; i < m; i++) out[i * mp + i] += reg;
    if (this.wasm.cholesky(this.at.out, m, mp) >= 0) return false;
    this.wasm.solveCholesky(this.at.out, m, mp, this.at.bout, this.at.x); // forward L·z = b, then backward Lᵀ·x = z
    x.set(this.xs.subarray(0, m));
    return true;
  }

  /** b of the rows last given to solve or accumulate (m values; solve leaves it as it was): for the train loss's x·b. */
  get rhs(): Float64Array {
    return this.bout.subarray(0, this.features.length);
  }

  /** out (square, lower) and bout: the normal equations of ratings [s, e). */
  private gather(pos: Int32Array, r: Float32Array, s: number, e: number, mean: number): void {
    const { mp, out, bout, posChunk, rChunk, at, wasm } = this;
    out.fill(0);
    bout.fill(0);
    for (let from = s; from < e; from += CHUNK) {
      const to = Math.min(e, from + CHUNK);
      posChunk.set(pos.subarray(from, to));
      rChunk.set(r.subarray(from, to));
      wasm.gather(at.yf, at.off, at.pos, at.r, to - from, mp, mean, at.g, at.t);
      wasm.syrkLower(at.g, to - from, mp, at.out, this.features.length);
      wasm.gemvT(at.g, at.t, to - from, mp, at.bout);
    }
  }
}
