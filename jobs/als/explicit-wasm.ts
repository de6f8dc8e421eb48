// Explicit ALS's hot loop (explicit-kernel.ts) as WebAssembly SIMD: one row's normal equations
// a = Σ_j y_j·y_jᵀ and b = Σ_j t_j·y_j with the entries kept two per f64x2 local, generated for the
// row width m. Every entry is still its own sum over j in increasing order from +0, with the same
// products (y_i·y_q and t·y_i) as the JavaScript kernel, so both give identical bits — the lanes
// only do two independent entries per instruction.
//
// Accumulators (m = 3, features y0 y1 y2 promoted from f32 in pairs Y0 = (y0, y1), Y1 = (y2, 0)):
//   row 0: A0 += y0·Y0            → a00 (lane 1 = y0·y1, an upper entry, ignored)
//   row 1: A1 += y1·Y0            → a10 a11
//   row 2: A2 += y2·Y0, A3 += y2·Y1 → a20 a21 | a22 (lane 1 = y2·0, ignored)
//   B0 += t·Y0, B1 += t·Y1        → b0 b1 | b2
// Heap: [accumulators out | yf: nPos rows of mp f32 (the row's features, padded) | off: nPos f32
//        (the target offset, 0 without biases) | pos chunk i32 | r chunk f32].

import { F64, I32, OP, SIMD, V128, f64zero, get, i32, name, section, set, uleb, vec } from './wasm-asm.ts';

/** Widths up to this use the wasm kernel (above, most accumulators would live in memory anyway). */
export const MAX_WASM_WIDTH = 16;

const PROMOTE_PAIR = [0xfd, 0x5d, 3]; // v128.load64_zero align 8, then offset, then f64x2.promote_low_f32x4
const F64X2_PROMOTE = [0xfd, 0x5f];

/** Accumulator count of the lower triangle in pairs: Σ_i ⌈(i+1)/2⌉. */
export function pairCount(m: number): number {
  let n = 0;
  for (let i = 0; i < m; i++) n += (i >> 1) + 1;
  return n;
}

/** The module for width m: explicitRow(yf, off, pos, r, s, e, mean, out) stores A then B at `out`. */
function moduleBytes(m: number): Uint8Array<ArrayBuffer> {
  const mp = m + (m & 1);
  const pairs = mp / 2;
  const nA = pairCount(m);
  // params: yf 0, off 1, pos 2, r 3, s 4, e 5, mean 6 (f64), out 7
  // locals: j 8, o 9, p 10 (i32) | t 11 (f64) | S 12, Y 13.., A .., B .. (v128)
  const J = 8, O = 9, P = 10, T = 11, S = 12, Y0 = 13, A0 = Y0 + pairs, B0 = A0 + nA;
  const body: number[] = [
    ...vec([[3, I32], [1, F64], [1 + pairs + nA + pairs, V128]]),
    ...get(4), ...set(J),
    OP.block, OP.void, OP.loop, OP.void,
    ...get(J), ...get(5), OP.i32GeS, OP.brIf, 1,
    // p = pos[j]; o = yf + p·mp·4
    ...get(2), ...get(J), ...i32(2), OP.i32Shl, OP.i32Add, OP.i32Load, 2, 0, ...set(P),
    ...get(0), ...get(P), ...i32(mp * 4), OP.i32Mul, OP.i32Add, ...set(O),
  ];
  for (let t = 0; t < pairs; t++) body.push(...get(O), ...PROMOTE_PAIR, ...uleb(8 * t), ...F64X2_PROMOTE, ...set(Y0 + t));
  // t = (r[j] − mean) − off[p]
  body.push(
    ...get(3), ...get(J), ...i32(2), OP.i32Shl, OP.i32Add, OP.f32Load, 2, 0, OP.f64PromoteF32, ...get(6), OP.f64Sub,
    ...get(1), ...get(P), ...i32(2), OP.i32Shl, OP.i32Add, OP.f32Load, 2, 0, OP.f64PromoteF32, OP.f64Sub,
    ...SIMD.splat, ...set(S),
  );
  for (let t = 0; t < pairs; t++) body.push(...get(B0 + t), ...get(S), ...get(Y0 + t), ...SIMD.mul, ...SIMD.add, ...set(B0 + t));
  for (let i = 0, a = A0; i < m; i++) {
    body.push(...get(Y0 + (i >> 1)), ...SIMD.lane, i & 1, ...SIMD.splat, ...set(S));
    for (let t = 0; t <= i >> 1; t++, a++) body.push(...get(a), ...get(S), ...get(Y0 + t), ...SIMD.mul, ...SIMD.add, ...set(a));
  }
  body.push(...get(J), ...i32(1), OP.i32Add, ...set(J), OP.br, 0, OP.end, OP.end);
  for (let q = 0; q < nA + pairs; q++) body.push(...get(7), ...get(A0 + q), 0xfd, 0x0b, 4, ...uleb(16 * q));
  body.push(OP.end);
  const types = vec([[0x60, ...vec([[I32], [I32], [I32], [I32], [I32], [I32], [F64], [I32]]), 0]]);
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, types),
    ...section(3, vec([[0]])),
    ...section(5, vec([[0x00, ...uleb(1)]])),
    ...section(7, vec([[...name('memory'), 0x02, 0], [...name('explicitRow'), 0x00, 0]])),
    ...section(10, vec([[...uleb(body.length), ...body]])),
  ]);
}

type RowFn = (yf: number, off: number, pos: number, r: number, s: number, e: number, mean: number, out: number) => void;

const CHUNK = 1 << 16;
const align16 = (n: number): number => (n + 15) & ~15;
const modules = new Map<number, WebAssembly.Module | null>();
const instances = new Map<number, { memory: WebAssembly.Memory; explicitRow: RowFn }>();

function instanceFor(m: number): { memory: WebAssembly.Memory; explicitRow: RowFn } | null {
  let inst = instances.get(m);
  if (inst) return inst;
  if (!modules.has(m)) {
    let mod: WebAssembly.Module | null = null;
    try {
      const bytes = moduleBytes(m);
      if (WebAssembly.validate(bytes)) mod = new WebAssembly.Module(bytes);
    } catch { mod = null; }
    modules.set(m, mod);
  }
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
