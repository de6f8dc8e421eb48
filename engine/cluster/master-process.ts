// `dataflow master`: the standalone cluster manager. It keeps the registry of executors (and
// notices lost ones through heartbeats), accepts applications from drivers, and tells executors
// which drivers to serve. It never sees data: tasks and blocks go between drivers and executors.

import { listen } from '../transport/index.ts';
import type { Connection, Message, TransportServer } from '../transport/index.ts';
import { MasterMessage } from '../protocol/index.ts';
import { MasterState } from './master-state.ts';
import type { MasterCommand } from './master-state.ts';

export interface MasterOptions {
  host?: string;
  port?: number;
  secret: string;
  heartbeatIntervalMs?: number;
  heartbeatTimeoutMs?: number;
  log?: (line: string) => void;
}

interface AppInfo { driverHost: string; driverPort: number; conn: Connection; name: string }

export class Master {
  private readonly state = new MasterState();
  private readonly executors = new Map<string, Connection>();
  private readonly apps = new Map<string, AppInfo>();
  private nextApp = 0;
  private server!: TransportServer;
  private readonly log: (line: string) => void;

  private constructor(options: MasterOptions) {
    this.log = options.log ?? (() => undefined);
  }

  static async start(options: MasterOptions): Promise<Master> {
    const master = new Master(options);
    master.server = await listen({
      host: options.host ?? '127.0.0.1', port: options.port ?? 0, secret: options.secret, role: 'master',
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 1_000, heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? 60_000,
      onConnection: (conn) => conn.onMessage((msg) => master.onMessage(conn, msg)),
      onHandshakeError: (error, address) => master.log(`refused ${address}: ${error.message}`),
    });
    master.log(`dataflow master listening on ${master.server.host}:${master.server.port}`);
    return master;
  }

  get port(): number {
    return this.server.port;
  }

  get host(): string {
    return this.server.host;
  }

  async close(): Promise<void> {
    for (const conn of this.executors.values()) await conn.send({ header: { type: MasterMessage.shutdown } }).catch(() => undefined);
    await this.server.close();
  }

  private async onMessage(conn: Connection, msg: Message): Promise<void> {
    const h = msg.header;
    switch (h.type) {
      case MasterMessage.registerExecutor: {
        const executorId = String(h.executorId);
        const cores = Number(h.cores);
        if (this.executors.has(executorId)) {
          await conn.reply(msg, { header: { type: 'error', message: `an executor named ${executorId} is already registered; give each executor its own id` } });
          return;
        }
        if (!Number.isInteger(cores) || cores < 1) {
          await conn.reply(msg, { header: { type: 'error', message: `executor ${executorId} offers ${String(h.cores)} cores; need a positive integer` } });
          return;
        }
        this.executors.set(executorId, conn);
        conn.onClose((info) => {
          if (this.executors.get(executorId) !== conn) return;
          this.executors.delete(executorId);
          this.log(`executor ${executorId} lost: ${info.reason}`);
          this.carryOut(this.state.handle({ type: 'ExecutorLost', executorId }));
        });
        await conn.reply(msg, { header: { type: 'ok' } });
        this.log(`executor ${executorId} registered with ${cores} cores from ${conn.remoteAddress}`);
        this.carryOut(this.state.handle({ type: 'ExecutorRegistered', executorId, cores }));
        return;
      }
      case MasterMessage.registerApp: {
        const appId = `app-${String(++this.nextApp).padStart(4, '0')}-${process.pid}`;
        const maxCores = h.maxCores === undefined || h.maxCores === null ? Number.MAX_SAFE_INTEGER : Number(h.maxCores);
        this.apps.set(appId, { driverHost: String(h.driverHost), driverPort: Number(h.driverPort), conn, name: String(h.appName ?? appId) });
        conn.onClose(() => {
          this.apps.delete(appId);
          this.log(`application ${appId} finished`);
          this.carryOut(this.state.handle({ type: 'AppFinished', appId }));
        });
        await conn.reply(msg, { header: { type: 'ok', appId, freeCores: this.state.freeCores } });
        this.log(`application ${appId} (${String(h.appName)}) registered; driver at ${String(h.driverHost)}:${String(h.driverPort)}`);
        this.carryOut(this.state.handle({ type: 'AppRegistered', appId, maxCores }));
        return;
      }
      case MasterMessage.appReleased: {
        const executorId = [...this.executors].find(([, c]) => c === conn)?.[0];
        if (executorId) this.carryOut(this.state.handle({ type: 'AppReleasedByExecutor', appId: String(h.appId), executorId }));
        return;
      }
    }
  }

  private carryOut(commands: MasterCommand[]): void {
    for (const command of commands) {
      const conn = this.executors.get(command.executorId);
      if (!conn) continue;
      if (command.type === 'LaunchApp') {
        const app = this.apps.get(command.appId);
        if (!app) continue;
        void conn.send({ header: { type: MasterMessage.launchApp, appId: command.appId, driverHost: app.driverHost, driverPort: app.driverPort, slots: command.slots } }).catch(() => undefined);
      } else {
        void conn.send({ header: { type: MasterMessage.releaseApp, appId: command.appId } }).catch(() => undefined);
      }
    }
  }
}
