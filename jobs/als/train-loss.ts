// The training loss of ALS, observed during the solve at almost no cost (the factors are unchanged).
// For a row with regularised normal equations (A + λn·I)·x = b, A = Σ y·yᵀ, b = Σ t·y, its squared
// error over its ratings is Σ(t − y·x)² = Σt² − 2x·b + xᵀAx = Σt² − x·b − λn·|x|², because
// xᵀ(A + λn·I)x = x·b at the solution (also at a non-negative one: its KKT conditions give it).
// That is O(k) per row plus Σt² (one subtraction per rating); the blocked kernels (rank > 16) hand
// their b back for it (ExplicitBlocked.rhs). Implicit CG stops short of the solution, so its
// objective comes from CG's residual and the y·x it tracks through its steps (cg.ts rowLoss).
// Implicit ALS's objective counts every (row, other) pair with confidence c and preference p:
// Σ_all c·(p − x·y)² = Σ_rated c·p − 2·Σ_rated c·p·(y·x) + xᵀ(YᵀY)x + Σ_rated (c − 1)(y·x)².

/** What one half-iteration's rows add up (summed per task with addToTaskSum). */
export interface TrainLoss {
  /** Whether squaredError is summed (the item half); the user half needs only its penalty. */
  withError: boolean;
  /** Σ squared errors over the rows' ratings (explicit), or the confidence-weighted sum over all pairs (implicit). */
  squaredError: number;
  /** Σ λ·n·|x|² over the rows (the regularization term of the objective). */
  penalty: number;
  /** The number of ratings of the rows. */
  ratings: number;
}

export function emptyTrainLoss(withError = true): TrainLoss {
  return { withError, squaredError: 0, penalty: 0, ratings: 0 };
}

/** Σ t² over ratings [s, e), t = r − mean − y[offset] (the explicit target, as the kernels form it). */
export function sumSquaredTargets(ys: Float32Array, width: number, offset: number, pos: Int32Array, r: Float32Array, s: number, e: number, mean: number): number {
  let sum = 0;
  if (offset < 0) {
    for (let j = s; j < e; j++) { const t = r[j] - mean; sum += t * t; }
    return sum;
  }
  for (let j = s; j < e; j++) {
    const t = r[j] - mean - ys[pos[j] * width + offset];
    sum += t * t;
  }
  return sum;
}

/** Σ_rated c·p over ratings [s, e): the constant of a row's implicit objective (p² = p). */
export function sumConfidencePreference(r: Float32Array, s: number, e: number, alpha: number): number {
  let sum = 0;
  for (let j = s; j < e; j++) if (r[j] > 0) sum += 1 + alpha * Math.abs(r[j]);
  return sum;
}
