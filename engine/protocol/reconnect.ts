// How a driver or an executor paces its attempts to reach a master that went away: exponential
// backoff from `firstMs`, capped at `maxMs`, each delay jittered between half and all of its
// value so that a cluster's executors do not all knock at the same instant when a master returns.

export interface ReconnectBackoff {
  /** Delay before the first attempt (before jitter). Default 100 ms. */
  firstMs?: number;
  /** No delay exceeds this. Default 2000 ms. */
  maxMs?: number;
}

/**
 * Milliseconds to wait before attempt `attempt` (0 for the first), given a uniform `random` in [0, 1).
 *
 * @example
 *   reconnectDelayMs(0, 0.5)   // 75: half of 100 plus a quarter of it
 *   reconnectDelayMs(10, 0.99) // just under 2000: the cap
 */
export function reconnectDelayMs(attempt: number, random: number, backoff: ReconnectBackoff = {}): number {
  const first = backoff.firstMs ?? 100;
  const max = backoff.maxMs ?? 2_000;
  const ceiling = Math.min(max, first * 2 ** Math.min(Math.max(0, attempt), 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * Math.min(Math.max(random, 0), 1));
}
