// How svd() solves a given matrix: the Gramian or Lanczos, with the products on the executors or
// on the driver, whichever a cost model estimates cheaper (explicit options override it).
//
// The model, in seconds, with constants measured on this project's benchmark machine (bench/svd.ts,
// 2 cores; ratios between the terms are what matter, not the absolute figures):
//   product (one Lanczos block, b vectors):  2 · entries · b · MADD   (divided by slots on the executors)
//   job (per distributed pass):              JOB
//   Lanczos:   ~PASSES_PER_BASIS · basis/b passes, + the driver's Gram–Schmidt 4 · n · basis² · MADD_DENSE
//   Gramian:   one pass of Σ_r nnz_r² / 2 (≈ entries²/wide · SKEW), + the eigen-solve EIGEN · n³
//   driver products pay the collect once: entries · COLLECT (nothing when the layout job brought the
//   rows already), and are allowed up to DRIVER_MAX_ENTRIES.
// At 943 × 1682 (100k ratings) the Gramian's eigen-solve alone is ~7 s against ~0.1 s for Lanczos
// on the driver; the Gramian wins only for very narrow matrices (n of a few hundred).

import type { SvdMode, SvdProducts } from './options.ts';
import { MAX_GRAMIAN_SIDE } from './gramian.ts';

/** Seconds per scalar sparse multiply-add (random access into the dense block). */
const MADD = 3e-9;
/** Seconds per dense multiply-add in the driver's Gram–Schmidt and eigen-solves. */
const MADD_DENSE = 1.5e-9;
/** Seconds of one distributed job (scheduling, task launch, results back), per pass. */
const JOB = 0.03;
/** Seconds per stored entry to collect the rows to the driver (Arrow IPC, ~20 bytes an entry). */
const COLLECT = 1e-7;
/** Seconds per n³ of the symmetric eigen-solve (Householder + QL with vectors, scalar JS). */
const EIGEN = 8e-9;
/** Block products per basis of block vectors, restarts included (typical of MovieLens-shaped data). */
const PASSES_PER_BASIS = 3;
/** Σ_r nnz_r² over entries²/rows: how much skewed row lengths raise the Gramian pass. */
const SKEW = 4;
/** The driver collects at most this many entries (~20 bytes each). */
export const DRIVER_MAX_ENTRIES = 8_000_000;

export interface SvdShape {
  /** Ids on the narrow side (columns of the layout) and the wide side (its rows). */
  narrow: number;
  wide: number;
  /** Stored ratings. */
  entries: number;
  k: number;
  blockSize: number;
  maxBasis: number;
  /** Partitions working in parallel on the executors. */
  slots: number;
  /** The rows are already on the driver (collected by the layout job): no collect to pay. */
  collected?: boolean;
}

export interface SvdPlan {
  mode: 'gramian' | 'lanczos';
  products: 'driver' | 'executors';
  /** Estimated seconds of the chosen plan (for the stats; never a promise). */
  estimate: number;
}

/** Estimated seconds of each (mode, products) pair on this shape. */
export function svdCosts(s: SvdShape): Record<'gramian' | 'lanczos', Record<'driver' | 'executors', number>> {
  const { narrow: n, entries, blockSize: b, slots } = s;
  const basis = Math.min(n, Math.max(s.maxBasis, s.k + 2 * b));
  const gramPass = (entries * entries / Math.max(1, s.wide)) * SKEW * MADD / 2;
  const eigen = EIGEN * n ** 3;
  // A basis as wide as the matrix: block-krylov.ts multiplies the identity (one n-wide product) and eigen-solves.
  const whole = n <= basis;
  const passes = whole ? 1 : PASSES_PER_BASIS * Math.ceil(basis / b);
  const product = 2 * entries * (whole ? n : b) * MADD;
  const dense = whole ? eigen : 4 * n * basis * basis * MADD_DENSE * PASSES_PER_BASIS;
  const collect = s.collected ? 0 : entries * COLLECT;
  return {
    lanczos: {
      driver: collect + passes * product + dense,
      executors: passes * (JOB + product / slots) + dense,
    },
    gramian: {
      driver: collect + gramPass + eigen,
      executors: JOB + gramPass / slots + n * n * 8 * slots * 1e-9 + eigen,
    },
  };
}

/**
 * The plan for this shape: the cheapest estimate among the pairs the options allow.
 *
 * @example
 *   planSvd({ narrow: 943, wide: 1682, entries: 100_000, k: 10, blockSize: 4, maxBasis: 50, slots: 2 }, 'auto', 'auto');
 *   // → { mode: 'lanczos', products: 'driver', ... }
 */
export function planSvd(shape: SvdShape, mode: SvdMode, products: SvdProducts): SvdPlan {
  const costs = svdCosts(shape);
  let best: SvdPlan | undefined;
  for (const m of ['lanczos', 'gramian'] as const) {
    if (mode !== 'auto' && mode !== m) continue;
    if (mode === 'auto' && m === 'gramian' && shape.narrow > MAX_GRAMIAN_SIDE) continue;
    for (const p of ['driver', 'executors'] as const) {
      if (products !== 'auto' && products !== p) continue;
      if (products === 'auto' && p === 'driver' && shape.entries > DRIVER_MAX_ENTRIES) continue;
      const estimate = costs[m][p];
      if (!best || estimate < best.estimate) best = { mode: m, products: p, estimate };
    }
  }
  return best!;
}
