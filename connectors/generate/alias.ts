// Walker's alias method (Vose's construction): draw from a fixed discrete distribution over n
// outcomes in O(1) per draw after O(n) setup. Used to pick items by popularity.
//
// Worked example, weights [1, 1, 2] (n = 3, mean 4/3): scaled to mean 1 they are [0.75, 0.75, 1.5].
// Column 0 keeps 0.75 of itself and gives 0.25 to outcome 2; column 1 likewise; column 2 is full.
//   prob  = [0.75, 0.75, 1.0]     alias = [2, 2, 2]
// A draw picks a column uniformly, then keeps it with probability prob[i], else takes alias[i]:
// P(2) = (0.25 + 0.25 + 1) / 3 = 0.5, as 2/4 should be.

import type { Xoshiro128 } from './prng.ts';

/** A sampler for outcome i with probability weights[i] / sum(weights). */
export class AliasTable {
  readonly size: number;
  private readonly prob: Float64Array;
  private readonly alias: Int32Array;

  constructor(weights: Float64Array) {
    const n = weights.length;
    if (n === 0) throw new RangeError('alias table needs at least one weight');
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const w = weights[i]!;
      if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`weight ${i} is ${w}; weights must be finite and >= 0`);
      sum += w;
    }
    if (sum <= 0) throw new RangeError('alias table weights sum to 0');
    this.size = n;
    this.prob = new Float64Array(n);
    this.alias = new Int32Array(n);
    const scaled = new Float64Array(n);
    const small = new Int32Array(n);
    const large = new Int32Array(n);
    let ns = 0;
    let nl = 0;
    for (let i = 0; i < n; i++) {
      scaled[i] = (weights[i]! * n) / sum;
      if (scaled[i]! < 1) small[ns++] = i;
      else large[nl++] = i;
    }
    while (ns > 0 && nl > 0) {
      const s = small[--ns]!;
      const l = large[--nl]!;
      this.prob[s] = scaled[s]!;
      this.alias[s] = l;
      scaled[l] = scaled[l]! + scaled[s]! - 1;
      if (scaled[l]! < 1) small[ns++] = l;
      else large[nl++] = l;
    }
    // Leftovers are 1 up to rounding error.
    while (nl > 0) this.prob[large[--nl]!] = 1;
    while (ns > 0) this.prob[small[--ns]!] = 1;
  }

  /** One draw: an outcome index in [0, size). */
  sample(rng: Xoshiro128): number {
    const i = rng.below(this.size);
    return rng.float() < this.prob[i]! ? i : this.alias[i]!;
  }
}
