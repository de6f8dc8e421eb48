// The Lanczos step's Gram–Schmidt on the driver as WebAssembly (dense-kernels.wat), for a single
// vector (b = 1) and for blocks of 4·g vectors (SIMD): the basis lives in the module's memory, and
// orthogonalize/dots/combine give the very bits of dense-block.ts's orthogonalizeAgainst/dots/
// combineInto (same operations, same order per number), compiled instead of JavaScript loops.

/**
 * dense-kernels.wat assembled by wabt (canonical LEBs), so no assembler runs in the solve; the unit
 * test test/unit/jobs/svd/local-products.test.ts assembles the text and checks these bytes.
 */
export const DENSE_KERNELS_WASM =
  'AGFzbQEAAAABMgZgBX9/f39/AGAGf39/f398AGAGf39/f39/AGAHf39/f39/fABgA39/fABgBH9/f38AAwcGAAECAwQFBQMBAAEHRgcGbWVtb3J5AgAFZG90czEAAAhjb21iaW5lMQABBWRvdHM0AAIIY29tYmluZTQAAwZzY2FsZTEABApyb3dzU2lnbmVkAAUKwBYG6wICBn8FfCAEQQN0IQcgAyAHaiEKAkADQCAFQQRqIAJKDQEgASAFIAdsaiEIRAAAAAAAAAAAIQxEAAAAAAAAAAAhDUQAAAAAAAAAACEORAAAAAAAAAAAIQ8gAyEJAkADQCAJIApPDQEgCSsDACELIAwgCCsDACALoqAhDCANIAggB2orAwAgC6KgIQ0gDiAIIAdBAXRqKwMAIAuioCEOIA8gCCAHQQNsaisDACALoqAhDyAIQQhqIQggCUEIaiEJDAALCyAAIAVBA3RqIAw5AwAgACAFQQN0aiANOQMIIAAgBUEDdGogDjkDECAAIAVBA3RqIA85AxggBUEEaiEFDAALCwJAA0AgBSACTg0BIAEgBSAHbGohCEQAAAAAAAAAACEMIAMhCQJAA0AgCSAKTw0BIAwgCCsDACAJKwMAoqAhDCAIQQhqIQggCUEIaiEJDAALCyAAIAVBA3RqIAw5AwAgBUEBaiEFDAALCwuVBAMFfwR8BHsgBEEDdCEHIAAgB2ohCgJAA0AgBkEEaiACSg0BIAEgBiAHbGohCCAFIAMgBkEDdGorAwCiIQsgBSADIAZBA3RqKwMIoiEMIAUgAyAGQQN0aisDEKIhDSAFIAMgBkEDdGorAxiiIQ4gACEJIAv9FCEPIAz9FCEQIA39FCERIA79FCESAkADQCAJQRBqIApLDQEgCSAJ/QAEACAI/QAEACAP/fIBIAggB2r9AAQAIBD98gH98AEgCCAHQQF0av0ABAAgEf3yAf3wASAIIAdBA2xq/QAEACAS/fIB/fAB/fAB/QsEACAIQRBqIQggCUEQaiEJDAALCwJAA0AgCSAKTw0BIAkgCSsDACAIKwMAIAuiIAggB2orAwAgDKKgIAggB0EBdGorAwAgDaKgIAggB0EDbGorAwAgDqKgoDkDACAIQQhqIQggCUEIaiEJDAALCyAGQQRqIQYMAAsLAkADQCAGIAJODQEgBSADIAZBA3RqKwMAoiELIAtEAAAAAAAAAABiBEAgASAGIAdsaiEIIAAhCSAL/RQhDwJAA0AgCUEQaiAKSw0BIAkgCf0ABAAgDyAI/QAEAP3yAf3wAf0LBAAgCEEQaiEIIAlBEGohCQwACwsCQANAIAkgCk8NASAJIAkrAwAgCyAIKwMAoqA5AwAgCEEIaiEIIAlBCGohCQwACwsLIAZBAWohBgwACwsL8gQCBn8OeyAFQQN0IQcgBCAFQQV0aiEKAkADQCAGQQRqIANKDQEgAiAGIAdsaiEIRAAAAAAAAAAA/RQhEkQAAAAAAAAAAP0UIRNEAAAAAAAAAAD9FCEURAAAAAAAAAAA/RQhFUQAAAAAAAAAAP0UIRZEAAAAAAAAAAD9FCEXRAAAAAAAAAAA/RQhGEQAAAAAAAAAAP0UIRkgBCEJAkADQCAJIApPDQEgCf0ABAAhECAJ/QAEECERIAj9CgMAIQwgCCAHav0KAwAhDSAIIAdBAXRq/QoDACEOIAggB0EDbGr9CgMAIQ8gEiAMIBD98gH98AEhEiATIAwgEf3yAf3wASETIBQgDSAQ/fIB/fABIRQgFSANIBH98gH98AEhFSAWIA4gEP3yAf3wASEWIBcgDiAR/fIB/fABIRcgGCAPIBD98gH98AEhGCAZIA8gEf3yAf3wASEZIAhBCGohCCAJQSBqIQkMAAsLIAAgBiABbGohCyALIBL9CwQAIAsgE/0LBBAgCyABaiELIAsgFP0LBAAgCyAV/QsEECALIAFqIQsgCyAW/QsEACALIBf9CwQQIAsgAWohCyALIBj9CwQAIAsgGf0LBBAgBkEEaiEGDAALCwJAA0AgBiADTg0BIAIgBiAHbGohCEQAAAAAAAAAAP0UIRJEAAAAAAAAAAD9FCETIAQhCQJAA0AgCSAKTw0BIAj9CgMAIQwgEiAMIAn9AAQA/fIB/fABIRIgEyAMIAn9AAQQ/fIB/fABIRMgCEEIaiEIIAlBIGohCQwACwsgACAGIAFsaiELIAsgEv0LBAAgCyAT/QsEECAGQQFqIQYMAAsLC84IAwt/FHsBfCAFQQN0IQkgBUEBdkEEdCEPAkADQCAHQQRqIAJKDQEgASAHIAlsaiEKIAogCWohCyALIAlqIQwgDCAJaiENIAMgByAEbGohESAGIBErAwCi/RQhFiAGIBErAwii/RQhFyAGIBErAxCi/RQhGCAGIBErAxii/RQhGSARIARqIREgBiARKwMAov0UIRogBiARKwMIov0UIRsgBiARKwMQov0UIRwgBiARKwMYov0UIR0gESAEaiERIAYgESsDAKL9FCEeIAYgESsDCKL9FCEfIAYgESsDEKL9FCEgIAYgESsDGKL9FCEhIBEgBGohESAGIBErAwCi/RQhIiAGIBErAwii/RQhIyAGIBErAxCi/RQhJCAGIBErAxii/RQhJUEAIQ4CQANAIA4gD08NASAKIA5q/QAEACESIAsgDmr9AAQAIRMgDCAOav0ABAAhFCANIA5q/QAEACEVIAAgDmohECAQIBD9AAQAIBIgFv3yASATIBr98gH98AEgFCAe/fIB/fABIBUgIv3yAf3wAf3wAf0LBAAgECAJaiEQIBAgEP0ABAAgEiAX/fIBIBMgG/3yAf3wASAUIB/98gH98AEgFSAj/fIB/fAB/fAB/QsEACAQIAlqIRAgECAQ/QAEACASIBj98gEgEyAc/fIB/fABIBQgIP3yAf3wASAVICT98gH98AH98AH9CwQAIBAgCWohECAQIBD9AAQAIBIgGf3yASATIB398gH98AEgFCAh/fIB/fABIBUgJf3yAf3wAf3wAf0LBAAgDkEQaiEODAALCyAFQQFxBEAgCiAOav0KAwAhEiALIA5q/QoDACETIAwgDmr9CgMAIRQgDSAOav0KAwAhFSAAIA5qIRAgECAQKwMAIBIgFv3yASATIBr98gH98AEgFCAe/fIB/fABIBUgIv3yAf3wAf0hAKA5AwAgECAJaiEQIBAgECsDACASIBf98gEgEyAb/fIB/fABIBQgH/3yAf3wASAVICP98gH98AH9IQCgOQMAIBAgCWohECAQIBArAwAgEiAY/fIBIBMgHP3yAf3wASAUICD98gH98AEgFSAk/fIB/fAB/SEAoDkDACAQIAlqIRAgECAQKwMAIBIgGf3yASATIB398gH98AEgFCAh/fIB/fABIBUgJf3yAf3wAf0hAKA5AwALIAdBBGohBwwACwsCQANAIAcgAk4NASABIAcgCWxqIQpBACEIAkADQCAIQQRODQEgBiADIAcgBGxqIAhBA3RqKwMAoiEmICZEAAAAAAAAAABiBEAgJv0UIRYgACAIIAlsaiEQQQAhDgJAA0AgDiAPTw0BIBAgDmogECAOav0ABAAgFiAKIA5q/QAEAP3yAf3wAf0LBAAgDkEQaiEODAALCyAFQQFxBEAgECAOaiAQIA5qKwMAICYgCiAOaisDAKKgOQMACwsgCEEBaiEIDAALCyAHQQFqIQcMAAsLCzEBAX8gACABQQN0aiEDAkADQCAAIANPDQEgACAAKwMAIAKiOQMAIABBCGohAAwACwsLwwEDBn8CfAF/AkADQCAEIANODQEgASAEIAJBA3RsaiEGIAYgAkEDdGohB0QAAAAAAAAAACEKIAYhCAJAA0AgCCAHTw0BIAgrAwAhCyALmSAKmWQEQCALIQoLIAhBCGohCAwACwsgCkQAAAAAAAAAAGMhDCAGIQggACAEQQN0aiEJAkADQCAIIAdPDQEgCCsDACELIAwEQCALmiELCyAJIAs5AwAgCEEIaiEIIAkgA0EDdGohCQwACwsgBEEBaiEEDAALCws=';

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
  dots4(out: number, ldOut: number, q: number, s: number, z: number, n: number): void;
  combine4(out: number, q: number, s: number, y: number, ldY: number, n: number, alpha: number): void;
  scale1(z: number, n: number, a: number): void;
  rowsSigned(out: number, x: number, n: number, k: number): void;
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
  /** A rotation's Y (m × m, row-major) and one column of it. */
  private readonly y: Float64Array;
  private readonly yAt: number;

  private constructor(private readonly e: DenseExports, private readonly n: number, m: number) {
    const bytes = (2 * n * m + n + m + m * m + m) * 8;
    if (bytes > e.memory.buffer.byteLength) e.memory.grow(Math.ceil((bytes - e.memory.buffer.byteLength) / 65536));
    const buffer = e.memory.buffer;
    this.q = new Float64Array(buffer, 0, n * m);
    this.zAt = n * m * 8;
    this.z = new Float64Array(buffer, this.zAt, n);
    this.cAt = this.zAt + n * 8;
    this.c = new Float64Array(buffer, this.cAt, m);
    this.xAt = this.cAt + m * 8;
    this.x = new Float64Array(buffer, this.xAt, n * m);
    this.yAt = this.xAt + n * m * 8;
    this.y = new Float64Array(buffer, this.yAt, m * m + m);
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
    this.orthogonalizeInPlace(s, known);
    z.set(this.z);
  }

  private orthogonalizeInPlace(s: number, known?: Float64Array): void {
    for (let pass = 0; pass < 2; pass++) {
      if (pass === 0 && known) this.c.set(known.subarray(0, s));
      else this.e.dots1(this.cAt, 0, s, this.zAt, this.n);
      this.e.combine1(this.zAt, 0, s, this.cAt, this.n, -1);
    }
  }

  /**
   * orthogonalize, then z scaled to unit length: orthogonalizeAgainst + orthonormalizeBlock's bits
   * for b = 1 (its norms before and after are the same dot() there: no earlier block vector). False,
   * z then orthogonalized only, when that norm fails orthonormalizeBlock's test (it then replaces z).
   */
  orthonormalize(z: Float64Array, s: number, known?: Float64Array): boolean {
    this.z.set(z);
    if (s > 0) this.orthogonalizeInPlace(s, known);
    this.e.dots1(this.cAt, this.zAt, 1, this.zAt, this.n);
    const norm = Math.sqrt(this.c[0]!);
    const unit = norm > 1e-10 * Math.max(norm, Number.MIN_VALUE) && norm > 0;
    if (unit) this.e.scale1(this.zAt, this.n, 1 / norm);
    z.set(this.z);
    return unit;
  }

  /**
   * out = Q·Y[:, :cols] over the first s basis vectors (Y row-major with row length ldY ≤ m; out
   * column-major, cols ≤ m vectors): combineInto(zeros, q, s, y, ldY, cols, n, 1)'s bits, as
   * BlockBasis.combine gives them: 4 columns at a time (combine4, SIMD, each q_i read once for 4
   * columns), the last cols mod 4 one by one (combine1).
   */
  combine(out: Float64Array, s: number, y: Float64Array, ldY: number, cols: number): void {
    this.combineInX(s, y, ldY, cols);
    out.set(this.x.subarray(0, this.n * cols));
  }

  private combineInX(s: number, y: Float64Array, ldY: number, cols: number): void {
    const n = this.n;
    this.x.fill(0, 0, n * cols);
    this.y.set(y.subarray(0, s * ldY));
    let c = 0;
    for (; c + 4 <= cols; c += 4) this.e.combine4(this.xAt + c * n * 8, 0, s, this.yAt + c * 8, ldY * 8, n, 1);
    // combine1 reads one column's coefficients contiguously: past the copied Y.
    const at = s * ldY;
    for (; c < cols; c++) {
      for (let i = 0; i < s; i++) this.y[at + i] = y[i * ldY + c]!;
      this.e.combine1(this.xAt + c * n * 8, 0, s, this.yAt + at * 8, n, 1);
    }
  }

  /**
   * The final narrow vectors Q·Y[:, :cols] row-major (n × cols) with fixed signs: combine, then
   * toRowMajor and fixSigns's bits (rowsSigned), the result written over the basis (so the basis
   * is gone after this).
   */
  finalVectors(s: number, y: Float64Array, ldY: number, cols: number): Float64Array {
    const n = this.n;
    this.combineInX(s, y, ldY, cols);
    this.e.rowsSigned(0, this.xAt, n, cols);
    return this.q.slice(0, n * cols);
  }

  /** z · z: dots(out, z, 1, z, 1, n, 1)'s bits (one sum over j ascending from 0). */
  selfDot(z: Float64Array): number {
    this.z.set(z);
    this.e.dots1(this.cAt, this.zAt, 1, this.zAt, this.n);
    return this.c[0]!;
  }

  /** out[i] = q_i · w for i < s (dots(out, q, s, w, 1, n, 1)). */
  dots(out: Float64Array, s: number, w: Float64Array): void {
    this.z.set(w);
    this.e.dots1(this.cAt, 0, s, this.zAt, this.n);
    out.set(this.c.subarray(0, s));
  }
}

