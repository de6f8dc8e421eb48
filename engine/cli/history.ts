// `dataflow history DIR`: the web UI over the event logs in DIR (local or s3://), finished and
// crashed applications alike, with the same pages and JSON API as a driver's live UI.

import type { CommandModule } from 'yargs';
import { stat } from 'node:fs/promises';
import { InvalidInputError } from '../errors.ts';
import { SECRET_ENV } from '../protocol/index.ts';
import { readSecret } from './cli-values.ts';

interface HistoryArgs { dir: string; port: number; host: string; 'secret-file'?: string }

export const historyCommand: CommandModule<object, HistoryArgs> = {
  command: 'history <dir>',
  describe: 'serve the web UI of the applications whose event logs are in DIR (dataflow.eventLog.dir), until interrupted',
  builder: (y) => y
    .positional('dir', { type: 'string', demandOption: true, describe: 'folder of event logs (local, or s3://bucket/prefix)' })
    .option('port', { type: 'number', default: 18080, describe: 'port to listen on (0: any free port); the URL is printed at start' })
    .option('host', { type: 'string', default: '127.0.0.1', describe: 'interface to listen on; beyond loopback every request must carry the UI token derived from the secret (printed at start)' })
    .option('secret-file', { type: 'string', describe: `file holding the secret asked of requests when --host is not loopback (default: $${SECRET_ENV})` })
    .example('$0 history /tmp/dataflow-events', 'the applications run on this machine with the default event log folder') as never,
  handler: async (a) => {
    const { UiServer, isLoopback } = await import('../ui/server.ts');
    const { HistorySource } = await import('../ui/history.ts');
    if (!/^s3:\/\//i.test(a.dir)) {
      const info = await stat(a.dir).catch(() => undefined);
      if (!info?.isDirectory()) throw new InvalidInputError(`event log folder ${a.dir} does not exist or is not a folder (give dataflow.eventLog.dir of the applications, e.g. /tmp/dataflow-events)`);
    }
    const { uiToken } = await import('../metrics/index.ts');
    const token = isLoopback(a.host) ? undefined : uiToken(readSecret(a['secret-file']));
    const source = new HistorySource(a.dir);
    const count = (await source.applications()).length;
    const server = await UiServer.start({ source, host: a.host, port: a.port, portRetries: 0, token, keepAlive: true });
    const opening = token ? ` (bound beyond loopback: requests need the UI token derived from the secret, open ${server.url}/?token=${token})` : '';
    process.stdout.write(`dataflow history: ${count} application${count === 1 ? '' : 's'} in ${a.dir}, at ${server.url}${opening}\n`);
    await new Promise<void>((resolve) => {
      const stop = (): void => { void server.close().finally(resolve); };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
  },
};
