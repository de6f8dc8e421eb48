// The `dataflow executor` process in its two modes: started by `local[N]` for one driver
// (`--driver host:port`), or long-lived under a standalone master (`--master host:port`), serving
// the applications the master grants it. Either way it exits when whoever started it goes away,
// so no executor outlives its cluster.

import { connect } from '../transport/index.ts';
import type { Message } from '../transport/index.ts';
import { MasterMessage } from '../protocol/index.ts';
import type { ExecutorRuntimeOptions } from './executor-runtime.ts';
import { ExecutorRuntime } from './executor-runtime.ts';
import { InvalidInputError } from '../errors.ts';
import { availableMemoryBytes } from './memory-limit.ts';

export interface ExecutorProcessOptions extends ExecutorRuntimeOptions {
  /** local[N]: the driver to serve. */
  driver?: { host: string; port: number };
  /** standalone: the master to register with. */
  master?: { host: string; port: number };
}

export async function runExecutor(options: ExecutorProcessOptions): Promise<void> {
  const runtime = await ExecutorRuntime.start(options);
  let stopping: Promise<void> | undefined;
  const stop = async (code: number, why?: string): Promise<never> => {
    stopping ??= (async () => {
      if (why) process.stderr.write(`executor ${options.executorId}: ${why}\n`);
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

  const master = await connect({
    host: options.master.host, port: options.master.port, secret: options.secret, role: 'executor',
    heartbeatIntervalMs: runtime.heartbeatIntervalMs, heartbeatTimeoutMs: runtime.heartbeatTimeoutMs,
  });
  master.onClose((info) => void stop(0, `master connection closed (${info.reason}); exiting`));
  master.onMessage(async (msg: Message) => {
    const h = msg.header;
    if (h.type === MasterMessage.launchApp) {
      const grant = { appId: String(h.appId), driverHost: String(h.driverHost), driverPort: Number(h.driverPort), slots: Number(h.slots) };
      try {
        const app = await runtime.attach(grant);
        app.onClose((reason) => void master.send({ header: { type: MasterMessage.appReleased, appId: grant.appId, reason } }).catch(() => undefined));
      } catch (error) {
        await master.send({ header: { type: MasterMessage.appReleased, appId: grant.appId, reason: `could not attach: ${error instanceof Error ? error.message : String(error)}` } }).catch(() => undefined);
      }
    } else if (h.type === MasterMessage.releaseApp) {
      await runtime.release(String(h.appId), 'released by the master');
    } else if (h.type === MasterMessage.shutdown) {
      await stop(0);
    }
  });
  const reply = await master.request({
    header: {
      type: MasterMessage.registerExecutor, executorId: options.executorId, cores: options.cores,
      memoryBytes: options.memoryBytes ?? availableMemoryBytes(), host: runtime.advertiseHost, pid: process.pid,
    },
  });
  if (reply.header.type !== 'ok') await stop(1, `master refused registration: ${String(reply.header.message)}`);
}
