// Repeated measurements on a shared, noisy machine: run a measurement several times and keep the
// best (least disturbed) and the median (typical) figure, plus every run for the JSON record.

export interface Sample {
  /** Smallest value seen (for times: the least disturbed run). */
  min: number;
  /** Largest value seen. */
  max: number;
  median: number;
  /** Every run, in the order measured. */
  runs: number[];
}

/**
 * Runs `measure` `runs` times (after `warmups` unrecorded runs) and summarises what it returned.
 *
 * @example
 * const ms = await repeat(5, async () => { const t = performance.now(); await job(); return performance.now() - t; });
 * console.log(ms.min, ms.median);
 */
export async function repeat(runs: number, measure: (run: number) => Promise<number>, warmups = 0): Promise<Sample> {
  for (let i = 0; i < warmups; i++) await measure(-1 - i);
  const values: number[] = [];
  for (let i = 0; i < runs; i++) values.push(await measure(i));
  return summarise(values);
}

/** min / max / median of a non-empty list. @example summarise([3, 1, 2]).median // 2 */
export function summarise(values: number[]): Sample {
  if (values.length === 0) throw new Error('summarise: no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { min: sorted[0]!, max: sorted[sorted.length - 1]!, median, runs: values };
}

/** Milliseconds taken by `fn`. @example const ms = await timed(() => ds.count()); */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

/** Applies `f` to every value of a sample, e.g. turning times into rates (which reverses min/max). */
export function mapSample(sample: Sample, f: (value: number) => number): Sample {
  return summarise(sample.runs.map(f));
}

/**
 * A distribution-free confidence interval for the median of `values` (the sign test's): the k-th
 * smallest and k-th largest value, k the largest for which the chance that fewer than k of n values
 * fall below the true median, twice, stays within 1 − `confidence` (Binomial(n, ½)). `coverage` is
 * the interval's exact confidence (at least `confidence`); undefined below 6 values, where even the
 * smallest and largest do not reach 95%.
 *
 * @example
 * medianInterval(ratios); // { low: 1.004, high: 1.021, coverage: 0.962 } for 40 pair ratios
 */
export function medianInterval(values: number[], confidence = 0.95): { low: number; high: number; coverage: number } | undefined {
  const n = values.length;
  const sorted = [...values].sort((a, b) => a - b);
  // `below` is P(K ≤ j) for K ~ Binomial(n, ½), summed from the probabilities C(n, j) / 2^n.
  let p = 0.5 ** n;
  let below = 0;
  let k = 0;
  let tail = 0; // P(K ≤ k − 1)
  for (let j = 0; j < n; j++) {
    below += p;
    if (2 * below > 1 - confidence) break;
    k = j + 1; // 2·P(K ≤ k − 1) is still within 1 − confidence: [X_(k), X_(n−k+1)] (1-based) will do
    tail = below;
    p = (p * (n - j)) / (j + 1);
  }
  if (k === 0) return undefined;
  return { low: sorted[k - 1]!, high: sorted[n - k]!, coverage: 1 - 2 * tail };
}
