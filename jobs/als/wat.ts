// WebAssembly text → compiled module, for the ALS kernels whose source is text (cg-kernels.wat,
// explicit-wat.ts). The text is compiled where it runs, by wabt (the WebAssembly Binary Toolkit
// built to wasm, from npm): no build step, no binary file in the repository or on disk.
//
// Cost, once per thread that imports this module (the driver, each executor task thread): loading
// wabt, ~20-40 ms and ~10 MB, here at import (top-level await, since wabt's factory is async, so
// the kernels' own API can stay synchronous); then each kernel text compiles synchronously when
// first used, a few ms (callers cache the module per thread, per width). Tasks never pay it again.

import wabtInit from 'wabt';
import { AlsKernelSourceError } from './errors.ts';

const wabt = await wabtInit();
// wabt 1.0.39 (npm's newest) copies a string argument as ASCII (our comments hold ·, Σ, −, …) and
// its file name one byte past a malloc'd block (fixed upstream after that release): so the text
// goes in as exact UTF-8 bytes, and the file name as 3 characters (a byte past 3 stays inside any
// allocator's rounding), which errors then show as `source`.
const FILE_NAME = 'wat';
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text).slice(); // slice: a buffer of exactly its bytes

/**
 * The module of a kernel's WebAssembly text, or null when this runtime cannot run it (no SIMD;
 * callers then use their JavaScript twin, which gives the same bits). `source` names the text in
 * errors (a .wat file, or the generator call). Throws AlsKernelSourceError when the text does not
 * compile: a bug in the kernel source, reported with wabt's line:column in that text.
 *
 * @example
 *   const module = compileWat('explicitRowWat(10)', explicitRowWat(10));
 */
export function compileWat(source: string, text: string): WebAssembly.Module | null {
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    const parsed = wabt.parseWat(FILE_NAME, utf8(text), { simd: true });
    try {
      parsed.resolveNames();
      parsed.validate();
      bytes = parsed.toBinary({ canonicalize_lebs: true }).buffer as Uint8Array<ArrayBuffer>; // a copy out of wabt's heap
    } finally {
      parsed.destroy();
    }
  } catch (error) {
    const detail = (error instanceof Error ? error.message : String(error)).replace(new RegExp(`^${FILE_NAME}:(?=\\d)`, 'gm'), `${source}:`);
    throw new AlsKernelSourceError(
      `the WebAssembly text of ALS kernel ${source} (jobs/als) does not compile: a bug in dataflow's kernel source; ` +
        `fix it where wabt points (line:column in that text):\n${detail.trim()}`,
      { cause: error },
    );
  }
  if (!WebAssembly.validate(bytes)) return null;
  return new WebAssembly.Module(bytes);
}
