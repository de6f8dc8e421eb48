// The inner loops of implicit ALS's conjugate gradient as WebAssembly SIMD (f64x2), assembled from
// bytes at run time (no build step, no binary file), with a plain JavaScript twin that performs
// the very same floating-point operations in the same order, so both give identical bits:
//
//   ratingsApply   out += Σ_j w_j·(y_j·v)·y_j       over ratings j ∈ [start, end) with w_j ≠ 0
//   gramApply      out_i = (G_i·v) + reg·v_i        G full kp×kp, row-major
//   residualRows   out += Σ_j e_j·y_j, e_j = c_j − w_j·(y_j·x) (just c_j when w_j = 0), skipping e_j = 0:
//                  with out = −(G·x + reg·x) beforehand, this is the CG residual b − A·x in one pass
//
// Everything lives in one HEAP (the wasm memory, or an ArrayBuffer for the JS twin), addressed by
// byte offsets: vectors of kp = k rounded up to a multiple of 8 Float64 (padding zeros), `ys` as
// nPos rows of kp Float32 (promoted exactly to f64 when loaded), `pos` Int32, `w`/`c` Float64.
// A dot product y·v is summed in 8 partial sums s_0..s_7 (s_m over the components d ≡ m mod 8, in
// increasing d: 4 f64x2 accumulators, so the adds are not one latency-bound chain), combined as
// ((s0 + s2) + (s4 + s6)) + ((s1 + s3) + (s5 + s7)).
// Sums over ratings (out += …) run in increasing j per component, as the scalar code did.

import { F64, I32, OP, SIMD, V128, addr, f64zero, get, i32, name, section, set, uleb, vec } from './wasm-asm.ts';

/** The three kernels over a heap; pointers are byte offsets (16-byte aligned). */
export interface CgKernels {
  ratingsApply(ys: number, pos: number, w: number, start: number, end: number, kp: number, v: number, out: number): void;
  gramApply(g: number, v: number, out: number, kp: number, reg: number): void;
  residualRows(ys: number, pos: number, w: number, c: number, start: number, end: number, kp: number, x: number, out: number): void;
}

/** Kernels plus the memory they address; `grow` may replace `buffer` (views must be re-made). */
export interface CgHeap {
  readonly kernels: CgKernels;
  readonly kind: 'wasm' | 'js';
  buffer(): ArrayBuffer;
  /** Makes the heap at least `bytes` long. */
  ensure(bytes: number): void;
}

