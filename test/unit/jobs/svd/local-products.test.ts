// The driver's products (typed-array CSR, WebAssembly for single vectors) give the very bits the
// executors' kernel gives over the same rows, for every block width and centering; the single-vector
// and block (SIMD) Gram–Schmidt in WebAssembly give dense-block.ts's bits; the embedded wasm bytes
// are their .wat; the wide-side vectors U = A V Σ⁻¹ (rowProducts, WebAssembly) are the plain sums' bits,
// also when the driver computes them from its products' copy of the rows.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Table, makeVector } from 'apache-arrow';
import wabtInit from 'wabt';
import { LocalRowsOperator, ONE_PART, PRODUCT_KERNELS_WASM } from '../../../../jobs/svd/local-products.ts';
import { gramApplyPartial, rowProducts } from '../../../../jobs/svd/row-kernels.ts';
import type { Centering } from '../../../../jobs/svd/row-kernels.ts';
import type { IdEncoding } from '../../../../jobs/shared/id-encoding.ts';
import { LEAVES, sumTree } from '../../../../jobs/svd/leaf-tree.ts';
import { BlockBasis, DENSE_KERNELS_WASM, SingleVectorBasis } from '../../../../jobs/svd/dense-wasm.ts';
import { combineInto, dots, fixSigns, orthogonalizeAgainst, orthonormalizeBlock, toRowMajor } from '../../../../jobs/svd/dense-block.ts';

/**
 * Sparse rows as layoutRows lays them out: ordered by (row % 16, row), columns ascending; ~30% dense.
 * Values are halves plus noise, or exact halves (`halves`: float32-exact, as uncentered ratings are).
 */
function sparseRows(rows: number, n: number, seed: number, halves = false): Table {
  let s = seed;
  const rnd = () => ((s = (s * 48271) % 2147483647) / 2147483647);
  const row: number[] = [];
  const col: number[] = [];
  const value: number[] = [];
  const mult: number[] = [];
  const order = Array.from({ length: rows }, (_, r) => r).sort((a, b) => (a % LEAVES) - (b % LEAVES) || a - b);
  for (const r of order) {
    for (let c = 0; c < n; c++) {
      if (rnd() < 0.3) {
        row.push(r);
        col.push(c);
        value.push(Math.round(rnd() * 10) / 2 + (halves ? 0 : rnd() * 1e-3));
        mult.push(rnd() < 0.1 ? 2 : 1);
      }
    }
  }
  return new Table({ row: makeVector(Int32Array.from(row)), col: makeVector(Int32Array.from(col)), value: makeVector(Float64Array.from(value)), mult: makeVector(Int32Array.from(mult)) });
}

describe('LocalRowsOperator', () => {
  const n = 37;
  const table = sparseRows(90, n, 17);
  const centerings: Centering[] = [{ kind: 'none' }, { kind: 'global', mean: 2.75 }, { kind: 'cols', means: Float64Array.from({ length: n }, (_, j) => 1 + j / 10) }];

  // 1-9, 12, 16 and 17 vectors: the executors' groups of 8 (leaf8) and 4 (leaf4), padded or not.
  const widths = [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 16, 17];
  it.each(centerings)('gives the executors\' bits for blocks of 1 to 17 vectors (centering %o)', async (centering) => {
    const op = LocalRowsOperator.fromTable(table, n, centering);
    for (const b of widths) {
      const x = Float64Array.from({ length: n * b }, (_, i) => Math.sin(i * 1.7) * 100 + 1 / (i + 3));
      const local = await op.apply(x, b);
      const executors = sumTree(gramApplyPartial(table, x, b, centering, ONE_PART), ONE_PART, n * b);
      // Object.is: the same bits, -0 and +0 told apart.
      expect(Array.from(local).every((v, i) => Object.is(v, executors[i]))).toBe(true);
    }
    expect(op.passes).toBe(widths.length);
  });

  it('gives the executors\' bits over float32-exact values (the compact kernels), also when a centering makes them inexact and back', async () => {
    const exact = sparseRows(70, n, 29, true);
    // none and global 2.5 keep halves (compact); cols means do not; then none again.
    const sequence: Centering[] = [{ kind: 'none' }, { kind: 'global', mean: 2.5 }, centerings[2]!, { kind: 'none' }];
    for (const centering of sequence) {
      const op = LocalRowsOperator.fromTable(exact, n, centering);
      for (const b of [1, 4, 5, 8, 12]) {
        const x = Float64Array.from({ length: n * b }, (_, i) => Math.cos(i * 0.7) * 10 + 1 / (i + 2));
        const local = await op.apply(x, b);
        const executors = sumTree(gramApplyPartial(exact, x, b, centering, ONE_PART), ONE_PART, n * b);
        expect(Array.from(local).every((v, i) => Object.is(v, executors[i]))).toBe(true);
      }
    }
  });

  it('keeps giving the same result on repeated products (its accumulators are zeroed between uses)', async () => {
    const op = LocalRowsOperator.fromTable(table, n, { kind: 'none' });
    const x = Float64Array.from({ length: n }, (_, i) => i - n / 2);
    const first = await op.apply(x, 1);
    const again = await op.apply(x, 1);
    expect(Array.from(again)).toEqual(Array.from(first));
    expect(first.some((v) => v !== 0)).toBe(true);
  });
});

