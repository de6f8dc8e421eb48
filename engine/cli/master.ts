// `dataflow master`: run the standalone cluster manager until interrupted, with its page and
// /metrics on --ui-port (default 8080, the next free port if that one is taken).

import type { CommandModule } from 'yargs';
import { TLS_OPTIONS, readSecret, tlsFromArgs } from './cli-values.ts';
import type { TlsArgs } from './cli-values.ts';
import { SECRET_ENV } from '../protocol/index.ts';
import { DEFAULT_MAX_UNAUTHENTICATED, DEFAULT_MAX_UNAUTHENTICATED_PER_ADDRESS } from '../transport/index.ts';
import { InvalidInputError } from '../errors.ts';

/** The master page's port when not told (Spark's master UI's), and how many ports from it are tried. */
const DEFAULT_UI_PORT = 8080;
const DEFAULT_UI_PORT_TRIES = 16;

interface MasterArgs extends TlsArgs {
  port: number; host: string; 'secret-file'?: string; 'network-timeout-ms': number; 'recovery-dir'?: string;
  'max-unauthenticated': number; 'max-unauthenticated-per-address': number; 'ui-port'?: number; 'ui-host': string;
}

export const masterCommand: CommandModule<object, MasterArgs> = {
  command: 'master',
  describe: 'run a standalone master: executors register with it, `submit --master dataflow://host:port` runs jobs on them',
  builder: (y) => y
    .option('port', { type: 'number', default: 7077, describe: 'port to listen on (0: any free port, printed at start)' })
    .option('host', { type: 'string', default: '127.0.0.1', describe: 'interface to listen on (binding beyond loopback is explicit)' })
    .option('secret-file', { type: 'string', describe: `file holding the cluster secret (default: $${SECRET_ENV})` })
    .option('network-timeout-ms', { type: 'number', default: 60_000, describe: 'an executor silent this long is lost; a driver that lost its connection has this long to register again' })
    .options(TLS_OPTIONS)
    .option('recovery-dir', { type: 'string', describe: 'folder where the master keeps its applications and executors; a master restarted on it knows them again' })
    .option('max-unauthenticated', { type: 'number', default: DEFAULT_MAX_UNAUTHENTICATED, describe: 'connections still in the handshake at once; past it the oldest is closed' })
    .option('max-unauthenticated-per-address', { type: 'number', default: DEFAULT_MAX_UNAUTHENTICATED_PER_ADDRESS, describe: 'the same, from one remote address' })
    .option('ui-port', { type: 'number', describe: `port of the master's page (executors, applications, links to their UIs) and /metrics; default ${DEFAULT_UI_PORT}, or the next free one (said at start); 0: any free port` })
    .option('ui-host', { type: 'string', default: '127.0.0.1', describe: 'interface of the page and /metrics; beyond loopback every request needs the UI token derived from the cluster secret (logged at start)' })
    .example('$0 master --port 7077 --secret-file ~/.dataflow-secret --recovery-dir /var/lib/dataflow', '') as never,
  handler: async (a) => {
    const uiPort = a['ui-port'];
    if (uiPort !== undefined && (!Number.isInteger(uiPort) || uiPort < 0 || uiPort > 65_535)) {
      throw new InvalidInputError(`--ui-port must be a TCP port (0-65535; 0 picks a free one), got ${uiPort}`);
    }
    const secret = readSecret(a['secret-file']);
    const tls = tlsFromArgs(a);
    const { Master } = await import('../cluster/master-process.ts');
    const master = await Master.start({
      host: a.host, port: a.port, secret, tls, heartbeatTimeoutMs: a['network-timeout-ms'], recoveryDir: a['recovery-dir'],
      maxUnauthenticated: a['max-unauthenticated'], maxUnauthenticatedPerAddress: a['max-unauthenticated-per-address'],
      ui: uiPort === undefined ? { host: a['ui-host'], port: DEFAULT_UI_PORT, tries: DEFAULT_UI_PORT_TRIES } : { host: a['ui-host'], port: uiPort },
      log: (line) => process.stdout.write(`${new Date().toISOString()} ${line}\n`),
    });
    await new Promise<void>((resolve) => {
      const stop = (): void => { void master.close().finally(resolve); };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
  },
};
