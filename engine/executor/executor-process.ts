// The `dataflow executor` process in its two modes: started by `local[N]` for one driver
// (`--driver host:port`), or long-lived under a standalone master (`--master host:port`), serving
// the applications the master grants it. A local[N] executor exits when its driver goes away; a
// standalone one outlives its master's restarts (it registers again) but not a master gone for good.

import type { ExecutorRuntimeOptions } from './executor-runtime.ts';
import { ExecutorRuntime } from './executor-runtime.ts';
import { InvalidInputError } from '../errors.ts';
import { availableMemoryBytes } from './memory-limit.ts';
import { MasterLink } from './master-link.ts';
import { metricsHandler, serveHttp, uiToken } from '../metrics/index.ts';
import type { HttpEndpoint } from '../metrics/index.ts';

export interface ExecutorProcessOptions extends ExecutorRuntimeOptions {
  /** local[N]: the driver to serve. */
  driver?: { host: string; port: number };
  /** standalone: the master to register with. */
  master?: { host: string; port: number };
  /** standalone: how long to keep dialling a master that went away while serving no application. Default 10 min. */
  reconnectTimeoutMs?: number;
  /** Serve /metrics on this port of listenHost (0: any free port; the address is logged). Default: off. */
  metricsPort?: number;
}

export async function runExecutor(options: ExecutorProcessOptions): Promise<void> {
  const runtime = await ExecutorRuntime.start(options);
  let metrics: HttpEndpoint | undefined;
  if (options.metricsPort !== undefined) {
    try {
      metrics = await serveHttp({
        host: options.listenHost ?? '127.0.0.1', port: options.metricsPort, option: '--metrics-port',
        routes: { '/metrics': metricsHandler(runtime.metrics.registry) }, token: uiToken(options.secret),
      });
    } catch (error) {
      await runtime.stop();
      throw error;
    }
    process.stderr.write(`executor ${options.executorId}: metrics at ${metrics.url}/metrics\n`);
  }
  let stopping: Promise<void> | undefined;
  let stopLink = (): void => undefined;
  const stop = async (code: number, why?: string): Promise<never> => {
    stopping ??= (async () => {
      if (why) process.stderr.write(`executor ${options.executorId}: ${why}\n`);
      stopLink();
      await metrics?.close();
      await runtime.stop();
    })();
    await stopping;
    process.exit(code);
  };
  process.on('SIGTERM', () => void stop(0));
  process.on('SIGINT', () => void stop(0));

  if (options.driver) {
    const app = await runtime.attach({ appId: 'app-local', driverHost: options.driver.host, driverPort: options.driver.port, slots: options.cores });
    app.onClose(() => void stop(0));
    return;
  }
  if (!options.master) {
    throw new InvalidInputError(
      'dataflow executor needs a master to join: start it with --master HOST:PORT (a standalone master), or let ' +
        '`dataflow submit --master local[N]` start executors itself (it passes --driver)',
    );
  }

  const link = new MasterLink(runtime, {
    master: options.master, executorId: options.executorId, cores: options.cores,
    memoryBytes: options.memoryBytes ?? availableMemoryBytes(), reconnectTimeoutMs: options.reconnectTimeoutMs ?? 600_000,
    onStop: (code, why) => void stop(code, why),
    log: (line) => process.stderr.write(`executor ${options.executorId}: ${line}\n`),
  });
  stopLink = () => link.stop();
  await link.start();
}
