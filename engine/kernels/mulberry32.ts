// The one small seeded PRNG that sampling, tuning, benchmarks and tests share: mulberry32, uniform
// floats in [0, 1), the same sequence for a seed on every platform and process.

/**
 * A generator of uniform floats in [0, 1) from a 32-bit seed (mulberry32).
 *
 * @example
 * const random = mulberry32(42);
 * random(); // the same first value for seed 42 everywhere
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
