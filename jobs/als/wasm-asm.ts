// A tiny WebAssembly assembler for the ALS kernels: opcodes, LEB128 numbers, sections, and a few
// instruction snippets over locals. Module bytes are built at run time (no build step, no binary
// file); see wasm-kernels.ts and explicit-wasm.ts for the modules.

export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;
export const OP = {
  block: 0x02, loop: 0x03, if: 0x04, end: 0x0b, br: 0x0c, brIf: 0x0d, void: 0x40,
  get: 0x20, set: 0x21, tee: 0x22, i32Load: 0x28, f32Load: 0x2a, f64Load: 0x2b, f64Store: 0x39, f64PromoteF32: 0xbb,
  i32Const: 0x41, f64Const: 0x44, i32LtS: 0x48, i32GeS: 0x4e, f64Ne: 0x62,
  i32Add: 0x6a, i32Mul: 0x6c, i32Shl: 0x74, f64Add: 0xa0, f64Sub: 0xa1, f64Mul: 0xa2,
} as const;
export const SIMD = { load: [0xfd, 0x00, 4, 0], store: [0xfd, 0x0b, 4, 0], splat: [0xfd, 0x14], lane: [0xfd, 0x21], add: [0xfd, 0xf0, 0x01], mul: [0xfd, 0xf2, 0x01] };

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) { out.push(b); return out; }
    out.push(b | 0x80);
  }
}
export const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
export const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
export const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
export const get = (i: number): number[] => [OP.get, ...uleb(i)];
export const set = (i: number): number[] => [OP.set, ...uleb(i)];
export const i32 = (n: number): number[] => [OP.i32Const, ...sleb(n)];
export const f64zero = [OP.f64Const, 0, 0, 0, 0, 0, 0, 0, 0];
export const addr = (base: number, off: number): number[] => [...get(base), ...get(off), OP.i32Add];
