// WebAssembly kernels of a shuffle's map side: hashing numeric key columns (the MurmurHash3 of
// key-hash.ts, bit for bit) and scattering fixed-width columns into their buckets (bucket-encoder.ts).
//
// Why: V8's code for these typed-array loops is several times slower than the same loops in wasm
// (measured on a 375,000-row map task: a float64 column scattered into 8 buckets 2.9 ns/value in
// JavaScript, 0.6 ns in wasm; an int32 key hashed 4.3 ns in JavaScript, 2.9 ns in wasm). The
// columns live outside wasm memory, so rows go through it in chunks of CHUNK rows: each chunk is
// copied in (a memcpy, ~0.06 ms per 3 MB), worked on, and copied out, in a 1 MiB staging area. The
// memory is shared; past the staging area it holds the row → bucket ids of the map output being
// encoded (kernelIds: computed there and read in place by every kernel, never copied), then the
// thread's pooled map output buffers (output-buffers.ts; up to 128 MiB, the pool's own limit): an output encoded there is
// scattered in place, not copied out.
//
// The kernels are shuffle-kernels.wat, assembled by wabt and embedded below, compiled once per
// thread on first use (well under a millisecond). Every function here returns false when wasm
// (with SIMD and shared memory, as Node 20 has) cannot run, and callers then take their JavaScript
// loop, which computes the same bytes.

/**
 * shuffle-kernels.wat assembled by wabt (SIMD and threads, canonical LEBs), so no assembler runs in
 * a task; the unit test test/unit/kernels/shuffle-kernels.test.ts assembles the text and checks
 * these bytes.
 */
