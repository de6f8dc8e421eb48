// Refused peers, logged at a bounded rate: a listener under attack (thousands of idle or bad
// connections) must not flood its log. Per interval, the first refusal of each kind gets a line
// of its own; the rest are counted and summed up in one line when the interval ends.

/** Default: at most one detailed line per kind of refusal, plus one summary line, per 10 s. */
export const DEFAULT_REFUSAL_LOG_INTERVAL_MS = 10_000;

/**
 * @example
 * const refusals = new RefusalLog((line) => console.error(`master: ${line}`));
 * refusals.refused('AUTH_FAILED', '10.0.0.7:51234', 'its shared secret differs from this server\'s');
 * // → "refused 10.0.0.7:51234: its shared secret differs from this server's" (the next ones are counted)
 */
export class RefusalLog {
  private windowStart = 0;
  private readonly detailed = new Set<string>();
  private readonly suppressedByKind = new Map<string, number>();
  private readonly suppressedByHost = new Map<string, number>();
  private suppressed = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: (line: string) => void,
    private readonly intervalMs = DEFAULT_REFUSAL_LOG_INTERVAL_MS,
  ) {}

  /** A peer was refused or dropped before authenticating. `kind` groups refusals (an error code). */
  refused(kind: string, address: string, why: string): void {
    const now = Date.now();
    if (now - this.windowStart >= this.intervalMs) {
      this.flush();
      this.windowStart = now;
      this.detailed.clear();
    }
    if (!this.detailed.has(kind)) {
      this.detailed.add(kind);
      this.log(`refused ${address}: ${why}`);
      return;
    }
    this.suppressed++;
    this.suppressedByKind.set(kind, (this.suppressedByKind.get(kind) ?? 0) + 1);
    const host = hostOf(address);
    this.suppressedByHost.set(host, (this.suppressedByHost.get(host) ?? 0) + 1);
    if (this.timer === undefined) {
      this.timer = setTimeout(() => this.flush(), Math.max(0, this.windowStart + this.intervalMs - now));
      this.timer.unref();
    }
  }

  /** Writes the summary of the refusals not logged one by one, if any. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.suppressed === 0) return;
    const kinds = [...this.suppressedByKind].map(([kind, n]) => `${n} ${kind}`).join(', ');
    const hosts = [...this.suppressedByHost].sort((a, b) => b[1] - a[1]);
    const top = hosts.slice(0, 3).map(([host, n]) => `${host} (${n})`).join(', ');
    const seconds = this.intervalMs / 1000;
    this.log(
      `refused ${this.suppressed} more peer connection${this.suppressed === 1 ? '' : 's'} within ${seconds} s (${kinds}); ` +
        `from ${top}${hosts.length > 3 ? ` and ${hosts.length - 3} more addresses` : ''}`,
    );
    this.suppressed = 0;
    this.suppressedByKind.clear();
    this.suppressedByHost.clear();
  }
}

/** '10.0.0.7:51234' → '10.0.0.7'; '[::1]:80' → '::1'. */
export function hostOf(address: string): string {
  const bracketed = /^\[(.*)\]:\d+$/.exec(address);
  if (bracketed) return bracketed[1]!;
  const i = address.lastIndexOf(':');
  return i > 0 ? address.slice(0, i) : address;
}
