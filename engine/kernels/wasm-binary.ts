// A minimal WebAssembly binary writer: enough to emit small kernels (i32/i64/f64 locals, loops,
// loads and stores on one exported memory) as bytes, compiled in well under a millisecond by
// `new WebAssembly.Module`. The kernels are written in TypeScript with the opcodes below, so no
// text compiler (wabt, ~30 ms and ~10 MB per thread to load) and no binary file is needed.
//
// Example: a function (param i32 i32) (result i32) returning the sum of its parameters:
//   func({ params: [I32, I32], results: [I32], body: [...get(0), ...get(1), op.i32_add] })

/** Value types. */
export const I32 = 0x7f;
export const I64 = 0x7e;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof I64 | typeof F64 | typeof V128;

/** Single-byte opcodes used by the kernels (names as in the text format, `.` → `_`). */
export const op = {
  block: 0x02, loop: 0x03, if: 0x04, end: 0x0b, br: 0x0c, br_if: 0x0d, return: 0x0f, select: 0x1b, void: 0x40,
  i32_eqz: 0x45, i32_eq: 0x46, i32_ge_u: 0x4f, f64_eq: 0x61, f64_ne: 0x62,
  i32_add: 0x6a, i32_sub: 0x6b, i32_mul: 0x6c, i32_rem_u: 0x70, i32_and: 0x71, i32_or: 0x72, i32_xor: 0x73,
  i32_shl: 0x74, i32_shr_u: 0x76, i32_rotl: 0x77,
  i64_shr_u: 0x88, i32_wrap_i64: 0xa7,
  f64_convert_i32_s: 0xb7, f64_convert_i32_u: 0xb8, f64_convert_i64_s: 0xb9, f64_convert_i64_u: 0xba,
  i64_reinterpret_f64: 0xbd,
} as const;

/** SIMD opcodes (after the 0xfd prefix), for `simd(...)`. */
export const simdOp = {
  v128_load: 0x00, v128_store: 0x0b, v128_const: 0x0c, i8x16_shuffle: 0x0d,
  f64x2_eq: 0x47, f64x2_ne: 0x48, v128_and: 0x4e, v128_or: 0x50, v128_xor: 0x51, v128_bitselect: 0x52,
  i32x4_shl: 0xab, i32x4_shr_u: 0xad, i32x4_add: 0xae, i32x4_mul: 0xb5,
  f64x2_convert_low_i32x4_s: 0xfe, f64x2_convert_low_i32x4_u: 0xff,
} as const;

/** A SIMD instruction: prefix, opcode, then its immediates (memarg, lanes or constant bytes). */
export const simd = (opcode: number, ...immediates: number[]): number[] => [0xfd, ...uleb(opcode), ...immediates];

/** v128.const of four i32 lanes. */
export const i32x4 = (a: number, b = a, c = a, d = a): number[] =>
  simd(simdOp.v128_const, ...new Uint8Array(Int32Array.of(a, b, c, d).buffer));

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of a bigint (i32.const and i64.const immediates). */
export function sleb(value: bigint): number[] {
  const out: number[] = [];
  let v = value;
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

export const get = (i: number): number[] => [0x20, ...uleb(i)];
export const set = (i: number): number[] => [0x21, ...uleb(i)];
export const tee = (i: number): number[] => [0x22, ...uleb(i)];
/** i32.const of a value read as a signed 32-bit integer (0xcc9e2d51 is fine). */
export const i32 = (v: number): number[] => [0x41, ...sleb(BigInt(v | 0))];
export const i64 = (v: bigint): number[] => [0x42, ...sleb(BigInt.asIntN(64, v))];
export const f64 = (v: number): number[] => {
  const bytes = new Uint8Array(new Float64Array([v]).buffer);
  return [0x44, ...bytes];
};

/** Loads and stores at offset 0 with their natural alignment (log2 bytes). */
export const load = {
  i32: [0x28, 2, 0], i64: [0x29, 3, 0], f64: [0x2b, 3, 0], u8: [0x2d, 0, 0], u16: [0x2f, 1, 0],
} as const;
export const store = {
  i32: [0x36, 2, 0], i64: [0x37, 3, 0], i8: [0x3a, 0, 0], i16: [0x3b, 1, 0],
} as const;

export interface FuncSpec {
  name: string;
  params: ValType[];
  results: ValType[];
  /** Extra locals after the parameters, numbered from params.length. */
  locals: ValType[];
  /** The body's instructions, without the final `end`. */
  body: number[];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, contents: number[]): number[] {
  return [id, ...uleb(contents.length), ...contents];
}

const utf8 = (s: string): number[] => [...new TextEncoder().encode(s)];

/** The module's one memory: `pages` 64 KiB pages at first, imported as env.memory (shared, with a maximum) or its own. */
export interface MemorySpec {
  pages: number;
  /** Imported as env.memory, shared between threads, growable up to maxPages. */
  shared?: { maxPages: number };
}

/**
 * The bytes of a module with the given functions (each exported by its name) and one memory,
 * exported as "memory" (growable from JavaScript); a shared memory is imported as env.memory.
 */
export function moduleBytes(funcs: FuncSpec[], memorySpec: MemorySpec): Uint8Array<ArrayBuffer> {
  const name = (s: string): number[] => vec(utf8(s).map((b) => [b]));
  const types = section(1, vec(funcs.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec(f.results.map((t) => [t]))])));
  const limits = memorySpec.shared ? [0x03, ...uleb(memorySpec.pages), ...uleb(memorySpec.shared.maxPages)] : [0x00, ...uleb(memorySpec.pages)];
  const imports = memorySpec.shared ? section(2, vec([[...name('env'), ...name('memory'), 0x02, ...limits]])) : [];
  const functions = section(3, vec(funcs.map((_, i) => uleb(i))));
  const memory = memorySpec.shared ? [] : section(5, vec([limits]));
  const exports = section(7, vec([
    ...funcs.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]),
    [...name('memory'), 0x02, 0],
  ]));
  const code = section(10, vec(funcs.map((f) => {
    const locals = vec(f.locals.map((t) => [1, t]));
    const body = [...locals, ...f.body, op.end];
    return [...uleb(body.length), ...body];
  })));
  return Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...types, ...imports, ...functions, ...memory, ...exports, ...code]);
}
