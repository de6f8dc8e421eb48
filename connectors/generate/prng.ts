// A small, fast, seedable pseudo-random generator for synthetic data: xoshiro128** (Blackman and
// Vigna) on 32-bit integers, seeded through splitmix32. Never Math.random: the same seed must give
// the same dataset on every machine and Node version.

/** splitmix32 step: a well-mixed 32-bit value from a counter (used only to seed xoshiro). */
function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * xoshiro128** generator. `stream` selects an independent sequence for the same seed, so separate
 * concerns (item factors, user sampling, ...) do not shift each other when one changes.
 *
 * @example
 * const rng = new Xoshiro128(42);
 * rng.float();  // 0.7433...  in [0, 1)
 * rng.below(6); // an integer in 0..5
 * rng.normal(); // a standard normal deviate
 */
export class Xoshiro128 {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare = Number.NaN;

  constructor(seed: number, stream = 0) {
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 4294967296) >>> 0;
    let x = splitmix32(lo ^ splitmix32(hi ^ splitmix32(stream)));
    this.s0 = x = splitmix32(x);
    this.s1 = x = splitmix32(x);
    this.s2 = x = splitmix32(x);
    this.s3 = splitmix32(x);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** The next 32 random bits as an unsigned integer. */
  uint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  float(): number {
    return this.uint32() / 4294967296;
  }

  /** Uniform integer in [0, n) for n up to 2^32 (bias below 2^-32 * n, negligible here). */
  below(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Standard normal deviate (Box-Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const v = this.spare;
      this.spare = Number.NaN;
      return v;
    }
    const u1 = 1 - this.float(); // (0, 1]: log is finite
    const u2 = this.float();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }
}