describe('SingleVectorBasis', () => {
  it.each([53, 54])('gives the bits of orthogonalizeAgainst and dots with b = 1, for any basis size (n = %i: SIMD pairs, and an odd last entry)', (n) => {
    const m = 11;
    const wasm = SingleVectorBasis.create(n, m)!;
    expect(wasm).not.toBeNull();
    const q = Float64Array.from({ length: n * m }, (_, i) => Math.cos(i * 0.37) / (1 + (i % 7)));
    wasm.q.set(q);
    for (let s = 0; s <= m; s++) {
      const z = Float64Array.from({ length: n }, (_, j) => Math.sin(j * 0.91 + s) * 3);
      if (s > 2) z.fill(0, 5, 9);
      const fromJs = Float64Array.from(z);
      const fromWasm = Float64Array.from(z);
      orthogonalizeAgainst(fromJs, 1, q, s, n);
      wasm.orthogonalize(fromWasm, s);
      expect(Array.from(fromWasm).every((v, j) => Object.is(v, fromJs[j]))).toBe(true);
      const known = new Float64Array(s);
      dots(known, q, s, z, 1, n, 1);
      const viaWasm = new Float64Array(s);
      wasm.dots(viaWasm, s, z);
      expect(Array.from(viaWasm).every((v, i) => Object.is(v, known[i]))).toBe(true);
      const withKnown = Float64Array.from(z);
      wasm.orthogonalize(withKnown, s, known);
      expect(Array.from(withKnown).every((v, j) => Object.is(v, fromJs[j]))).toBe(true);
      const self = new Float64Array(1);
      dots(self, fromJs, 1, fromJs, 1, n, 1);
      expect(Object.is(wasm.selfDot(fromJs), self[0])).toBe(true);
    }
  });

  it('orthonormalizes with the bits of orthogonalizeAgainst then orthonormalizeBlock (b = 1), and leaves a vector in the span to orthonormalizeBlock', () => {
    const n = 41;
    const m = 9;
    const wasm = SingleVectorBasis.create(n, m)!;
    const q = new Float64Array(n * m);
    // An orthonormal basis (orthonormalizeBlock itself), so that a vector can lie in its span.
    for (let i = 0; i < m; i++) {
      const v = Float64Array.from({ length: n }, (_, j) => Math.sin(j * 0.77 + i * 1.3) + (j === i ? 2 : 0));
      orthogonalizeAgainst(v, 1, q, i, n);
      orthonormalizeBlock(v, 1, q, i, n, 1, i);
      q.set(v, i * n);
    }
    wasm.q.set(q);
    for (let s = 0; s <= m; s++) {
      const z = Float64Array.from({ length: n }, (_, j) => Math.cos(j * 0.43 + s) * 5 - (j % 3));
      const fromJs = Float64Array.from(z);
      orthogonalizeAgainst(fromJs, 1, q, s, n);
      orthonormalizeBlock(fromJs, 1, q, s, n, 1, 7);
      const fromWasm = Float64Array.from(z);
      expect(wasm.orthonormalize(fromWasm, s)).toBe(true);
      expect(Array.from(fromWasm).every((v, j) => Object.is(v, fromJs[j]))).toBe(true);
      const known = new Float64Array(s);
      dots(known, q, s, z, 1, n, 1);
      const withKnown = Float64Array.from(z);
      expect(wasm.orthonormalize(withKnown, s, known)).toBe(true);
      expect(Array.from(withKnown).every((v, j) => Object.is(v, fromJs[j]))).toBe(true);
    }
    // The zero vector: not normalized, left as it is for orthonormalizeBlock's replacement.
    const zero = new Float64Array(n);
    expect(wasm.orthonormalize(zero, 3)).toBe(false);
    expect(zero.every((v) => v === 0)).toBe(true);
  });

  it('gives the final vectors with the bits of combineInto, toRowMajor and fixSigns (negative and tied largest entries)', () => {
    const n = 31;
    const m = 10;
    for (const [s, cols] of [[10, 7], [10, 10], [9, 4], [6, 3], [3, 1]] as const) {
      const wasm = SingleVectorBasis.create(n, m)!;
      const q = Float64Array.from({ length: n * m }, (_, i) => Math.sin(i * 0.61) / (1 + (i % 4)));
      // Vector 0: a tie in magnitude between its first two entries, the first negative.
      q[0] = -3;
      q[1] = 3;
      wasm.q.set(q);
      const y = Float64Array.from({ length: s * s }, (_, i) => (i % 7 === 0 ? 0 : Math.cos(i * 0.9) * (i % 2 ? -1 : 1)));
      for (let i = 0; i < s; i++) y[i * s] = i === 0 ? 1 : 0; // column 0 of Q·Y is q_0 itself
      const x = new Float64Array(n * cols);
      combineInto(x, q, s, y, s, cols, n, 1);
      const want = toRowMajor(x, cols, n);
      fixSigns(want, cols);
      const got = wasm.finalVectors(s, y, s, cols);
      expect(got.length).toBe(n * cols);
      expect(Array.from(got).every((v, j) => Object.is(v, want[j]))).toBe(true);
      expect(got[0]).toBe(3); // the tie goes to the first entry, which was negative
    }
  });

  it('gives the bits of combineInto for a basis rotation Q·Y[:, :cols], any basis size and width', () => {
    const n = 29;
    const m = 10;
    const wasm = SingleVectorBasis.create(n, m)!;
    const q = Float64Array.from({ length: n * m }, (_, i) => Math.sin(i * 0.53) / (1 + (i % 5)));
    wasm.q.set(q);
    for (const [s, cols] of [[10, 7], [10, 10], [9, 4], [6, 3], [3, 2]] as const) {
      const y = Float64Array.from({ length: s * s }, (_, i) => (i % 11 === 0 ? 0 : Math.cos(i * 1.1)));
      const fromJs = new Float64Array(n * cols);
      combineInto(fromJs, q, s, y, s, cols, n, 1);
      const fromWasm = new Float64Array(n * cols);
      wasm.combine(fromWasm, s, y, s, cols);
      expect(Array.from(fromWasm).every((v, j) => Object.is(v, fromJs[j]))).toBe(true);
    }
  });
});