export const SHUFFLE_KERNELS_WASM =
  'AGFzbQEAAAABLAZgBH9/f38AYAN/f38AYAR/f39/AX9gBn9/f39/fwBgBX9/f39/AGACf38AAhEBA2VudgZtZW1vcnkCAxCQEgMVFAAAAAABAgEBAQEBAQEAAwQBAQEFB+cBFQhzY2F0dGVyMQAACHNjYXR0ZXIyAAEIc2NhdHRlcjQAAghzY2F0dGVyOAADBWNvdW50AAQNY291bnRfY2hlY2tlZAAFBG1hc2sABgNyZW0ABwhoYXNoX2kzMgAICGhhc2hfdTMyAAkIaGFzaF9pNjQACghoYXNoX3U2NAALCGhhc2hfZjY0AAwKaGFzaF9ieXRlcwANC3NjYXR0ZXJfYmluAA4Mc2NhdHRlcl9iaXRzAA8JaGFzaDRfaTMyABAJaGFzaDRfdTMyABEJaGFzaDRfZjY0ABIEemVybwATBm1lbW9yeQIACvsdFFEBA38gASADQQJ0aiEEAkADQCABIARPDQEgAiABKAIAQQJ0aiIFKAIAIQYgBiAALQAAOgAAIAUgBkEBajYCACABQQRqIQEgAEEBaiEADAALCwtRAQN/IAEgA0ECdGohBAJAA0AgASAETw0BIAIgASgCAEECdGoiBSgCACEGIAYgAC8BADsBACAFIAZBAmo2AgAgAUEEaiEBIABBAmohAAwACwsLUQEDfyABIANBAnRqIQQCQANAIAEgBE8NASACIAEoAgBBAnRqIgUoAgAhBiAGIAAoAgA2AgAgBSAGQQRqNgIAIAFBBGohASAAQQRqIQAMAAsLC1EBA38gASADQQJ0aiEEAkADQCABIARPDQEgAiABKAIAQQJ0aiIFKAIAIQYgBiAAKQMANwMAIAUgBkEIajYCACABQQRqIQEgAEEIaiEADAALCws4AQJ/AkADQCADIAFPDQEgAiAAIANBAnRqKAIAQQJ0aiIEIAQoAgBBAWo2AgAgA0EBaiEDDAALCwtJAQN/AkADQCAEIAFPDQEgACAEQQJ0aigCACEFIAUgA08EQCAEDwsgAiAFQQJ0aiIGIAYoAgBBAWo2AgAgBEEBaiEEDAALC0F/C3ACA38BeyAC/REhBiAAIQMgACABQXxxQQJ0aiEEIAAgAUECdGohBQJAA0AgAyAETw0BIAMgA/0ABAAgBv1O/QsEACADQRBqIQMMAAsLAkADQCADIAVPDQEgAyADKAIAIAJxNgIAIANBBGohAwwACwsLLwECfwJAA0AgAyABTw0BIAAgA0ECdGoiBCAEKAIAIAJwNgIAIANBAWohAwwACwsLwQEEAX8BfgF/AXwCQANAIAMgAk8NASAAIANBAnRqKAIAt70hBCABIANBAnRqKAIAIQUgBKdB0dr45HxsQQ93QZPrnNwBbCAFc0ENd0EFbEHk1tGyfmohBSAEQiCIp0HR2vjkfGxBD3dBk+uc3AFsIAVzQQ13QQVsQeTW0bJ+aiEFIAEgA0ECdGogBUEIcyIFIAVBEHZzQeuUr694bCIFIAVBDXZzQbXcypV8bCIFIAVBEHZzNgIAIANBAWohAwwACwsLwQEEAX8BfgF/AXwCQANAIAMgAk8NASAAIANBAnRqKAIAuL0hBCABIANBAnRqKAIAIQUgBKdB0dr45HxsQQ93QZPrnNwBbCAFc0ENd0EFbEHk1tGyfmohBSAEQiCIp0HR2vjkfGxBD3dBk+uc3AFsIAVzQQ13QQVsQeTW0bJ+aiEFIAEgA0ECdGogBUEIcyIFIAVBEHZzQeuUr694bCIFIAVBDXZzQbXcypV8bCIFIAVBEHZzNgIAIANBAWohAwwACwsLwQEEAX8BfgF/AXwCQANAIAMgAk8NASAAIANBA3RqKQMAub0hBCABIANBAnRqKAIAIQUgBKdB0dr45HxsQQ93QZPrnNwBbCAFc0ENd0EFbEHk1tGyfmohBSAEQiCIp0HR2vjkfGxBD3dBk+uc3AFsIAVzQQ13QQVsQeTW0bJ+aiEFIAEgA0ECdGogBUEIcyIFIAVBEHZzQeuUr694bCIFIAVBDXZzQbXcypV8bCIFIAVBEHZzNgIAIANBAWohAwwACwsLwQEEAX8BfgF/AXwCQANAIAMgAk8NASAAIANBA3RqKQMAur0hBCABIANBAnRqKAIAIQUgBKdB0dr45HxsQQ93QZPrnNwBbCAFc0ENd0EFbEHk1tGyfmohBSAEQiCIp0HR2vjkfGxBD3dBk+uc3AFsIAVzQQ13QQVsQeTW0bJ+aiEFIAEgA0ECdGogBUEIcyIFIAVBEHZzQeuUr694bCIFIAVBDXZzQbXcypV8bCIFIAVBEHZzNgIAIANBAWohAwwACwsL6AEEAX8BfgF/AXwCQANAIAMgAk8NASAAIANBA3RqKwMAIQZCACAGvSAGRAAAAAAAAAAAYRshBEKAgICAgICA/P8AIAQgBiAGYhshBCABIANBAnRqKAIAIQUgBKdB0dr45HxsQQ93QZPrnNwBbCAFc0ENd0EFbEHk1tGyfmohBSAEQiCIp0HR2vjkfGxBD3dBk+uc3AFsIAVzQQ13QQVsQeTW0bJ+aiEFIAEgA0ECdGogBUEIcyIFIAVBEHZzQeuUr694bCIFIAVBDXZzQbXcypV8bCIFIAVBEHZzNgIAIANBAWohAwwACwsLrgIBBn8CQANAIAQgA08NASAAIAEgBEECdGooAgBqIQUgASAEQQJ0akEEaigCACABIARBAnRqKAIAayEHIAUgB0F8cWohBiACIARBAnRqKAIAIQgCQANAIAUgBk8NASAFKAAAQdHa+OR8bEEPd0GT65zcAWwgCHNBDXdBBWxB5NbRsn5qIQggBUEEaiEFDAALCyAHQQNxBEAgBS0AACEJIAdBA3FBAWsEQCAJIAVBAWotAABBCHRzIQkLIAdBA3FBA0YEQCAJIAVBAmotAABBEHRzIQkLIAggCUHR2vjkfGxBD3dBk+uc3AFscyEICyACIARBAnRqIAggB3MiCCAIQRB2c0HrlK+veGwiCCAIQQ12c0G13MqVfGwiCCAIQRB2czYCACAEQQFqIQQMAAsLC5kBAQZ/AkADQCAGIAVPDQEgAyACIAZBAnRqKAIAQQJ0aiEKIAEgBkECdGooAgAhByABIAZBAnRqQQRqKAIAIAdrIQggCigCACIJIAAgB2ogCPwKAAAgCiAJIAhqIgk2AgAgCiAEQQRsaiAKIARBBGxqKAIAQQRqIgs2AgAgCyAJIAogBEEIbGooAgBrNgIAIAZBAWohBgwACwsLcgEFfwJAA0AgBSAETw0BIAMgAiAFQQJ0aigCAEECdGoiBigCACEHIAYgB0EBajYCACABIAVqIQggACAIQQN2ai0AACAIQQdxdkEBcQRAIAdBA3YiCSAJLQAAQQEgB0EHcXRyOgAACyAFQQFqIQUMAAsLC+sDAgF/BXsCQANAIAMgAk8NASAAIANBAnRq/QAEACEGIAb9/gEhBCAGIAb9DQgJCgsMDQ4PCAkKCwwNDg/9/gEhBSAEIAX9DQABAgMICQoLEBESExgZGhshByABIANBAnRq/QAEACEIIAf9DFEtnsxRLZ7MUS2ezFEtnsz9tQEiBkEP/asBIAZBEf2tAf1Q/QyTNYcbkzWHG5M1hxuTNYcb/bUBIAj9USIGQQ39qwEgBkET/a0B/VD9DAUAAAAFAAAABQAAAAUAAAD9tQH9DGRrVOZka1TmZGtU5mRrVOb9rgEhCCAEIAX9DQQFBgcMDQ4PFBUWFxwdHh/9DFEtnsxRLZ7MUS2ezFEtnsz9tQEiBkEP/asBIAZBEf2tAf1Q/QyTNYcbkzWHG5M1hxuTNYcb/bUBIAj9USIGQQ39qwEgBkET/a0B/VD9DAUAAAAFAAAABQAAAAUAAAD9tQH9DGRrVOZka1TmZGtU5mRrVOb9rgEhCCABIANBAnRqIAj9DAgAAAAIAAAACAAAAAgAAAD9USIIIAhBEP2tAf1R/QxryuuFa8rrhWvK64VryuuF/bUBIgggCEEN/a0B/VH9DDWussI1rrLCNa6ywjWussL9tQEiCCAIQRD9rQH9Uf0LBAAgA0EEaiEDDAALCwvrAwIBfwV7AkADQCADIAJPDQEgACADQQJ0av0ABAAhBiAG/f8BIQQgBiAG/Q0ICQoLDA0ODwgJCgsMDQ4P/f8BIQUgBCAF/Q0AAQIDCAkKCxAREhMYGRobIQcgASADQQJ0av0ABAAhCCAH/QxRLZ7MUS2ezFEtnsxRLZ7M/bUBIgZBD/2rASAGQRH9rQH9UP0MkzWHG5M1hxuTNYcbkzWHG/21ASAI/VEiBkEN/asBIAZBE/2tAf1Q/QwFAAAABQAAAAUAAAAFAAAA/bUB/Qxka1TmZGtU5mRrVOZka1Tm/a4BIQggBCAF/Q0EBQYHDA0ODxQVFhccHR4f/QxRLZ7MUS2ezFEtnsxRLZ7M/bUBIgZBD/2rASAGQRH9rQH9UP0MkzWHG5M1hxuTNYcbkzWHG/21ASAI/VEiBkEN/asBIAZBE/2tAf1Q/QwFAAAABQAAAAUAAAAFAAAA/bUB/Qxka1TmZGtU5mRrVOZka1Tm/a4BIQggASADQQJ0aiAI/QwIAAAACAAAAAgAAAAIAAAA/VEiCCAIQRD9rQH9Uf0Ma8rrhWvK64VryuuFa8rrhf21ASIIIAhBDf2tAf1R/Qw1rrLCNa6ywjWussI1rrLC/bUBIgggCEEQ/a0B/VH9CwQAIANBBGohAwwACwsL8gQCAX8FewJAA0AgAyACTw0BIAAgA0EDdGr9AAQAIQQgACADQQN0akEQav0ABAAhBf0MAAAAAAAAAAAAAAAAAAAAACAEIAT9DAAAAAAAAAAAAAAAAAAAAAD9R/1SIQT9DAAAAAAAAPh/AAAAAAAA+H8gBCAEIAT9SP1SIQT9DAAAAAAAAAAAAAAAAAAAAAAgBSAF/QwAAAAAAAAAAAAAAAAAAAAA/Uf9UiEF/QwAAAAAAAD4fwAAAAAAAPh/IAUgBSAF/Uj9UiEFIAQgBf0NAAECAwgJCgsQERITGBkaGyEHIAEgA0ECdGr9AAQAIQggB/0MUS2ezFEtnsxRLZ7MUS2ezP21ASIGQQ/9qwEgBkER/a0B/VD9DJM1hxuTNYcbkzWHG5M1hxv9tQEgCP1RIgZBDf2rASAGQRP9rQH9UP0MBQAAAAUAAAAFAAAABQAAAP21Af0MZGtU5mRrVOZka1TmZGtU5v2uASEIIAQgBf0NBAUGBwwNDg8UFRYXHB0eH/0MUS2ezFEtnsxRLZ7MUS2ezP21ASIGQQ/9qwEgBkER/a0B/VD9DJM1hxuTNYcbkzWHG5M1hxv9tQEgCP1RIgZBDf2rASAGQRP9rQH9UP0MBQAAAAUAAAAFAAAABQAAAP21Af0MZGtU5mRrVOZka1TmZGtU5v2uASEIIAEgA0ECdGogCP0MCAAAAAgAAAAIAAAACAAAAP1RIgggCEEQ/a0B/VH9DGvK64VryuuFa8rrhWvK64X9tQEiCCAIQQ39rQH9Uf0MNa6ywjWussI1rrLCNa6ywv21ASIIIAhBEP2tAf1R/QsEACADQQRqIQMMAAsLCwsAIABBACAB/AsACw==';

