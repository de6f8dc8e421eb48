// Top-K of every target (user or item) against all of the other side, blockwise: a block of targets
// × a block of the other side is scored at once by score-kernels.wat (WebAssembly SIMD, or its
// JavaScript twin here, same bits) into a scratch buffer, the kernel lists the scores that beat their
// target's current k-th best, and each target keeps a bounded heap of its best k, fed block after
// block (Spark's ALSModel.recommendForAll does the same with blockify + GEMM).
//
// Exact and deterministic: a score is offset + Σ_d x[d]·y[d] in Float64 over the Float32 factors, in
// increasing d (the bits of AlsModel.predictOne); the order is score descending, ties broken by the
// smaller dense index of the other side (= the smaller id: ids are numbered in sorted order), so a
// result depends on neither the blocks nor the partitions. Excluded (rated) pairs and NaN scores
// never enter; a target with fewer than k candidates gets them all.

import { readFileSync } from 'node:fs';
import { compileWat } from './wat.ts';

export interface TopKInput {
  /** Dense indices of the targets, ascending (duplicates allowed: each gets its own rows). */
  targets: Int32Array;
  /** Factors of the targets' side, row t at t·width. */
  own: Float32Array;
  /** Factors of the other side, row o at o·width; nOther rows. */
  other: Float32Array;
  nOther: number;
  width: number;
  /** Added to every score (the model's centring mean). */
  offset: number;
  k: number;
  /** Excluded others of targets[p]: excluded[excludeStart[p] .. excludeEnd[p]), ascending. */
  excluded?: { others: Int32Array; start: Int32Array; end: Int32Array };
}

/** Rows of the result, target by target (in the order of `targets`), rank 1 = best. */
export interface TopK {
  target: Int32Array;
  other: Int32Array;
  score: Float64Array;
  rank: Int32Array;
}

export interface TopKBlocks {
  /** 'wasm' (default, when this runtime has WebAssembly SIMD) or the JavaScript twin. */
  prefer?: 'wasm' | 'js';
  /** Targets per block (rounded up to a multiple of 4); default 64. */
  targetsPerBlock?: number;
  /** Others per block (rounded up to a multiple of 4); default: about 24 KB of factors. */
  othersPerBlock?: number;
}

interface ScoreKernel {
  readonly kind: 'wasm' | 'js';
  /** Makes the memory at least `bytes` long; may replace `buffer()`. */
  ensure(bytes: number): void;
  buffer(): ArrayBuffer;
  scoreBlock(u: number, ng: number, y: number, ni: number, width: number, offset: number, out: number): void;
  candidates(s: number, nb: number, ni: number, thr: number, list: number): number;
}

const SOURCE = 'score-kernels.wat';
let compiled: WebAssembly.Module | null | undefined;
const kernels: { wasm?: ScoreKernel; js?: ScoreKernel } = {};

function wasmKernel(): ScoreKernel | null {
  if (compiled === undefined) compiled = compileWat(SOURCE, readFileSync(new URL(`./${SOURCE}`, import.meta.url), 'utf8'));
  if (!compiled) return null;
  if (!kernels.wasm) {
    const e = new WebAssembly.Instance(compiled, {}).exports as unknown as { memory: WebAssembly.Memory } & Pick<ScoreKernel, 'scoreBlock' | 'candidates'>;
    kernels.wasm = {
      kind: 'wasm',
      ensure: (bytes) => { const have = e.memory.buffer.byteLength; if (bytes > have) e.memory.grow(Math.ceil((bytes - have) / 65536)); },
      buffer: () => e.memory.buffer,
      scoreBlock: e.scoreBlock,
      candidates: e.candidates,
    };
  }
  return kernels.wasm;
}

