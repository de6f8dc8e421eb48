// symmetricEigen's answers (A·v = λ·v, orthonormal v, descending λ), and its WebAssembly
// (eigen-kernels.wat) giving the very bits of its JavaScript twin; the embedded bytes are the text's.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import wabtInit from 'wabt';
import { symmetricEigen, symmetricEigenInJs, symmetricPart, symmetricPartEigen } from '../../../../jobs/svd/symmetric-eigen.ts';
import { EIGEN_KERNELS_WASM, eigenInWasm } from '../../../../jobs/svd/eigen-wasm.ts';

function randomSymmetric(n: number, seed: number): Float64Array {
  let s = seed;
  const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647) - 0.5;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = rnd();
  return a;
}

describe('symmetricEigen', () => {
  it('solves a 2×2 matrix exactly', () => {
    const { values, vectors } = symmetricEigen(Float64Array.of(2, 1, 1, 2), 2);
    expect(values[0]).toBeCloseTo(3, 14);
    expect(values[1]).toBeCloseTo(1, 14);
    expect(Math.abs(vectors[0]!)).toBeCloseTo(Math.SQRT1_2, 14);
    expect(vectors[0]! * vectors[2]!).toBeGreaterThan(0); // (1, 1) direction for λ = 3
  });

  it.each([
    [1, 'wasm', symmetricEigen], [3, 'wasm', symmetricEigen], [17, 'wasm', symmetricEigen], [80, 'wasm', symmetricEigen],
    [17, 'js', symmetricEigenInJs], [80, 'js', symmetricEigenInJs],
  ] as const)('A·v = λ·v with orthonormal v and descending λ (n = %i, %s)', (n, _, solve) => {
    const a = randomSymmetric(n, 7 + n);
    const { values, vectors } = solve(a, n);
    for (let j = 1; j < n; j++) expect(values[j]!).toBeLessThanOrEqual(values[j - 1]!);
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < n; i++) {
        let av = 0;
        for (let k = 0; k < n; k++) av += a[i * n + k]! * vectors[k * n + j]!;
        expect(Math.abs(av - values[j]! * vectors[i * n + j]!)).toBeLessThan(1e-12);
      }
      for (let l = 0; l < n; l++) {
        let dot = 0;
        for (let k = 0; k < n; k++) dot += vectors[k * n + j]! * vectors[k * n + l]!;
        expect(Math.abs(dot - (j === l ? 1 : 0))).toBeLessThan(1e-12);
      }
    }
  });

  it('keeps repeated and zero eigenvalues of a diagonal matrix', () => {
    const a = new Float64Array(16);
    [5, 0, 5, -1].forEach((v, i) => (a[i * 4 + i] = v));
    expect(Array.from(symmetricEigen(a, 4).values)).toEqual([5, 5, 0, -1]);
  });

  it('rejects a buffer of the wrong size', () => {
    expect(() => symmetricEigen(new Float64Array(5), 2)).toThrow(/2×2 = 4 values, got 5/);
    expect(() => symmetricEigenInJs(new Float64Array(5), 2)).toThrow(/2×2 = 4 values, got 5/);
  });
});

/** A symmetric matrix whose rows/columns in `zero` are all zeros (tred2's scale = 0 branch) and a repeated block. */
function withZerosAndRepeats(n: number, seed: number, zero: number[]): Float64Array {
  const a = randomSymmetric(n, seed);
  for (const z of zero) for (let j = 0; j < n; j++) a[z * n + j] = a[j * n + z] = 0;
  return a;
}

describe('symmetricEigen in WebAssembly', () => {
  const same = (x: Float64Array, y: Float64Array): boolean => x.length === y.length && x.every((v, i) => Object.is(v, y[i]));

  it.each([
    ['random', 1, randomSymmetric(1, 3)],
    ['random', 2, randomSymmetric(2, 4)],
    ['random', 21, randomSymmetric(21, 5)],
    ['random', 64, randomSymmetric(64, 6)],
    ['random, past the kept instance', 300, randomSymmetric(300, 7)],
    ['zero rows', 21, withZerosAndRepeats(21, 8, [0, 5, 20])],
    ['diagonal', 4, Float64Array.of(5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, -1)],
    ['zero', 3, new Float64Array(9)],
  ])('gives its JavaScript twin\'s bits (%s, n = %i)', (_, n, a) => {
    expect(eigenInWasm(a, n)).not.toBeNull(); // the WebAssembly path is the one compared
    const copy = Float64Array.from(a);
    const wasm = symmetricEigen(a, n);
    const js = symmetricEigenInJs(a, n);
    expect(same(a, copy)).toBe(true); // the input is only read
    expect(same(wasm.values, js.values)).toBe(true);
    expect(same(wasm.vectors, js.vectors)).toBe(true);
  });

  it.each([[1, 1], [21, 21], [21, 30], [64, 101], [250, 300]])('solves the symmetric part of an s × s block of an m × m buffer with the JavaScript\'s bits (s = %i, m = %i)', (s, m) => {
    let seed = 3 + s;
    const h = Float64Array.from({ length: m * m }, () => ((seed = (seed * 16807) % 2147483647) / 2147483647) - 0.5); // not symmetric
    const copy = Float64Array.from(h);
    const part = symmetricPartEigen(h, m, s);
    const js = symmetricEigenInJs(symmetricPart(h, m, s), s);
    expect(same(h, copy)).toBe(true); // only read
    expect(same(part.values, js.values) && same(part.vectors, js.vectors)).toBe(true);
    const whole = symmetricEigen(symmetricPart(h, m, s), s);
    expect(same(part.values, whole.values) && same(part.vectors, whole.vectors)).toBe(true);
  });

  it('gives the same bits again after a larger matrix (one instance reused, results copied out)', () => {
    const small = randomSymmetric(21, 11);
    const first = symmetricEigen(small, 21);
    symmetricEigen(randomSymmetric(40, 12), 40);
    const again = symmetricEigen(small, 21);
    expect(same(first.values, again.values) && same(first.vectors, again.vectors)).toBe(true);
  });

  it('is what the embedded bytes were assembled from (edit eigen-kernels.wat, then paste the new bytes)', async () => {
    const wabt = await wabtInit();
    const text = readFileSync(new URL('../../../../jobs/svd/eigen-kernels.wat', import.meta.url));
    const parsed = wabt.parseWat('wat', new Uint8Array(text).slice(), { simd: true });
    parsed.resolveNames();
    parsed.validate();
    const bytes = parsed.toBinary({ canonicalize_lebs: true }).buffer;
    parsed.destroy();
    expect(Buffer.from(bytes).toString('base64')).toBe(EIGEN_KERNELS_WASM);
  });
});
