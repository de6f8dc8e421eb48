// Random ALS rows for the normal-equation kernel tests: factor rows `ys` (nPos × width), the rated
// positions and half-star ratings of nnz ratings, from a small seeded LCG (the same data every run).

export function randomAlsRows(width: number, nPos: number, nnz: number, seed: number): { ys: Float32Array; pos: Int32Array; r: Float32Array } {
  let s = seed;
  const rnd = (): number => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648; };
  return {
    ys: Float32Array.from({ length: nPos * width }, () => rnd() - 0.5),
    pos: Int32Array.from({ length: nnz }, () => Math.floor(rnd() * nPos)),
    r: Float32Array.from({ length: nnz }, () => Math.round(rnd() * 10) / 2),
  };
}

/** Bit-for-bit equality of two float64 arrays (NaN payloads and signed zeros included). */
export const sameBits = (x: Float64Array, y: Float64Array): boolean => Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength));
