// `dataflow master`: the standalone cluster manager. It keeps the registry of executors (and
// notices lost ones through heartbeats), accepts applications from drivers, and tells executors
// which drivers to serve. It never sees data: tasks and blocks go between drivers and executors,
// so applications run on while it is gone; executors and drivers register again when it is back
// (with `recoveryDir` it also remembers its applications and executors across a restart).
// With `ui` it serves its page (executors, applications, links to their drivers' UIs) and /metrics
// over HTTP (master-ui.ts).

import { listen } from '../transport/index.ts';
import type { AdmissionLimits, Connection, Message, TlsSettings, TransportServer } from '../transport/index.ts';
import { MasterMessage, duplicateExecutor, malformedExecutor } from '../protocol/index.ts';
import { MasterState } from './master-state.ts';
import type { MasterCommand, MasterEvent } from './master-state.ts';
import { MasterRecoveryFile } from './master-recovery.ts';
import { MasterBook } from './master-book.ts';
import { startMasterUi } from './master-ui.ts';
import type { HttpEndpoint } from '../metrics/index.ts';

/** Longest log line the master writes; longer ones are cut (they quote what peers sent). */
const MAX_LOG_LINE = 1_000;
export interface MasterOptions extends AdmissionLimits {
  host?: string;
  port?: number;
  secret: string;
  /** Encryption of every connection; default: TLS except over loopback. */
  tls?: TlsSettings;
  heartbeatIntervalMs?: number;
  heartbeatTimeoutMs?: number;
  /** Folder where the master keeps its state, read back at start (like Spark's FILESYSTEM recovery mode). */
  recoveryDir?: string;
  /**
   * How long an application whose driver connection dropped (or one recovered from `recoveryDir`)
   * is waited for before it is forgotten; also how long a recovered executor has to register again.
   * Default: heartbeatTimeoutMs.
   */
  reconnectGraceMs?: number;
  /**
   * Serve the master's page and /metrics over HTTP on host:port (`dataflow master --ui-host/--ui-port`);
   * `tries` > 1: a port in use moves to the next ones, then to any free port (for the default port).
   */
  ui?: { host: string; port: number; tries?: number };
  log?: (line: string) => void;
}

const APP_ID = /^app-[A-Za-z0-9_-]{1,100}$/;

export class Master {
  private readonly state = new MasterState();
  private readonly book = new MasterBook();
  private ui: HttpEndpoint | undefined;
  private readonly executors = new Map<string, { conn: Connection; pid: number; host: string }>();
  private readonly drivers = new Map<string, Connection>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closing = false;
  private nextApp = 0;
  private server!: TransportServer;
  private readonly log: (line: string) => void;
  private readonly graceMs: number;
  private readonly recovery: MasterRecoveryFile | undefined;

  private constructor(options: MasterOptions) {
    const log = options.log ?? (() => undefined);
    // lines quote what peers sent (ids, names, close reasons): a hostile peer must not flood the log
    this.log = (line) => log(line.length <= MAX_LOG_LINE ? line : `${line.slice(0, MAX_LOG_LINE)}… (${line.length} characters, cut)`);
    this.graceMs = options.reconnectGraceMs ?? options.heartbeatTimeoutMs ?? 60_000;
    this.recovery = options.recoveryDir ? new MasterRecoveryFile(options.recoveryDir) : undefined;
  }