/**
 * A basis of up to m vectors of length n in WebAssembly memory, with the Gram–Schmidt of a block of
 * b = 4·g vectors on it (SIMD, dense-kernels.wat's dots4/combine4): the bits of dense-block.ts's
 * dots, orthogonalizeAgainst and combineInto for that block, ~3× faster than their JavaScript.
 */
export class BlockBasis {
  /** The basis, column-major (vector i at [i·n, (i+1)·n)): a view of the module's memory. */
  readonly q: Float64Array;
  /** Block vectors, column-major (n × b). */
  private readonly z: Float64Array;
  private readonly zAt: number;
  /** 4 block vectors interleaved (n × 4, row-major), as dots4 reads them. */
  private readonly zi: Float64Array;
  private readonly ziAt: number;
  /** Coefficients: Qᵀ Z (m × b, row-major), or a rotation's Y (m × m) and one column of it. */
  private readonly c: Float64Array;
  private readonly cAt: number;
  private readonly x: Float64Array;
  private readonly xAt: number;

  private constructor(private readonly e: DenseExports, private readonly n: number, m: number, private readonly b: number) {
    const doubles = 2 * n * m + n * b + 4 * n + m * Math.max(m, b) + m;
    const bytes = doubles * 8;
    if (bytes > e.memory.buffer.byteLength) e.memory.grow(Math.ceil((bytes - e.memory.buffer.byteLength) / 65536));
    const buffer = e.memory.buffer;
    let at = 0;
    const take = (length: number): [Float64Array, number] => {
      const view = new Float64Array(buffer, at, length);
      const start = at;
      at += length * 8;
      return [view, start];
    };
    [this.q] = take(n * m);
    [this.x, this.xAt] = take(n * m);
    [this.z, this.zAt] = take(n * b);
    [this.zi, this.ziAt] = take(4 * n);
    [this.c, this.cAt] = take(m * Math.max(m, b) + m);
  }

