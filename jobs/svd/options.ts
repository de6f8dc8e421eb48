// Options of svd(): their defaults and their validation, with errors that name the option.

import { SvdInputError } from './errors.ts';

export type SvdMode = 'auto' | 'gramian' | 'lanczos';
export type SvdCentering = 'none' | 'global' | 'user';
export type SvdProducts = 'auto' | 'driver' | 'executors';

export interface SvdOptions {
  /** 'gramian' (AᵀA of the narrow side + local eigen-solve, narrow side ≤ 4096), 'lanczos' (block
   * Lanczos on products with A, any width) or 'auto' (default: the cheaper by plan.ts's cost model). */
  mode?: SvdMode;
  /** Where the products with A run: 'executors' (one distributed pass each, over the cached rows),
   * 'driver' (the rows collected once, then every product local: no job per step; the same bits
   * for the same blockSize and maxBasis, whose defaults differ: see blockSize) or
   * 'auto' (default: the cheaper by plan.ts's cost model; the driver only for small matrices). */
  products?: SvdProducts;
  /** Lanczos: stop when every pair's residual ‖AᵀA v − σ² v‖ ≤ tol · σ₁² (default 1e-8; the
   * singular values are then ~1e-11 relative from ARPACK's on MovieLens-shaped data: Ritz values
   * converge with the square of the residual). */
  tol?: number;
  /** Lanczos: restarts allowed (default 300). */
  maxIter?: number;
  /** Seed of the Lanczos start block (default 42). Same seed → identical result on any master. */
  seed?: number;
  /** Subtract nothing, the global mean, or each user's mean from every STORED rating (the matrix
   * stays sparse: unobserved entries stay 0, as in scipy on the centered coo matrix). */
  centering?: SvdCentering;
  /** Lanczos block size (default clamp(⌈k/3⌉, 4, 16) with the products on the executors: small
   * blocks need the fewest products in total, larger ones fewer jobs; 1 with the products on the
   * driver, where a product costs no job and single vectors need the fewest multiply-adds). */
  blockSize?: number;
  /** Lanczos basis size before a restart (default max(3k, k + 10·blockSize), rounded down to whole
   * blocks; max(2k + 1, 20), ARPACK's ncv, for the driver's single-vector default). */
  maxBasis?: number;
  /** Partitions of the wide side's rows (default: the session's executor slots, at most 16).
   * Results never depend on it, on the master or on the input's partitioning (sums run along a
   * fixed tree of 16 leaves: leaf-tree.ts). */
  numBlocks?: number;
  userColumn?: string;
  itemColumn?: string;
  ratingColumn?: string;
}

/** numBlocks stays undefined when not given: svd() then uses the session's executor slots. */
export type ResolvedSvdOptions = Required<Omit<SvdOptions, 'numBlocks'>> & { numBlocks: number | undefined };

export function resolveSvdOptions(k: number, options: SvdOptions): ResolvedSvdOptions {
  if (!Number.isInteger(k) || k < 1) throw new SvdInputError(`svd: k must be a positive integer (the number of singular values), got ${k}`);
  const mode = options.mode ?? 'auto';
  if (!['auto', 'gramian', 'lanczos'].includes(mode)) throw new SvdInputError(`svd: options.mode must be 'auto', 'gramian' or 'lanczos', got '${String(mode)}'`);
  const products = options.products ?? 'auto';
  if (!['auto', 'driver', 'executors'].includes(products)) throw new SvdInputError(`svd: options.products must be 'auto', 'driver' or 'executors', got '${String(products)}'`);
  const centering = options.centering ?? 'none';
  if (!['none', 'global', 'user'].includes(centering)) throw new SvdInputError(`svd: options.centering must be 'none', 'global' or 'user', got '${String(centering)}'`);
  const tol = options.tol ?? 1e-8;
  if (!(tol > 0 && tol < 1)) throw new SvdInputError(`svd: options.tol must be in (0, 1), got ${tol}`);
  const blockSize = options.blockSize ?? Math.max(4, Math.min(16, Math.ceil(k / 3)));
  const checks: Array<[string, number, number]> = [
    ['maxIter', options.maxIter ?? 300, 1],
    ['blockSize', blockSize, 1],
    ['numBlocks', options.numBlocks ?? 1, 1],
  ];
  for (const [name, value, min] of checks) {
    if (!Number.isInteger(value) || value < min) throw new SvdInputError(`svd: options.${name} must be an integer ≥ ${min}, got ${value}`);
  }
  const maxBasis = options.maxBasis ?? Math.max(3 * k, k + 10 * blockSize);
  if (!Number.isInteger(maxBasis) || maxBasis < k + blockSize) {
    throw new SvdInputError(`svd: options.maxBasis must be an integer ≥ k + blockSize = ${k + blockSize}, got ${maxBasis}`);
  }
  return {
    mode,
    products,
    tol,
    maxIter: options.maxIter ?? 300,
    seed: options.seed ?? 42,
    centering,
    blockSize,
    maxBasis,
    numBlocks: options.numBlocks,
    userColumn: options.userColumn ?? 'userId',
    itemColumn: options.itemColumn ?? 'itemId',
    ratingColumn: options.ratingColumn ?? 'rating',
  };
}

/**
 * The Lanczos block and basis when the products run on the driver: the given ones, else a single
 * vector (no job per product there, so the fewest multiply-adds wins: on a 943 × 1682 matrix, k = 10,
 * 81 single-vector products against 35 products of 4) and a basis of max(2k + 1, 20), the ncv
 * ARPACK (scipy's svds) takes by default: at 100k ratings it needed 15-20% less driver time than 30.
 *
 * @example
 *   driverKrylovShape(10, {}, resolved); // { blockSize: 1, maxBasis: 21 }
 */
export function driverKrylovShape(k: number, options: Pick<SvdOptions, 'blockSize' | 'maxBasis'>, resolved: Pick<ResolvedSvdOptions, 'blockSize' | 'maxBasis'>): { blockSize: number; maxBasis: number } {
  if (options.blockSize !== undefined) return { blockSize: resolved.blockSize, maxBasis: resolved.maxBasis };
  return { blockSize: 1, maxBasis: options.maxBasis ?? Math.max(2 * k + 1, 20) };
}
