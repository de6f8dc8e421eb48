// `--master local[N]`: N executor processes on this machine that connect back to the driver over
// TCP on 127.0.0.1 with the same protocol and handshake remote executors use, so local mode tests
// the real path. The cluster secret is made per session and reaches children by environment, never
// on a command line that `ps` shows.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngineConfig } from '../config.ts';
import { DataflowError } from '../errors.ts';
import type { Driver } from './driver.ts';
import type { DriverServices } from './driver-services.ts';
import { DriverEndpoint } from './driver-endpoint.ts';
import type { LossExplained, RemoteExecutor } from './remote-executor.ts';
import { type ExitCause, OomKillWatch, describeExit } from './executor-exit.ts';
import { executorMemoryBytes, operatorBudgetBytes, taskMemoryBytes } from '../executor/memory-limit.ts';
import { SECRET_ENV } from '../protocol/index.ts';
import { executorTlsArgs } from './tls-config.ts';

const BIN = fileURLToPath(new URL('../../bin/dataflow.mjs', import.meta.url));
const STOP_GRACE_MS = 5_000;

interface Child {
  id: string;
  process: ChildProcess;
  stderrTail: string;
  exited: boolean;
  /** Set once it has registered with the driver: from then on its death is a loss (and maybe replaced). */
  registered: boolean;
  /** Resolves with how it ended, once all of its stderr has been read. */
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** How long a lost executor's process may take to exit once its connection closed, before it is killed. */
const EXIT_WAIT_MS = 3_000;

export class LocalCluster {
  private readonly children: Child[] = [];
  private endpoint!: DriverEndpoint;
  private readonly oomKills = new OomKillWatch();
  private stopping = false;
  private replacements = 0;

  private constructor(
    private readonly options: { executors: number; driver: Driver; workDir: string; config: EngineConfig },
    private readonly secret: string,
    private readonly memoryBytes: number,
  ) {}

  /** What a task's operators may hold on each executor (one core each; a broadcast join's side must fit it). */
  get taskBudgetBytes(): number {
    return operatorBudgetBytes(taskMemoryBytes(this.memoryBytes, 1));
  }

