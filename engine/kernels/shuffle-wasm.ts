// WebAssembly kernels of a shuffle's map side: hashing numeric key columns (the MurmurHash3 of
// key-hash.ts, bit for bit) and scattering fixed-width columns into their buckets (bucket-encoder.ts).
//
// Why: V8's code for these typed-array loops is several times slower than the same loops in wasm
// (measured on a 375,000-row map task: a float64 column scattered into 8 buckets 2.9 ns/value in
// JavaScript, 0.6 ns in wasm; an int32 key hashed 4.3 ns in JavaScript, 2.9 ns in wasm). The
// columns live outside wasm memory, so rows go through it in chunks of CHUNK rows: each chunk is
// copied in (a memcpy, ~0.06 ms per 3 MB), worked on, and copied out, in a 1 MiB staging area. The
// memory is shared, and past the staging area it holds the thread's pooled map output buffers
// (output-buffers.ts, up to 64 MiB): an output encoded there is scattered in place, not copied out.
//
// The kernels are written with wasm-binary.ts and compiled once per thread on first use (well
// under a millisecond). Every function here returns false when wasm cannot run, and callers then
// take their JavaScript loop, which computes the same bytes.

import { F64, I32, I64, V128, f64, get, i32, i32x4, i64, load, moduleBytes, op, set, simd, simdOp, store, tee } from './wasm-binary.ts';
import type { FuncSpec } from './wasm-binary.ts';

/** Rows per chunk copied through wasm memory. */
const CHUNK = 32768;

/** `for (i = 0; i < n; i++) { inner }` with i and n in locals. */
function forRows(i: number, n: number, inner: number[]): number[] {
  return [
    op.block, op.void, op.loop, op.void,
    ...get(i), ...get(n), op.i32_ge_u, op.br_if, 1,
    ...inner,
    ...get(i), ...i32(1), op.i32_add, ...set(i),
    op.br, 0,
    op.end, op.end,
  ];
}

/** Address `base + i << shift` on the stack. */
const at = (base: number, i: number, shift: number): number[] => [...get(base), ...get(i), ...(shift > 0 ? [...i32(shift), op.i32_shl] : []), op.i32_add];

/** scatterN(src, dst, ids, pos, n): row i's N bytes to slot pos[ids[i]]++ of dst. */
function scatter(width: 1 | 2 | 4 | 8): FuncSpec {
  const [SRC, DST, IDS, POS, N, I, PB, P] = [0, 1, 2, 3, 4, 5, 6, 7];
  const shift = Math.log2(width);
  const [ld, st] = width === 8 ? [load.i64, store.i64] : width === 4 ? [load.i32, store.i32] : width === 2 ? [load.u16, store.i16] : [load.u8, store.i8];
  return {
    name: `scatter${width}`, params: [I32, I32, I32, I32, I32], results: [], locals: [I32, I32, I32],
    body: forRows(I, N, [
      ...get(POS), ...at(IDS, I, 2), ...load.i32, ...i32(2), op.i32_shl, op.i32_add, ...tee(PB),
      ...load.i32, ...set(P),
      ...at(DST, P, shift), ...at(SRC, I, shift), ...ld, ...st,
      ...get(PB), ...get(P), ...i32(1), op.i32_add, ...store.i32,
    ]),
  };
}

/** count(ids, n, counts): counts[ids[i]]++. */
function count(): FuncSpec {
  const [IDS, N, COUNTS, I, A] = [0, 1, 2, 3, 4];
  return {
    name: 'count', params: [I32, I32, I32], results: [], locals: [I32, I32],
    body: forRows(I, N, [
      ...get(COUNTS), ...at(IDS, I, 2), ...load.i32, ...i32(2), op.i32_shl, op.i32_add, ...tee(A),
      ...get(A), ...load.i32, ...i32(1), op.i32_add, ...store.i32,
    ]),
  };
}

/** count_checked(ids, n, counts, nb): counts[ids[i]]++, or the first i whose id is outside [0, nb) (-1: none). */
function countChecked(): FuncSpec {
  const [IDS, N, COUNTS, NB, I, B, A] = [0, 1, 2, 3, 4, 5, 6];
  return {
    name: 'count_checked', params: [I32, I32, I32, I32], results: [I32], locals: [I32, I32, I32],
    body: [
      ...forRows(I, N, [
        ...at(IDS, I, 2), ...load.i32, ...set(B),
        ...get(B), ...get(NB), op.i32_ge_u, op.if, op.void, ...get(I), op.return, op.end,
        ...at(COUNTS, B, 2), ...tee(A), ...get(A), ...load.i32, ...i32(1), op.i32_add, ...store.i32,
      ]),
      ...i32(-1),
    ],
  };
}

/** mask(h, n, m) / rem(h, n, p): h[i] = h[i] & m, or h[i] % p unsigned (partitioner.ts hashModulo). */
function modulo(kind: 'mask' | 'rem'): FuncSpec {
  const [H, N, M, I, A] = [0, 1, 2, 3, 4];
  return {
    name: kind, params: [I32, I32, I32], results: [], locals: [I32, I32],
    body: forRows(I, N, [...at(H, I, 2), ...tee(A), ...get(A), ...load.i32, ...get(M), kind === 'mask' ? op.i32_and : op.i32_rem_u, ...store.i32]),
  };
}