describe('BlockBasis', () => {
  const same = (a: Float64Array, b: Float64Array) => a.length === b.length && Array.from(a).every((v, i) => Object.is(v, b[i]));

  it('gives the bits of orthogonalizeAgainst and dots for blocks of 4, 8 and 16, odd and even n, any basis size', () => {
    for (const [n, m, b] of [[53, 24, 4], [40, 32, 8], [37, 48, 16]] as const) {
      const wasm = BlockBasis.create(n, m, b)!;
      expect(wasm).not.toBeNull();
      const q = Float64Array.from({ length: n * m }, (_, i) => Math.cos(i * 0.37) / (1 + (i % 7)));
      wasm.q.set(q);
      for (let s = 0; s + b <= m; s += 3) {
        const z = Float64Array.from({ length: n * b }, (_, j) => Math.sin(j * 0.91 + s) * 3);
        if (s > 2) z.fill(0, 5, 9);
        const fromJs = Float64Array.from(z);
        const fromWasm = Float64Array.from(z);
        orthogonalizeAgainst(fromJs, b, q, s, n);
        wasm.orthogonalize(fromWasm, s);
        expect(same(fromWasm, fromJs)).toBe(true);
        const known = new Float64Array(s * b);
        dots(known, q, s, z, b, n, b);
        const viaWasm = new Float64Array(s * b);
        wasm.dots(viaWasm, s, z);
        expect(same(viaWasm, known)).toBe(true);
        const withKnown = Float64Array.from(z);
        wasm.orthogonalize(withKnown, s, known);
        expect(same(withKnown, fromJs)).toBe(true);
      }
    }
  });

  it('gives the bits of combineInto for a basis rotation Q·Y[:, :cols], with zero coefficients, any width', () => {
    for (const [n, m] of [[29, 16], [30, 20]] as const) {
      const wasm = BlockBasis.create(n, m, 4)!;
      const q = Float64Array.from({ length: n * m }, (_, i) => Math.sin(i * 0.53) / (1 + (i % 5)));
      wasm.q.set(q);
      for (const [s, cols] of [[16, 9], [16, 16], [15, 7], [13, 4], [6, 3], [3, 2]] as const) {
        if (s > m) continue;
        const y = Float64Array.from({ length: s * s }, (_, i) => (i % 11 === 0 ? 0 : Math.cos(i * 1.1)));
        const fromJs = new Float64Array(n * cols);
        combineInto(fromJs, q, s, y, s, cols, n, 1);
        const fromWasm = new Float64Array(n * cols);
        wasm.combine(fromWasm, s, y, s, cols);
        expect(same(fromWasm, fromJs)).toBe(true);
      }
    }
  });

  it('is not made for blocks that are not a multiple of 4 (dense-block.ts runs them)', () => {
    expect(BlockBasis.create(20, 12, 3)).toBeNull();
  });
});

