// A standalone cluster for integration tests: a `dataflow master` and `dataflow executor`s as real,
// separate processes (node bin/dataflow.mjs ...), each executor with its own work dir, all inside one
// temporary folder, the secret handed over by environment variable. stop() kills every process and
// removes the folder; a process-exit hook SIGKILLs whatever is still alive, so no test leaves orphans.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from '../../engine/index.ts';
import { BIN, ROOT, splitUiLine } from './cli.ts';

export { BIN, ROOT };

/** Every child started here that has not exited yet (killed on process exit, whatever happens). */
const live = new Set<ChildProcess>();
process.once('exit', () => { for (const child of live) child.kill('SIGKILL'); });

export interface Exit { code: number | null; signal: NodeJS.Signals | null }

/** One child process with its output kept in memory. */
export class ProcessHandle {
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;
  exit: Exit | undefined;
  private readonly waiters = new Set<() => void>();

  constructor(readonly name: string, readonly child: ChildProcess) {
    live.add(child);
    child.stdout?.on('data', (c: Buffer) => { this.stdout += c.toString(); this.poke(); });
    child.stderr?.on('data', (c: Buffer) => { this.stderr += c.toString(); this.poke(); });
    this.exited = new Promise((resolve) => child.once('close', (code, signal) => {
      live.delete(child);
      this.exit = { code, signal };
      this.poke();
      resolve(this.exit);
    }));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return this.exit === undefined;
  }

  get output(): string {
    return this.stdout + this.stderr;
  }