/** The twin of score-kernels.wat: the same layouts, each score summed in the same order. */
function jsKernel(): ScoreKernel {
  if (kernels.js) return kernels.js;
  let buf = new ArrayBuffer(65536);
  let f = new Float64Array(buf);
  let i32 = new Int32Array(buf);
  kernels.js = {
    kind: 'js',
    ensure: (bytes) => {
      if (bytes <= buf.byteLength) return;
      buf = new ArrayBuffer(Math.ceil(bytes / 8) * 8);
      f = new Float64Array(buf);
      i32 = new Int32Array(buf);
    },
    buffer: () => buf,
    scoreBlock: (u, ng, y, ni, width, offset, out) => {
      const ub = u >> 3; const yb = y >> 3; const ob = out >> 3;
      for (let r = 0; r < ng * 4; r++) {
        const xb = ub + (r >> 2) * width * 4 + (r & 3);
        for (let i = 0; i < ni; i++) {
          let s = offset;
          for (let d = 0; d < width; d++) s = s + f[xb + d * 4] * f[yb + d * ni + i];
          f[ob + r * ni + i] = s;
        }
      }
    },
    candidates: (s, nb, ni, thr, list) => {
      let n = 0;
      for (let r = 0; r < nb; r++) {
        const t = f[(thr >> 3) + r];
        for (let i = 0, p = (s >> 3) + r * ni; i < ni; i++) if (f[p + i] > t) i32[(list >> 2) + n++] = r * ni + i;
      }
      return n;
    },
  };
  return kernels.js;
}

const up4 = (n: number): number => Math.max(4, Math.ceil(n / 4) * 4);

/** Whether WebAssembly SIMD runs the scoring here (else the JavaScript twin does). */
export function topKKernelKind(prefer: 'wasm' | 'js' = 'wasm'): 'wasm' | 'js' {
  return (prefer === 'wasm' ? wasmKernel() : null)?.kind ?? 'js';
}

/**
 * The best min(k, candidates) others of each target, blockwise (see the file header).
 *
 * @example
 *   const top = topKBlockwise({ targets: Int32Array.of(0, 1), own, other, nOther: 3, width: 2, offset: 0, k: 2 });
 */
export function topKBlockwise(input: TopKInput, blocks: TopKBlocks = {}): TopK {
  const { targets, own, other, nOther, width, offset } = input;
  const kk = Math.max(0, Math.min(input.k, nOther));
  const nT = targets.length;
  if (nT === 0 || kk === 0) return { target: new Int32Array(0), other: new Int32Array(0), score: new Float64Array(0), rank: new Int32Array(0) };
  const kernel = (blocks.prefer ?? 'wasm') === 'wasm' ? (wasmKernel() ?? jsKernel()) : jsKernel();
  const B = up4(Math.min(blocks.targetsPerBlock ?? 64, nT));
  const IB = up4(Math.min(blocks.othersPerBlock ?? Math.floor(3072 / Math.max(1, width)), nOther));
  const nBlocks = Math.ceil(nOther / IB);
  // memory: the other side packed block by block ([d][IB] each), one target block ([group][d][4]),
  // its scores, the targets' thresholds (k-th best so far, −∞ while fewer), the candidates' positions
  const yAt = 0;
  const uAt = yAt + nBlocks * width * IB * 8;
  const sAt = uAt + B * width * 8;
  const tAt = sAt + B * IB * 8;
  const lAt = tAt + B * 8;
  kernel.ensure(lAt + B * IB * 4);
  const f = new Float64Array(kernel.buffer()); // the buffer stays: nothing grows the memory below
  const list = new Int32Array(kernel.buffer(), lAt, B * IB);
  for (let b = 0; b < nBlocks; b++) {
    const base = (yAt >> 3) + b * width * IB;
    const n = Math.min(IB, nOther - b * IB);
    f.fill(0, base, base + width * IB);
    for (let i = 0; i < n; i++) {
      const o = (b * IB + i) * width;
      for (let d = 0; d < width; d++) f[base + d * IB + i] = other[o + d];
    }
  }
  const heapIdx = new Int32Array(B * kk);
  const heapVal = new Float64Array(B * kk);
  const sizes = new Int32Array(B);
  const cursor = new Int32Array(B);
  const ex = input.excluded;
  const outT = new Int32Array(nT * kk); const outO = new Int32Array(nT * kk);
  const outS = new Float64Array(nT * kk); const outR = new Int32Array(nT * kk);
  const ub = uAt >> 3; const sb = sAt >> 3; const tb = tAt >> 3;
  let rows = 0;
  for (let t0 = 0; t0 < nT; t0 += B) {
    const nb = Math.min(B, nT - t0);
    const ng = Math.ceil(nb / 4);
    f.fill(0, ub, ub + ng * 4 * width);
    for (let r = 0; r < nb; r++) {
      const x = targets[t0 + r] * width;
      const gb = ub + (r >> 2) * width * 4 + (r & 3);
      for (let d = 0; d < width; d++) f[gb + d * 4] = own[x + d];
      sizes[r] = 0;
      cursor[r] = ex ? ex.start[t0 + r] : 0;
      f[tb + r] = -Infinity;
    }
    for (let b = 0; b < nBlocks; b++) {
      const i0 = b * IB;
      const n = Math.min(IB, nOther - i0);
      kernel.scoreBlock(uAt, ng, yAt + b * width * IB * 8, IB, width, offset, sAt);
      if (ex) {
        for (let r = 0; r < nb; r++) {
          const end = ex.end[t0 + r];
          let c = cursor[r];
          for (; c < end && ex.others[c] < i0 + n; c++) f[sb + r * IB + ex.others[c] - i0] = -Infinity;
          cursor[r] = c;
        }
      }
      const count = kernel.candidates(sAt, nb, IB, tAt, lAt);
      for (let c = 0; c < count; c++) {
        const at = list[c];
        const r = (at / IB) | 0;
        const j = at - r * IB;
        if (j >= n) continue; // padding past the last other
        sizes[r] = offer(heapIdx, heapVal, r * kk, sizes[r], kk, i0 + j, f[sb + at]);
      }
      for (let r = 0; r < nb; r++) f[tb + r] = sizes[r] < kk ? -Infinity : heapVal[r * kk];
    }
    for (let r = 0; r < nb; r++) rows = drainHeap(heapIdx, heapVal, r * kk, sizes[r], targets[t0 + r], outT, outO, outS, outR, rows);
  }
  return { target: outT.subarray(0, rows), other: outO.subarray(0, rows), score: outS.subarray(0, rows), rank: outR.subarray(0, rows) };
}