/** How each key kind becomes the 64-bit pattern of its float64 value (key-hash.ts). */
type KeyKind = 'i32' | 'u32' | 'i64' | 'u64' | 'f64';

/**
 * hash_<kind>(keys, hashes, n): hashes[i] = murmur3 of the float64 bits of keys[i], seeded with
 * hashes[i] (key-hash.ts hashWords; float64 keys with -0 → 0 and every NaN → 0x7ff8000000000000).
 */
function hash(kind: KeyKind): FuncSpec {
  const [KEYS, HASHES, N, I, K, H, X] = [0, 1, 2, 3, 4, 5, 6];
  const bits: number[] =
    kind === 'i32' ? [...at(KEYS, I, 2), ...load.i32, op.f64_convert_i32_s, op.i64_reinterpret_f64]
    : kind === 'u32' ? [...at(KEYS, I, 2), ...load.i32, op.f64_convert_i32_u, op.i64_reinterpret_f64]
    : kind === 'i64' ? [...at(KEYS, I, 3), ...load.i64, op.f64_convert_i64_s, op.i64_reinterpret_f64]
    : kind === 'u64' ? [...at(KEYS, I, 3), ...load.i64, op.f64_convert_i64_u, op.i64_reinterpret_f64]
    : [
      ...at(KEYS, I, 3), ...load.f64, ...set(X),
      ...i64(0n), ...get(X), op.i64_reinterpret_f64, ...get(X), ...f64(0), op.f64_eq, op.select,
      ...set(K), ...i64(0x7ff8000000000000n), ...get(K), ...get(X), ...get(X), op.f64_ne, op.select,
    ];
  // mixH(h, word on the stack): h = rotl(h ^ rotl(word * C1, 15) * C2, 13) * 5 + 0xe6546b64
  const mixH = (): number[] => [
    ...i32(0xcc9e2d51), op.i32_mul, ...i32(15), op.i32_rotl, ...i32(0x1b873593), op.i32_mul,
    ...get(H), op.i32_xor, ...i32(13), op.i32_rotl, ...i32(5), op.i32_mul, ...i32(0xe6546b64), op.i32_add, ...set(H),
  ];
  return {
    name: `hash_${kind}`, params: [I32, I32, I32], results: [], locals: [I32, I64, I32, F64],
    body: forRows(I, N, [
      ...bits, ...set(K),
      ...at(HASHES, I, 2), ...load.i32, ...set(H),
      ...get(K), op.i32_wrap_i64, ...mixH(),
      ...get(K), ...i64(32n), op.i64_shr_u, op.i32_wrap_i64, ...mixH(),
      // fmix(h ^ 8): the length of the 8 hashed bytes, then MurmurHash3's finalizer
      ...at(HASHES, I, 2),
      ...get(H), ...i32(8), op.i32_xor, ...tee(H),
      ...get(H), ...i32(16), op.i32_shr_u, op.i32_xor, ...i32(0x85ebca6b), op.i32_mul, ...tee(H),
      ...get(H), ...i32(13), op.i32_shr_u, op.i32_xor, ...i32(0xc2b2ae35), op.i32_mul, ...tee(H),
      ...get(H), ...i32(16), op.i32_shr_u, op.i32_xor,
      ...store.i32,
    ]),
  };
}

/**
 * hash4_<kind>(keys, hashes, n): hash_<kind> four rows at a time in SIMD lanes (n a multiple of 4),
 * for the key kinds whose float64 conversion has a SIMD instruction (int32, uint32) or needs none.
 */