/** Pushes components [8t + 2q, 8t + 2q + 2) of a vector as f64x2, at turn t of a loop (q = 0..3). */
type RowLoad = (q: number) => number[];
/** A Float64 row at local `base`, byte cursor `d` (advancing 64 per turn). */
const f64Row = (base: number, d: number): RowLoad => (q) => [...addr(base, d), 0xfd, 0x00, 4, 16 * q];
/** A Float32 row at local `base`, byte cursor `dy` (advancing 32 per turn), promoted exactly to f64x2. */
const f32Row = (base: number, dy: number): RowLoad => (q) => [...addr(base, dy), 0xfd, 0x5d, 3, 8 * q, 0xfd, 0x5f];
/** Ends a turn: d += 64 (and dy += 32), looping while d < bytes. */
const nextTurn = (d: number, bytes: number, dy: number): number[] => [
  ...(dy >= 0 ? [...get(dy), ...i32(32), OP.i32Add, ...set(dy)] : []),
  ...get(d), ...i32(64), OP.i32Add, OP.tee, d, ...get(bytes), OP.i32LtS, OP.brIf, 0, OP.end,
];
const startTurns = (d: number, dy: number): number[] => [...i32(0), ...set(d), ...(dy >= 0 ? [...i32(0), ...set(dy)] : []), OP.loop, OP.void];
/** Four accumulators acc..acc+3 += y(q) · load(b + d + 16q) over the turns (d < bytes). */
const dotLoop = (acc: number, y: RowLoad, b: number, d: number, bytes: number, dy = -1): number[] => [
  ...[0, 1, 2, 3].flatMap((q) => [...f64zero, ...SIMD.splat, ...set(acc + q)]),
  ...startTurns(d, dy),
  ...[0, 1, 2, 3].flatMap((q) => [...get(acc + q), ...y(q), ...addr(b, d), 0xfd, 0x00, 4, 16 * q, ...SIMD.mul, ...SIMD.add, ...set(acc + q)]),
  ...nextTurn(d, bytes, dy),
];
/** The dot product of the four accumulators: ((acc0 + acc1) + (acc2 + acc3)), then lane 0 + lane 1. */
const dotSum = (acc: number): number[] => [
  ...get(acc), ...get(acc + 1), ...SIMD.add, ...get(acc + 2), ...get(acc + 3), ...SIMD.add, ...SIMD.add, ...set(acc),
  ...get(acc), ...SIMD.lane, 0, ...get(acc), ...SIMD.lane, 1, OP.f64Add,
];
/** out[d] += s · y[d] with s splat in `acc`, over the turns (d < bytes). */
const axpyLoop = (acc: number, y: RowLoad, out: number, d: number, bytes: number, dy = -1): number[] => [
  ...startTurns(d, dy),
  ...[0, 1, 2, 3].flatMap((q) => [
    ...addr(out, d), ...addr(out, d), 0xfd, 0x00, 4, 16 * q, ...get(acc), ...y(q), ...SIMD.mul, ...SIMD.add, 0xfd, 0x0b, 4, 16 * q,
  ]),
  ...nextTurn(d, bytes, dy),
];
/** o = ys + pos[j]·stride */
const rowAddress = (ys: number, pos: number, j: number, bytes: number, o: number): number[] => [
  ...get(ys), ...get(pos), ...get(j), ...i32(2), OP.i32Shl, OP.i32Add, OP.i32Load, 2, 0, ...get(bytes), OP.i32Mul, OP.i32Add, ...set(o),
];
/** Loop j over [start, end) skipping entries whose Float64 weight (at wArr + 8j) is 0; `body` sees it in local `wj`. */
const ratingsLoop = (j: number, start: number, end: number, wArr: number, wj: number, body: number[]): number[] => [
  ...get(start), ...set(j),
  OP.block, OP.void, OP.loop, OP.void,
  ...get(j), ...get(end), OP.i32GeS, OP.brIf, 1,
  ...get(wArr), ...get(j), ...i32(3), OP.i32Shl, OP.i32Add, OP.f64Load, 3, 0, OP.tee, wj, ...f64zero, OP.f64Ne,
  OP.if, OP.void, ...body, OP.end,
  ...get(j), ...i32(1), OP.i32Add, ...set(j), OP.br, 0,
  OP.end, OP.end,
];