/** Rows per chunk copied through wasm memory. */
const CHUNK = 32768;

/** How each key kind becomes the 64-bit pattern of its float64 value (key-hash.ts). */
type KeyKind = 'i32' | 'u32' | 'i64' | 'u64' | 'f64';

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
  /** The SIMD twins of hash, for the key kinds that have one. */
  hash4: Partial<Record<KeyKind, Fn>>;
  zero: Fn;
}

let compiled: Kernels | null | undefined;

/** Bytes at the start of the kernels' memory for their chunks (past them: ids, then map output buffers, see kernelOutputRegion). */
const STAGING_BYTES = 1 << 20;
/** Bytes past the staging area for one map output's row → bucket ids (kernelIds): 4M rows. */
const IDS_BYTES = 16 << 20;
/** Most map output bytes a thread's kernel memory holds (the output pool's own limit is at most this). */
const MAX_OUTPUT_BYTES = 128 << 20;
const PAGE = 65536;
/** The kernel memory's largest size: staging, ids, map outputs. */
const MEMORY_END = STAGING_BYTES + IDS_BYTES + MAX_OUTPUT_BYTES;

function kernels(): Kernels | null {
  if (compiled !== undefined) return compiled;
  type Exports = Record<string, Fn> & { memory: WebAssembly.Memory; count_checked: Kernels['countChecked'] };
  const instantiate = (): Exports | null => {
    try {
      // The module imports its memory (env.memory: 16 pages, at most 2320, shared) and exports it again.
      const memory = new WebAssembly.Memory({ initial: STAGING_BYTES / PAGE, maximum: MEMORY_END / PAGE, shared: true } as WebAssembly.MemoryDescriptor);
      const module = new WebAssembly.Module(Buffer.from(SHUFFLE_KERNELS_WASM, 'base64'));
      return new WebAssembly.Instance(module, { env: { memory } }).exports as never;
    } catch {
      return null; // no wasm, no SIMD or no shared memory here: the JavaScript loops
    }
  };
  const e = instantiate();
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
    hash4: { i32: e.hash4_i32!, u32: e.hash4_u32!, f64: e.hash4_f64! },
    zero: e.zero!,
  };
  if (compiled && compiled.memory.buffer instanceof SharedArrayBuffer) {
    outputEnd = STAGING_BYTES + IDS_BYTES;
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
  if (!k || outputEnd === 0 || bytes % PAGE !== 0 || outputEnd + bytes > MEMORY_END) return undefined;
  const offset = outputEnd;
  if (!covered(k, offset + bytes)) return undefined;
  outputEnd = offset + bytes;
  return { buffer: kernelMemoryBuffer()!, offset };
}