  static async start(options: MasterOptions): Promise<Master> {
    const master = new Master(options);
    const recovered = master.recovery?.read();
    master.server = await listen({
      host: options.host ?? '127.0.0.1', port: options.port ?? 0, secret: options.secret, tls: options.tls, role: 'master',
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 1_000, heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? 60_000,
      maxUnauthenticated: options.maxUnauthenticated, maxUnauthenticatedPerAddress: options.maxUnauthenticatedPerAddress,
      onConnection: (conn) => conn.onMessage((msg) => master.onMessage(conn, msg)),
      // refused peers at a bounded rate: a line per kind of refusal, then one summary, per 10 s
      log: (line) => master.log(line),
    });
    if (recovered) {
      master.nextApp = recovered.nextApp;
      const { apps, executors } = recovered.snapshot;
      const names = (ids: string[]): string => ids.sort().join(', ') || 'none';
      master.log(`recovered ${apps.length} applications (${names(apps.map((a) => a.appId))}) and ${executors.length} executors ` +
        `(${names(executors.map((e) => e.executorId))}) from ${master.recovery!.path}; each has ${master.graceMs} ms to register again`);
      for (const app of apps) master.book.appWaiting(app.appId, app.driver, app.maxCores);
      for (const e of executors) master.book.executorRecovering(e.executorId, e.cores);
      master.apply({ type: 'Recovered', snapshot: recovered.snapshot });
    }
    master.log(`dataflow master listening on ${master.server.host}:${master.server.port}`);
    if (options.ui) {
      try {
        master.ui = await startMasterUi({
          ...options.ui, secret: options.secret, log: master.log,
          view: () => master.book.view(master.state, `dataflow://${master.server.host}:${master.server.port}`),
          book: master.book, state: master.state,
        });
      } catch (error) {
        await master.close();
        throw error;
      }
    }
    return master;
  }

  /** `http://host:port` of the master's page, when it serves one. */
  get uiUrl(): string | undefined {
    return this.ui?.url;
  }

  get port(): number {
    return this.server.port;
  }

  get host(): string {
    return this.server.host;
  }