  /**
   * A zeroed basis for n × m and blocks of b vectors, or null when b is not a multiple of 4, there
   * is no WebAssembly, or its memory cannot hold the basis (dense-block.ts's loops then).
   */
  static create(n: number, m: number, b: number): BlockBasis | null {
    if (b % 4 !== 0 || b <= 0) return null;
    const module = denseModule();
    if (!module) return null;
    try {
      return new BlockBasis(new WebAssembly.Instance(module, {}).exports as unknown as DenseExports, n, m, b);
    } catch (e) {
      if (e instanceof RangeError) return null; // more than WebAssembly memory holds
      throw e;
    }
  }

  /** c[i·b + col] = q_i · z_col for i < s over the block in this.z (dots(c, q, s, z, b, n, b)). */
  private dotsOfZ(s: number): void {
    const { n, b, z, zi } = this;
    for (let g = 0; g < b; g += 4) {
      const z0 = g * n, z1 = z0 + n, z2 = z1 + n, z3 = z2 + n;
      for (let j = 0, o = 0; j < n; j++, o += 4) {
        zi[o] = z[z0 + j]!; zi[o + 1] = z[z1 + j]!; zi[o + 2] = z[z2 + j]!; zi[o + 3] = z[z3 + j]!;
      }
      this.e.dots4(this.cAt + g * 8, b * 8, 0, s, this.ziAt, n);
    }
  }

