// `--master dataflow://host:port`: the application registers with a standalone master, which
// sends it executors; they connect to this driver's endpoint exactly as local[N] children do.
// The master is needed only to get executors: if it goes away mid-job, the application keeps the
// executors it has (they talk to this driver directly) and dials the master again with backoff,
// registering under the same application id, so a restarted master grants it executors again.

import type { EngineConfig } from '../config.ts';
import { DataflowError } from '../errors.ts';
import { connect } from '../transport/index.ts';
import type { Connection } from '../transport/index.ts';
import type { Driver } from './driver.ts';
import type { DriverServices } from './driver-services.ts';
import { DriverEndpoint } from './driver-endpoint.ts';
import { MasterMessage, reconnectDelayMs } from '../protocol/index.ts';
import { tlsSettingsOf } from './tls-config.ts';

/** A master connection that lasts this long ends an outage: the next one backs off from the start. */
const STABLE_MS = 10_000;

interface StandaloneOptions {
  host: string; port: number; secret: string; appName: string; driver: Driver; services: DriverServices; config: EngineConfig;
  /** The driver's web UI (`http://host:port`), told to the master, whose page links to it. */
  uiUrl?: string;
}

export class StandaloneCluster {
  private stopping = false;
  private retry: NodeJS.Timeout | undefined;
  /** Dials tried since the last master connection that lasted (the backoff's attempt). */
  private attempts = 0;
  private readonly where: string;

  private constructor(
    private readonly options: StandaloneOptions, private readonly endpoint: DriverEndpoint, private master: Connection | undefined, readonly appId: string,
  ) {
    this.where = `${options.host}:${options.port}`;
  }

  static async start(options: StandaloneOptions): Promise<StandaloneCluster> {
    const { config } = options;
    const where = `${options.host}:${options.port}`;
    let master: Connection;
    try {
      master = await dialMaster(options);
    } catch (error) {
      throw new DataflowError('MASTER_UNREACHABLE', `cannot reach the dataflow master at ${where}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const endpoint = await DriverEndpoint.start({ driver: options.driver, services: options.services, secret: options.secret, config });
    let cluster: StandaloneCluster | undefined;
    try {
      const reply = await master.request({ header: registration(options, endpoint) });
      cluster = new StandaloneCluster(options, endpoint, master, String(reply.header.appId));
      cluster.watch(master);
      const timeoutMs = config['dataflow.executor.registrationTimeoutMs'];
      await endpoint.waitForExecutors(1, timeoutMs,
        () => `no executor joined application ${cluster!.appId} within ${timeoutMs} ms; the master at ${where} had ${String(reply.header.freeCores)} free cores (start executors with dataflow executor --master ${where})`);
      return cluster;
    } catch (error) {
      if (cluster) cluster.stopping = true;
      await endpoint.close().catch(() => undefined);
      await master.close().catch(() => undefined);
      throw error instanceof DataflowError ? error : new DataflowError('EXECUTOR_START', error instanceof Error ? error.message : String(error));
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.retry);
    await this.endpoint.close();
    const master = this.master;
    if (master && !master.isClosed) {
      await master.send({ header: { type: MasterMessage.unregisterApp, appId: this.appId } }).catch(() => undefined);
      await master.close().catch(() => undefined);
    }
  }

  /** When `master` closes, the application runs on and the master is dialled again. */
  private watch(master: Connection): void {
    const since = Date.now();
    master.onClose((info) => {
      if (this.stopping || this.master !== master) return;
      this.master = undefined;
      // after a connection that lasted, dial soon; after one dropped at once (a master that keeps closing), back off further
      if (Date.now() - since >= STABLE_MS) this.attempts = 0;
      process.stderr.write(`dataflow: lost the master at ${this.where} (${info.reason}); application ${this.appId} keeps its ` +
        `${this.options.driver.executorCount} executors and dials the master again\n`);
      this.retryLater();
    });
  }

  private retryLater(): void {
    this.retry = setTimeout(() => void this.attempt(), reconnectDelayMs(this.attempts++, Math.random()));
    this.retry.unref();
  }

  private async attempt(): Promise<void> {
    if (this.stopping) return;
    let master: Connection | undefined;
    try {
      master = await dialMaster(this.options);
      if (this.stopping) throw new Error('stopping');
      await master.request({ header: { ...registration(this.options, this.endpoint), appId: this.appId } });
    } catch {
      await master?.close().catch(() => undefined);
      if (!this.stopping) this.retryLater();
      return;
    }
    this.master = master;
    this.watch(master);
    process.stderr.write(`dataflow: application ${this.appId} registered again with the master at ${this.where}\n`);
  }
}

function dialMaster(options: StandaloneOptions): Promise<Connection> {
  return connect({
    host: options.host, port: options.port, secret: options.secret, tls: tlsSettingsOf(options.config), role: 'driver', timeoutMs: 10_000,
    heartbeatIntervalMs: options.config['dataflow.network.heartbeatIntervalMs'], heartbeatTimeoutMs: options.config['dataflow.network.timeoutMs'],
  });
}

function registration(options: StandaloneOptions, endpoint: DriverEndpoint): { type: string } & Record<string, string | number | null> {
  const { config } = options;
  return {
    type: MasterMessage.registerApp, appName: options.appName, driverHost: endpoint.advertiseHost, driverPort: endpoint.port,
    maxCores: config['dataflow.cores.max'] > 0 ? config['dataflow.cores.max'] : null,
    ...(options.uiUrl ? { uiUrl: options.uiUrl } : {}),
  };
}