function moduleBytes(): Uint8Array<ArrayBuffer> {
  // ratingsApply(ys 0, pos 1, w 2, start 3, end 4, kp 5, v 6, out 7); j 8, o 9, d 10, bytes 11, dy 12, stride 13 | acc 14-17 | wj 18
  const ratingsApply = [
    ...vec([[6, I32], [4, V128], [1, F64]]),
    ...get(5), ...i32(3), OP.i32Shl, ...set(11), ...get(5), ...i32(2), OP.i32Shl, ...set(13),
    ...ratingsLoop(8, 3, 4, 2, 18, [
      ...rowAddress(0, 1, 8, 13, 9),
      ...dotLoop(14, f32Row(9, 12), 6, 10, 11, 12),
      ...get(18), ...dotSum(14), OP.f64Mul, ...SIMD.splat, ...set(14),
      ...axpyLoop(14, f32Row(9, 12), 7, 10, 11, 12),
    ]),
    OP.end,
  ];
  // residualRows(ys 0, pos 1, w 2, c 3, start 4, end 5, kp 6, x 7, out 8); j 9, o 10, d 11, bytes 12, dy 13, stride 14 | acc 15-18 | wj 19, cj 20
  const f64At = (arr: number, j: number): number[] => [...get(arr), ...get(j), ...i32(3), OP.i32Shl, OP.i32Add, OP.f64Load, 3, 0];
  const residualRows = [
    ...vec([[6, I32], [4, V128], [2, F64]]),
    ...get(6), ...i32(3), OP.i32Shl, ...set(12), ...get(6), ...i32(2), OP.i32Shl, ...set(14), ...get(4), ...set(9),
    OP.block, OP.void, OP.loop, OP.void,
    ...get(9), ...get(5), OP.i32GeS, OP.brIf, 1,
    ...rowAddress(0, 1, 9, 14, 10),
    ...f64At(3, 9), ...set(20),
    ...f64At(2, 9), OP.tee, 19, ...f64zero, OP.f64Ne,
    OP.if, OP.void,
    ...dotLoop(15, f32Row(10, 13), 7, 11, 12, 13),
    ...get(20), ...get(19), ...dotSum(15), OP.f64Mul, OP.f64Sub, ...set(20),
    OP.end,
    ...get(20), ...f64zero, OP.f64Ne,
    OP.if, OP.void,
    ...get(20), ...SIMD.splat, ...set(15),
    ...axpyLoop(15, f32Row(10, 13), 8, 11, 12, 13),
    OP.end,
    ...get(9), ...i32(1), OP.i32Add, ...set(9), OP.br, 0,
    OP.end, OP.end,
    OP.end,
  ];
  // gramApply(g 0, v 1, out 2, kp 3, reg 4); i 5, d 6, row 7, bytes 8 | acc 9-12
  const gramApply = [
    ...vec([[4, I32], [4, V128]]),
    ...get(3), ...i32(3), OP.i32Shl, ...set(8), ...get(0), ...set(7), ...i32(0), ...set(5),
    OP.loop, OP.void,
    ...dotLoop(9, f64Row(7, 6), 1, 6, 8),
    ...addr(2, 5), ...dotSum(9), ...get(4), ...addr(1, 5), OP.f64Load, 3, 0, OP.f64Mul, OP.f64Add, OP.f64Store, 3, 0,
    ...get(7), ...get(8), OP.i32Add, ...set(7),
    ...get(5), ...i32(8), OP.i32Add, OP.tee, 5, ...get(8), OP.i32LtS, OP.brIf, 0,
    OP.end,
    OP.end,
  ];
  const types = vec([
    [0x60, ...vec(Array.from({ length: 8 }, () => [I32])), 0],
    [0x60, ...vec([[I32], [I32], [I32], [I32], [F64]]), 0],
    [0x60, ...vec(Array.from({ length: 9 }, () => [I32])), 0],
  ]);
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, types),
    ...section(3, vec([[0], [1], [2]])),
    ...section(5, vec([[0x00, ...uleb(1)]])),
    ...section(7, vec([[...name('memory'), 0x02, 0], [...name('ratingsApply'), 0x00, 0], [...name('gramApply'), 0x00, 1], [...name('residualRows'), 0x00, 2]])),
    ...section(10, vec([ratingsApply, gramApply, residualRows].map((body) => [...uleb(body.length), ...body]))),
  ];
  return Uint8Array.from(bytes);
}

// ---- the wasm heap ------------------------------------------------------------------------------

let compiled: WebAssembly.Module | null | undefined;

/** The compiled module, or null when this runtime has no WebAssembly SIMD. */
function wasmModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  try {
    const bytes = moduleBytes();
    compiled = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  } catch {
    compiled = null;
  }
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
    ratingsApply: (ys, pos, w, start, end, kp, v, out) => {
      const f = this.f64; const y = this.f32; const p = pos >> 2; const wb = w >> 3; const vb = v >> 3; const ob = out >> 3; const yb = ys >> 2;
      for (let j = start; j < end; j++) {
        const wj = f[wb + j];
        if (!(wj !== 0)) continue;
        const o = yb + this.i32[p + j] * kp;
        const s = wj * dot8(y, o, f, vb, kp);
        for (let d = 0; d < kp; d++) f[ob + d] = f[ob + d] + s * y[o + d];
      }
    },
    residualRows: (ys, pos, w, c, start, end, kp, x, out) => {
      const f = this.f64; const y = this.f32; const p = pos >> 2; const wb = w >> 3; const cb = c >> 3; const xb = x >> 3; const ob = out >> 3; const yb = ys >> 2;
      for (let j = start; j < end; j++) {
        const o = yb + this.i32[p + j] * kp;
        let e = f[cb + j];
        const wj = f[wb + j];
        if (wj !== 0) e = e - wj * dot8(y, o, f, xb, kp);
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

