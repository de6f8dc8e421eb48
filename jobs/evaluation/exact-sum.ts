// Exact floating-point summation (Shewchuk 1997, the algorithm of Python's math.fsum): the sum is
// kept as a short list of non-overlapping doubles whose exact total is the exact total of every
// number added, and is rounded to a double only when read. Adding the same numbers in any order
// or grouping gives the same bits — which is what makes metrics independent of partitioning.
//
// Worked example: add 1e16, 1, -1e16. A plain sum gives 0 (1e16 + 1 rounds back to 1e16); here
// after 1e16 and 1 the partials are [1, 1e16] (exactly 1e16 + 1), after -1e16 they are [1] → 1.

/**
 * An exact running sum of finite doubles (non-finite values are summed apart, so ±Infinity or NaN
 * still come out as a plain sum would give them).
 *
 * @example
 * const s = new ExactSum();
 * for (const x of [0.1, 0.2, 0.3]) s.add(x);
 * s.value(); // 0.6 (a plain left-to-right sum gives 0.6000000000000001)
 */
export class ExactSum {
  /** Non-overlapping partials, increasing in magnitude. */
  private partials: number[] = [];
  private special = 0;

  add(x: number): void {
    if (!Number.isFinite(x)) {
      this.special += x;
      return;
    }
    const p = this.partials;
    let i = 0;
    for (let j = 0; j < p.length; j++) {
      let y = p[j];
      if (Math.abs(x) < Math.abs(y)) {
        const t = x;
        x = y;
        y = t;
      }
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) p[i++] = lo;
      x = hi;
    }
    p.length = i;
    p.push(x);
  }

  /** Adds every partial of another sum (exactly). */
  addSum(other: ExactSum): void {
    for (const x of other.partials) this.add(x);
    this.special += other.special;
  }

  /** The partials, for shipping a partial sum from an executor; add them back with `add`. */
  parts(): number[] {
    const out = [...this.partials];
    if (this.special !== 0 || Number.isNaN(this.special)) out.push(this.special);
    return out;
  }

  /** The exact sum rounded to the nearest double (ties to even), as math.fsum. */
  value(): number {
    if (this.special !== 0 || Number.isNaN(this.special)) return this.special + this.partials.reduce((a, b) => a + b, 0);
    const p = this.partials;
    let n = p.length;
    if (n === 0) return 0;
    let hi = p[--n];
    let lo = 0;
    while (n > 0) {
      const x = hi;
      const y = p[--n];
      hi = x + y;
      const yr = hi - x;
      lo = y - yr;
      if (lo !== 0) break;
    }
    // Half-way case: if the next partial has the same sign as lo, round away from the tie.
    if (n > 0 && ((lo < 0 && p[n - 1] < 0) || (lo > 0 && p[n - 1] > 0))) {
      const y = lo * 2;
      const x = hi + y;
      if (y === x - hi) hi = x;
    }
    return hi;
  }
}

/**
 * The exactly rounded sum of `values`.
 *
 * @example
 * exactSum([1e16, 1, -1e16]); // 1
 */
export function exactSum(values: Iterable<number>): number {
  const s = new ExactSum();
  for (const x of values) s.add(x);
  return s.value();
}
