// The single-vector (b = 1) Lanczos step's Gram–Schmidt on the driver as WebAssembly
// (dense-kernels.wat): the basis lives in the module's memory, and orthogonalize/dots give the very
// bits of dense-block.ts's orthogonalizeAgainst/dots with b = 1 (same operations, same order), only
// compiled from the first call instead of interpreted until V8 optimizes the JavaScript loops.

/**
 * dense-kernels.wat assembled by wabt (canonical LEBs), so no assembler runs in the solve; the unit
 * test test/unit/jobs/svd/local-products.test.ts assembles the text and checks these bytes.
 */
export const DENSE_KERNELS_WASM =
  'AGFzbQEAAAABEgJgBX9/f39/AGAGf39/f398AAMDAgABBQMBAAEHHQMGbWVtb3J5AgAFZG90czEAAAhjb21iaW5lMQABCrgFAusCAgZ/BXwgBEEDdCEHIAMgB2ohCgJAA0AgBUEEaiACSg0BIAEgBSAHbGohCEQAAAAAAAAAACEMRAAAAAAAAAAAIQ1EAAAAAAAAAAAhDkQAAAAAAAAAACEPIAMhCQJAA0AgCSAKTw0BIAkrAwAhCyAMIAgrAwAgC6KgIQwgDSAIIAdqKwMAIAuioCENIA4gCCAHQQF0aisDACALoqAhDiAPIAggB0EDbGorAwAgC6KgIQ8gCEEIaiEIIAlBCGohCQwACwsgACAFQQN0aiAMOQMAIAAgBUEDdGogDTkDCCAAIAVBA3RqIA45AxAgACAFQQN0aiAPOQMYIAVBBGohBQwACwsCQANAIAUgAk4NASABIAUgB2xqIQhEAAAAAAAAAAAhDCADIQkCQANAIAkgCk8NASAMIAgrAwAgCSsDAKKgIQwgCEEIaiEIIAlBCGohCQwACwsgACAFQQN0aiAMOQMAIAVBAWohBQwACwsLyAICBX8EfCAEQQN0IQcgACAHaiEKAkADQCAGQQRqIAJKDQEgASAGIAdsaiEIIAUgAyAGQQN0aisDAKIhCyAFIAMgBkEDdGorAwiiIQwgBSADIAZBA3RqKwMQoiENIAUgAyAGQQN0aisDGKIhDiAAIQkCQANAIAkgCk8NASAJIAkrAwAgCCsDACALoiAIIAdqKwMAIAyioCAIIAdBAXRqKwMAIA2ioCAIIAdBA2xqKwMAIA6ioKA5AwAgCEEIaiEIIAlBCGohCQwACwsgBkEEaiEGDAALCwJAA0AgBiACTg0BIAUgAyAGQQN0aisDAKIhCyALRAAAAAAAAAAAYgRAIAEgBiAHbGohCCAAIQkCQANAIAkgCk8NASAJIAkrAwAgCyAIKwMAoqA5AwAgCEEIaiEIIAlBCGohCQwACwsLIAZBAWohBgwACwsL';

let compiled: WebAssembly.Module | null | undefined;

function denseModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    const bytes = Buffer.from(DENSE_KERNELS_WASM, 'base64');
    compiled = typeof WebAssembly === 'object' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  }
  return compiled;
}

interface DenseExports {
  memory: WebAssembly.Memory;
  dots1(out: number, q: number, s: number, z: number, n: number): void;
  combine1(out: number, q: number, s: number, y: number, n: number, alpha: number): void;
}

/** A basis of up to m vectors of length n in WebAssembly memory, with the b = 1 Gram–Schmidt on it. */
export class SingleVectorBasis {
  /** The basis, column-major (vector i at [i·n, (i+1)·n)): a view of the module's memory. */
  readonly q: Float64Array;
  private readonly z: Float64Array;
  private readonly c: Float64Array;
  private readonly zAt: number;
  private readonly cAt: number;
  private readonly x: Float64Array;
  private readonly xAt: number;

  private constructor(private readonly e: DenseExports, private readonly n: number, m: number) {
    const bytes = (2 * n * m + n + m) * 8;
    if (bytes > e.memory.buffer.byteLength) e.memory.grow(Math.ceil((bytes - e.memory.buffer.byteLength) / 65536));
    const buffer = e.memory.buffer;
    this.q = new Float64Array(buffer, 0, n * m);
    this.zAt = n * m * 8;
    this.z = new Float64Array(buffer, this.zAt, n);
    this.cAt = this.zAt + n * 8;
    this.c = new Float64Array(buffer, this.cAt, m);
    this.xAt = this.cAt + m * 8;
    this.x = new Float64Array(buffer, this.xAt, n * m);
  }

  /** A zeroed basis for n × m, or null without WebAssembly (dense-block.ts's loops then). */
  static create(n: number, m: number): SingleVectorBasis | null {
    const module = denseModule();
    return module ? new SingleVectorBasis(new WebAssembly.Instance(module, {}).exports as unknown as DenseExports, n, m) : null;
  }

  /** z ← (I − Q Qᵀ) z twice over the first s vectors; known = Qᵀ z already (first pass), as orthogonalizeAgainst. */
  orthogonalize(z: Float64Array, s: number, known?: Float64Array): void {
    if (s === 0) return;
    this.z.set(z);
    for (let pass = 0; pass < 2; pass++) {
      if (pass === 0 && known) this.c.set(known.subarray(0, s));
      else this.e.dots1(this.cAt, 0, s, this.zAt, this.n);
      this.e.combine1(this.zAt, 0, s, this.cAt, this.n, -1);
    }
    z.set(this.z);
  }

  /**
   * out = Q·Y[:, :cols] over the first s basis vectors (Y row-major with row length ldY; out
   * column-major, cols ≤ m vectors): combineInto(zeros, q, s, y, ldY, cols, n, 1)'s bits, column
   * by column (each output number gets the same updates in the same order as in its 4 × 4 tiles).
   */
  combine(out: Float64Array, s: number, y: Float64Array, ldY: number, cols: number): void {
    const n = this.n;
    this.x.fill(0, 0, n * cols);
    for (let c = 0; c < cols; c++) {
      for (let i = 0; i < s; i++) this.c[i] = y[i * ldY + c]!;
      this.e.combine1(this.xAt + c * n * 8, 0, s, this.cAt, n, 1);
    }
    out.set(this.x.subarray(0, n * cols));
  }

  /** out[i] = q_i · w for i < s (dots(out, q, s, w, 1, n, 1)). */
  dots(out: Float64Array, s: number, w: Float64Array): void {
    this.z.set(w);
    this.e.dots1(this.cAt, 0, s, this.zAt, this.n);
    out.set(this.c.subarray(0, s));
  }
}