function hash4(kind: 'i32' | 'u32' | 'f64'): FuncSpec {
  const [KEYS, HASHES, N, I, D0, D1, LO, HI, H] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const mem = [4, 0]; // memarg: 16-byte alignment hint, offset 0
  const v = (o: number, ...imm: number[]): number[] => simd(o, ...imm);
  const x = simdOp;
  const lanes = (from: number[]): number[] => v(x.i8x16_shuffle, ...from.flatMap((w) => [4 * w, 4 * w + 1, 4 * w + 2, 4 * w + 3]));
  const canonical = (d: number): number[] => [
    // -0 → +0 (0 == -0), then every NaN → 0x7ff8000000000000 (x != x)
    ...i32x4(0), ...get(d), ...get(d), ...i32x4(0), ...v(x.f64x2_eq), ...v(x.v128_bitselect), ...set(d),
    ...i32x4(0, 0x7ff80000, 0, 0x7ff80000), ...get(d), ...get(d), ...get(d), ...v(x.f64x2_ne), ...v(x.v128_bitselect), ...set(d),
  ];
  const convert = kind === 'i32' ? x.f64x2_convert_low_i32x4_s : x.f64x2_convert_low_i32x4_u;
  const doubles: number[] = kind === 'f64'
    ? [
      ...get(KEYS), ...get(I), ...i32(3), op.i32_shl, op.i32_add, ...v(x.v128_load, ...mem), ...set(D0),
      ...get(KEYS), ...get(I), ...i32(3), op.i32_shl, op.i32_add, ...i32(16), op.i32_add, ...v(x.v128_load, ...mem), ...set(D1),
      ...canonical(D0), ...canonical(D1),
    ]
    : [
      ...at(KEYS, I, 2), ...v(x.v128_load, ...mem), ...set(LO),
      ...get(LO), ...v(convert), ...set(D0),
      ...get(LO), ...get(LO), ...lanes([2, 3, 2, 3]), ...v(convert), ...set(D1),
    ];
  const rotl = (r: number): number[] => [...tee(LO), ...i32(r), ...v(x.i32x4_shl), ...get(LO), ...i32(32 - r), ...v(x.i32x4_shr_u), ...v(x.v128_or)];
  // mixH(H, word lanes on the stack), as in hash(): LO is the scratch of rotl
  const mixH = (): number[] => [
    ...i32x4(0xcc9e2d51), ...v(x.i32x4_mul), ...rotl(15), ...i32x4(0x1b873593), ...v(x.i32x4_mul),
    ...get(H), ...v(x.v128_xor), ...rotl(13), ...i32x4(5), ...v(x.i32x4_mul), ...i32x4(0xe6546b64), ...v(x.i32x4_add), ...set(H),
  ];
  const xorShift = (r: number): number[] => [...tee(H), ...get(H), ...i32(r), ...v(x.i32x4_shr_u), ...v(x.v128_xor)];
  return {
    name: `hash4_${kind}`, params: [I32, I32, I32], results: [], locals: [I32, V128, V128, V128, V128, V128],
    body: [
      op.block, op.void, op.loop, op.void,
      ...get(I), ...get(N), op.i32_ge_u, op.br_if, 1,
      ...doubles,
      ...get(D0), ...get(D1), ...lanes([0, 2, 4, 6]), ...set(HI), // low words of the four doubles (HI as scratch)
      ...at(HASHES, I, 2), ...v(x.v128_load, ...mem), ...set(H),
      ...get(HI), ...mixH(),
      ...get(D0), ...get(D1), ...lanes([1, 3, 5, 7]), ...mixH(),
      ...at(HASHES, I, 2),
      ...get(H), ...i32x4(8), ...v(x.v128_xor),
      ...xorShift(16), ...i32x4(0x85ebca6b), ...v(x.i32x4_mul),
      ...xorShift(13), ...i32x4(0xc2b2ae35), ...v(x.i32x4_mul),
      ...xorShift(16),
      ...v(x.v128_store, ...mem),
      ...get(I), ...i32(4), op.i32_add, ...set(I),
      op.br, 0,
      op.end, op.end,
    ],
  };
}

/**
 * hash_bytes(vb, offsets, hashes, n): hashes[i] = murmur3 of row i's bytes [vb + offsets[i],
 * vb + offsets[i + 1]), seeded with hashes[i] (key-hash.ts murmur3Bytes; vb is where the chunk's
 * bytes were copied less the chunk's first offset, so the column's own offsets address them).
 */
function hashBytes(): FuncSpec {
  const [VB, OFFS, HASHES, N, I, P, BE, LEN, H, K] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const mixK = (): number[] => [...i32(0xcc9e2d51), op.i32_mul, ...i32(15), op.i32_rotl, ...i32(0x1b873593), op.i32_mul];
  const u8 = (offset: number): number[] => [...get(P), ...(offset > 0 ? [...i32(offset), op.i32_add] : []), ...load.u8];
  return {
    name: 'hash_bytes', params: [I32, I32, I32, I32], results: [], locals: [I32, I32, I32, I32, I32, I32],
    body: forRows(I, N, [
      ...get(VB), ...at(OFFS, I, 2), ...load.i32, op.i32_add, ...set(P),
      ...at(OFFS, I, 2), ...i32(4), op.i32_add, ...load.i32, ...at(OFFS, I, 2), ...load.i32, op.i32_sub, ...set(LEN),
      ...get(P), ...get(LEN), ...i32(-4), op.i32_and, op.i32_add, ...set(BE),
      ...at(HASHES, I, 2), ...load.i32, ...set(H),
      // 4-byte blocks, little-endian, unaligned
      op.block, op.void, op.loop, op.void,
      ...get(P), ...get(BE), op.i32_ge_u, op.br_if, 1,
      ...get(P), 0x28, 0, 0, ...mixK(), ...get(H), op.i32_xor, ...i32(13), op.i32_rotl, ...i32(5), op.i32_mul, ...i32(0xe6546b64), op.i32_add, ...set(H),
      ...get(P), ...i32(4), op.i32_add, ...set(P),
      op.br, 0,
      op.end, op.end,
      // the 1-3 tail bytes
      ...get(LEN), ...i32(3), op.i32_and, op.if, op.void,
      ...u8(0), ...set(K),
      ...get(LEN), ...i32(3), op.i32_and, ...i32(1), op.i32_sub, op.if, op.void,
      ...get(K), ...u8(1), ...i32(8), op.i32_shl, op.i32_xor, ...set(K),
      op.end,
      ...get(LEN), ...i32(3), op.i32_and, ...i32(3), op.i32_eq, op.if, op.void,
      ...get(K), ...u8(2), ...i32(16), op.i32_shl, op.i32_xor, ...set(K),
      op.end,
      ...get(H), ...get(K), ...mixK(), op.i32_xor, ...set(H),
      op.end,
      // fmix(h ^ length)
      ...at(HASHES, I, 2),
      ...get(H), ...get(LEN), op.i32_xor, ...tee(H),
      ...get(H), ...i32(16), op.i32_shr_u, op.i32_xor, ...i32(0x85ebca6b), op.i32_mul, ...tee(H),
      ...get(H), ...i32(13), op.i32_shr_u, op.i32_xor, ...i32(0xc2b2ae35), op.i32_mul, ...tee(H),
      ...get(H), ...i32(16), op.i32_shr_u, op.i32_xor,
      ...store.i32,
    ]),
  };
}

