// The driver's TCP endpoint: executors connect here, prove the cluster secret, register, and from
// then on receive tasks. Shared by local[N] (children it spawns) and standalone mode (executors the
// master sends). A connection that goes quiet past the heartbeat timeout is an executor lost.

import type { EngineConfig } from '../config.ts';
import { listen } from '../transport/index.ts';
import type { Connection, TransportServer } from '../transport/index.ts';
import type { Driver } from './driver.ts';
import type { DriverServices } from './driver-services.ts';
import { type ExplainLoss, RemoteExecutor } from './remote-executor.ts';
import { MessageType, duplicateExecutor, malformedDriverRegistration, type NetworkInfo, type RegisterFields } from '../protocol/index.ts';
import { RefusalLog } from '../transport/refusal-log.ts';
import { DataflowError } from '../errors.ts';
import { tlsSettingsOf } from './tls-config.ts';

export class DriverEndpoint {
  readonly executors = new Map<string, RemoteExecutor>();
  private readonly listeners: Array<(executor: RemoteExecutor) => void> = [];
  private readonly registration = new Map<string, Array<() => void>>();

  private constructor(private readonly server: TransportServer, readonly advertiseHost: string) {}

  static async start(options: { driver: Driver; services: DriverServices; secret: string; config: EngineConfig; explainLoss?: ExplainLoss }): Promise<DriverEndpoint> {
    const { config } = options;
    let endpoint: DriverEndpoint | undefined;
    // A peer with the secret whose registration cannot name an executor is refused (closed), at a bounded log rate.
    const refusals = new RefusalLog((line) => process.stderr.write(`dataflow driver: ${line}\n`));
    const server = await listen({
      host: config['dataflow.driver.bindHost'] || config['dataflow.driver.host'],
      secret: options.secret, tls: tlsSettingsOf(config), role: 'driver',
      heartbeatIntervalMs: config['dataflow.network.heartbeatIntervalMs'],
      heartbeatTimeoutMs: config['dataflow.network.timeoutMs'],
      // Executors give up on each other's fetches after the application's network timeout, not their own.
      info: { ...networkInfo(config) },
      maxUnauthenticated: config['dataflow.network.maxUnauthenticated'],
      maxUnauthenticatedPerAddress: config['dataflow.network.maxUnauthenticatedPerAddress'],
      onConnection: (conn: Connection) => {
        const off = conn.onMessage((msg) => {
          if (msg.header.type !== MessageType.register || !endpoint) return;
          off();
          const malformed = malformedDriverRegistration(msg.header);
          if (malformed !== undefined) {
            refusals.refused('BAD_REGISTRATION', conn.remoteAddress, `executor registration refused: ${malformed}`);
            void conn.close(`executor registration refused: ${malformed}`);
            return;
          }
          const fields = msg.header as unknown as RegisterFields;
          const why = duplicateExecutor(endpoint.executors.get(fields.executorId), fields);
          if (why !== undefined) {
            refusals.refused('DUPLICATE_EXECUTOR', conn.remoteAddress, `executor registration refused: ${why}`);
            void conn.close(`executor registration refused: ${why}`);
            return;
          }
          const executor = new RemoteExecutor(conn, fields, options.driver, options.services, options.explainLoss);
          endpoint.executors.set(executor.id, executor);
          conn.onClose(() => { if (endpoint!.executors.get(executor.id) === executor) endpoint!.executors.delete(executor.id); });
          options.driver.addExecutor(executor);
          for (const listener of endpoint.listeners) listener(executor);
          for (const handler of endpoint.registration.get(executor.id) ?? []) handler();
          endpoint.registration.delete(executor.id);
        });
      },
    });
    endpoint = new DriverEndpoint(server, config['dataflow.driver.host']);
    return endpoint;
  }

  get port(): number {
    return this.server.port;
  }

  /** Calls `handler` once executor `executorId` has registered (and the driver has it). */
  onRegistered(executorId: string, handler: () => void): void {
    const handlers = this.registration.get(executorId);
    if (handlers) handlers.push(handler);
    else this.registration.set(executorId, [handler]);
  }

  /** Resolves when `count` executors have registered (ever), or rejects after `timeoutMs`. */
  waitForExecutors(count: number, timeoutMs: number, explain: () => string): Promise<void> {
    let seen = this.executors.size;
    if (seen >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new DataflowError('EXECUTOR_REGISTRATION_TIMEOUT', explain())), timeoutMs);
      timer.unref();
      this.listeners.push(() => {
        if (++seen >= count) { clearTimeout(timer); resolve(); }
      });
    });
  }

  /** Asks every executor to leave this application, then closes the endpoint. */
  async close(): Promise<void> {
    await Promise.all([...this.executors.values()].map((e) => e.shutdown()));
    await this.server.close();
  }
}

function networkInfo(config: EngineConfig): NetworkInfo {
  return { heartbeatIntervalMs: config['dataflow.network.heartbeatIntervalMs'], networkTimeoutMs: config['dataflow.network.timeoutMs'] };
}