  static async start(options: { executors: number; driver: Driver; services: DriverServices; workDir: string; config: EngineConfig }): Promise<LocalCluster> {
    const secret = randomBytes(32).toString('hex');
    const cluster = new LocalCluster(options, secret, executorMemoryBytes(options.config, options.executors));
    cluster.endpoint = await DriverEndpoint.start({
      driver: options.driver, services: options.services, secret, config: options.config,
      explainLoss: (executor, reason) => cluster.explainLoss(executor, reason),
    });
    cluster.oomKills.add('self');
    try {
      const timeoutMs = options.config['dataflow.executor.registrationTimeoutMs'];
      await new Promise<void>((resolve, reject) => {
        for (let i = 0; i < options.executors; i++) cluster.spawn(`exec-${i + 1}`, reject);
        cluster.endpoint.waitForExecutors(options.executors, timeoutMs,
          () => `only ${cluster.endpoint.executors.size} of ${options.executors} executors registered within ${timeoutMs} ms; on a slow or busy machine ` +
            `give them longer with --conf dataflow.executor.registrationTimeoutMs=${timeoutMs * 2}`)
          .then(resolve, (error: Error) => reject(new DataflowError('EXECUTOR_START', error.message)));
      });
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  /** Starts executor `id`; `fail` is told if it ends or cannot start before registering. */
  private spawn(id: string, fail: (e: Error) => void): Child {
    const { config, workDir } = this.options;
    const child = spawn(process.execPath, [
      ...config['dataflow.executor.extraNodeOptions'].split(/\s+/).filter(Boolean), BIN,
      'executor', '--driver', `127.0.0.1:${this.endpoint.port}`, '--executor-id', id, '--work-dir', join(workDir, id), '--cores', '1',
      '--memory', String(this.memoryBytes), ...executorTlsArgs(config),
    ], { stdio: ['ignore', 'inherit', 'pipe'], env: { ...executorEnvironment(process.env), [SECRET_ENV]: this.secret } });
    let closed!: (exit: { code: number | null; signal: NodeJS.Signals | null }) => void;
    const entry: Child = { id, process: child, stderrTail: '', exited: false, registered: false, closed: new Promise((resolve) => { closed = resolve; }) };
    this.children.push(entry);
    if (child.pid !== undefined) this.oomKills.add(child.pid);
    // An executor's stderr is forwarded once it has registered; before that it is kept, and a
    // failure to start is reported once, in the driver's own error line.
    child.stderr?.on('data', (chunk: Buffer) => {
      entry.stderrTail = (entry.stderrTail + chunk.toString('utf8')).slice(-4000);
      if (entry.registered) process.stderr.write(chunk);
    });
    this.endpoint.onRegistered(id, () => { entry.registered = true; });
    child.on('exit', () => { entry.exited = true; });
    // 'close', not 'exit': only then has all of its stderr been read, so the reason is in the tail.
    child.on('close', (code, signal) => {
      entry.exited = true;
      closed({ code, signal });
      if (entry.registered) return;
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      const lines = entry.stderrTail.split('\n').map((l) => l.trim()).filter(Boolean);
      const tail = lines.find((l) => /error/i.test(l)) ?? lines[lines.length - 1];
      fail(new DataflowError('EXECUTOR_START', `executor ${id} ${how} before registering with the driver${tail ? `: ${tail}` : ''}`));
    });
    child.on('error', (error) => fail(new DataflowError('EXECUTOR_START', `could not start executor ${id}: ${error.message}`)));
    return entry;
  }

  /**
   * Why executor `executor` was lost, once its process has ended (it is killed if it has not
   * within EXIT_WAIT_MS): the OOM killer, a V8 heap exhausted, a signal, an exit code. A process
   * that died while the session runs is replaced by a new one, up to dataflow.executor.maxReplacements.
   */
  private async explainLoss(executor: RemoteExecutor, reason: string): Promise<LossExplained> {
    const child = this.children.find((c) => c.id === executor.id);
    if (!child || this.stopping) return { cause: reason };
    let timer: NodeJS.Timeout | undefined;
    const exit = await Promise.race([child.closed, new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), EXIT_WAIT_MS); })]);
    clearTimeout(timer);
    let named: ExitCause;
    if (exit) {
      const oomKill = exit.signal === 'SIGKILL' ? this.oomKills.claim() : undefined;
      named = describeExit({ ...exit, stderrTail: child.stderrTail, oomKill, heapLimitBytes: executor.heapLimitBytes });
    } else {
      child.process.kill('SIGKILL'); // lost to the driver: it must not live on beside its replacement
      await child.closed;
      named = { cause: `${reason}; its process did not exit within ${EXIT_WAIT_MS} ms and was killed`, outOfMemory: false };
    }
    void rm(join(this.options.workDir, child.id), { recursive: true, force: true }).catch(() => undefined);
    if (this.stopping) return named;
    return { ...named, note: this.replace(child, named.cause) };
  }

  /** Starts a new executor in place of a lost one, if the session may still do so; says what was done. */
  private replace(lost: Child, cause: string): string {
    const max = this.options.config['dataflow.executor.maxReplacements'];
    if (this.replacements >= max) {
      const note = `not replaced: ${this.replacements} lost executor${this.replacements === 1 ? ' was' : 's were'} replaced already (dataflow.executor.maxReplacements = ${max})`;
      process.stderr.write(`executor ${lost.id} was lost (${cause}); ${note}\n`);
      return note;
    }
    this.replacements++;
    const id = `exec-${this.options.executors + this.replacements}`;
    const settle = this.options.driver.expectExecutor();
    const timeoutMs = this.options.config['dataflow.executor.registrationTimeoutMs'];
    const timer = setTimeout(() => {
      settle(`the replacement executor ${id} did not register within ${timeoutMs} ms`);
      child.process.kill('SIGKILL');
    }, timeoutMs);
    timer.unref();
    const child = this.spawn(id, (error) => { clearTimeout(timer); settle(`the replacement ${error.message.replace(/^could not start executor/, 'executor could not start:')}`); });
    this.endpoint.onRegistered(id, () => { clearTimeout(timer); settle(); });
    process.stderr.write(`executor ${lost.id} was lost (${cause}); executor ${id} replaces it (replacement ${this.replacements} of at most ${max})\n`);
    return `replaced by ${id}`;
  }

  /** The executor processes' ids and pids (tests kill them to exercise recovery). */
  get processes(): Array<{ id: string; pid: number | undefined; exited: boolean }> {
    return this.children.map((c) => ({ id: c.id, pid: c.process.pid, exited: c.exited }));
  }

  /** Asks every executor to stop, kills the ones that do not within a grace period, closes the endpoint. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.endpoint?.close();
    await Promise.all(this.children.map((child) => waitForExit(child, STOP_GRACE_MS)));
  }
}

function waitForExit(child: Child, graceMs: number): Promise<void> {
  if (child.exited || child.process.exitCode !== null || child.process.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.process.kill('SIGKILL'), graceMs);
    child.process.once('exit', () => { clearTimeout(timer); resolve(); });
  });
}

/**
 * glibc malloc's thresholds an executor runs with unless the user set either: blocks up to 32 MiB
 * (a fetched frame's body, a map output, column buffers) come from malloc's heap, and up to 64 MiB
 * freed at its top is kept for reuse. With glibc's adaptive defaults each fresh multi-megabyte
 * ArrayBuffer was often a new mapping, faulted in page by page and unmapped when collected
 * (bench/core's engine-transport figure: 0.12-0.39× of raw loopback without them, 0.82-0.94× with;
 * the executors' peak RSS in bench/out-of-core 376 / 353 MB against 354 / 352, in bench/als the same). 64 MiB, not the driver's 256
 * (bin/dataflow), since an executor's memory is bounded by its budget.
 */
export const EXECUTOR_MALLOC_THRESHOLDS: Readonly<Record<'MALLOC_MMAP_THRESHOLD_' | 'MALLOC_TRIM_THRESHOLD_', string>> = {
  MALLOC_MMAP_THRESHOLD_: String(32 << 20),
  MALLOC_TRIM_THRESHOLD_: String(64 << 20),
};

/**
 * An executor's environment from the driver's: the thresholds the user set are passed on as they
 * are; otherwise (none set, or only the driver's own from bin/dataflow, marked by
 * DATAFLOW_DRIVER_MALLOC) the executor gets EXECUTOR_MALLOC_THRESHOLDS.
 */
export function executorEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { DATAFLOW_DRIVER_MALLOC: marker, ...rest } = env;
  const userSet = marker !== '1' && (env.MALLOC_MMAP_THRESHOLD_ !== undefined || env.MALLOC_TRIM_THRESHOLD_ !== undefined);
  return userSet ? rest : { ...rest, ...EXECUTOR_MALLOC_THRESHOLDS };
}