/**
 * scatter_bin(vb, offsets, ids, state, nb, n): row i's bytes (vb + offsets[i] .. vb + offsets[i + 1])
 * appended to bucket ids[i]'s values, and the bucket's new value length to its next offsets slot.
 * state holds three nb-long arrays of addresses: values end, last offsets slot, values start.
 */
function scatterBinaryKernel(): FuncSpec {
  const [VB, OFFS, IDS, STATE, NB, N, I, S, LEN, VP, A, OP] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const nb4 = (k: number): number[] => [...get(A), ...get(NB), ...i32(4 * k), op.i32_mul, op.i32_add];
  return {
    name: 'scatter_bin', params: [I32, I32, I32, I32, I32, I32], results: [], locals: [I32, I32, I32, I32, I32, I32],
    body: forRows(I, N, [
      ...get(STATE), ...at(IDS, I, 2), ...load.i32, ...i32(2), op.i32_shl, op.i32_add, ...set(A),
      ...at(OFFS, I, 2), ...load.i32, ...set(S),
      ...at(OFFS, I, 2), ...i32(4), op.i32_add, ...load.i32, ...get(S), op.i32_sub, ...set(LEN),
      ...get(A), ...load.i32, ...tee(VP),
      ...get(VB), ...get(S), op.i32_add, ...get(LEN), 0xfc, 10, 0, 0, // memory.copy(vp, vb + s, len)
      ...get(A), ...get(VP), ...get(LEN), op.i32_add, ...tee(VP), ...store.i32,
      ...nb4(1), ...nb4(1), ...load.i32, ...i32(4), op.i32_add, ...tee(OP), ...store.i32,
      ...get(OP), ...get(VP), ...nb4(2), ...load.i32, op.i32_sub, ...store.i32,
    ]),
  };
}

/**
 * scatter_bits(src, srcBit, ids, pos, n): bit srcBit + i of src (a validity or Bool bitmap) OR-ed
 * into bit pos[ids[i]]++ of memory (pos: absolute bit addresses; the regions are zeroed before).
 */
function scatterBitsKernel(): FuncSpec {
  const [SRC, SB, IDS, POS, N, I, A, P, BIT, ADDR] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  return {
    name: 'scatter_bits', params: [I32, I32, I32, I32, I32], results: [], locals: [I32, I32, I32, I32, I32],
    body: forRows(I, N, [
      ...get(POS), ...at(IDS, I, 2), ...load.i32, ...i32(2), op.i32_shl, op.i32_add, ...tee(A),
      ...load.i32, ...set(P),
      ...get(A), ...get(P), ...i32(1), op.i32_add, ...store.i32,
      ...get(SB), ...get(I), op.i32_add, ...set(BIT),
      ...get(SRC), ...get(BIT), ...i32(3), op.i32_shr_u, op.i32_add, ...load.u8, ...get(BIT), ...i32(7), op.i32_and, op.i32_shr_u, ...i32(1), op.i32_and,
      op.if, op.void,
      ...get(P), ...i32(3), op.i32_shr_u, ...tee(ADDR),
      ...get(ADDR), ...load.u8, ...i32(1), ...get(P), ...i32(7), op.i32_and, op.i32_shl, op.i32_or,
      ...store.i8,
      op.end,
    ]),
  };
}

type Fn = (...args: number[]) => void;

interface Kernels {
  memory: WebAssembly.Memory;
  scatter: Record<1 | 2 | 4 | 8, Fn>;
  count: Fn;
  countChecked: (ids: number, n: number, counts: number, nb: number) => number;
  mask: Fn;
  rem: Fn;
  hash: Record<KeyKind, Fn>;
  hashBytes: Fn;
  scatterBinary: Fn;
  scatterBits: Fn;
  /** The SIMD twins of hash (absent where wasm has no SIMD). */
  hash4?: Partial<Record<KeyKind, Fn>>;
}

let compiled: Kernels | null | undefined;

/** Bytes at the start of the kernels' memory for their chunks (past them: map output buffers, see kernelOutputRegion). */
const STAGING_BYTES = 1 << 20;
/** Most map output bytes a thread's kernel memory holds (the output pool's own limit is at most this). */
const MAX_OUTPUT_BYTES = 64 << 20;
const PAGE = 65536;

