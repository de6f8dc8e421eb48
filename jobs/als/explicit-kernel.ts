// The hot loop of explicit ALS: one row's normal equations a = Σ_j y_j·y_jᵀ (packed lower) and
// b = Σ_j t_j·y_j, generated at run time as straight-line JavaScript for the row width m, with
// every entry of a and b in its own local variable (a register or a stack slot), instead of a
// triangular double loop that loads and stores a[] for each rating.
//
// For m = 2 the generated body is, per rating j (o = pos[j]·width, F = feature components):
//   const y0 = ys[o + F0], y1 = ys[o + F1];
//   const t = r[j] - mean - ys[o + OFFSET];           (or "- 0" without a bias offset)
//   b0 += t * y0; b1 += t * y1;
//   a0 += y0 * y0; a1 += y1 * y0; a2 += y1 * y1;      (packed lower: row i holds columns 0..i)
// Each entry is still the sum over j in increasing order, starting from 0, with the same products
// as the generic loop (`accumulateExplicitGeneric`), so the bits are identical: only the loop nest
// changed, not the order of any floating-point addition.

/** Accumulates rows [s, e) of the in-block into a (packed lower, m(m+1)/2) and b (m). */
export type ExplicitAccumulator = (
  a: Float64Array, b: Float64Array, ys: Float32Array, pos: Int32Array, r: Float32Array, s: number, e: number, mean: number,
) => void;

/** Widths above this use the generic loop (the unrolled body would spill most accumulators anyway). */
export const MAX_UNROLLED_WIDTH = 24;

const cache = new Map<string, ExplicitAccumulator>();

/**
 * The accumulator for factor vectors of `width` floats whose components `features` are the row's
 * features and `offset` (or −1) the component subtracted from the target.
 *
 * @example
 *   const acc = explicitAccumulator(10, Int32Array.from({ length: 10 }, (_, i) => i), -1);
 *   acc(a, b, ys, pos, r, rowPtr[u], rowPtr[u + 1], 0); // a, b: row u's normal equations
 */
export function explicitAccumulator(width: number, features: Int32Array, offset: number): ExplicitAccumulator {
  const m = features.length;
  const key = `${width}|${Array.from(features).join(',')}|${offset}`;
  let fn = cache.get(key);
  if (fn) return fn;
  if (m > MAX_UNROLLED_WIDTH) {
    fn = (a, b, ys, pos, r, s, e, mean) => accumulateExplicitGeneric(a, b, ys, pos, r, s, e, width, features, offset, mean);
  } else {
    fn = generate(width, features, offset);
  }
  cache.set(key, fn);
  return fn;
}

function generate(width: number, features: Int32Array, offset: number): ExplicitAccumulator {
  const m = features.length;
  const lines: string[] = ['"use strict";'];
  const accs: string[] = [];
  for (let t = 0; t < m; t++) accs.push(`b${t} = 0`);
  for (let t = 0; t < (m * (m + 1)) / 2; t++) accs.push(`a${t} = 0`);
  lines.push(`let ${accs.join(', ')};`);
  lines.push('for (let j = s; j < e; j++) {');
  lines.push(`  const o = pos[j] * ${width};`);
  for (let t = 0; t < m; t++) lines.push(`  const y${t} = ys[o + ${features[t]}];`);
  lines.push(`  const t = r[j] - mean - ${offset >= 0 ? `ys[o + ${offset}]` : '0'};`);
  for (let t = 0; t < m; t++) lines.push(`  b${t} += t * y${t};`);
  for (let i = 0, at = 0; i < m; i++) {
    for (let q = 0; q <= i; q++, at++) lines.push(`  a${at} += y${i} * y${q};`);
  }
  lines.push('}');
  for (let t = 0; t < m; t++) lines.push(`b[${t}] = b${t};`);
  for (let t = 0; t < (m * (m + 1)) / 2; t++) lines.push(`a[${t}] = a${t};`);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generated from numbers only
  return new Function('a', 'b', 'ys', 'pos', 'r', 's', 'e', 'mean', lines.join('\n')) as ExplicitAccumulator;
}

/**
 * The reference loop (any width): a = Σ y·yᵀ (packed lower), b = Σ (r − mean − y[offset])·y over
 * ratings [s, e), each entry summed in increasing j from 0. The unrolled kernels give the same bits.
 */
export function accumulateExplicitGeneric(
  a: Float64Array, b: Float64Array, ys: Float32Array, pos: Int32Array, r: Float32Array,
  s: number, e: number, width: number, features: Int32Array, offset: number, mean: number,
): void {
  const m = features.length;
  a.fill(0, 0, (m * (m + 1)) / 2);
  b.fill(0, 0, m);
  for (let j = s; j < e; j++) {
    const o = pos[j] * width;
    const target = r[j] - mean - (offset >= 0 ? ys[o + offset] : 0);
    let at = 0;
    for (let i = 0; i < m; i++) {
      const yi = ys[o + features[i]];
      b[i] += target * yi;
      for (let q = 0; q <= i; q++) a[at + q] += yi * ys[o + features[q]];
      at += i + 1;
    }
  }
}
