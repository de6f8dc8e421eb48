// symmetric-eigen.ts's tridiagonalization and implicit QL as WebAssembly (eigen-kernels.wat): the
// very bits of its JavaScript twin, compiled from the first call (a small matrix's Rayleigh–Ritz
// solves otherwise run in V8's interpreter for most of its solve: ~2 ms a call cold, ~0.05 ms warm).

/**
 * eigen-kernels.wat assembled by wabt (canonical LEBs), so no assembler runs in the solve; the unit
 * test test/unit/jobs/svd/symmetric-eigen.test.ts assembles the text and checks these bytes.
 */
export const EIGEN_KERNELS_WASM =
  'AGFzbQEAAAABKAVgAnx8AXxgBn9/f39/fwBgA39/fwBgB39/f39/f38Bf2AEf39/fwADBwYAAQECAwQFAwEAAQc+BgZtZW1vcnkCAAZyZWR1Y2UAAQphY2N1bXVsYXRlAAIJdHJhbnNwb3NlAAMCcWwABApzeW1tZXRyaXplAAUK+BcGZAEDfCAAmSECIAGZIQMgAiADZARAIAMgAqMhBCACRAAAAAAAAPA/IAQgBKKgn6IPCyADRAAAAAAAAAAAYQRARAAAAAAAAAAADwsgAiADoyEEIANEAAAAAAAA8D8gBCAEoqCfogvkCAIJfwZ8IANBA3QhCSAAIANBAWsgCWxqIQogBCADQQFrRgRAQQAhBwJAA0AgByADTg0BIAEgB0EDdGogCiAHQQN0aisDADkDACAHQQFqIQcMAAsLCyAEIQYCQANAIAYgBUwNAUQAAAAAAAAAACEPRAAAAAAAAAAAIRBBACEIAkADQCAIIAZODQEgDyABIAhBA3RqKwMAmaAhDyAIQQFqIQgMAAsLIA9EAAAAAAAAAABhBEAgAiAGQQN0aiABIAZBAWtBA3RqKwMAOQMAQQAhBwJAA0AgByAGTg0BIAEgB0EDdGogACAGQQFrIANsIAdqQQN0aisDADkDACAAIAYgA2wgB2pBA3RqRAAAAAAAAAAAOQMAIAAgByADbCAGakEDdGpEAAAAAAAAAAA5AwAgB0EBaiEHDAALCwVBACEIAkADQCAIIAZODQEgASAIQQN0aiEMIAwrAwAgD6MhFCAMIBQ5AwAgECAUIBSioCEQIAhBAWohCAwACwsgASAGQQFrQQN0aiEMIAwrAwAhESAQnyESIBFEAAAAAAAAAABkBEAgEpohEgsgAiAGQQN0aiAPIBKiOQMAIBAgESASoqEhECAMIBEgEqE5AwBBACEHAkADQCAHIAZODQEgAiAHQQN0akQAAAAAAAAAADkDACAHQQFqIQcMAAsLIAEgBkEDdGohDkEAIQcCQANAIAcgBk4NASABIAdBA3RqKwMAIREgACAHIANsIAZqQQN0aiAROQMAIAIgB0EDdGorAwAgACAHIANsIAdqQQN0aisDACARoqAhEiAAIAdBAWogA2wgB2pBA3RqIQsgASAHQQFqQQN0aiEMIAIgB0EBakEDdGohDQJAA0AgDCAOTw0BIAsrAwAhFCASIBQgDCsDAKKgIRIgDSANKwMAIBQgEaKgOQMAIAsgCWohCyAMQQhqIQwgDUEIaiENDAALCyACIAdBA3RqIBI5AwAgB0EBaiEHDAALC0QAAAAAAAAAACERQQAhBwJAA0AgByAGTg0BIAIgB0EDdGohDSANKwMAIBCjIRQgDSAUOQMAIBEgFCABIAdBA3RqKwMAoqAhESAHQQFqIQcMAAsLIBEgECAQoKMhE0EAIQcCQANAIAcgBk4NASACIAdBA3RqIQ0gDSANKwMAIBMgASAHQQN0aisDAKKhOQMAIAdBAWohBwwACwtBACEHAkADQCAHIAZODQEgASAHQQN0aisDACERIAIgB0EDdGorAwAhEiAAIAcgA2wgB2pBA3RqIQsgASAHQQN0aiEMIAIgB0EDdGohDQJAA0AgDCAOTw0BIAsgCysDACARIA0rAwCiIBIgDCsDAKKgoTkDACALIAlqIQsgDEEIaiEMIA1BCGohDQwACwsgASAHQQN0aiAAIAZBAWsgA2wgB2pBA3RqKwMAOQMAIAAgBiADbCAHakEDdGpEAAAAAAAAAAA5AwAgB0EBaiEHDAALCwsgASAGQQN0aiAQOQMAIAZBAWshBgwACwsLqQQCCX8CfCADQQN0IQkgACADQQFrIAlsaiEKIAQhBgJAA0AgBiAFTg0BIAAgBiADbCAGakEDdGohCyAKIAZBA3RqIAsrAwA5AwAgC0QAAAAAAADwPzkDACABIAZBAWpBA3RqKwMAIQ8gASAGQQFqQQN0aiEOIA9EAAAAAAAAAABiBEAgACAGQQFqQQN0aiELIAEhDAJAA0AgDCAOTw0BIAwgCysDACAPozkDACALIAlqIQsgDEEIaiEMDAALC0EAIQcCQANAIAcgBkoNAUQAAAAAAAAAACEQIAAgBkEBakEDdGohDSAAIAdBA3RqIQsgASEMAkADQCAMIA5PDQEgECANKwMAIAsrAwCioCEQIA0gCWohDSALIAlqIQsgDEEIaiEMDAALCyAAIAdBA3RqIQsgASEMAkADQCAMIA5PDQEgCyALKwMAIBAgDCsDAKKhOQMAIAsgCWohCyAMQQhqIQwMAAsLIAdBAWohBwwACwsLIAAgBkEBakEDdGohCyABIQwCQANAIAwgDk8NASALRAAAAAAAAAAAOQMAIAsgCWohCyAMQQhqIQwMAAsLIAZBAWohBgwACwsgBSADQQFrRgRAQQAhBwJAA0AgByADTg0BIAogB0EDdGohCyABIAdBA3RqIAsrAwA5AwAgC0QAAAAAAAAAADkDACAHQQFqIQcMAAsLIAogA0EBa0EDdGpEAAAAAAAA8D85AwAgAkQAAAAAAAAAADkDAAsLYQEFfyACQQN0IQcgACEFAkADQCADIAJODQEgASADQQN0aiEGQQAhBAJAA0AgBCACTg0BIAYgBSsDADkDACAFQQhqIQUgBiAHaiEGIARBAWohBAwACwsgA0EBaiEDDAALCwuvCAMJfxN8BHsgA0EDdCEMIARBAEYEQEEBIQcCQANAIAcgA04NASACIAdBAWtBA3RqIAIgB0EDdGorAwA5AwAgB0EBaiEHDAALCyACIANBAWtBA3RqRAAAAAAAAAAAOQMABSAGKwMAIRAgBisDCCERC0QAAAAAAACwPCESIAQhCAJAA0AgCCAFTg0BIBEgASAIQQN0aisDAJkgAiAIQQN0aisDAJmgpSERIAghCQJAA0AgCSADTg0BIAIgCUEDdGorAwCZIBIgEaJlDQEgCUEBaiEJDAALCyAJIANGBEAgA0EBayEJCyAJIAhKBEBBACELA0AgC0EBaiELIAtBPCADbEHkAGpKBEAgCA8LIAIgCEEDdGorAwAhHiABIAhBA3RqKwMAIRMgASAIQQFqQQN0aisDACAToUQAAAAAAAAAQCAeoqMhFCAURAAAAAAAAPA/EAAhFSAURAAAAAAAAAAAYwRAIBWaIRULIAEgCEEDdGogHiAUIBWgozkDACAeIBQgFaCiIRcgASAIQQFqQQN0aiAXOQMAIBMgASAIQQN0aisDAKEhFiAIQQJqIQcCQANAIAcgA04NASABIAdBA3RqIQ0gDSANKwMAIBahOQMAIAdBAWohBwwACwsgECAWoCEQIAEgCUEDdGorAwAhFEQAAAAAAADwPyEYIBghGSAYIRogAiAIQQFqQQN0aisDACEbRAAAAAAAAAAAIRxEAAAAAAAAAAAhHSAJQQFrIQcCQANAIAcgCEgNASAZIRogGCEZIBwhHSACIAdBA3RqKwMAIR8gGCAfoiETIBggFKIhFiAUIB8QACEVIAIgB0EBakEDdGogHCAVojkDACAfIBWjIRwgFCAVoyEYIAEgB0EDdGorAwAhICAYICCiIBwgE6KhIRQgASAHQQFqQQN0aiAWIBwgGCAToiAcICCioKKgOQMAIAAgByAMbGohDSANIAxqIQ4gDiEPIBz9FCEjIBj9FCEkAkADQCANQRBqIA9LDQEgDv0ABAAhJiAN/QAEACElIA4gIyAl/fIBICQgJv3yAf3wAf0LBAAgDSAkICX98gEgIyAm/fIB/fEB/QsEACANQRBqIQ0gDkEQaiEODAALCwJAA0AgDSAPTw0BIA4rAwAhIiANKwMAISEgDiAcICGiIBggIqKgOQMAIA0gGCAhoiAcICKioTkDACANQQhqIQ0gDkEIaiEODAALCyAHQQFrIQcMAAsLIByaIB2iIBqiIBuiIAIgCEEDdGorAwCiIBejIRQgAiAIQQN0aiAcIBSiOQMAIAEgCEEDdGogGCAUojkDACACIAhBA3RqKwMAmSASIBGiZA0ACwsgASAIQQN0aiENIA0gDSsDACAQoDkDACACIAhBA3RqRAAAAAAAAAAAOQMAIAhBAWohCAwACwsgBiAQOQMAIAYgETkDCEF/C20BAn8CQANAIAQgA04NAUEAIQUCQANAIAUgA04NASAARAAAAAAAAOA/IAEgBCACbCAFakEDdGorAwAgASAFIAJsIARqQQN0aisDAKCiOQMAIABBCGohACAFQQFqIQUMAAsLIARBAWohBAwACwsL';