function kernels(): Kernels | null {
  if (compiled !== undefined) return compiled;
  const scalar = [scatter(1), scatter(2), scatter(4), scatter(8), count(), countChecked(), modulo('mask'), modulo('rem'), ...(['i32', 'u32', 'i64', 'u64', 'f64'] as const).map(hash), hashBytes(), scatterBinaryKernel(), scatterBitsKernel()];
  const vector = (['i32', 'u32', 'f64'] as const).map(hash4);
  type Exports = Record<string, Fn> & { memory: WebAssembly.Memory; count_checked: Kernels['countChecked'] };
  const instantiate = (funcs: FuncSpec[], shared: boolean): Exports | null => {
    try {
      const pages = STAGING_BYTES / PAGE;
      if (!shared) return new WebAssembly.Instance(new WebAssembly.Module(moduleBytes(funcs, { pages })), {}).exports as never;
      const maxPages = (STAGING_BYTES + MAX_OUTPUT_BYTES) / PAGE;
      const memory = new WebAssembly.Memory({ initial: pages, maximum: maxPages, shared: true } as WebAssembly.MemoryDescriptor);
      return new WebAssembly.Instance(new WebAssembly.Module(moduleBytes(funcs, { pages, shared: { maxPages } })), { env: { memory } }).exports as never;
    } catch {
      return null;
    }
  };
  // A shared memory (map outputs can then be encoded straight into it), else a memory of its own;
  // without SIMD the module fails to validate: then the scalar kernels alone; without wasm, none.
  const e = instantiate([...scalar, ...vector], true) ?? instantiate(scalar, true) ?? instantiate([...scalar, ...vector], false) ?? instantiate(scalar, false);
  compiled = e && {
    memory: e.memory,
    scatter: { 1: e.scatter1!, 2: e.scatter2!, 4: e.scatter4!, 8: e.scatter8! },
    count: e.count!,
    countChecked: e.count_checked,
    mask: e.mask!,
    rem: e.rem!,
    hash: { i32: e.hash_i32!, u32: e.hash_u32!, i64: e.hash_i64!, u64: e.hash_u64!, f64: e.hash_f64! },
    hashBytes: e.hash_bytes!,
    scatterBinary: e.scatter_bin!,
    scatterBits: e.scatter_bits!,
    hash4: e.hash4_i32 ? { i32: e.hash4_i32, u32: e.hash4_u32!, f64: e.hash4_f64! } : undefined,
  };
  if (compiled && compiled.memory.buffer instanceof SharedArrayBuffer) {
    outputEnd = STAGING_BYTES;
    kernelBuffers.add(compiled.memory.buffer);
  }
  return compiled;
}

/** Every buffer object the shared kernel memory has had (one per growth): views over them are kernel memory. */
const kernelBuffers = new WeakSet<ArrayBufferLike>();
/** End of the output regions handed out so far (0: this thread has no shared kernel memory). */
let outputEnd = 0;

/**
 * Reserves `bytes` (a multiple of 64 KiB) of this thread's shared kernel memory for map output
 * buffers, and returns where they start and the memory's buffer covering them; undefined when there
 * is no shared kernel memory or no room left (callers then use SharedArrayBuffers of their own).
 * A map output encoded there is scattered straight into place, without a copy out of wasm memory.
 *
 * @example const region = kernelOutputRegion(16 << 20); // new Uint8Array(region.buffer, region.offset, ...)
 */
export function kernelOutputRegion(bytes: number): { buffer: SharedArrayBuffer; offset: number } | undefined {
  const k = kernels();
  if (!k || outputEnd === 0 || bytes % PAGE !== 0 || outputEnd + bytes > STAGING_BYTES + MAX_OUTPUT_BYTES) return undefined;
  const offset = outputEnd;
  const have = k.memory.buffer.byteLength;
  try {
    if (have < offset + bytes) k.memory.grow((offset + bytes - have) / PAGE);
  } catch {
    return undefined; // the address space for the maximum could not be committed: no kernel outputs
  }
  outputEnd = offset + bytes;
  return { buffer: kernelMemoryBuffer()!, offset };
}

/** The shared kernel memory's current buffer (covering every region handed out), if there is one. */
export function kernelMemoryBuffer(): SharedArrayBuffer | undefined {
  if (outputEnd === 0 || !compiled) return undefined;
  const buffer = compiled.memory.buffer as unknown as SharedArrayBuffer;
  kernelBuffers.add(buffer);
  return buffer;
}

/** hash_<kind> of `m` rows at KEYS into HASHES: four at a time in SIMD where it can, the rest one by one. */
function hashRows(k: Kernels, kind: KeyKind, keys: number, hashes: number, m: number): void {
  const simd4 = k.hash4?.[kind];
  const m4 = simd4 ? m & ~3 : 0;
  if (m4 > 0) simd4!(keys, hashes, m4);
  if (m4 < m) k.hash[kind](keys + m4 * (kind === 'i32' || kind === 'u32' ? 4 : 8), hashes + m4 * 4, m - m4);
}

/** The staging part of wasm memory (`bytes` of it), as a fresh byte view; undefined if `bytes` exceed it. */
function heap(k: Kernels, bytes: number): Uint8Array | undefined {
  if (bytes > STAGING_BYTES) return undefined;
  return new Uint8Array(k.memory.buffer, 0, STAGING_BYTES);
}