/**
 * Offers score s of other o to the min-heap at hb (its worst at the root: lowest score, among equal
 * scores the largest index) of `size` entries, at most kk; returns the new size. A target's others
 * arrive in increasing index, so one that only ties the root is worse and stays out: `s > root` is
 * the whole test once the heap is full (false for NaN and the −∞ of excluded pairs).
 */
function offer(idx: Int32Array, val: Float64Array, hb: number, size: number, kk: number, o: number, s: number): number {
  if (size < kk) {
    if (!(s > -Infinity)) return size;
    let c = size;
    while (c > 0) {
      const p = (c - 1) >> 1;
      const pv = val[hb + p];
      if (!(s < pv || (s === pv && o > idx[hb + p]))) break;
      idx[hb + c] = idx[hb + p]; val[hb + c] = pv; c = p;
    }
    idx[hb + c] = o; val[hb + c] = s;
    return size + 1;
  }
  if (!(s > val[hb])) return size;
  let c = 0;
  for (;;) {
    const l = 2 * c + 1;
    if (l >= size) break;
    let w = l;
    const r = l + 1;
    if (r < size && (val[hb + r] < val[hb + l] || (val[hb + r] === val[hb + l] && idx[hb + r] > idx[hb + l]))) w = r;
    const wv = val[hb + w];
    if (!(wv < s || (wv === s && idx[hb + w] > o))) break;
    idx[hb + c] = idx[hb + w]; val[hb + c] = wv; c = w;
  }
  idx[hb + c] = o; val[hb + c] = s;
  return size;
}

/** Writes one target's heap as rows, best first (score descending, then index ascending); returns the row count. */
function drainHeap(idx: Int32Array, val: Float64Array, hb: number, size: number, target: number, outT: Int32Array, outO: Int32Array, outS: Float64Array, outR: Int32Array, rows: number): number {
  const order = Array.from({ length: size }, (_, x) => hb + x).sort((x, y) => val[y] - val[x] || idx[x] - idx[y]);
  for (let p = 0; p < size; p++) {
    outT[rows] = target; outO[rows] = idx[order[p]]; outS[rows] = val[order[p]]; outR[rows] = p + 1;
    rows++;
  }
  return rows;
}
