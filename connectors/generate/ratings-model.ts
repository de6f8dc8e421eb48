// The hidden model behind the synthetic ratings: who rates how much, which items, and what score.
// It is shaped like MovieLens so ALS/SVD jobs behave as on real data, with a known low-rank truth.
//
//   activity     user u rates n_u items, n_u ~ 1 + log-normal share of the rest (σ = 1.1: a median
//                user rates a few dozen, the busiest thousands), Σ n_u = ratings exactly.
//   popularity   item at popularity rank r is drawn with weight (r + 30)^-0.9 (Zipf-Mandelbrot); the
//                rank -> id map is a seeded shuffle. A user never rates an item twice.
//   score        rating = clamp(round_half(3.5 + b_u + b_i + p_u · q_i + ε), 0.5, 5.0)
//                b_u ~ N(0, 0.35²), b_i ~ N(0, 0.45²), p_u, q_i ∈ R^rank with entries N(0, s²) where
//                s is chosen so p_u · q_i has standard deviation 0.6, ε ~ N(0, 0.45²).
//   time         each user is active in a window inside 1995-01..2018-09 (median 30 days, long tail);
//                each rating gets a uniform second within it.
//
// Users are generated one after another from one random stream, so the output is the same
// whether it is produced in one table or in chunks of users.

import { AliasTable } from './alias.ts';
import { Xoshiro128 } from './prng.ts';

export interface RatingsOptions {
  users: number;
  items: number;
  ratings: number;
  seed: number;
  /** Rank of the hidden user/item factors. Default 8. */
  rank?: number;
}

/** Output columns for a run of users; the model fills them from `offset` on. */
export interface RatingColumns {
  userId: Int32Array;
  itemId: Int32Array;
  rating: Float32Array;
  /**
   * A Uint32Array view over a zero-filled BigInt64Array of timestamps (seconds): the model writes
   * only the low word of each (all times are below 2^31), avoiding a BigInt per row.
   */
  timestampLow: Uint32Array;
}

const GLOBAL_MEAN = 3.5;
const USER_BIAS_SD = 0.35;
const ITEM_BIAS_SD = 0.45;
const INTERACTION_SD = 0.6;
const NOISE_SD = 0.45;
const ACTIVITY_SIGMA = 1.1;
const POPULARITY_OFFSET = 30;
const POPULARITY_EXPONENT = 0.9;
const TIME_START = 789_652_009; // 1995-01-09, the first MovieLens rating
const TIME_END = 1_537_799_250; // 2018-09-24
const MEDIAN_SPAN_SECONDS = 30 * 86_400;
const SPAN_SIGMA = 2;

/** Index of the low 32-bit word of an Int64 in a Uint32Array view (0 on little-endian machines). */
const LOW_WORD = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? 0 : 1;

// Independent random streams per concern.
const STREAM_ITEMS = 1;
const STREAM_ACTIVITY = 2;
const STREAM_USERS = 3;

export class RatingsModel {
  readonly users: number;
  readonly items: number;
  readonly ratings: number;
  readonly rank: number;
  /** Ratings per user, Σ = ratings. */
  readonly counts: Int32Array;
  private readonly itemBias: Float32Array;
  private readonly itemFactors: Float32Array;
  /** itemByRank[r] = 0-based item index of popularity rank r. */
  private readonly itemByRank: Int32Array;
  private readonly popularity: AliasTable;
  private readonly rng: Xoshiro128;
  private readonly seen: Int32Array;
  private readonly userFactors: Float64Array;
  private nextUser = 0;

  constructor(options: RatingsOptions) {
    const { users, items, ratings, seed } = options;
    const rank = options.rank ?? 8;
    this.users = users;
    this.items = items;
    this.ratings = ratings;
    this.rank = rank;

    const itemRng = new Xoshiro128(seed, STREAM_ITEMS);
    this.itemByRank = new Int32Array(items);
    for (let i = 0; i < items; i++) this.itemByRank[i] = i;
    for (let i = items - 1; i > 0; i--) {
      const j = itemRng.below(i + 1);
      const t = this.itemByRank[i]!;
      this.itemByRank[i] = this.itemByRank[j]!;
      this.itemByRank[j] = t;
    }
    const weights = new Float64Array(items);
    for (let r = 0; r < items; r++) weights[r] = Math.pow(r + POPULARITY_OFFSET, -POPULARITY_EXPONENT);
    this.popularity = new AliasTable(weights);

    const factorSd = Math.sqrt(INTERACTION_SD / Math.sqrt(rank));
    this.itemBias = new Float32Array(items);
    this.itemFactors = new Float32Array(items * rank);
    for (let i = 0; i < items; i++) {
      this.itemBias[i] = ITEM_BIAS_SD * itemRng.normal();
      for (let k = 0; k < rank; k++) this.itemFactors[i * rank + k] = factorSd * itemRng.normal();
    }

    this.counts = activityCounts(users, items, ratings, new Xoshiro128(seed, STREAM_ACTIVITY));
    this.rng = new Xoshiro128(seed, STREAM_USERS);
    this.seen = new Int32Array(items);
    this.userFactors = new Float64Array(rank);
  }