/** Bytes of a typed array (or any view) as a Uint8Array over the same memory. */
const bytesOf = (v: ArrayBufferView): Uint8Array => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);

/**
 * Hashes `values` (one key column, no nulls) into `hashes` in place, seeded by their old values,
 * as key-hash.ts hashes numbers; false (nothing done) when wasm is unavailable.
 *
 * @example if (!hashNumbersWasm(int32Keys, 'i32', hashes)) hashInJavaScript(...)
 */
export function hashNumbersWasm(values: ArrayBufferView, kind: KeyKind, hashes: Uint32Array): boolean {
  const k = kernels();
  if (!k) return false;
  const n = hashes.length;
  const width = kind === 'i32' || kind === 'u32' ? 4 : 8;
  const KEYS = 0;
  const HASHES = CHUNK * 8;
  const mem = heap(k, HASHES + CHUNK * 4)!;
  const src = bytesOf(values);
  const dst = bytesOf(hashes);
  for (let c0 = 0; c0 < n; c0 += CHUNK) {
    const m = Math.min(CHUNK, n - c0);
    mem.set(src.subarray(c0 * width, (c0 + m) * width), KEYS);
    mem.set(dst.subarray(c0 * 4, (c0 + m) * 4), HASHES);
    hashRows(k, kind, KEYS, HASHES, m);
    dst.set(mem.subarray(HASHES, HASHES + m * 4), c0 * 4);
  }
  return true;
}

/**
 * Hashes a binary or string column (no nulls; row i is values[offsets[i], offsets[i + 1])) into
 * `hashes` in place, seeded by their old values, as key-hash.ts murmur3Bytes does; rows too long
 * for the kernels' staging memory go to `hashRow`. False (nothing done) when wasm is unavailable.
 *
 * @example hashBytesWasm(data.values, data.valueOffsets, hashes, (i) => { hashes[i] = murmur3Bytes(...) })
 */
export function hashBytesWasm(values: Uint8Array, offsets: Int32Array, hashes: Uint32Array, hashRow: (row: number) => void): boolean {
  const k = kernels();
  if (!k) return false;
  const n = hashes.length;
  const OFFS = 0;
  const HASHES = (CHUNK + 2) * 4;
  const VALS = HASHES + CHUNK * 4;
  const room = STAGING_BYTES - VALS;
  const mem = heap(k, STAGING_BYTES)!;
  const memI32 = new Int32Array(mem.buffer, 0, STAGING_BYTES >> 2);
  const dst = bytesOf(hashes);
  for (let c0 = 0; c0 < n;) {
    let m = Math.min(CHUNK, n - c0);
    while (m > 1 && offsets[c0 + m]! - offsets[c0]! > room) m >>= 1;
    const base = offsets[c0]!;
    const end = offsets[c0 + m]!;
    if (end - base > room) {
      hashRow(c0); // one row longer than the staging memory
    } else {
      memI32.set(offsets.subarray(c0, c0 + m + 1), OFFS >> 2);
      mem.set(dst.subarray(c0 * 4, (c0 + m) * 4), HASHES);
      mem.set(values.subarray(base, end), VALS);
      k.hashBytes((VALS - base) | 0, OFFS, HASHES, m);
      dst.set(mem.subarray(HASHES, HASHES + m * 4), c0 * 4);
    }
    c0 += m;
  }
  return true;
}

/** A key column the wasm kernels hash: its values (row i at index i) and how to read them. */
export interface NumericKeys {
  values: ArrayBufferView;
  kind: KeyKind;
}

/**
 * The reduce partition of each of the `ids.length` rows, `hash % parts` of the key tuple `keys`
 * (key-hash.ts hashKeys then partitioner.ts hashModulo, fused: each chunk is hashed column after
 * column and reduced while in wasm memory); false (nothing done) when wasm is unavailable.
 */
export function hashPartitionWasm(keys: readonly NumericKeys[], parts: number, ids: Int32Array): boolean {
  const k = kernels();
  if (!k) return false;
  const n = ids.length;
  const KEYS = 0;
  const HASHES = CHUNK * 8;
  const mem = heap(k, HASHES + CHUNK * 4)!;
  const memI32 = new Int32Array(mem.buffer, 0, STAGING_BYTES >> 2);
  const out = bytesOf(ids);
  const pow2 = (parts & (parts - 1)) === 0;
  for (let c0 = 0; c0 < n; c0 += CHUNK) {
    const m = Math.min(CHUNK, n - c0);
    memI32.fill(0, HASHES >> 2, (HASHES >> 2) + m); // the first column's seed, KEY_HASH_SEED
    for (const { values, kind } of keys) {
      const width = kind === 'i32' || kind === 'u32' ? 4 : 8;
      mem.set(bytesOf(values).subarray(c0 * width, (c0 + m) * width), KEYS);
      hashRows(k, kind, KEYS, HASHES, m);
    }
    if (pow2) k.mask(HASHES, m, parts - 1);
    else k.rem(HASHES, m, parts);
    out.set(mem.subarray(HASHES, HASHES + m * 4), c0 * 4);
  }
  return true;
}