interface EigenExports {
  memory: WebAssembly.Memory;
  reduce(v: number, d: number, e: number, n: number, hi: number, lo: number): void;
  accumulate(v: number, d: number, e: number, n: number, lo: number, hi: number): void;
  transpose(a: number, t: number, n: number): void;
  ql(vt: number, d: number, e: number, n: number, lo: number, hi: number, state: number): number;
  symmetrize(dst: number, h: number, m: number, s: number): void;
}

/** The tridiagonal (d, e) and the eigenvector rows vt after the QL iterations, or where they stopped. */
export interface EigenWork {
  d: Float64Array;
  vt: Float64Array;
  /** -1, or the eigenvalue whose QL iteration did not converge. */
  failedAt: number;
}

/** Matrices up to this many bytes of work space reuse one instance; larger ones get their own (freed after). */
const KEEP_BYTES = 1 << 20;

/**
 * About this many numbers of the matrix touched per call: a small matrix is one call per phase, a
 * large one a call per step, so that V8 swaps in its optimized code after the first few steps.
 */
const WORK_PER_CALL = 1 << 16;

let compiled: WebAssembly.Module | null | undefined;
let kept: EigenExports | undefined;

function eigenModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    const bytes = Buffer.from(EIGEN_KERNELS_WASM, 'base64');
    compiled = typeof WebAssembly === 'object' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  }
  return compiled;
}