/** Grows the kernel memory to at least `end` bytes (whole pages); false if it could not. */
function covered(k: Kernels, end: number): boolean {
  const have = k.memory.buffer.byteLength;
  try {
    if (have < end) k.memory.grow(Math.ceil((end - have) / PAGE));
    return true;
  } catch {
    return false; // the address space for the maximum could not be committed: no kernel memory past staging
  }
}

/**
 * A view of `n` int32s of this thread's kernel memory for a map output's row → bucket ids, which
 * every kernel here then reads and writes in place instead of copying them through staging;
 * undefined when there is no shared kernel memory or more than IDS_BYTES / 4 rows. Every call
 * returns the same memory: hold it only within one synchronous encode (shuffle-writer.ts).
 *
 * @example const ids = partitionIds(table, partitioner, kernelIds(table.numRows));
 */
export function kernelIds(n: number): Int32Array | undefined {
  const k = kernels();
  if (!k || outputEnd === 0 || n * 4 > IDS_BYTES || !covered(k, STAGING_BYTES + n * 4)) return undefined;
  return new Int32Array(kernelMemoryBuffer()!, STAGING_BYTES, n);
}

/** The address of `view` when it lies in this thread's kernel memory past staging (kernels use it in place), else undefined. */
function residentAt(view: ArrayBufferView): number | undefined {
  return kernelBuffers.has(view.buffer) && view.byteOffset >= STAGING_BYTES ? view.byteOffset : undefined;
}