describe('rowProducts (U = A V Σ⁻¹ per wide row)', () => {
  const n = 37;
  /** Each row's (a_rᵀ X) ∘ scale, summed from 0 by ascending entry then scaled, with the centering applied to each value. */
  function reference(table: Table, x: Float64Array, scale: Float64Array, centering: Centering): Map<number, number[]> {
    const b = scale.length;
    const row = table.getChild('row')!.toArray() as Int32Array;
    const col = table.getChild('col')!.toArray() as Int32Array;
    const value = table.getChild('value')!.toArray() as Float64Array;
    const mult = table.getChild('mult')!.toArray() as Int32Array;
    const sums = new Map<number, number[]>();
    for (let p = 0; p < row.length; p++) {
      const offset = centering.kind === 'global' ? centering.mean : centering.kind === 'cols' ? centering.means[col[p]!]! : centering.kind === 'rows' ? centering.means[row[p]!]! : 0;
      const v = centering.kind === 'none' ? value[p]! : value[p]! - mult[p]! * offset;
      let w = sums.get(row[p]!);
      if (!w) sums.set(row[p]!, (w = new Array<number>(b).fill(0)));
      for (let c = 0; c < b; c++) w[c] += v * x[col[p]! * b + c]!;
    }
    for (const w of sums.values()) for (let c = 0; c < b; c++) w[c] *= scale[c]!;
    return sums;
  }
  const rowIds: IdEncoding = { column: 'userId', ids: Float64Array.from({ length: 90 }, (_, i) => 1000 + i), kind: 'int32' };

  it.each([false, true])('gives the plain sums\' bits for 1 to 50 columns, every centering (float32-exact values: %s)', (halves) => {
    const table = sparseRows(90, n, halves ? 31 : 19, halves);
    const centerings: Centering[] = [{ kind: 'none' }, { kind: 'global', mean: 2.5 }, { kind: 'cols', means: Float64Array.from({ length: n }, (_, j) => 1 + j / 10) }, { kind: 'rows', means: Float64Array.from({ length: 90 }, (_, r) => 2 + r / 7) }, { kind: 'none' }];
    for (const centering of centerings) {
      for (const b of [1, 3, 4, 5, 8, 10, 12, 16, 17, 50]) {
        const x = Float64Array.from({ length: n * b }, (_, i) => Math.sin(i * 1.3) * 10 + 1 / (i + 5));
        const scale = Float64Array.from({ length: b }, (_, c) => 1 / (3 + c * 0.37));
        const got = rowProducts(table, x, scale, centering, rowIds);
        const want = reference(table, x, scale, centering);
        const ids = got.getChild('userId')!.toArray() as Int32Array;
        expect(ids.length).toBe(want.size);
        const vectors = got.getChild('vector')!;
        expect(vectors.length).toBe(want.size);
        for (let i = 0; i < vectors.length; i++) {
          const vector = Array.from(vectors.get(i) as Iterable<number>);
          const w = want.get(ids[i]! - 1000)!;
          expect(vector.length).toBe(b);
          expect(vector.every((v, c) => Object.is(v, w[c]))).toBe(true);
        }
      }
    }
  });
});

