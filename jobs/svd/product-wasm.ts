// The sparse products' WebAssembly (product-kernels.wat) as its assembled bytes, compiled once per
// process: the driver's single-vector products (local-products.ts) and the executors' 4-column
// products (row-kernels.ts) run it.

/**
 * product-kernels.wat assembled (by wabt, canonical LEBs): so that no assembler loads
 * and runs in the solve (wabt's first parse costs 10-100 ms). The text is the source; the unit test
 * test/unit/jobs/svd/local-products.test.ts assembles it and checks these bytes are what it gives.
 */
export const PRODUCT_KERNELS_WASM =
  'AGFzbQEAAAABEQJgB39/f39/f38AYAN/f38AAwUEAAAAAQUDAQABByoFBm1lbW9yeQIABWxlYWYxAAAFbGVhZjQAAQVsZWFmOAACBW1lcmdlAAMKuwcEzAEDBH8BfAF/IAMhBwJAA0AgByAETg0BIAAgB0ECdGooAgAhCSAAIAdBAnRqKAIEIQpEAAAAAAAAAAAhCyAJIQgCQANAIAggCk4NASALIAIgCEEDdGorAwAgBSABIAhBAnRqKAIAQQN0aisDAKKgIQsgCEEBaiEIDAALCyAJIQgCQANAIAggCk4NASAGIAEgCEECdGooAgBBA3RqIQwgDCAMKwMAIAIgCEEDdGorAwAgC6KgOQMAIAhBAWohCAwACwsgB0EBaiEHDAALCwuaAgIFfwN7IAMhBwJAA0AgByAETg0BIAAgB0ECdGooAgAhCSAAIAdBAnRqKAIEIQpEAAAAAAAAAAD9FCENRAAAAAAAAAAA/RQhDiAJIQgCQANAIAggCk4NASACIAhBA3Rq/QoDACEMIAUgASAIQQJ0aigCAEEFdGohCyANIAwgC/0ABAD98gH98AEhDSAOIAwgC/0ABBD98gH98AEhDiAIQQFqIQgMAAsLIAkhCAJAA0AgCCAKTg0BIAIgCEEDdGr9CgMAIQwgBiABIAhBAnRqKAIAQQV0aiELIAsgC/0ABAAgDCAN/fIB/fAB/QsEACALIAv9AAQQIAwgDv3yAf3wAf0LBBAgCEEBaiEIDAALCyAHQQFqIQcMAAsLC4QDAgV/BXsgAyEHAkADQCAHIARODQEgACAHQQJ0aigCACEJIAAgB0ECdGooAgQhCkQAAAAAAAAAAP0UIQ1EAAAAAAAAAAD9FCEORAAAAAAAAAAA/RQhD0QAAAAAAAAAAP0UIRAgCSEIAkADQCAIIApODQEgAiAIQQN0av0KAwAhDCAFIAEgCEECdGooAgBBBnRqIQsgDSAMIAv9AAQA/fIB/fABIQ0gDiAMIAv9AAQQ/fIB/fABIQ4gDyAMIAv9AAQg/fIB/fABIQ8gECAMIAv9AAQw/fIB/fABIRAgCEEBaiEIDAALCyAJIQgCQANAIAggCk4NASACIAhBA3Rq/QoDACEMIAYgASAIQQJ0aigCAEEGdGohCyALIAv9AAQAIAwgDf3yAf3wAf0LBAAgCyAL/QAEECAMIA798gH98AH9CwQQIAsgC/0ABCAgDCAP/fIB/fAB/QsEICALIAv9AAQwIAwgEP3yAf3wAf0LBDAgCEEBaiEIDAALCyAHQQFqIQcMAAsLC0kBAX8gASACQQN0aiEDAkADQCABIANPDQEgACAAKwMAIAErAwCgOQMAIAFEAAAAAAAAAAA5AwAgAEEIaiEAIAFBCGohAQwACwsL';
let compiled: WebAssembly.Module | null | undefined;

/** The compiled kernels (once per process), or null when this runtime has no WebAssembly (JS twins then). */
export function productModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    const bytes = Buffer.from(PRODUCT_KERNELS_WASM, 'base64');
    compiled = typeof WebAssembly === 'object' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  }
  return compiled;
}