/**
 * Householder tridiagonalization and implicit QL of the symmetric n × n matrix a (row-major, not
 * changed) in WebAssembly; the caller sorts. Null without WebAssembly or when its memory cannot
 * hold 2·n² + 2·n + 2 numbers (the JavaScript twin then). The views returned are valid until the
 * next call.
 */
export function eigenInWasm(a: Float64Array, n: number): EigenWork | null {
  const e = instanceFor(n, 0);
  if (!e) return null;
  new Float64Array(e.memory.buffer, 0, n * n).set(a);
  return solve(e, n);
}

/**
 * eigenInWasm of the symmetric part of h's leading s × s block (h m × m, row-major):
 * 0.5·(h[i·m + j] + h[j·m + i]), formed in WebAssembly (eigen-kernels.wat's symmetrize).
 */
export function eigenOfSymmetricPartInWasm(h: Float64Array, m: number, s: number): EigenWork | null {
  const e = instanceFor(s, m * m);
  if (!e) return null;
  const hAt = workBytes(s);
  new Float64Array(e.memory.buffer, hAt, m * m).set(h.subarray(0, m * m));
  e.symmetrize(0, hAt, m, s);
  return solve(e, s);
}

/** Bytes of the work space for an n × n solve: v and vt (n² each), d and e (n each), state (2). */
function workBytes(n: number): number {
  return (2 * n * n + 2 * n + 2) * 8;
}

/** An instance whose memory holds the work space and `extra` numbers past it, or null. */
function instanceFor(n: number, extra: number): EigenExports | null {
  const module = eigenModule();
  if (!module) return null;
  const bytes = workBytes(n) + extra * 8;
  try {
    const e = bytes <= KEEP_BYTES ? (kept ??= new WebAssembly.Instance(module, {}).exports as unknown as EigenExports) : new WebAssembly.Instance(module, {}).exports as unknown as EigenExports;
    const have = e.memory.buffer.byteLength;
    if (bytes > have) e.memory.grow(Math.ceil((bytes - have) / 65536));
    return e;
  } catch (error) {
    if (error instanceof RangeError) return null; // more than WebAssembly memory holds
    throw error;
  }
}

/** The phases on the matrix at offset 0 (v), in calls of about WORK_PER_CALL numbers each. */
function solve(e: EigenExports, n: number): EigenWork {
  const vAt = 0;
  const vtAt = n * n * 8;
  const dAt = 2 * n * n * 8;
  const eAt = dAt + n * 8;
  const stateAt = eAt + n * 8;
  const steps = Math.max(1, Math.floor(WORK_PER_CALL / (n * n)));
  for (let hi = n - 1; ; ) {
    const lo = Math.max(0, hi - steps);
    e.reduce(vAt, dAt, eAt, n, hi, lo);
    if (lo === 0) break;
    hi = lo;
  }
  for (let lo = 0; ; ) {
    const hi = Math.min(n - 1, lo + steps);
    e.accumulate(vAt, dAt, eAt, n, lo, hi);
    if (hi === n - 1) break;
    lo = hi;
  }
  e.transpose(vAt, vtAt, n);
  let failedAt = -1;
  for (let lo = 0; lo < n && failedAt < 0; lo += steps) failedAt = e.ql(vtAt, dAt, eAt, n, lo, Math.min(n, lo + steps), stateAt);
  const buffer = e.memory.buffer;
  return { d: new Float64Array(buffer, dAt, n), vt: new Float64Array(buffer, vtAt, n * n), failedAt };
}