/**
 * Rows per bucket into `counts` (numBuckets long, added to); the first row whose id is outside
 * [0, numBuckets), or -1 when all are in range; undefined (nothing counted) when wasm is unavailable.
 */
export function bucketCountsWasm(ids: Int32Array, numBuckets: number, counts: Int32Array): number | undefined {
  const k = kernels();
  if (!k) return undefined;
  const n = ids.length;
  const IDS = 0;
  const COUNTS = CHUNK * 4;
  const mem = heap(k, COUNTS + numBuckets * 4);
  if (!mem) return undefined;
  const memI32 = new Int32Array(mem.buffer, 0, STAGING_BYTES >> 2);
  memI32.fill(0, COUNTS >> 2, (COUNTS >> 2) + numBuckets);
  const src = bytesOf(ids);
  for (let c0 = 0; c0 < n; c0 += CHUNK) {
    const m = Math.min(CHUNK, n - c0);
    mem.set(src.subarray(c0 * 4, (c0 + m) * 4), IDS);
    const bad = k.countChecked(IDS, m, COUNTS, numBuckets);
    if (bad >= 0) return c0 + bad;
  }
  const got = memI32.subarray(COUNTS >> 2, (COUNTS >> 2) + numBuckets);
  for (let b = 0; b < numBuckets; b++) counts[b] += got[b]!;
  return -1;
}

/**
 * bucket-encoder.ts scatterBinary, in wasm, for an output in this thread's kernel memory (a pooled
 * map output buffer): each row's bytes to the end of its bucket's values region of `out`
 * (valuesAt: byte positions in `out`), its bucket's value length so far to the next slot of the
 * bucket's offsets region (offsetsAt, whose first slot holds 0 already). False, with nothing
 * written, when `out` is not in kernel memory or there are too many buckets.
 */
export function scatterBinaryWasm(values: Uint8Array, offsets: Int32Array, out: Uint8Array, offsetsAt: Float64Array, valuesAt: Float64Array, ids: Int32Array, numBuckets: number): boolean {
  const k = kernels();
  if (!k || !kernelBuffers.has(out.buffer)) return false;
  const n = ids.length;
  const OFFS = 0;
  const IDS = (CHUNK + 2) * 4;
  const STATE = IDS + CHUNK * 4;
  const VALS = STATE + ((numBuckets * 12 + 7) & ~7);
  const room = STAGING_BYTES - VALS;
  if (room < 64 << 10) return false;
  const mem = heap(k, STAGING_BYTES)!;
  const memI32 = new Int32Array(mem.buffer, 0, STAGING_BYTES >> 2);
  const state = STATE >> 2;
  for (let b = 0; b < numBuckets; b++) {
    memI32[state + b] = out.byteOffset + valuesAt[b]!;
    memI32[state + numBuckets + b] = out.byteOffset + offsetsAt[b]!;
    memI32[state + 2 * numBuckets + b] = out.byteOffset + valuesAt[b]!;
  }
  const idBytes = bytesOf(ids);
  for (let c0 = 0; c0 < n;) {
    let m = Math.min(CHUNK, n - c0);
    while (m > 1 && offsets[c0 + m]! - offsets[c0]! > room) m >>= 1;
    const base = offsets[c0]!;
    const end = offsets[c0 + m]!;
    if (end - base > room) {
      // One row longer than the staging memory: appended here, the kernel's state moved on by hand.
      const b = ids[c0]!;
      const all = new Uint8Array(kernelMemoryBuffer()!);
      const vp = memI32[state + b]!;
      all.set(values.subarray(base, end), vp);
      memI32[state + b] = vp + (end - base);
      const op = memI32[state + numBuckets + b]! + 4;
      memI32[state + numBuckets + b] = op;
      new Int32Array(all.buffer, op, 1)[0] = vp + (end - base) - memI32[state + 2 * numBuckets + b]!;
    } else {
      memI32.set(offsets.subarray(c0, c0 + m + 1), OFFS >> 2);
      mem.set(idBytes.subarray(c0 * 4, (c0 + m) * 4), IDS);
      mem.set(values.subarray(base, end), VALS);
      k.scatterBinary((VALS - base) | 0, OFFS, IDS, STATE, numBuckets, m);
    }
    c0 += m;
  }
  return true;
}

/**
 * bucket-encoder.ts scatterBits, in wasm, for an output in this thread's kernel memory: bit
 * srcOffset + i of `src` to the next bit of bucket ids[i]'s region (at: byte positions in `out`,
 * zeroed), skipping buckets whose `nulls` count is 0 (a validity bitmap's empty regions). False,
 * with nothing written, when `out` is not in kernel memory or there are too many buckets.
 */