/** The address of rows [c0, c0 + m) of `ids` for a kernel: in place when resident, else copied into staging at `staging`. */
function idsChunk(mem: Uint8Array, ids: Int32Array, c0: number, m: number, staging: number): number {
  const at = residentAt(ids);
  if (at !== undefined) return at + c0 * 4;
  mem.set(bytesOf(ids).subarray(c0 * 4, (c0 + m) * 4), staging);
  return staging;
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
  const simd4 = k.hash4[kind];
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
 * How many variable-length rows from `c0` on (at most CHUNK, and `n` in all) go through staging in
 * one chunk: halved until their bytes fit `room`; a single row that does not fit is returned as 1,
 * for the caller to handle alone.
 */
function rowsThatFit(offsets: Int32Array, c0: number, n: number, room: number): number {
  let m = Math.min(CHUNK, n - c0);
  while (m > 1 && offsets[c0 + m]! - offsets[c0]! > room) m >>= 1;
  return m;
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
    const m = rowsThatFit(offsets, c0, n, room);
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
  const STAGED_HASHES = CHUNK * 8;
  const mem = heap(k, STAGED_HASHES + CHUNK * 4)!;
  const resident = residentAt(ids);
  // Resident ids are hashed where they lie; others in staging, then copied out.
  const staged = new Int32Array(mem.buffer, STAGED_HASHES, CHUNK);
  const pow2 = (parts & (parts - 1)) === 0;
  for (let c0 = 0; c0 < n; c0 += CHUNK) {
    const m = Math.min(CHUNK, n - c0);
    const HASHES = resident === undefined ? STAGED_HASHES : resident + c0 * 4;
    k.zero(HASHES, m * 4); // the first column's seed, KEY_HASH_SEED
    for (const { values, kind } of keys) {
      const width = kind === 'i32' || kind === 'u32' ? 4 : 8;
      mem.set(bytesOf(values).subarray(c0 * width, (c0 + m) * width), KEYS);
      hashRows(k, kind, KEYS, HASHES, m);
    }
    if (pow2) k.mask(HASHES, m, parts - 1);
    else k.rem(HASHES, m, parts);
    if (resident === undefined) ids.set(staged.subarray(0, m), c0);
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
  const chunk = residentAt(ids) === undefined ? CHUNK : n; // resident ids are counted in one call
  for (let c0 = 0; c0 < n; c0 += chunk) {
    const m = Math.min(chunk, n - c0);
    const bad = k.countChecked(idsChunk(mem, ids, c0, m, IDS), m, COUNTS, numBuckets);
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
  for (let c0 = 0; c0 < n;) {
    const m = rowsThatFit(offsets, c0, n, room);
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
      const idsAt = idsChunk(mem, ids, c0, m, IDS);
      mem.set(values.subarray(base, end), VALS);
      k.scatterBinary((VALS - base) | 0, OFFS, idsAt, STATE, numBuckets, m);
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
  for (let c0 = 0; c0 < n; c0 += CHUNK) {
    const m = Math.min(CHUNK, n - c0);
    // Buckets without nulls write their bits to a scratch area, restarted each chunk.
    if (nulls) for (let b = 0; b < numBuckets; b++) if (nulls[b] === 0) memI32[pos + b] = TRASH * 8;
    const idsAt = idsChunk(mem, ids, c0, m, IDS);
    const first = srcOffset + c0;
    mem.set(src.subarray(first >> 3, (first + m + 7) >> 3), SRC);
    k.scatterBits(SRC, first & 7, idsAt, POS, m);
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
  if (kernelBuffers.has(out.buffer) && columns.length * numBuckets * 4 <= CHUNK * 8) {
    // The output lies in this memory: each column's rows go straight to their places in it.
    const mem = heap(k, DST + CHUNK * 8)!;
    const memI32 = new Int32Array(mem.buffer, 0, STAGING_BYTES >> 2);
    columns.forEach(({ at }, c) => {
      const pos = (DST >> 2) + c * numBuckets; // the address of each bucket's next row
      for (let b = 0; b < numBuckets; b++) memI32[pos + b] = out.byteOffset + at[b]!;
    });
    for (let c0 = 0; c0 < n; c0 += CHUNK) {
      const m = Math.min(CHUNK, n - c0);
      const idsAt = idsChunk(mem, ids, c0, m, IDS);
      columns.forEach(({ bytes, width }, c) => {
        mem.set(bytes.subarray(c0 * width, (c0 + m) * width), SRC);
        k.scatter[width](SRC, idsAt, DST + c * numBuckets * 4, m);
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
    const idsAt = idsChunk(mem, ids, c0, m, IDS);
    memI32.fill(0, COUNTS >> 2, (COUNTS >> 2) + numBuckets);
    k.count(idsAt, m, COUNTS);
    counts.set(memI32.subarray(COUNTS >> 2, (COUNTS >> 2) + numBuckets));
    for (let b = 0, s = 0; b < numBuckets; b++) {
      starts[b] = s;
      s += counts[b]!;
    }
    for (const { bytes, width, at } of columns) {
      mem.set(bytes.subarray(c0 * width, (c0 + m) * width), SRC);
      for (let b = 0; b < numBuckets; b++) memI32[(POS >> 2) + b] = DST + starts[b]! * width;
      k.scatter[width](SRC, idsAt, POS, m);
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
