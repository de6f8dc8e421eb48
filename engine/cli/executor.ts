// `dataflow executor`: an executor process. `local[N]` starts these itself; the cluster secret
// comes from the DATAFLOW_SECRET environment variable (or --secret-file), never the command line.

import { readFileSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { InvalidInputError } from '../errors.ts';
import { SECRET_ENV } from '../cluster/protocol.ts';

interface ExecutorArgs { driver: string; 'executor-id': string; 'work-dir': string; cores: number; 'secret-file'?: string }

export const executorCommand: CommandModule<object, ExecutorArgs> = {
  command: 'executor',
  describe: 'run an executor that connects to a driver (started for you by --master local[N])',
  builder: (y) => y
    .option('driver', { type: 'string', demandOption: true, describe: 'host:port of the driver' })
    .option('executor-id', { type: 'string', demandOption: true })
    .option('work-dir', { type: 'string', demandOption: true, describe: 'folder for shuffle files; removed at exit' })
    .option('cores', { type: 'number', default: 1, describe: 'tasks run at once' })
    .option('secret-file', { type: 'string', describe: `file holding the cluster secret (default: $${SECRET_ENV})` }) as never,
  handler: async (a) => {
    const match = /^(.+):([0-9]+)$/.exec(a.driver);
    if (!match) throw new InvalidInputError(`--driver ${a.driver} is not host:port`);
    const secret = a['secret-file'] ? readFileSync(a['secret-file'], 'utf8').trim() : process.env[SECRET_ENV];
    if (!secret) throw new InvalidInputError(`no cluster secret: set $${SECRET_ENV} or pass --secret-file`);
    if (!Number.isInteger(a.cores) || a.cores < 1) throw new InvalidInputError(`--cores must be a positive integer, got ${a.cores}`);
    const { runExecutor } = await import('../executor/executor-process.ts');
    await runExecutor({ driverHost: match[1]!, driverPort: Number(match[2]), executorId: a['executor-id'], workDir: a['work-dir'], cores: a.cores, secret });
  },
};
