// shuffle-kernels.wat is what shuffle-wasm.ts's embedded WebAssembly bytes were assembled from (the
// kernels' results against the JavaScript loops are key-hash, partitioner and shuffle-writer tests).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import wabtInit from 'wabt';
import { SHUFFLE_KERNELS_WASM } from '../../../engine/kernels/shuffle-wasm.ts';

describe('shuffle-kernels.wat', () => {
  it('is what the embedded bytes were assembled from (edit the text, then paste the new bytes)', async () => {
    const wabt = await wabtInit();
    const text = readFileSync(new URL('../../../engine/kernels/shuffle-kernels.wat', import.meta.url));
    // threads: the module imports a shared memory
    const parsed = wabt.parseWat('wat', new Uint8Array(text).slice(), { simd: true, threads: true });
    parsed.resolveNames();
    const bytes = parsed.toBinary({ canonicalize_lebs: true }).buffer;
    parsed.destroy();
    expect(WebAssembly.validate(bytes.slice())).toBe(true);
    expect(Buffer.from(bytes).toString('base64')).toBe(SHUFFLE_KERNELS_WASM);
  });

  it('imports its shared memory as env.memory and exports every kernel shuffle-wasm.ts calls', () => {
    const module = new WebAssembly.Module(Buffer.from(SHUFFLE_KERNELS_WASM, 'base64'));
    expect(WebAssembly.Module.imports(module)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
    expect(WebAssembly.Module.exports(module).map((e) => e.name)).toEqual([
      'scatter1', 'scatter2', 'scatter4', 'scatter8', 'count', 'count_checked', 'mask', 'rem',
      'hash_i32', 'hash_u32', 'hash_i64', 'hash_u64', 'hash_f64', 'hash_bytes', 'scatter_bin', 'scatter_bits',
      'hash4_i32', 'hash4_u32', 'hash4_f64', 'zero', 'memory',
    ]);
  });
});