  /**
   * Generates the ratings of the next user (in order 0, 1, 2, ...) into `out` from `offset`;
   * returns the number of rows written (= counts[user]). Rows come sorted by itemId.
   */
  nextUserInto(out: RatingColumns, offset: number): number {
    const u = this.nextUser++;
    if (u >= this.users) throw new RangeError(`all ${this.users} users were already generated`);
    const rng = this.rng;
    const n = this.counts[u]!;
    const rank = this.rank;
    const factorSd = Math.sqrt(INTERACTION_SD / Math.sqrt(rank));

    const userBias = USER_BIAS_SD * rng.normal();
    for (let k = 0; k < rank; k++) this.userFactors[k] = factorSd * rng.normal();
    const span = Math.min(TIME_END - TIME_START, Math.floor(MEDIAN_SPAN_SECONDS * Math.exp(SPAN_SIGMA * rng.normal())));
    const start = TIME_START + rng.below(TIME_END - TIME_START - span + 1);

    const items = out.itemId.subarray(offset, offset + n);
    this.sampleDistinctItems(u + 1, items, rng);
    items.sort();

    for (let j = 0; j < n; j++) {
      const item = items[j]! - 1;
      let dot = 0;
      const base = item * rank;
      for (let k = 0; k < rank; k++) dot += this.userFactors[k]! * this.itemFactors[base + k]!;
      const raw = GLOBAL_MEAN + userBias + this.itemBias[item]! + dot + NOISE_SD * rng.normal();
      const halfStars = Math.min(10, Math.max(1, Math.round(raw * 2)));
      out.userId[offset + j] = u + 1;
      out.rating[offset + j] = halfStars / 2;
      out.timestampLow[2 * (offset + j) + LOW_WORD] = start + rng.below(span + 1);
    }
    return n;
  }

  /**
   * Fills `out` with distinct 1-based item ids drawn by popularity. `mark` tags items already taken
   * by this user. Heavy users who would need many rejected draws take the remaining items in
   * popularity order instead (rare: only users who rate a large share of the catalogue).
   */
  private sampleDistinctItems(mark: number, out: Int32Array, rng: Xoshiro128): void {
    const n = out.length;
    const seen = this.seen;
    let got = 0;
    let budget = 4 * n + 64;
    while (got < n && budget-- > 0) {
      const item = this.itemByRank[this.popularity.sample(rng)]!;
      if (seen[item] === mark) continue;
      seen[item] = mark;
      out[got++] = item + 1;
    }
    for (let r = 0; got < n; r++) {
      const item = this.itemByRank[r]!;
      if (seen[item] === mark) continue;
      seen[item] = mark;
      out[got++] = item + 1;
    }
  }
}

/**
 * Ratings per user: 1 each, plus the rest split by log-normal weights, capped at the catalogue
 * size; rounding leftovers go one by one to users in order. Σ = ratings exactly.
 */
function activityCounts(users: number, items: number, ratings: number, rng: Xoshiro128): Int32Array {
  const weights = new Float64Array(users);
  let sum = 0;
  for (let u = 0; u < users; u++) sum += weights[u] = Math.exp(ACTIVITY_SIGMA * rng.normal());
  const counts = new Int32Array(users);
  const extra = ratings - users;
  let assigned = 0;
  for (let u = 0; u < users; u++) {
    counts[u] = Math.min(items, 1 + Math.floor((extra * weights[u]!) / sum));
    assigned += counts[u]!;
  }
  let remaining = ratings - assigned;
  while (remaining > 0) {
    for (let u = 0; u < users && remaining > 0; u++) {
      if (counts[u]! < items) {
        counts[u] = counts[u]! + 1;
        remaining--;
      }
    }
  }
  return counts;
}