describe('LocalRowsOperator.rowProducts (U on the driver, from the products\' copy of the rows)', () => {
  const n = 37;
  const rowIds: IdEncoding = { column: 'itemId', ids: Float64Array.from({ length: 2000 }, (_, i) => 7 + i), kind: 'int32' };
  const same = (a: Table, b: Table): boolean => {
    const ids = (t: Table) => Array.from(t.getChild('itemId')!.toArray() as Int32Array);
    const numbers = (t: Table) => Array.from({ length: t.numRows }, (_, i) => Array.from(t.getChild('vector')!.get(i) as Iterable<number>)).flat();
    const x = numbers(a);
    const y = numbers(b);
    return JSON.stringify(ids(a)) === JSON.stringify(ids(b)) && x.length === y.length && x.every((v, i) => Object.is(v, y[i]));
  };

  it.each([false, true])('gives rowProducts\' table, the same bits, for every centering and 1 to 50 columns (float32-exact values: %s)', (halves) => {
    const table = sparseRows(300, n, halves ? 41 : 43, halves);
    const centerings: Centering[] = [{ kind: 'none' }, { kind: 'global', mean: 2.5 }, { kind: 'cols', means: Float64Array.from({ length: n }, (_, j) => 1 + j / 10) }, { kind: 'rows', means: Float64Array.from({ length: 300 }, (_, r) => 2 + r / 7) }];
    for (const centering of centerings) {
      const op = LocalRowsOperator.fromTable(table, n, centering);
      for (const b of [1, 4, 5, 10, 17, 50]) {
        const x = Float64Array.from({ length: n * b }, (_, i) => Math.sin(i * 1.1) * 10 + 1 / (i + 4));
        const scale = Float64Array.from({ length: b }, (_, c) => 1 / (2 + c * 0.41));
        const got = op.rowProducts(x, scale, rowIds);
        expect(got).not.toBeNull();
        expect(same(got!, rowProducts(table, x, scale, centering, rowIds))).toBe(true);
      }
    }
  });

  it('leaves the products giving the executors\' bits after its memory grew', async () => {
    const table = sparseRows(2000, n, 47);
    const op = LocalRowsOperator.fromTable(table, n, { kind: 'none' });
    const x = Float64Array.from({ length: n }, (_, i) => i / 3 - 5);
    const before = await op.apply(x, 1);
    // 50 columns: W alone (2000 rows × 64 bytes) is more than the page of slack the rows left.
    const b = 50;
    const v = Float64Array.from({ length: n * b }, (_, i) => Math.cos(i) + 2);
    expect(op.rowProducts(v, new Float64Array(b).fill(0.5), rowIds)).not.toBeNull();
    const after = await op.apply(x, 1);
    const executors = sumTree(gramApplyPartial(table, x, 1, { kind: 'none' }, ONE_PART), ONE_PART, n);
    expect(Array.from(after).every((w, i) => Object.is(w, executors[i]) && Object.is(w, before[i]))).toBe(true);
  });
});

describe.each([
  ['product-kernels.wat', PRODUCT_KERNELS_WASM],
  ['dense-kernels.wat', DENSE_KERNELS_WASM],
])('%s', (file, embedded) => {
  it('is what the embedded WebAssembly bytes were assembled from (edit the text, then paste the new bytes)', async () => {
    const wabt = await wabtInit();
    const text = readFileSync(new URL(`../../../../jobs/svd/${file}`, import.meta.url));
    const parsed = wabt.parseWat('wat', new Uint8Array(text).slice(), { simd: true });
    parsed.resolveNames();
    parsed.validate();
    const bytes = parsed.toBinary({ canonicalize_lebs: true }).buffer;
    parsed.destroy();
    expect(Buffer.from(bytes).toString('base64')).toBe(embedded);
  });
});
