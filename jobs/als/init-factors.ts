// Initial factors, a pure function of (seed, side, dense index): every element is a Gaussian drawn
// from a counter-based hash (no generator state), and each vector is scaled to unit length as in
// Spark. The same seed therefore gives the same starting point on any master and block count.
// With biases the vector is [x, b, 1] for users and [y, 1, b] for items, biases starting at 0.

import type { AlsPlan } from './options.ts';
import { murmurFinalize } from '../../engine/extend.ts';

const mix = murmurFinalize;

/** A uniform number in (0, 1) from four integers. */
export function hashUniform(seed: number, side: number, index: number, k: number): number {
  return uniformOf(rowHash(seed, side, index), k);
}

/** The part of hashUniform that depends on the row only (computed once per row by initialRow). */
function rowHash(seed: number, side: number, index: number): number {
  let h = mix(seed ^ 0x9e3779b9);
  h = mix(h ^ Math.imul(side + 1, 0x27d4eb2f));
  return mix(h ^ index);
}

function uniformOf(row: number, k: number): number {
  return (mix(row ^ Math.imul(k + 1, 0x165667b1)) + 0.5) / 4294967296;
}

/**
 * Writes the initial factors of rows [start, start + count) of `side` into `out` (count × width).
 *
 * @example
 *   const f = new Float32Array(3 * plan.width); initialFactors(plan, 'user', 0, 3, f);
 */
export function initialFactors(plan: AlsPlan, side: 'user' | 'item', start: number, count: number, out: Float32Array): void {
  const v = new Float64Array(plan.rank);
  for (let row = 0; row < count; row++) initialRow(plan, side, start + row, out, row * plan.width, v);
}

/**
 * Writes the initial factors of the rows `indices` of `side` into `out` (indices.length × width),
 * the same values initialFactors gives each of them.
 *
 * @example
 *   const f = new Float32Array(2 * plan.width); initialFactorsAt(plan, 'item', Int32Array.of(4, 9), f);
 */
export function initialFactorsAt(plan: AlsPlan, side: 'user' | 'item', indices: Int32Array, out: Float32Array): void {
  const v = new Float64Array(plan.rank);
  for (let row = 0; row < indices.length; row++) initialRow(plan, side, indices[row], out, row * plan.width, v);
}

/** One row's initial vector into out[o, o + width); v is scratch of `rank` values. */
function initialRow(plan: AlsPlan, side: 'user' | 'item', index: number, out: Float32Array, o: number, v: Float64Array): void {
  const { rank } = plan;
  const row = rowHash(plan.seed, side === 'user' ? 0 : 1, index);
  let norm = 0;
  for (let d = 0; d < rank; d++) {
    const u1 = uniformOf(row, 2 * d);
    const u2 = uniformOf(row, 2 * d + 1);
    const g = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    v[d] = plan.nonnegative ? Math.abs(g) : g;
    norm += v[d] * v[d];
  }
  norm = Math.sqrt(norm) || 1;
  for (let d = 0; d < rank; d++) out[o + d] = v[d] / norm;
  if (plan.biases) {
    out[o + rank] = side === 'user' ? 0 : 1;
    out[o + rank + 1] = side === 'user' ? 1 : 0;
  }
}
