// `dataflow executor`: an executor process, either for one driver (`--driver`, how local[N]
// starts them) or registered with a standalone master (`--master`). The cluster secret comes from
// --secret-file or $DATAFLOW_SECRET, never from the command line where `ps` would show it.

import type { CommandModule } from 'yargs';
import { InvalidInputError } from '../errors.ts';
import { SECRET_ENV } from '../protocol/index.ts';
import { TLS_OPTIONS, readSecret, parseHostPort, parseSize, tlsFromArgs } from './cli-values.ts';
import type { TlsArgs } from './cli-values.ts';
import { DEFAULT_MAX_UNAUTHENTICATED, DEFAULT_MAX_UNAUTHENTICATED_PER_ADDRESS } from '../transport/index.ts';

interface ExecutorArgs extends TlsArgs {
  driver?: string; master?: string; 'executor-id'?: string; 'work-dir': string; cores: number; memory?: string;
  host: string; 'advertise-host'?: string; 'secret-file'?: string; chaos?: string; 'network-timeout-ms': number; 'reconnect-timeout-ms': number;
  'max-unauthenticated': number; 'max-unauthenticated-per-address': number; 'metrics-port'?: number;
}

export const executorCommand: CommandModule<object, ExecutorArgs> = {
  command: 'executor',
  describe: 'run an executor: registers with a standalone master (--master) or serves one driver (--driver, as local[N] does)',
  builder: (y) => y
    .option('master', { type: 'string', describe: 'host:port of the standalone master' })
    .option('driver', { type: 'string', describe: 'host:port of a driver to serve (used by local[N])' })
    .option('executor-id', { type: 'string', describe: 'unique name (default: host-pid)' })
    .option('work-dir', { type: 'string', demandOption: true, describe: 'folder for shuffle and spill files; one executor per folder; emptied at exit' })
    .option('cores', { type: 'number', default: 1, describe: 'tasks run at once' })
    .option('memory', { type: 'string', describe: 'memory of this executor, e.g. 4g: 60% is the budget its tasks share before sort and aggregation spill to --work-dir (default: the memory cgroup limit, else physical memory)' })
    .option('host', { type: 'string', default: '127.0.0.1', describe: 'interface the block server listens on (binding beyond loopback is explicit)' })
    .option('advertise-host', { type: 'string', describe: 'address other executors use to reach this one (default: --host)' })
    .option('secret-file', { type: 'string', describe: `file holding the cluster secret (default: $${SECRET_ENV})` })
    .option('chaos', { type: 'string', describe: 'seed:probability — die at random task starts; or kill:P,drop-connection:P,delay-ms:MIN-MAX,seed:N — also drop connections to the driver and block servers, delay outgoing frames (recovery tests and demos)' })
    .options(TLS_OPTIONS)
    .option('network-timeout-ms', { type: 'number', default: 600_000, describe: 'a silent driver or master is given up on after this long (a dead one is noticed at once)' })
    .option('reconnect-timeout-ms', { type: 'number', default: 600_000, describe: 'a master that went away is dialled again (with backoff) while applications run, and for this long once none does; then the executor exits' })
    .option('max-unauthenticated', { type: 'number', default: DEFAULT_MAX_UNAUTHENTICATED, describe: 'connections to the block server still in the handshake at once; past it the oldest is closed' })
    .option('max-unauthenticated-per-address', { type: 'number', default: DEFAULT_MAX_UNAUTHENTICATED_PER_ADDRESS, describe: 'the same, from one remote address' })
    .option('metrics-port', { type: 'number', describe: 'serve Prometheus metrics at http://HOST:PORT/metrics on --host (0: any free port, logged); off by default. Beyond loopback requests need the UI token (see dataflow master)' })
    .check((a) => {
      if (!a.master === !a.driver) throw new InvalidInputError('give exactly one of --master host:port or --driver host:port');
      return true;
    }) as never,
  handler: async (a) => {
    if (!Number.isInteger(a.cores) || a.cores < 1) throw new InvalidInputError(`--cores must be a positive integer, got ${a.cores}`);
    const metricsPort = a['metrics-port'];
    if (metricsPort !== undefined && (!Number.isInteger(metricsPort) || metricsPort < 0 || metricsPort > 65_535)) {
      throw new InvalidInputError(`--metrics-port must be a TCP port (0-65535; 0 picks a free one), got ${metricsPort}`);
    }
    const secret = readSecret(a['secret-file']);
    const tls = tlsFromArgs(a);
    const { runExecutor } = await import('../executor/executor-process.ts');
    await runExecutor({
      executorId: a['executor-id'] ?? `${a.host}-${process.pid}`,
      workDir: a['work-dir'], cores: a.cores, secret, tls,
      listenHost: a.host, advertiseHost: a['advertise-host'],
      driver: a.driver ? parseHostPort(a.driver, '--driver') : undefined,
      master: a.master ? parseHostPort(a.master, '--master') : undefined,
      memoryBytes: a.memory ? parseSize(a.memory, '--memory') : undefined,
      chaos: a.chaos,
      heartbeatTimeoutMs: a['network-timeout-ms'],
      reconnectTimeoutMs: a['reconnect-timeout-ms'],
      maxUnauthenticated: a['max-unauthenticated'], maxUnauthenticatedPerAddress: a['max-unauthenticated-per-address'],
      metricsPort,
    });
  },
};