  async close(): Promise<void> {
    this.closing = true; // connections closing now are not waited for
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const { conn } of this.executors.values()) await conn.send({ header: { type: MasterMessage.shutdown } }).catch(() => undefined);
    await this.server.close();
    await this.ui?.close();
  }

  private onMessage(conn: Connection, msg: Message): void {
    switch (msg.header.type) {
      case MasterMessage.registerExecutor: return this.registerExecutor(conn, msg);
      case MasterMessage.registerApp: return this.registerApp(conn, msg);
      case MasterMessage.unregisterApp: {
        const appId = String(msg.header.appId);
        if (this.drivers.get(appId) !== conn) return;
        this.drivers.delete(appId);
        this.log(`application ${appId} finished`);
        this.book.appEnded(appId, 'finished');
        this.apply({ type: 'AppFinished', appId });
        return;
      }
      case MasterMessage.appReleased: {
        const executorId = [...this.executors].find(([, e]) => e.conn === conn)?.[0];
        if (executorId) this.apply({ type: 'AppReleasedByExecutor', appId: String(msg.header.appId), executorId });
        return;
      }
    }
  }

  // State changes happen before any reply is awaited: messages on one connection are handled in
  // the order they arrive (an executor's appReleased right after its registration must find it).
  private registerExecutor(conn: Connection, msg: Message): void {
    const h = msg.header;
    const executorId = String(h.executorId);
    const cores = Number(h.cores);
    const pid = Number(h.pid);
    const host = String(h.host);
    const refuse = (message: string): void => void conn.reply(msg, { header: { type: 'error', message } }).catch(() => undefined);
    const malformed = malformedExecutor(h);
    if (malformed !== undefined) return refuse(`executor registration refused: ${malformed}`);
    if (!Number.isInteger(cores) || cores < 1) return refuse(`executor ${executorId} offers ${String(h.cores)} cores; need a positive integer`);
    const previous = this.executors.get(executorId);
    if (previous && !previous.conn.isClosed) {
      // The same process dialling again (its old connection is dead on its side) replaces it; another one is refused.
      const duplicate = duplicateExecutor(previous, { executorId, pid, host });
      if (duplicate !== undefined) return refuse(duplicate);
      this.executors.delete(executorId);
      void previous.conn.close(`executor ${executorId} registered again on a new connection`);
    }
    const apps = servedApps(h.apps);
    const known = this.state.hasExecutor(executorId);
    this.executors.set(executorId, { conn, pid, host });
    conn.onClose((info) => {
      if (this.executors.get(executorId)?.conn !== conn) return;
      this.executors.delete(executorId);
      this.log(`executor ${executorId} lost: ${info.reason}`);
      this.book.executorLost(executorId, info.reason);
      this.apply({ type: 'ExecutorLost', executorId });
    });
    void conn.reply(msg, { header: { type: 'ok' } }).catch(() => undefined);
    const serving = Object.keys(apps);
    this.log(`executor ${executorId} registered with ${cores} cores from ${conn.remoteAddress}` +
      `${known ? ' (known from before)' : ''}${serving.length > 0 ? `, still serving ${serving.join(', ')}` : ''}`);
    this.book.executorRegistered(executorId, { host, pid, cores, memoryBytes: typeof h.memoryBytes === 'number' ? h.memoryBytes : 0 });
    this.apply({ type: 'ExecutorRegistered', executorId, cores, apps });
  }

  private registerApp(conn: Connection, msg: Message): void {
    const h = msg.header;
    const again = h.appId !== undefined && h.appId !== null;
    if (again && !APP_ID.test(String(h.appId))) {
      void conn.reply(msg, { header: { type: 'error', message: `a driver asked to register again as ${String(h.appId)}, which is not an application id (app-...)` } }).catch(() => undefined);
      return;
    }
    const malformed = malformedRegistration(h);
    if (malformed !== undefined) {
      void conn.reply(msg, { header: { type: 'error', message: `application registration refused: ${malformed}` } }).catch(() => undefined);
      return;
    }
    const appId = again ? String(h.appId) : `app-${String(++this.nextApp).padStart(4, '0')}-${process.pid}`;
    const maxCores = h.maxCores === undefined || h.maxCores === null ? Number.MAX_SAFE_INTEGER : Number(h.maxCores);
    const driver = {
      name: String(h.appName ?? appId), host: String(h.driverHost), port: Number(h.driverPort), ...(typeof h.uiUrl === 'string' ? { uiUrl: h.uiUrl } : {}),
    };
    const known = this.state.hasApp(appId);
    const previous = this.drivers.get(appId);
    const claimed = again && previous !== undefined && previous !== conn && !previous.isClosed ? this.state.appDriver(appId) : undefined;
    if (claimed && (claimed.host !== driver.host || claimed.port !== driver.port)) {
      // The same driver dialling again (its old connection is dead on its side) replaces it; another
      // one must not take a running application over (and end it by unregistering it).
      void conn.reply(msg, { header: { type: 'error', message: `application ${appId} is registered by a connected driver at ${claimed.host}:${claimed.port}; ` +
        `a driver at ${driver.host}:${driver.port} cannot register again as it (only the same driver may replace its connection)` } }).catch(() => undefined);
      return;
    }
    this.drivers.set(appId, conn);
    if (previous && previous !== conn) void previous.close(`application ${appId} registered again on a new connection`);
    conn.onClose((info) => {
      if (this.drivers.get(appId) !== conn) return;
      this.drivers.delete(appId);
      this.log(`application ${appId}: driver connection lost (${info.reason}); waiting ${this.graceMs} ms for it to register again`);
      this.book.appWaiting(appId);
      this.apply({ type: 'AppDisconnected', appId });
    });
    void conn.reply(msg, { header: { type: 'ok', appId, freeCores: this.state.freeCores } }).catch(() => undefined);
    if (again) {
      this.log(`application ${appId} (${driver.name}) registered again${known ? '' : ' (unknown to this master: adopted)'}; driver at ${driver.host}:${driver.port}`);
    } else {
      this.log(`application ${appId} (${driver.name}) registered; driver at ${driver.host}:${driver.port}`);
    }
    this.book.appRegistered(appId, driver, maxCores);
    this.apply({ type: 'AppRegistered', appId, maxCores, driver });
  }

  /** Feeds one event to the state machine, persists the new state, and carries out the commands. */
  private apply(event: MasterEvent): void {
    const commands = this.state.handle(event);
    this.persist();
    for (const command of commands) this.carryOut(command);
  }

  private persist(): void {
    if (!this.recovery) return;
    try {
      this.recovery.write({ nextApp: this.nextApp, snapshot: this.state.snapshot() });
    } catch (error) {
      this.log(`cannot write the recovery file ${this.recovery.path}: ${error instanceof Error ? error.message : String(error)} (a restart would not know the latest state)`);
    }
  }

  private carryOut(command: MasterCommand): void {
    switch (command.type) {
      case 'LaunchApp': {
        const { appId, driver, slots } = command;
        this.sendTo(command.executorId, { type: MasterMessage.launchApp, appId, driverHost: driver.host, driverPort: driver.port, slots });
        return;
      }
      case 'ReleaseApp':
        this.sendTo(command.executorId, { type: MasterMessage.releaseApp, appId: command.appId });
        return;
      case 'AwaitDriver':
        this.after(() => this.apply({ type: 'AppWaitOver', appId: command.appId, wait: command.wait }));
        return;
      case 'AwaitExecutor':
        this.after(() => this.apply({ type: 'ExecutorWaitOver', executorId: command.executorId }));
        return;
      case 'AppForgotten':
        this.log(`application ${command.appId} forgotten: its driver did not register again within ${this.graceMs} ms`);
        this.book.appEnded(command.appId, 'forgotten');
        return;
      case 'ExecutorForgotten':
        this.log(`executor ${command.executorId} lost: it did not register again within ${this.graceMs} ms of the restart`);
        this.book.executorLost(command.executorId, `it did not register again within ${this.graceMs} ms of the master's restart`);
        return;
    }
  }

  private sendTo(executorId: string, header: { type: string } & Record<string, string | number>): void {
    void this.executors.get(executorId)?.conn.send({ header }).catch(() => undefined);
  }

  private after(fire: () => void): void {
    if (this.closing) return;
    const timer = setTimeout(() => { this.timers.delete(timer); fire(); }, this.graceMs);
    timer.unref(); // the listening server is what keeps a master running
    this.timers.add(timer);
  }
}

