// The inner loops of implicit ALS's conjugate gradient as WebAssembly SIMD (f64x2), whose source is
// the text cg-kernels.wat (compiled by wat.ts once per thread), with a plain JavaScript twin here
// that performs the very same floating-point operations in the same order, so both give identical bits:
//
//   ratingsApply   out += Σ_j w_j·(y_j·v)·y_j       over ratings j ∈ [start, end) with w_j ≠ 0
//   gramApply      out_i = (G_i·v) + reg·v_i        G full kp×kp, row-major
//   residualRows   out += Σ_j e_j·y_j, e_j = c_j − w_j·(y_j·x) (just c_j when w_j = 0), skipping e_j = 0:
//                  with out = −(G·x + reg·x) beforehand, this is the CG residual b − A·x in one pass
// ratingsApply and residualRows store each dot product they form at dots[j] when dots ≠ 0 (for the loss).
//
// Everything lives in one HEAP (the wasm memory, or an ArrayBuffer for the JS twin), addressed by
// byte offsets: vectors of kp = k rounded up to a multiple of 8 Float64 (padding zeros), `ys` as
// nPos rows of kp Float32 (promoted exactly to f64 when loaded), `pos` Int32, `w`/`c` Float64.
// A dot product y·v is summed in 8 partial sums s_0..s_7 (s_m over the components d ≡ m mod 8, in
// increasing d: 4 f64x2 accumulators, so the adds are not one latency-bound chain), combined as
// ((s0 + s2) + (s4 + s6)) + ((s1 + s3) + (s5 + s7)).
// Sums over ratings (out += …) run in increasing j per component, as the scalar code did.

import { readFileSync } from 'node:fs';
import { compileWat } from './wat.ts';

/** The three kernels over a heap; pointers are byte offsets (16-byte aligned). */
export interface CgKernels {
  ratingsApply(ys: number, pos: number, w: number, start: number, end: number, kp: number, v: number, out: number, dots: number): void;
  gramApply(g: number, v: number, out: number, kp: number, reg: number): void;
  residualRows(ys: number, pos: number, w: number, c: number, start: number, end: number, kp: number, x: number, out: number, dots: number): void;
}

/** Kernels plus the memory they address; `grow` may replace `buffer` (views must be re-made). */
export interface CgHeap {
  readonly kernels: CgKernels;
  readonly kind: 'wasm' | 'js';
  buffer(): ArrayBuffer;
  /** Makes the heap at least `bytes` long. */
  ensure(bytes: number): void;
}

// ---- the wasm heap ------------------------------------------------------------------------------

const SOURCE = 'cg-kernels.wat';
let compiled: WebAssembly.Module | null | undefined;

/** The compiled module (once per thread), or null when this runtime has no WebAssembly SIMD. */
function wasmModule(): WebAssembly.Module | null {
  if (compiled === undefined) compiled = compileWat(SOURCE, readFileSync(new URL(`./${SOURCE}`, import.meta.url), 'utf8'));
  return compiled;
}

class WasmHeap implements CgHeap {
  readonly kind = 'wasm' as const;
  readonly kernels: CgKernels;
  private readonly memory: WebAssembly.Memory;
  constructor(module: WebAssembly.Module) {
    const instance = new WebAssembly.Instance(module, {});
    const e = instance.exports as unknown as CgKernels & { memory: WebAssembly.Memory };
    this.memory = e.memory;
    this.kernels = { ratingsApply: e.ratingsApply, gramApply: e.gramApply, residualRows: e.residualRows };
  }
  buffer(): ArrayBuffer { return this.memory.buffer; }
  ensure(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / 65536));
  }
}

// ---- the JavaScript twin ------------------------------------------------------------------------

