// ALS options: their defaults, validation with messages that name the option, and the resolved
// plan (plain data, v8-serializable) that the driver captures into every executor-side kernel.

import { AlsOptionError } from './errors.ts';
import type { SideLayout, Slots } from './layout.ts';

export interface AlsOptions {
  /** Number of latent factors (default 10). */
  rank?: number;
  /** Alternations (default 10); each solves all users, then all items. */
  maxIter?: number;
  /** λ. Scaled by each row's rating count (ALS-WR, as Spark): row u solves with λ·n_u (default 0.1). */
  regParam?: number;
  /**
   * ν, the power of the rating count in that scale: row u solves with λ·n_u^ν. 1 (default) is
   * ALS-WR as Spark; 0 a constant λ (the `implicit` library, Surprise); 0.5 in between, the
   * frequency-scaled regularization of Rendle et al. 2021 (regParam must then be larger: on
   * MovieLens λ ≈ 1.3 at ν = 0.5 where λ ≈ 0.1 at ν = 1). The biases are regularized the same way.
   */
  regExponent?: number;
  /** Implicit feedback (Hu, Koren, Volinsky): confidence c = 1 + alpha·|r|, preference p = (r > 0). */
  implicitPrefs?: boolean;
  /** Confidence scale for implicit feedback (default 1.0). */
  alpha?: number;
  /** Solve each row with non-negative least squares (default false). */
  nonnegative?: boolean;
  numUserBlocks?: number;
  numItemBlocks?: number;
  /** Initial factors are a hash of (seed, side, index): the same seed gives the same bits anywhere. */
  seed?: number;
  /** Collect the state to the driver every N iterations and restart the lineage from it (default 10; 0 = never). */
  checkpointInterval?: number;
  /** Explicit only: learn a user bias and an item bias beside the factors, around the global mean. */
  biases?: boolean;
  /** Implicit only: 'cg' (default; warm-started conjugate gradient) or 'cholesky'. */
  solver?: 'cg' | 'cholesky';
  /** CG steps per row and half-iteration (default 3, as the `implicit` library). */
  cgSteps?: number;
  /** Column names (defaults userId, itemId, rating). */
  userCol?: string;
  itemCol?: string;
  ratingCol?: string;
  /** Predictions for unknown users/items: 'nan' (default), 'drop', or 'fallback' (biases / global mean). */
  coldStartStrategy?: 'nan' | 'drop' | 'fallback';
  /** Duplicate (user, item) ratings: 'average' (default) or 'error'. */
  duplicates?: 'average' | 'error';
}

export type ResolvedAlsOptions = Required<AlsOptions>;

/** Everything an executor kernel needs, captured by value. */
export interface AlsPlan {
  rank: number;
  /** Width of a factor vector: rank, or rank + 2 with biases ([x, b_u, 1] and [y, 1, b_i]). */
  width: number;
  implicit: boolean;
  alpha: number;
  regParam: number;
  regExponent: number;
  nonnegative: boolean;
  cholesky: boolean;
  cgSteps: number;
  biases: boolean;
  /** Subtracted from every rating before solving (the global mean with biases, else 0). */
  mean: number;
  seed: number;
  duplicates: 'average' | 'error';
  user: SideLayout;
  item: SideLayout;
  userSlots: Slots;
  itemSlots: Slots;
  userKeys: Int32Array;
  itemKeys: Int32Array;
}

export const DEFAULTS: ResolvedAlsOptions = {
  rank: 10, maxIter: 10, regParam: 0.1, regExponent: 1, implicitPrefs: false, alpha: 1.0, nonnegative: false,
  numUserBlocks: 4, numItemBlocks: 4, seed: 42, checkpointInterval: 10, biases: false,
  solver: 'cg', cgSteps: 3, userCol: 'userId', itemCol: 'itemId', ratingCol: 'rating',
  coldStartStrategy: 'nan', duplicates: 'average',
};

/**
 * Fills defaults and checks every option.
 *
 * @example
 *   resolveOptions({ rank: 20 }).regParam; // 0.1
 */
export function resolveOptions(options: AlsOptions = {}): ResolvedAlsOptions {
  for (const key of Object.keys(options)) {
    if (!(key in DEFAULTS)) throw new AlsOptionError(`unknown ALS option '${key}'; known options: ${Object.keys(DEFAULTS).join(', ')}`);
  }
  const o = { ...DEFAULTS, ...stripUndefined(options) } as ResolvedAlsOptions;
  positiveInt(o.rank, 'rank', 4096);
  if (!Number.isInteger(o.maxIter) || o.maxIter < 0) throw new AlsOptionError(`maxIter must be a non-negative integer, got ${o.maxIter}`);
  if (!(o.regParam >= 0) || !Number.isFinite(o.regParam)) throw new AlsOptionError(`regParam must be a finite number ≥ 0, got ${o.regParam}`);
  if (typeof o.regExponent !== 'number' || !(o.regExponent >= 0 && o.regExponent <= 2)) {
    throw new AlsOptionError(`regExponent must be a number in [0, 2] (1 = ALS-WR as Spark, 0 = a constant λ), got ${o.regExponent}`);
  }
  if (!(o.alpha >= 0) || !Number.isFinite(o.alpha)) throw new AlsOptionError(`alpha must be a finite number ≥ 0, got ${o.alpha}`);
  positiveInt(o.numUserBlocks, 'numUserBlocks', 100_000);
  positiveInt(o.numItemBlocks, 'numItemBlocks', 100_000);
  positiveInt(o.cgSteps, 'cgSteps', 1000);
  if (!Number.isInteger(o.seed)) throw new AlsOptionError(`seed must be an integer, got ${o.seed}`);
  if (!Number.isInteger(o.checkpointInterval) || o.checkpointInterval < 0) {
    throw new AlsOptionError(`checkpointInterval must be a non-negative integer (0 = never), got ${o.checkpointInterval}`);
  }
  if (o.solver !== 'cg' && o.solver !== 'cholesky') throw new AlsOptionError(`solver must be 'cg' or 'cholesky', got '${String(o.solver)}'`);
  if (!['nan', 'drop', 'fallback'].includes(o.coldStartStrategy)) {
    throw new AlsOptionError(`coldStartStrategy must be 'nan', 'drop' or 'fallback', got '${String(o.coldStartStrategy)}'`);
  }
  if (o.duplicates !== 'average' && o.duplicates !== 'error') throw new AlsOptionError(`duplicates must be 'average' or 'error', got '${String(o.duplicates)}'`);
  if (o.biases && o.implicitPrefs) {
    throw new AlsOptionError('biases: true applies to explicit feedback only; set implicitPrefs: false or biases: false');
  }
  if (o.regParam === 0 && o.biases) throw new AlsOptionError('biases: true needs regParam > 0 (an unregularized bias makes the system singular)');
  for (const c of ['userCol', 'itemCol', 'ratingCol'] as const) {
    if (typeof o[c] !== 'string' || o[c] === '') throw new AlsOptionError(`${c} must be a non-empty column name, got ${JSON.stringify(o[c])}`);
  }
  return o;
}

function positiveInt(v: number, name: string, max: number): void {
  if (!Number.isInteger(v) || v < 1 || v > max) throw new AlsOptionError(`${name} must be an integer in [1, ${max}], got ${v}`);
}

function stripUndefined(o: AlsOptions): AlsOptions {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as AlsOptions;
}
