// Named sums a kernel adds to while its task runs (an ALS half-iteration's squared error): the
// task returns them with its metrics and the driver adds them up per job, as Spark's accumulators.
// A kernel runs synchronously inside its task, so "the current task" is set around each call.

let current: Map<string, number> | null = null;

/**
 * Adds `value` to the sum `name` of the task running this kernel (JobMetrics.sums on the driver).
 * Outside a task (a kernel called directly) it does nothing. A task that runs again (a retry after
 * a lost executor) adds again, as Spark's accumulators updated in transformations.
 *
 * @example addToTaskSum('als.squaredError', err);
 */
export function addToTaskSum(name: string, value: number): void {
  if (current === null) return;
  current.set(name, (current.get(name) ?? 0) + value);
}

/** Runs `fn` (a kernel call of a task) with `sums` as the task's sums. */
export function withTaskSums<T>(sums: Map<string, number>, fn: () => T): T {
  const outer = current;
  current = sums;
  try {
    return fn();
  } finally {
    current = outer;
  }
}