  /** Resolves with the first match of `pattern` in stdout+stderr; rejects on timeout or exit. */
  waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
    return this.waitUntil(() => this.output.match(pattern) ?? undefined, `${pattern}`, timeoutMs);
  }

  /** Resolves with the first truthy value of `check`, re-evaluated whenever output arrives. */
  waitUntil<T>(check: () => T | undefined, what: string, timeoutMs = 30_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const done = (): void => { clearTimeout(timer); this.waiters.delete(test); };
      const test = (): void => {
        const value = check();
        if (value !== undefined && value !== null && value !== false) { done(); resolve(value); return; }
        if (this.exit) { done(); reject(new Error(`${this.name} exited (${JSON.stringify(this.exit)}) before ${what}; output:\n${this.output}`)); }
      };
      const timer = setTimeout(() => { done(); reject(new Error(`${this.name}: no ${what} within ${timeoutMs} ms; output:\n${this.output}`)); }, timeoutMs);
      this.waiters.add(test);
      test();
    });
  }

  /** Sends `signal` and waits for the exit (SIGKILL after `graceMs` if it is still alive). */
  async kill(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5_000): Promise<Exit> {
    if (this.exit) return this.exit;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }

  private poke(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/**
 * Starts `node bin/dataflow.mjs <args>` (or `program <args>`, e.g. the bin/dataflow launcher, which
 * execs node), optionally behind a command prefix such as `['ip', 'netns', 'exec', 'ns1']` (ip execs
 * the command, so the pid stays node's).
 */
export function spawnDataflow(name: string, args: string[], options: { env: NodeJS.ProcessEnv; prefix?: string[]; cwd?: string; program?: string }): ProcessHandle {
  const command = [...(options.prefix ?? []), ...(options.program ? [options.program] : [process.execPath, BIN]), ...args];
  const child = spawn(command[0]!, command.slice(1), { cwd: options.cwd ?? ROOT, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.on('error', () => undefined); // reported through `close`
  return new ProcessHandle(name, child);
}

export interface ExecutorProcess extends ProcessHandle {
  readonly id: string;
  readonly workDir: string;
}

export interface ExecutorStart {
  id?: string;
  cores?: number;
  /** --chaos: `seed:probability`, or parts such as `drop-connection:0.05,delay-ms:0-200,seed:7`. */
  chaos?: string;
  /** --host (and --advertise-host when given). */
  host?: string;
  advertiseHost?: string;
  /** Where the executor dials the master (default: the master's own address). */
  masterAddress?: string;
  /** Command prefix, e.g. ip netns exec. */
  prefix?: string[];
  /** The program to run instead of `node bin/dataflow.mjs`, e.g. bin/dataflow. */
  program?: string;
  /** Also wait until the master logs the registration (default true). */
  waitForRegistration?: boolean;
  /** More `dataflow executor` options (default: the cluster's processArgs). */
  args?: string[];
}

export interface ClusterOptions {
  executors?: number;
  cores?: number;
  /** Heartbeat timeout of the master and executors (default 2000). */
  networkTimeoutMs?: number;
  /** Interface the master listens on (default 127.0.0.1). */
  masterHost?: string;
  /** `--recovery-dir` of the master: a folder inside the cluster's (kept across restartMaster()). */
  masterRecovery?: boolean;
  /** The master's --network-timeout-ms (also how long it waits for a dropped driver; default networkTimeoutMs). */
  masterNetworkTimeoutMs?: number;
  masterPrefix?: string[];
  /** Executor settings for the initial executors (per index). */
  executor?: (index: number) => ExecutorStart;
  /** More options for the master and every executor, e.g. ['--tls', 'true']. */
  processArgs?: string[];
}

export interface SubmitResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; uiLine: string | undefined; tmpLeftovers: string[] }

/** A running master with its executors, in one temporary folder. */
export class TestCluster {
  readonly executors = new Map<string, ExecutorProcess>();
  masterHost = '';
  masterPort = 0;
  /** `http://host:port` of the master's page and /metrics (--ui-port 0: a free port). */
  masterUiUrl = '';
  private nextExecutor = 0;
  private nextRun = 0;
  private readonly others = new Set<ProcessHandle>();

  private constructor(
    readonly dir: string,
    /** The cluster secret (children get it as $DATAFLOW_SECRET, never on a command line). */
    readonly secret: string,
    readonly env: NodeJS.ProcessEnv,
    /** The running master (replaced by restartMaster()). */
    public master: ProcessHandle,
    private readonly options: ClusterOptions,
  ) {}

  /** `dataflow://host:port` */
  get url(): string {
    return `dataflow://${this.masterHost}:${this.masterPort}`;
  }

  get networkTimeoutMs(): number {
    return this.options.networkTimeoutMs ?? 2_000;
  }

  static async start(options: ClusterOptions = {}): Promise<TestCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'dataflow-cluster-'));
    mkdirSync(join(dir, 'tmp'));
    const secret = randomBytes(24).toString('hex');
    const env = { ...process.env, DATAFLOW_SECRET: secret, TMPDIR: join(dir, 'tmp') };
    let cluster: TestCluster | undefined;
    try {
      const master = spawnDataflow('master', masterArgs(dir, 0, options), { env, prefix: options.masterPrefix });
      cluster = new TestCluster(dir, secret, env, master, options);
      const listening = await master.waitFor(/listening on ([0-9.]+):([0-9]+)/);
      cluster.masterHost = listening[1]!;
      cluster.masterPort = Number(listening[2]);
      cluster.masterUiUrl = (await master.waitFor(/master UI at (http:\/\/\S+)/))[1]!;
      const n = options.executors ?? 2;
      await Promise.all(Array.from({ length: n }, (_, i) => cluster!.startExecutor(options.executor?.(i) ?? {})));
      return cluster;
    } catch (error) {
      if (cluster) await cluster.stop();
      else rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Where the master keeps its state (with `masterRecovery`). */
  get recoveryDir(): string {
    return join(this.dir, 'master-recovery');
  }

  /**
   * Starts a new master process on the same address (and recovery folder) as the last one, which
   * must have exited, and waits until it listens. `env` replaces variables of the first one's
   * environment (e.g. another DATAFLOW_SECRET).
   */
  async restartMaster(env: NodeJS.ProcessEnv = {}): Promise<ProcessHandle> {
    if (this.master.alive) throw new Error('restartMaster: the master is still running; kill it first');
    this.master = spawnDataflow('master', masterArgs(this.dir, this.masterPort, this.options), { env: { ...this.env, ...env }, prefix: this.options.masterPrefix });
    await this.master.waitFor(/listening on ([0-9.]+):([0-9]+)/);
    this.masterUiUrl = (await this.master.waitFor(/master UI at (http:\/\/\S+)/))[1]!;
    return this.master;
  }

  /** Starts one more executor (own work dir) and waits until the master has registered it. */
  async startExecutor(start: ExecutorStart = {}): Promise<ExecutorProcess> {
    const id = start.id ?? `exec-${++this.nextExecutor}`;
    const workDir = join(this.dir, `work-${id}`);
    const args = [
      'executor', '--master', start.masterAddress ?? `${this.masterHost}:${this.masterPort}`, '--executor-id', id,
      '--work-dir', workDir, '--cores', String(start.cores ?? this.options.cores ?? 1),
      '--network-timeout-ms', String(this.networkTimeoutMs),
    ];
    if (start.host) args.push('--host', start.host);
    if (start.advertiseHost) args.push('--advertise-host', start.advertiseHost);
    if (start.chaos) args.push('--chaos', start.chaos);
    args.push(...(start.args ?? this.options.processArgs ?? []));
    const handle = spawnDataflow(id, args, { env: this.env, prefix: start.prefix, program: start.program }) as ExecutorProcess;
    Object.assign(handle, { id, workDir });
    this.executors.set(id, handle);
    if (start.waitForRegistration !== false) {
      const registered = new RegExp(`executor ${id} registered`);
      await Promise.race([
        this.master.waitFor(registered),
        handle.exited.then((exit) => { throw new Error(`executor ${id} exited (${JSON.stringify(exit)}) before registering:\n${handle.output}`); }),
      ]);
    }
    return handle;
  }

  /** Executors whose process is still running. */
  liveExecutors(): ExecutorProcess[] {
    return [...this.executors.values()].filter((e) => e.alive);
  }

  /** Starts executors until `count` are alive. */
  async topUp(count: number): Promise<void> {
    const missing = count - this.liveExecutors().length;
    await Promise.all(Array.from({ length: Math.max(0, missing) }, () => this.startExecutor()));
  }

  /** Runs `dataflow submit --master <this cluster> <args>` with the secret in the environment. */
  async submit(args: string[], options: { master?: string; timeoutMs?: number; onStart?: (p: ProcessHandle) => void } = {}): Promise<SubmitResult> {
    const tmp = join(this.dir, `submit-tmp-${++this.nextRun}`);
    mkdirSync(tmp);
    const [job, ...rest] = args;
    const p = spawnDataflow(`submit-${this.nextRun}`, ['submit', '--no-typecheck', '--master', options.master ?? this.url, job!, ...rest], {
      env: { ...this.env, TMPDIR: tmp },
    });
    this.others.add(p);
    options.onStart?.(p);
    const timer = setTimeout(() => p.child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    const exit = await p.exited;
    clearTimeout(timer);
    this.others.delete(p);
    const tmpLeftovers = readdirSync(tmp).filter((f) => !f.startsWith('tsx-') && f !== 'dataflow-events'); // event logs are kept on purpose
    rmSync(tmp, { recursive: true, force: true });
    return { ...exit, stdout: p.stdout, ...splitUiLine(p.stderr), tmpLeftovers };
  }

  /**
   * An in-process driver on this cluster (short network timeouts), once `executors` executors
   * have joined its application.
   */
  async session(options: { conf?: string[]; executors?: number } = {}): Promise<Session> {
    const session = await Session.create({
      master: this.url, secret: this.secret,
      conf: [
        'dataflow.ui.progress=false', `dataflow.network.timeoutMs=${this.networkTimeoutMs}`,
        'dataflow.network.heartbeatIntervalMs=250', ...(options.conf ?? []),
      ],
    });
    const want = options.executors ?? 1;
    try {
      await waitUntil(() => session.driver.executorCount >= want, `${want} executors in the application`, 30_000);
    } catch (error) {
      await session.stop();
      throw error;
    }
    return session;
  }

  /** app-* folders still present in any executor's work dir. */
  appDirs(): string[] {
    const out: string[] = [];
    for (const e of this.executors.values()) {
      if (!existsSync(e.workDir)) continue;
      for (const f of readdirSync(e.workDir)) if (f.startsWith('app-')) out.push(join(e.workDir, f));
    }
    return out;
  }

  /** Waits until no executor work dir holds an application folder (they are removed asynchronously). */
  async waitForNoAppDirs(timeoutMs = 10_000): Promise<void> {
    await waitUntil(() => this.appDirs().length === 0, 'no app-* folders in the executor work dirs', timeoutMs).catch(() => undefined);
  }

  /** Kills every process (SIGTERM, then SIGKILL) and removes the folder. */
  async stop(): Promise<void> {
    const all = [...this.others, ...this.executors.values(), this.master];
    await Promise.all(all.map((p) => p.kill('SIGTERM', 3_000)));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function masterArgs(dir: string, port: number, options: ClusterOptions): string[] {
  const timeout = String(options.masterNetworkTimeoutMs ?? options.networkTimeoutMs ?? 2_000);
  const args = [
    'master', '--port', String(port), '--host', options.masterHost ?? '127.0.0.1', '--network-timeout-ms', timeout, '--ui-port', '0', ...(options.processArgs ?? []),
  ];
  if (options.masterRecovery) args.push('--recovery-dir', join(dir, 'master-recovery'));
  return args;
}

/** Polls `check` every 50 ms. */
export async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A TCP port on 127.0.0.1 that nothing listens on (taken, then released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * TCP ports a process listens on, read from /proc (Linux): the socket inodes among its open file
 * descriptors, matched against the listening sockets of its network namespace.
 */
export function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch { /* closed meanwhile */ }
  }
  const ports: number[] = [];
  for (const table of ['tcp', 'tcp6']) {
    const file = `/proc/${pid}/net/${table}`;
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== '0A' || !inodes.has(cols[9]!)) continue;
      ports.push(parseInt(cols[1]!.split(':')[1]!, 16));
    }
  }
  return [...new Set(ports)];
}

/** Commands the scheduler produced so far, of one type. */
export function commandsOf<T extends Session['driver']['history'][number]['type']>(
  session: Session, type: T,
): Array<Extract<Session['driver']['history'][number], { type: T }>> {
  return session.driver.history.filter((c) => c.type === type) as Array<Extract<Session['driver']['history'][number], { type: T }>>;
}
