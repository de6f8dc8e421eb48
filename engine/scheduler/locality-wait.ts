// Delay scheduling (Spark's spark.locality.wait): a task whose preferred executors are alive but
// busy waits for one of them up to `waitMs` before it may run elsewhere, because reading a cached
// partition where it lives beats fetching or recomputing it. Time comes from Tick events, so this
// stays pure; with waitMs 0 (or no ticks ever) nothing waits longer than it must.
//
// Worked example (waitMs 3000): a stage's task prefers busy exec-a at t = 1000 → wait (since 1000);
// at t = 2500 → still wait; at t = 4100 → run on exec-b. A launch on a preferred executor resets
// the stage's wait, as Spark resets its locality level.

import type { ExecutorId } from '../protocol/index.ts';

export class LocalityWait {
  private now = 0;
  /** Stage → when it started waiting; weak, so a finished job's stage leaves no entry behind. */
  private readonly since = new WeakMap<object, number>();

  constructor(private readonly waitMs: number) {}

  /** The driver's clock moved on. */
  tick(now: number): void {
    this.now = Math.max(this.now, now);
  }

  /** Whether `stage` is waiting for its preferred executors (a launch elsewhere was refused since the last local one). */
  isWaiting(stage: object): boolean {
    return this.since.has(stage);
  }

  /**
   * What a refused mayLaunch does to the stage's wait, for a task the caller knows would be refused
   * (its preferred executors all busy, a free slot elsewhere): the wait starts now unless it has already.
   */
  refused(stage: object): void {
    if (this.waitMs > 0 && !this.since.has(stage)) this.since.set(stage, this.now);
  }

  /**
   * Whether a task of `stage` may launch on `picked` now: always on a preferred executor (which
   * resets the stage's wait), elsewhere only once the stage has waited `waitMs` for its preferred ones.
   */
  mayLaunch(stage: object, preferred: readonly ExecutorId[], picked: ExecutorId): boolean {
    if (preferred.length === 0) return true;
    if (preferred.includes(picked)) {
      this.since.delete(stage);
      return true;
    }
    if (this.waitMs === 0) return true;
    const since = this.since.get(stage) ?? this.now;
    this.since.set(stage, since);
    return this.now - since >= this.waitMs;
  }
}
