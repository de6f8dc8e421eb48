// `--master dataflow://host:port`: the application registers with a standalone master, which
// sends it executors; they connect to this driver's endpoint exactly as local[N] children do.
// If the master goes away mid-job, the application fails with that reason rather than hanging.

import type { EngineConfig } from '../config.ts';
import { DataflowError } from '../errors.ts';
import { connect } from '../transport/index.ts';
import type { Connection } from '../transport/index.ts';
import type { Driver } from './driver.ts';
import type { DriverServices } from './driver-services.ts';
import { DriverEndpoint } from './driver-endpoint.ts';
import { MasterMessage } from '../protocol/index.ts';

export class StandaloneCluster {
  private stopping = false;

  private constructor(private readonly endpoint: DriverEndpoint, private readonly master: Connection, readonly appId: string) {}

  static async start(options: {
    host: string; port: number; secret: string; appName: string; driver: Driver; services: DriverServices; config: EngineConfig;
  }): Promise<StandaloneCluster> {
    const { config } = options;
    const where = `${options.host}:${options.port}`;
    let master: Connection;
    try {
      master = await connect({
        host: options.host, port: options.port, secret: options.secret, role: 'driver', timeoutMs: 10_000,
        heartbeatIntervalMs: config['dataflow.network.heartbeatIntervalMs'], heartbeatTimeoutMs: config['dataflow.network.timeoutMs'],
      });
    } catch (error) {
      throw new DataflowError('MASTER_UNREACHABLE', `cannot reach the dataflow master at ${where}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const endpoint = await DriverEndpoint.start({ driver: options.driver, services: options.services, secret: options.secret, config });
    let cluster: StandaloneCluster | undefined;
    try {
      const reply = await master.request({
        header: {
          type: MasterMessage.registerApp, appName: options.appName, driverHost: endpoint.advertiseHost, driverPort: endpoint.port,
          maxCores: config['dataflow.cores.max'] > 0 ? config['dataflow.cores.max'] : null,
        },
      });
      cluster = new StandaloneCluster(endpoint, master, String(reply.header.appId));
      master.onClose((info) => {
        if (cluster!.stopping) return;
        options.driver.fail(new DataflowError('MASTER_LOST', `the dataflow master at ${where} went away (${info.reason}); application ${cluster!.appId} cannot continue`));
      });
      const timeoutMs = config['dataflow.executor.registrationTimeoutMs'];
      await endpoint.waitForExecutors(1, timeoutMs,
        () => `no executor joined application ${cluster!.appId} within ${timeoutMs} ms; the master at ${where} had ${String(reply.header.freeCores)} free cores (start executors with dataflow executor --master ${where})`);
      return cluster;
    } catch (error) {
      await endpoint.close().catch(() => undefined);
      await master.close().catch(() => undefined);
      throw error instanceof DataflowError ? error : new DataflowError('EXECUTOR_START', error instanceof Error ? error.message : String(error));
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.endpoint.close();
    await this.master.close().catch(() => undefined);
  }
}
