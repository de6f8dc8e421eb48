// The driver's products (typed-array CSR, WebAssembly for single vectors) give the very bits the
// executors' kernel gives over the same rows, for every block width and centering.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Table, makeVector } from 'apache-arrow';
import wabtInit from 'wabt';
import { LocalRowsOperator, ONE_PART, PRODUCT_KERNELS_WASM } from '../../../../jobs/svd/local-products.ts';
import { gramApplyPartial } from '../../../../jobs/svd/row-kernels.ts';
import type { Centering } from '../../../../jobs/svd/row-kernels.ts';
import { LEAVES, sumTree } from '../../../../jobs/svd/leaf-tree.ts';

/** Sparse rows as layoutRows lays them out: ordered by (row % 16, row), columns ascending; ~30% dense. */
function sparseRows(rows: number, n: number, seed: number): Table {
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
        value.push(Math.round(rnd() * 10) / 2 + rnd() * 1e-3);
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

  it.each(centerings)('gives the executors\' bits for blocks of 1 to 9 vectors (centering %o)', async (centering) => {
    const op = LocalRowsOperator.fromTable(table, n, centering);
    for (let b = 1; b <= 9; b++) {
      const x = Float64Array.from({ length: n * b }, (_, i) => Math.sin(i * 1.7) * 100 + 1 / (i + 3));
      const local = await op.apply(x, b);
      const executors = sumTree(gramApplyPartial(table, x, b, centering, ONE_PART), ONE_PART, n * b);
      // Object.is: the same bits, -0 and +0 told apart.
      expect(Array.from(local).every((v, i) => Object.is(v, executors[i]))).toBe(true);
    }
    expect(op.passes).toBe(9);
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

describe('product-kernels.wat', () => {
  it('is what the embedded WebAssembly bytes were assembled from (edit the text, then paste the new bytes)', async () => {
    const wabt = await wabtInit();
    const text = readFileSync(new URL('../../../../jobs/svd/product-kernels.wat', import.meta.url));
    const parsed = wabt.parseWat('wat', new Uint8Array(text).slice(), { simd: true });
    parsed.resolveNames();
    parsed.validate();
    const bytes = parsed.toBinary({ canonicalize_lebs: true }).buffer;
    parsed.destroy();
    expect(Buffer.from(bytes).toString('base64')).toBe(PRODUCT_KERNELS_WASM);
  });
});
