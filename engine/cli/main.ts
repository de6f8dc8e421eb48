// The `dataflow` command line: submit a job, run an executor, generate data, serve the history UI. Exit code 0 on
// success; on failure one line `dataflow: <reason>` on stderr and a non-zero exit
// (add --verbose for the stack).

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { DataflowError, InvalidInputError } from '../errors.ts';
import { executorCommand } from './executor.ts';
import { masterCommand } from './master.ts';
import { generateCommand } from './generate.ts';
import { convertCommand } from './convert.ts';
import { historyCommand } from './history.ts';
import { timing } from './timing.ts';

timing('cli modules loaded');
const argv = hideBin(process.argv);
const verbose = argv.includes('--verbose');
// yargs renders (and caches) the help text on every command run; wrapping it to the terminal is most
// of that cost (~50 ms of every start of the driver and each executor), so it is wrapped only when shown.
const helpWidth = argv.includes('--help') || argv.includes('-h') ? Math.min(80, process.stdout.columns || 80) : null;

function fail(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`dataflow: ${message.split('\n')[0]}\n`);
  if (verbose && error instanceof Error && !(error instanceof DataflowError && !error.stack)) process.stderr.write(`${error.stack}\n`);
  process.exit(1);
}

await yargs(argv)
  .scriptName('dataflow')
  .usage('$0 <command> [options]')
  .option('verbose', { type: 'boolean', describe: 'print stack traces of errors', global: true })
  .command(
    'submit <job> [args..]',
    'run a job script: its default export is called with a Session and the job arguments',
    (y) => y
      .positional('job', { type: 'string', demandOption: true, describe: 'the job file (.ts or .js)' })
      .positional('args', { type: 'string', array: true, describe: 'arguments passed to the job (put them after --)' })
      .option('master', { type: 'string', default: 'local', describe: 'local (in-process), local[N] (N executor processes), local[*], dataflow://host:port (standalone)' })
      .option('secret-file', { type: 'string', describe: 'cluster secret for dataflow:// (default: $DATAFLOW_SECRET)' })
      .option('conf', { type: 'string', array: true, default: [] as string[], describe: 'configuration key=value (repeatable)' })
      .option('tls-cert', { type: 'string', describe: 'PEM certificate of the driver (sets dataflow.tls.cert; with --tls-key and --tls-ca)' })
      .option('tls-key', { type: 'string', describe: 'PEM private key of --tls-cert (dataflow.tls.key)' })
      .option('tls-ca', { type: 'string', describe: 'PEM certificate of the cluster\'s CA (dataflow.tls.ca)' })
      .option('typecheck', { type: 'boolean', default: true, describe: 'type-check a TypeScript job before running it (--no-typecheck skips)' })
      .example('$0 submit examples/ratings-stats.ts --master local[2]', 'per-item rating statistics on 2 executor processes')
      .example('$0 submit job.ts --conf dataflow.shuffle.partitions=8 -- --input data/ratings.parquet', 'job arguments after --'),
    async (a) => {
      const rest = (a['--'] as string[] | undefined) ?? [];
      // A changed job's type-check is its longest step: it starts before the rest of submit is loaded (submit takes it over).
      const jobPath = resolve(a.job);
      const { isTypeScriptJob, typeCheckJob } = await import('./typecheck.ts');
      if (a.typecheck && isTypeScriptJob(jobPath) && existsSync(jobPath)) typeCheckJob(jobPath).catch(() => undefined);
      const { submit } = await import('./submit.ts');
      const tlsConf = (['cert', 'key', 'ca'] as const).flatMap((k) => (a[`tls-${k}`] ? [`dataflow.tls.${k}=${a[`tls-${k}`]}`] : []));
      await submit({ job: a.job, master: a.master, conf: [...a.conf, ...tlsConf], args: [...(a.args ?? []), ...rest], typecheck: a.typecheck, secretFile: a['secret-file'] });
    },
  )
  .command(masterCommand)
  .command(executorCommand)
  .command(generateCommand)
  .command(convertCommand)
  .command(historyCommand)
  .demandCommand(1, 'name a command: submit, master, executor, generate, convert or history (see --help)')
  .strict()
  .parserConfiguration({ 'populate--': true })
  .fail((message, error) => fail(error ?? new InvalidInputError(`${message} (see dataflow --help)`)))
  .help()
  .wrap(helpWidth)
  .parseAsync()
  .catch(fail);
