// Heartbeats: a connection pings its peer on an interval and gives up on it when nothing at all
// has arrived for the timeout, so a hung or vanished peer (no FIN, no RST) is noticed.

import { InvalidInputError } from '../errors.ts';
import { ConnectionError } from './connection-errors.ts';

export interface HeartbeatOptions {
  /** Send a ping this often. Default: no heartbeats. */
  heartbeatIntervalMs?: number;
  /** Close the connection when nothing arrives from the peer for this long. Default 4 × interval. */
  heartbeatTimeoutMs?: number;
}

/** Validated heartbeat settings, or undefined when heartbeats are off. */
export function heartbeatSettings(options: HeartbeatOptions): { intervalMs: number; timeoutMs: number } | undefined {
  const interval = options.heartbeatIntervalMs;
  if (interval === undefined) return undefined;
  const timeout = options.heartbeatTimeoutMs ?? 4 * interval;
  if (!(interval > 0) || !(timeout > interval)) {
    throw new InvalidInputError(
      `heartbeatTimeoutMs (${timeout}) must be larger than heartbeatIntervalMs (${interval}), and both positive; ` +
        `a timeout of 3-5 intervals tolerates a few lost or late pings`,
    );
  }
  return { intervalMs: interval, timeoutMs: timeout };
}

/**
 * The timer half of heartbeats. The connection reports every sign of life with `heard()`; each
 * interval the monitor either declares the peer dead (`onTimeout`) or asks for a ping (`sendPing`).
 *
 * @example
 * const hb = new HeartbeatMonitor({ intervalMs: 1000, timeoutMs: 5000 }, peer, { sendPing, onTimeout });
 * socket.on('data', () => hb.heard());
 */
export class HeartbeatMonitor {
  private lastHeardAt = Date.now();
  private stopped = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    settings: { intervalMs: number; timeoutMs: number },
    peer: string,
    hooks: { sendPing: () => void; onTimeout: (reason: string, error: ConnectionError) => void },
  ) {
    this.timer = setInterval(() => {
      if (Date.now() - this.lastHeardAt < settings.timeoutMs) {
        hooks.sendPing();
        return;
      }
      // Timers run before pending socket reads are delivered. If this process's own event loop
      // was blocked (a long computation), the peer's pings may be waiting unread: look again
      // after the next poll phase, so only a peer that really fell silent is declared dead.
      setImmediate(() => {
        if (this.stopped || Date.now() - this.lastHeardAt < settings.timeoutMs) return;
        this.stop();
        const reason = `heartbeat timeout after ${settings.timeoutMs} ms: nothing received from ${peer}`;
        hooks.onTimeout(reason, new ConnectionError('HEARTBEAT_TIMEOUT', reason));
      });
    }, settings.intervalMs);
    this.timer.unref();
  }

  /** Something arrived from the peer (or the peer's TCP stack acknowledged our data). */
  heard(): void {
    this.lastHeardAt = Date.now();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }
}
