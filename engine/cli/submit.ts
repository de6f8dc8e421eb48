// `dataflow submit job.ts`: bundle the job, start a session on the requested master, load the
// bundle in the driver, and call the job's default export with the session and the job's args.

import { access, constants } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { InvalidInputError } from '../errors.ts';
import { Session } from '../dataset/session.ts';
import { bundleJob } from '../closure/bundle.ts';
import { loadBundle } from '../closure/load-bundle.ts';
import { isTypeScriptJob, stopTypeChecks, typeCheckJob, typeChecksSettled } from './typecheck.ts';
import { readSecret } from './cli-values.ts';
import { hostModules, sharedExportNames } from '../closure/host-modules.ts';
import { Interruption } from './interrupt.ts';
import { packageFacePath } from '../closure/host-engine.ts';
import { timing } from './timing.ts';

export interface SubmitOptions {
  job: string;
  master: string;
  conf: string[];
  args: string[];
  typecheck: boolean;
  secretFile?: string;
}

export async function submit(options: SubmitOptions): Promise<void> {
  const interruption = new Interruption();
  interruption.onInterrupt(stopTypeChecks);
  try {
    await submitJob(options, interruption);
  } finally {
    await typeChecksSettled(); // a first check writes the checker's snapshot after answering
    await interruption.exitIfInterrupted(); // a signal's exit code, not the error it caused
    interruption.dispose();
  }
}

async function submitJob(options: SubmitOptions, interruption: Interruption): Promise<void> {
  const jobPath = resolve(options.job);
  try {
    await access(jobPath, constants.R_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InvalidInputError(code === 'ENOENT'
      ? `job file ${options.job} does not exist`
      : `job file ${options.job} cannot be read (${code ?? String(error)})`);
  }
  // Type-checking takes seconds; it runs while the bundle is built and the executors start.
  const typeErrors = options.typecheck && isTypeScriptJob(jobPath) ? typeCheckJob(jobPath) : Promise.resolve(undefined);
  typeErrors.catch(() => undefined);
  timing('submit start');
  const secret = options.master.startsWith('dataflow://') ? readSecret(options.secretFile) : undefined;
  // Executors start while the job is bundled: on local[N] their start-up is the longest step.
  const creating = Session.create({ master: options.master, conf: options.conf, secret, appName: relative(process.cwd(), jobPath) });
  creating.catch(() => undefined);
  const stopCreated = async (): Promise<void> => (await creating.catch(() => undefined))?.stop();
  interruption.onInterrupt(stopCreated);
  let host: Awaited<ReturnType<typeof hostModules>>;
  let bundle: Awaited<ReturnType<typeof bundleJob>>;
  try {
    host = await hostModules();
    bundle = await bundleJob(jobPath, { engineExports: Object.keys(host.engine), engineIndexPath: packageFacePath, sharedModules: sharedExportNames(host.shared) });
  } catch (error) {
    await stopCreated();
    throw error;
  }
  timing('bundled');
  const session = await creating;
  timing('session created');
  // Always, as Spark's "web UI at": where to watch the job, and where its events stay for `dataflow history`.
  if (session.uiUrl) process.stderr.write(`${uiLine(session.uiUrl, session.eventLogLocation)}\n`);
  try {
    const errors = await typeErrors;
    if (errors && errors.length > 0) {
      const shown = errors[0]!.replace(jobPath, relative(process.cwd(), jobPath));
      throw new InvalidInputError(`job ${options.job} has ${errors.length} type error${errors.length > 1 ? 's' : ''}; first: ${shown} (run with --no-typecheck to skip this check)`);
    }
    const loaded = await loadBundle(bundle, { workDir: session.workDir, engine: host.engine, sharedModules: host.shared });
    session.useBundle(bundle, loaded);
    timing('job loaded');
    const main = loaded.module.default;
    if (typeof main !== 'function') {
      throw new InvalidInputError(`job ${options.job} has no default export function; write: export default async function main(session, args) { ... }`);
    }
    await (main as (session: Session, args: string[]) => unknown)(session, options.args);
    timing('job done');
  } catch (error) {
    session.markFailed(error instanceof Error ? error.message : String(error));
    throw error;
  } finally {
    await session.stop();
  }
}

/** The line `submit` prints on stderr when the UI is on (test/helpers/cli.ts finds it by its start). */
function uiLine(url: string, eventLog: string | undefined): string {
  return `dataflow: UI at ${url}${eventLog ? ` (event log ${eventLog})` : ''}`;
}