/** The wasm dot product's exact order: 8 partial sums (4 accumulators × 2 lanes) over d mod 8. */
function dot8(y: Float64Array | Float32Array, a: number, f: Float64Array, b: number, kp: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
  for (let d = 0; d < kp; d += 8) {
    s0 = s0 + y[a + d] * f[b + d]; s1 = s1 + y[a + d + 1] * f[b + d + 1];
    s2 = s2 + y[a + d + 2] * f[b + d + 2]; s3 = s3 + y[a + d + 3] * f[b + d + 3];
    s4 = s4 + y[a + d + 4] * f[b + d + 4]; s5 = s5 + y[a + d + 5] * f[b + d + 5];
    s6 = s6 + y[a + d + 6] * f[b + d + 6]; s7 = s7 + y[a + d + 7] * f[b + d + 7];
  }
  // accumulators q = 0..3 hold lanes (s_2q, s_2q+1): ((acc0 + acc1) + (acc2 + acc3)), then lane 0 + lane 1
  return ((s0 + s2) + (s4 + s6)) + ((s1 + s3) + (s5 + s7));
}

class JsHeap implements CgHeap {
  readonly kind = 'js' as const;
  private buf = new ArrayBuffer(65536);
  private f64 = new Float64Array(this.buf);
  private f32 = new Float32Array(this.buf);
  private i32 = new Int32Array(this.buf);
  buffer(): ArrayBuffer { return this.buf; }
  ensure(bytes: number): void {
    if (bytes <= this.buf.byteLength) return;
    const next = new ArrayBuffer(Math.max(bytes, 2 * this.buf.byteLength));
    new Uint8Array(next).set(new Uint8Array(this.buf));
    this.buf = next;
    this.f64 = new Float64Array(next);
    this.f32 = new Float32Array(next);
    this.i32 = new Int32Array(next);
  }
  readonly kernels: CgKernels = {
    ratingsApply: (ys, pos, w, start, end, kp, v, out, dots) => {
      const f = this.f64; const y = this.f32; const p = pos >> 2; const wb = w >> 3; const vb = v >> 3; const ob = out >> 3; const yb = ys >> 2; const db = dots >> 3;
      for (let j = start; j < end; j++) {
        const wj = f[wb + j];
        if (!(wj !== 0)) continue;
        const o = yb + this.i32[p + j] * kp;
        const dot = dot8(y, o, f, vb, kp);
        if (dots !== 0) f[db + j] = dot;
        const s = wj * dot;
        for (let d = 0; d < kp; d++) f[ob + d] = f[ob + d] + s * y[o + d];
      }
    },
    residualRows: (ys, pos, w, c, start, end, kp, x, out, dots) => {
      const f = this.f64; const y = this.f32; const p = pos >> 2; const wb = w >> 3; const cb = c >> 3; const xb = x >> 3; const ob = out >> 3; const yb = ys >> 2; const db = dots >> 3;
      for (let j = start; j < end; j++) {
        const o = yb + this.i32[p + j] * kp;
        let e = f[cb + j];
        const wj = f[wb + j];
        if (wj !== 0) {
          const dot = dot8(y, o, f, xb, kp);
          if (dots !== 0) f[db + j] = dot;
          e = e - wj * dot;
        }
        if (!(e !== 0)) continue;
        for (let d = 0; d < kp; d++) f[ob + d] = f[ob + d] + e * y[o + d];
      }
    },
    gramApply: (g, v, out, kp, reg) => {
      const f = this.f64; const vb = v >> 3; const ob = out >> 3;
      for (let i = 0, row = g >> 3; i < kp; i++, row += kp) {
        f[ob + i] = dot8(f, row, f, vb, kp) + reg * f[vb + i];
      }
    },
  };
}

let shared: { wasm?: CgHeap; js?: CgHeap } = {};

/**
 * This thread's heap: WebAssembly SIMD when available (and `prefer` is not 'js'), else the JS twin.
 *
 * @example
 *   const heap = cgHeap(); heap.ensure(1 << 20); const f64 = new Float64Array(heap.buffer());
 */
export function cgHeap(prefer: 'wasm' | 'js' = 'wasm'): CgHeap {
  if (prefer === 'wasm') {
    const module = wasmModule();
    if (module) return (shared.wasm ??= new WasmHeap(module));
  }
  return (shared.js ??= new JsHeap());
}

/** Whether WebAssembly SIMD kernels are available in this runtime. */
export function wasmSimdAvailable(): boolean {
  return wasmModule() !== null;
}