export function scatterBitsWasm(src: Uint8Array, srcOffset: number, out: Uint8Array, at: Float64Array, nulls: Int32Array | undefined, ids: Int32Array, numBuckets: number): boolean {
  const k = kernels();
  if (!k || !kernelBuffers.has(out.buffer)) return false;
  const n = ids.length;
  const IDS = 0;
  const POS = CHUNK * 4;
  const TRASH = POS + ((numBuckets * 4 + 7) & ~7);
  const SRC = TRASH + CHUNK / 8 + 8;
  if (SRC + CHUNK / 8 + 8 > STAGING_BYTES) return false;
  const mem = heap(k, STAGING_BYTES)!;
  const memI32 = new Int32Array(mem.buffer, 0, STAGING_BYTES >> 2);
  const pos = POS >> 2;
  for (let b = 0; b < numBuckets; b++) memI32[pos + b] = (out.byteOffset + at[b]!) * 8;
  const idBytes = bytesOf(ids);
  for (let c0 = 0; c0 < n; c0 += CHUNK) {
    const m = Math.min(CHUNK, n - c0);
    // Buckets without nulls write their bits to a scratch area, restarted each chunk.
    if (nulls) for (let b = 0; b < numBuckets; b++) if (nulls[b] === 0) memI32[pos + b] = TRASH * 8;
    mem.set(idBytes.subarray(c0 * 4, (c0 + m) * 4), IDS);
    const first = srcOffset + c0;
    mem.set(src.subarray(first >> 3, (first + m + 7) >> 3), SRC);
    k.scatterBits(SRC, first & 7, IDS, POS, m);
  }
  return true;
}

/** One fixed-width column to scatter: its rows' bytes (row i at i * width) and its buckets' byte positions in the output. */
export interface FixedColumn {
  bytes: Uint8Array;
  width: 1 | 2 | 4 | 8;
  /** Byte position in `out` of each bucket's region. */
  at: Float64Array;
}

/** Most buckets for which an output outside kernel memory is scattered through staging and copied out. */
const COPY_MAX_BUCKETS = 512;

/**
 * Writes row i of every column to the next slot of bucket ids[i]'s region of `out`, rows of a
 * bucket in their original order (bucket-encoder.ts scatterFixed, all columns at once); false
 * (nothing written) when wasm is unavailable, or when `out` lies outside kernel memory and there
 * are more than COPY_MAX_BUCKETS buckets. `ids` must all be in [0, numBuckets).
 */
export function scatterFixedWasm(columns: readonly FixedColumn[], out: Uint8Array, ids: Int32Array, numBuckets: number): boolean {
  const k = kernels();
  if (!k) return false;
  const n = ids.length;
  const IDS = 0;
  const SRC = IDS + CHUNK * 4;
  const DST = SRC + CHUNK * 8;
  const COUNTS = DST + CHUNK * 8;
  const POS = COUNTS + numBuckets * 4;
  const idBytes = bytesOf(ids);
  if (kernelBuffers.has(out.buffer) && columns.length * numBuckets * 4 <= CHUNK * 8) {
    // The output lies in this memory: each column's rows go straight to their places in it.
    const mem = heap(k, DST + CHUNK * 8)!;
    const memI32 = new Int32Array(mem.buffer, 0, STAGING_BYTES >> 2);
    columns.forEach(({ width, at }, c) => {
      const pos = (DST >> 2) + c * numBuckets; // the next slot of each bucket, in `width` units from address 0
      for (let b = 0; b < numBuckets; b++) memI32[pos + b] = (out.byteOffset + at[b]!) / width;
    });
    for (let c0 = 0; c0 < n; c0 += CHUNK) {
      const m = Math.min(CHUNK, n - c0);
      mem.set(idBytes.subarray(c0 * 4, (c0 + m) * 4), IDS);
      columns.forEach(({ bytes, width }, c) => {
        mem.set(bytes.subarray(c0 * width, (c0 + m) * width), SRC);
        k.scatter[width](SRC, 0, IDS, DST + c * numBuckets * 4, m);
      });
    }
    return true;
  }
  // Copied out bucket by bucket each chunk: worth it while each bucket's run in a chunk is long.
  if (numBuckets > COPY_MAX_BUCKETS) return false;
  const mem = heap(k, POS + numBuckets * 4);
  if (!mem) return false;
  const memI32 = new Int32Array(mem.buffer, 0, STAGING_BYTES >> 2);
  const counts = new Int32Array(numBuckets);
  const starts = new Int32Array(numBuckets);
  const done = new Float64Array(numBuckets); // rows of each bucket written so far
  for (let c0 = 0; c0 < n; c0 += CHUNK) {
    const m = Math.min(CHUNK, n - c0);
    mem.set(idBytes.subarray(c0 * 4, (c0 + m) * 4), IDS);
    memI32.fill(0, COUNTS >> 2, (COUNTS >> 2) + numBuckets);
    k.count(IDS, m, COUNTS);
    counts.set(memI32.subarray(COUNTS >> 2, (COUNTS >> 2) + numBuckets));
    for (let b = 0, s = 0; b < numBuckets; b++) {
      starts[b] = s;
      s += counts[b]!;
    }
    for (const { bytes, width, at } of columns) {
      mem.set(bytes.subarray(c0 * width, (c0 + m) * width), SRC);
      memI32.set(starts, POS >> 2);
      k.scatter[width](SRC, DST, IDS, POS, m);
      for (let b = 0; b < numBuckets; b++) {
        const c = counts[b]!;
        if (c === 0) continue;
        const from = DST + starts[b]! * width;
        out.set(mem.subarray(from, from + c * width), at[b]! + done[b]! * width);
      }
    }
    for (let b = 0; b < numBuckets; b++) done[b] += counts[b]!;
  }
  return true;
}
