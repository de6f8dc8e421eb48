// `dataflow master`: run the standalone cluster manager until interrupted.

import type { CommandModule } from 'yargs';
import { TLS_OPTIONS, readSecret, tlsFromArgs } from './cli-values.ts';
import type { TlsArgs } from './cli-values.ts';
import { SECRET_ENV } from '../protocol/index.ts';
import { DEFAULT_MAX_UNAUTHENTICATED, DEFAULT_MAX_UNAUTHENTICATED_PER_ADDRESS } from '../transport/index.ts';

interface MasterArgs extends TlsArgs {
  port: number; host: string; 'secret-file'?: string; 'network-timeout-ms': number; 'recovery-dir'?: string;
  'max-unauthenticated': number; 'max-unauthenticated-per-address': number;
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
    .example('$0 master --port 7077 --secret-file ~/.dataflow-secret --recovery-dir /var/lib/dataflow', '') as never,
  handler: async (a) => {
    const secret = readSecret(a['secret-file']);
    const tls = tlsFromArgs(a);
    const { Master } = await import('../cluster/master-process.ts');
    const master = await Master.start({
      host: a.host, port: a.port, secret, tls, heartbeatTimeoutMs: a['network-timeout-ms'], recoveryDir: a['recovery-dir'],
      maxUnauthenticated: a['max-unauthenticated'], maxUnauthenticatedPerAddress: a['max-unauthenticated-per-address'],
      log: (line) => process.stdout.write(`${new Date().toISOString()} ${line}\n`),
    });
    await new Promise<void>((resolve) => {
      const stop = (): void => { void master.close().finally(resolve); };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
  },
};