/** The `apps` field of a registration: { appId: slots } with sane values only. */
function servedApps(value: unknown): Record<string, number> {
  const apps: Record<string, number> = {};
  if (typeof value !== 'object' || value === null) return apps;
  for (const [appId, slots] of Object.entries(value)) if (APP_ID.test(appId) && Number.isInteger(slots) && (slots as number) > 0) apps[appId] = slots as number;
  return apps;
}

/**
 * Why a registerApp header cannot describe a driver executors could reach, or undefined when it
 * can. (A peer with the secret sending garbage registered applications "at undefined:NaN" that
 * executors were then granted to.)
 */
function malformedRegistration(h: Record<string, unknown>): string | undefined {
  if (typeof h.driverHost !== 'string' || h.driverHost.length === 0 || h.driverHost.length > 255) {
    return `driverHost must be the driver's host name or address, got ${JSON.stringify(h.driverHost)?.slice(0, 80)}`;
  }
  if (!Number.isInteger(h.driverPort) || (h.driverPort as number) < 1 || (h.driverPort as number) > 65_535) {
    return `driverPort must be a TCP port (1-65535), got ${JSON.stringify(h.driverPort)?.slice(0, 80)}`;
  }
  if (h.maxCores !== undefined && h.maxCores !== null && (!Number.isInteger(h.maxCores) || (h.maxCores as number) < 1)) {
    return `maxCores must be a positive integer when given, got ${JSON.stringify(h.maxCores)?.slice(0, 80)}`;
  }
  if (h.appName !== undefined && h.appName !== null && typeof h.appName !== 'string') {
    return `appName must be a string when given, got ${JSON.stringify(h.appName)?.slice(0, 80)}`;
  }
  if (h.uiUrl !== undefined && h.uiUrl !== null && (typeof h.uiUrl !== 'string' || !/^https?:\/\/[^\s"<>\\]{1,500}$/.test(h.uiUrl))) {
    return `uiUrl must be the http(s):// address of the driver's web UI when given, got ${JSON.stringify(h.uiUrl)?.slice(0, 80)}`;
  }
  return undefined;
}

