// A standalone executor's link to its master: registers (naming the applications it still serves,
// so a restarted master learns the grants in use), serves the master's launchApp / releaseApp /
// shutdown, and when the connection drops dials again with jittered backoff, on the same identity
// and block server, while its applications run on undisturbed. It gives up only after
// `reconnectTimeoutMs` without a master while serving no application.

import { HandshakeError, RemoteError, connect } from '../transport/index.ts';
import type { Connection, Message } from '../transport/index.ts';
import { MasterMessage, reconnectDelayMs } from '../protocol/index.ts';
import type { ExecutorRuntime } from './executor-runtime.ts';

/** A registered connection that lasts this long ends an outage: the next one backs off from the start. */
const STABLE_MS = 10_000;

/** Handshake failures that waiting does not cure: the master at that address wants another secret, protocol or TLS setting. */
const SETTLED_REFUSALS = new Set(['AUTH_FAILED', 'PROTOCOL_MISMATCH', 'TLS_MISMATCH', 'TLS_FAILED']);

export interface MasterLinkOptions {
  master: { host: string; port: number };
  executorId: string;
  cores: number;
  memoryBytes: number;
  /** Keep dialling a vanished master this long while no application is served (then `onStop`). */
  reconnectTimeoutMs: number;
  /** The master asked this executor to stop, refused it, or could not be reached for too long. */
  onStop: (code: number, why?: string) => void;
  log: (line: string) => void;
}

export class MasterLink {
  private conn: Connection | undefined;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;
  /** Since when no registered connection has lasted STABLE_MS, and how many dials were tried (the backoff's attempt). */
  private outage: { since: number; attempts: number } | undefined;
  /** The last settled refusal logged, so a master that keeps refusing is reported once, not at every dial. */
  private lastRefusal: string | undefined;
  private readonly where: string;

  constructor(private readonly runtime: ExecutorRuntime, private readonly options: MasterLinkOptions) {
    this.where = `${options.master.host}:${options.master.port}`;
  }

  /** First registration: an unreachable master rejects, a refusal stops the executor (a master gone meanwhile is dialled again). */
  async start(): Promise<void> {
    const conn = await this.dial();
    const outcome = await this.register(conn);
    if (outcome !== 'ok' && outcome !== 'closed') await this.refused(conn, outcome.refused);
  }

  /** Tells the master an application no longer runs here (on whichever connection is current). */
  released(appId: string, reason: string): void {
    void this.conn?.send({ header: { type: MasterMessage.appReleased, appId, reason } }).catch(() => undefined);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    void this.conn?.close().catch(() => undefined);
  }

  private dial(): Promise<Connection> {
    return connect({
      host: this.options.master.host, port: this.options.master.port, secret: this.runtime.secret, tls: this.runtime.tls, role: 'executor', timeoutMs: 5_000,
      heartbeatIntervalMs: this.runtime.heartbeatIntervalMs, heartbeatTimeoutMs: this.runtime.heartbeatTimeoutMs,
    });
  }

  /**
   * Sends the registration on `conn` (made current first, so releases follow it in order). A
   * connection that closes meanwhile has already started the next round of dialling (onClose).
   */
  private async register(conn: Connection): Promise<'ok' | 'closed' | { refused: string }> {
    this.conn = conn;
    let registeredAt: number | undefined;
    conn.onMessage((msg) => this.onMessage(msg));
    conn.onClose((info) => {
      if (this.conn !== conn) return;
      this.conn = undefined;
      if (this.stopped) return;
      this.options.log(`master connection closed (${info.reason}); serving ${this.appList()} meanwhile and dialling ${this.where} again`);
      // a connection that lasted ends the outage; after one dropped soon (a master that keeps closing) the backoff goes on growing
      if (registeredAt !== undefined && Date.now() - registeredAt >= STABLE_MS) this.outage = undefined;
      this.retryLater();
    });
    const { options } = this;
    try {
      await conn.request({
        header: {
          type: MasterMessage.registerExecutor, executorId: options.executorId, cores: options.cores, memoryBytes: options.memoryBytes,
          host: this.runtime.advertiseHost, pid: process.pid, apps: this.runtime.servedApps(),
        },
      });
      registeredAt = Date.now();
      return 'ok';
    } catch (error) {
      return error instanceof RemoteError ? { refused: error.message } : 'closed';
    }
  }

  private async refused(conn: Connection, message: string): Promise<void> {
    this.conn = undefined; // not to be dialled again
    await conn.close().catch(() => undefined);
    this.options.onStop(1, `master refused registration: ${message}`);
  }

  private retryLater(): void {
    const outage = (this.outage ??= { since: Date.now(), attempts: 0 });
    this.retry = setTimeout(() => void this.attempt(outage.since), reconnectDelayMs(outage.attempts++, Math.random()));
  }

  private async attempt(since: number): Promise<void> {
    if (this.stopped) return;
    let conn: Connection;
    try {
      conn = await this.dial();
    } catch (error) {
      if (this.stopped) return;
      const served = Object.keys(this.runtime.servedApps()).length;
      if (error instanceof HandshakeError && SETTLED_REFUSALS.has(error.code)) {
        // a master came back at that address with other settings: nothing to wait for unless applications still run here
        const why = `the master at ${this.where} refused this executor (${error.code}): ${error.message}`;
        if (served === 0) { this.options.onStop(1, `${why}; exiting (start it with the master's secret and TLS settings)`); return; }
        if (why !== this.lastRefusal) this.options.log(`${why}; serving ${this.appList()} meanwhile and dialling again`);
        this.lastRefusal = why;
      } else if (served === 0 && Date.now() - since > this.options.reconnectTimeoutMs) {
        this.options.onStop(1, `no master at ${this.where} for ${this.options.reconnectTimeoutMs} ms and no application to serve ` +
          `(last attempt: ${error instanceof Error ? error.message : String(error)}); exiting`);
        return;
      }
      this.retryLater();
      return;
    }
    if (this.stopped) { await conn.close().catch(() => undefined); return; }
    const outcome = await this.register(conn);
    if (outcome === 'ok') this.options.log(`registered again with the master at ${this.where} (serving ${this.appList()})`);
    else if (outcome !== 'closed') await this.refused(conn, outcome.refused);
  }

  private appList(): string {
    const apps = Object.keys(this.runtime.servedApps());
    return apps.length > 0 ? apps.join(', ') : 'no application';
  }

  private async onMessage(msg: Message): Promise<void> {
    const h = msg.header;
    if (h.type === MasterMessage.launchApp) {
      const grant = { appId: String(h.appId), driverHost: String(h.driverHost), driverPort: Number(h.driverPort), slots: Number(h.slots) };
      try {
        const app = await this.runtime.attach(grant);
        app.onClose((reason) => this.released(grant.appId, reason));
      } catch (error) {
        this.released(grant.appId, `could not attach: ${error instanceof Error ? error.message : String(error)}`);
      }
    } else if (h.type === MasterMessage.releaseApp) {
      await this.runtime.release(String(h.appId), 'released by the master');
    } else if (h.type === MasterMessage.shutdown) {
      this.options.onStop(0);
    }
  }
}
