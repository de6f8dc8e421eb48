// Explicit ALS's hot loop (explicit-kernel.ts) as WebAssembly SIMD: one row's normal equations
// a = Σ_j y_j·y_jᵀ and b = Σ_j t_j·y_j with every entry in its own f64x2 local, from the text that
// explicit-wat.ts generates for the row width m (compiled by wat.ts once per width and thread).
// Every entry is still its own sum over j in increasing order from +0, with the same products as
// the JavaScript kernel, so both give identical bits.
// Heap: [accumulators out | yf: nPos rows of mp f32 (the row's features, padded) | off: nPos f32
//        (the target offset, 0 without biases) | pos chunk i32 | r chunk f32].

import { explicitRowWat, pairCount } from './explicit-wat.ts';
import { compileWat } from './wat.ts';

/** Widths up to this use the wasm kernel (above, most accumulators would live in memory anyway). */
export const MAX_WASM_WIDTH = 16;

type RowFn = (yf: number, off: number, pos: number, r: number, s: number, e: number, mean: number, out: number) => void;

const CHUNK = 1 << 16;
const align16 = (n: number): number => (n + 15) & ~15;
const modules = new Map<number, WebAssembly.Module | null>();
const instances = new Map<number, { memory: WebAssembly.Memory; explicitRow: RowFn }>();

function instanceFor(m: number): { memory: WebAssembly.Memory; explicitRow: RowFn } | null {
  let inst = instances.get(m);
  if (inst) return inst;
  if (!modules.has(m)) modules.set(m, compileWat(`explicitRowWat(${m})`, explicitRowWat(m)));
  const mod = modules.get(m);
  if (!mod) return null;
  inst = new WebAssembly.Instance(mod, {}).exports as unknown as { memory: WebAssembly.Memory; explicitRow: RowFn };
  instances.set(m, inst);
  return inst;
}

/**
 * Explicit normal equations of a block's rows in wasm, or null when width m is too large or the
 * runtime lacks SIMD (the caller then uses the JavaScript kernel, which gives the same bits).
 * One instance per width and thread holds the data: use one ExplicitWasm at a time per width.
 *
 * @example
 *   const acc = ExplicitWasm.create(ys, width, features, offset, pos, r);
 *   acc?.accumulate(a, b, rowPtr[u], rowPtr[u + 1], mean);
 */
export class ExplicitWasm {
  private lo = 0;
  private hi = 0;
  private capacity = CHUNK;
  private readonly at: { out: number; yf: number; off: number; pos: number; r: number };
  private accView!: Float64Array;
  private constructor(
    private readonly inst: { memory: WebAssembly.Memory; explicitRow: RowFn },
    private readonly m: number, private readonly pos: Int32Array, private readonly r: Float32Array, nPos: number,
  ) {
    const mp = m + (m & 1);
    const out = 0;
    const yf = align16(16 * (pairCount(m) + mp / 2));
    const off = align16(yf + nPos * mp * 4);
    this.at = { out, yf, off, pos: align16(off + nPos * 4), r: 0 };
    this.layout(CHUNK);
  }

  /** Compiles and instantiates this thread's kernel for width m now (once per thread and width); false when create would return null. */
  static prepare(m: number): boolean {
    return m <= MAX_WASM_WIDTH && instanceFor(m) !== null;
  }

  static create(ys: Float32Array, width: number, features: Int32Array, offset: number, pos: Int32Array, r: Float32Array): ExplicitWasm | null {
    const m = features.length;
    if (m > MAX_WASM_WIDTH) return null;
    const inst = instanceFor(m);
    if (!inst) return null;
    const nPos = width > 0 ? ys.length / width : 0;
    const w = new ExplicitWasm(inst, m, pos, r, nPos);
    const mp = m + (m & 1);
    const buffer = inst.memory.buffer;
    const yf = new Float32Array(buffer, w.at.yf, nPos * mp);
    const off = new Float32Array(buffer, w.at.off, nPos);
    for (let n = 0; n < nPos; n++) {
      const o = n * width;
      for (let t = 0; t < m; t++) yf[n * mp + t] = ys[o + features[t]];
      if (mp > m) yf[n * mp + m] = 0;
      off[n] = offset >= 0 ? ys[o + offset] : 0;
    }
    return w;
  }

  private layout(capacity: number): void {
    this.capacity = capacity;
    this.at.r = align16(this.at.pos + capacity * 4);
    const need = this.at.r + capacity * 4;
    const have = this.inst.memory.buffer.byteLength;
    if (need > have) this.inst.memory.grow(Math.ceil((need - have) / 65536));
    this.accView = new Float64Array(this.inst.memory.buffer, this.at.out, 2 * (pairCount(this.m) + (this.m + (this.m & 1)) / 2));
  }

  private load(s: number, e: number): void {
    if (s >= this.lo && e <= this.hi) return;
    if (e - s > this.capacity) this.layout(e - s);
    const hi = Math.min(this.pos.length, s + this.capacity);
    const buffer = this.inst.memory.buffer;
    new Int32Array(buffer, this.at.pos, hi - s).set(this.pos.subarray(s, hi));
    new Float32Array(buffer, this.at.r, hi - s).set(this.r.subarray(s, hi));
    this.lo = s;
    this.hi = hi;
  }

  /** a (packed lower, m(m+1)/2) and b (m) of ratings [s, e): the JS kernel's bits. */
  accumulate(a: Float64Array, b: Float64Array, s: number, e: number, mean: number): void {
    this.load(s, e);
    this.inst.explicitRow(this.at.yf, this.at.off, this.at.pos, this.at.r, s - this.lo, e - this.lo, mean, this.at.out);
    const acc = this.accView;
    const m = this.m;
    let k = 0;
    for (let i = 0, at = 0; i < m; i++) {
      for (let t = 0; t <= i >> 1; t++, k += 2) {
        a[at + 2 * t] = acc[k];
        if (2 * t + 1 <= i) a[at + 2 * t + 1] = acc[k + 1];
      }
      at += i + 1;
    }
    for (let t = 0; t < m; t++) b[t] = acc[k + t];
  }
}