  /** z ← (I − Q Qᵀ) z twice over the first s vectors (column-major n × b); known = Qᵀ z already (first pass), as orthogonalizeAgainst. */
  orthogonalize(z: Float64Array, s: number, known?: Float64Array): void {
    if (s === 0) return;
    const { n, b } = this;
    this.z.set(z);
    for (let pass = 0; pass < 2; pass++) {
      if (pass === 0 && known) this.c.set(known.subarray(0, s * b));
      else this.dotsOfZ(s);
      for (let g = 0; g < b; g += 4) this.e.combine4(this.zAt + g * n * 8, 0, s, this.cAt + g * 8, b * 8, n, -1);
    }
    z.set(this.z);
  }

  /** out[i·b + col] = q_i · w_col for i < s, w column-major n × b (dots(out, q, s, w, b, n, b)). */
  dots(out: Float64Array, s: number, w: Float64Array): void {
    this.z.set(w);
    this.dotsOfZ(s);
    out.set(this.c.subarray(0, s * this.b));
  }

  /**
   * out = Q·Y[:, :cols] over the first s basis vectors (Y row-major with row length ldY ≤ m; out
   * column-major): combineInto(zeros, q, s, y, ldY, cols, n, 1)'s bits, 4 columns at a time, the
   * last cols mod 4 one by one as combineInto does them.
   */
  combine(out: Float64Array, s: number, y: Float64Array, ldY: number, cols: number): void {
    const n = this.n;
    this.x.fill(0, 0, n * cols);
    this.c.set(y.subarray(0, s * ldY));
    let c = 0;
    for (; c + 4 <= cols; c += 4) this.e.combine4(this.xAt + c * n * 8, 0, s, this.cAt + c * 8, ldY * 8, n, 1);
    if (c < cols) {
      // combine1 reads one column's coefficients contiguously: past the copied Y.
      const at = s * ldY;
      for (; c < cols; c++) {
        for (let i = 0; i < s; i++) this.c[at + i] = y[i * ldY + c]!;
        this.e.combine1(this.xAt + c * n * 8, 0, s, this.cAt + at * 8, n, 1);
      }
    }
    out.set(this.x.subarray(0, n * cols));
  }
}
