// The executor process: one block server for every application it serves (its task threads hold
// the connections to other executors' block servers), one AppContext per application, and a lock
// on its work directory so that two executors never share one (and the application folders a
// killed predecessor left there are removed).

import { mkdir, open, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DataflowError, InternalError, InvalidInputError } from '../errors.ts';
import { listen } from '../transport/index.ts';
import type { AdmissionLimits, Connection, Message, TlsSettings, TransportServer } from '../transport/index.ts';
import { MessageType, type TaskDescriptor } from '../protocol/index.ts';
import { blockStreamParts, readBlockBytes } from '../shuffle/shuffle-reader.ts';
import { AppContext } from './app-context.ts';
import type { AppGrant } from './app-context.ts';
import { Chaos } from './chaos.ts';
import { TaskThreadPool } from './task-threads.ts';
import { availableMemoryBytes, mapOutputMemoryBytes, storageMemoryBytes, taskMemoryBytes } from './memory-limit.ts';
import { DEFAULT_CAPACITY_BYTES } from '../shuffle/map-output-store.ts';
import type { TaskThreads } from './task-threads.ts';
import { encodeIpc } from '../kernels/ipc.ts';
import { isProcessAlive } from '../process-alive.ts';
import { ExecutorMetrics } from './executor-metrics.ts';

/** How every application id, and so every application folder in a work directory, begins. */
const APP_DIR_PREFIX = 'app-';

export interface ExecutorRuntimeOptions extends AdmissionLimits {
  executorId: string;
  workDir: string;
  cores: number;
  secret: string;
  /** Interface the block server listens on (default 127.0.0.1; binding elsewhere is explicit). */
  listenHost?: string;
  /** Address other executors use to reach this one's block server (default: listenHost). */
  advertiseHost?: string;
  heartbeatIntervalMs?: number;
  heartbeatTimeoutMs?: number;
  /**
   * The executor's memory (`--memory`); 60% of it is the execution budget, split evenly among
   * its cores' tasks. Default: what this process may use (its memory cgroup's limit, else physical memory).
   */
  memoryBytes?: number;
  /**
   * `seed:probability` (kill this process at random task starts), or parts such as
   * `kill:0.1,drop-connection:0.05,delay-ms:0-200,seed:7` (see chaos.ts): tests and demos of recovery.
   */
  chaos?: string;
  /** Encryption of every connection (block server, driver, master, other executors); default: TLS off loopback. */
  tls?: TlsSettings;
}

export class ExecutorRuntime {
  readonly executorId: string;
  readonly secret: string;
  readonly tls: TlsSettings | undefined;
  readonly advertiseHost: string;
  readonly heartbeatIntervalMs: number;
  readonly heartbeatTimeoutMs: number;
  private readonly apps = new Map<string, AppContext>();
  private server!: TransportServer;
  private readonly chaos: Chaos | undefined;
  /**
   * Tasks run on this pool of threads, one per core, never on the main thread: the main thread
   * keeps the network (heartbeats, block serving) responsive however long a task computes.
   */
  readonly threads: TaskThreads;
  /** What each application's kept map outputs may hold together (a share of the executor's memory). */
  readonly mapOutputBytes: number;
  /** Counts of tasks, shuffle bytes, spills and cached bytes (served by `--metrics-port`). */
  readonly metrics: ExecutorMetrics;
  /** The executor's memory, of which its tasks' budgets and storage are shares. */
  readonly memoryBytes: number;

  private constructor(private readonly options: ExecutorRuntimeOptions) {
    this.executorId = options.executorId;
    this.secret = options.secret;
    this.tls = options.tls;
    this.advertiseHost = options.advertiseHost ?? options.listenHost ?? '127.0.0.1';
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 1_000;
    // Executors are patient with a silent driver or master (a driver may compute for minutes on
    // its own thread); a dead one closes its sockets, which is noticed at once. The driver is the
    // one that decides quickly that an executor is lost (dataflow.network.timeoutMs).
    this.heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? 600_000;
    this.chaos = options.chaos ? Chaos.parse(options.chaos) : undefined;
    this.chaos?.installConnectionFaults();
    const memory = options.memoryBytes ?? availableMemoryBytes();
    this.memoryBytes = memory;
    this.mapOutputBytes = mapOutputMemoryBytes(memory, DEFAULT_CAPACITY_BYTES);
    this.threads = new TaskThreadPool(options.cores, {
      executorId: options.executorId, secret: options.secret, tls: options.tls, chaos: options.chaos, taskMemoryBytes: taskMemoryBytes(memory, options.cores),
      storageMemoryBytes: storageMemoryBytes(memory, options.cores),
    });
    this.metrics = new ExecutorMetrics(options.executorId, options.cores, {
      appCount: () => this.apps.size,
      cachedBytes: async () => {
        const stats = (await Promise.all([...this.apps.keys()].map((appId) => this.threads.stats(appId)))).flat();
        return { memory: stats.reduce((n, t) => n + t.cachedMemoryBytes, 0), disk: stats.reduce((n, t) => n + t.cachedDiskBytes, 0) };
      },
    });
  }

  static async start(options: ExecutorRuntimeOptions): Promise<ExecutorRuntime> {
    const runtime = new ExecutorRuntime(options);
    await runtime.lockWorkDir();
    await runtime.reclaimAppDirs();
    runtime.server = await listen({
      host: options.listenHost ?? '127.0.0.1', secret: options.secret, tls: options.tls, role: 'block-server',
      maxUnauthenticated: options.maxUnauthenticated, maxUnauthenticatedPerAddress: options.maxUnauthenticatedPerAddress,
      onConnection: (conn) => conn.onMessage((msg) => runtime.serveBlock(conn, msg)),
    });
    return runtime;
  }

  get blockPort(): number {
    return this.server.port;
  }

  appDir(appId: string): string {
    return join(this.options.workDir, appId);
  }

  /**
   * Starts serving an application: connects to its driver and registers. An earlier context of the
   * same application that is closing (its driver declared this executor lost, say) is let finish first.
   */
  async attach(grant: AppGrant): Promise<AppContext> {
    // No await unless there is an earlier context: the new one is served (and release() finds it) at once.
    const earlier = this.apps.get(grant.appId)?.closed;
    if (earlier) await earlier;
    if (this.apps.has(grant.appId)) throw new InternalError('APP_ALREADY_SERVED', `executor ${this.executorId} was asked to serve application ${grant.appId} twice`);
    const app = new AppContext(this, grant);
    this.apps.set(grant.appId, app);
    app.onClose(() => this.apps.delete(grant.appId));
    try {
      await app.start();
    } catch (error) {
      await app.close(`could not reach the driver: ${error instanceof Error ? error.message : String(error)}`);
      throw error;
    }
    return app;
  }

  /** Applications served and not closing, with their slots (what a re-registration tells the master). */
  servedApps(): Record<string, number> {
    const served: Record<string, number> = {};
    for (const [appId, app] of this.apps) if (!app.closed) served[appId] = app.grant.slots;
    return served;
  }

  async release(appId: string, reason: string): Promise<void> {
    await this.apps.get(appId)?.close(reason);
  }

  /** Called as each task starts; the chaos switch may kill the process here. */
  beforeTask(task: TaskDescriptor): void {
    this.chaos?.maybeKill(`task ${task.taskId} (stage ${task.stageId}, partition ${task.partition})`);
  }

  async stop(): Promise<void> {
    for (const app of [...this.apps.values()]) await app.close('executor stopping');
    await this.server?.close().catch(() => undefined);
    await this.threads.close();
    await rm(join(this.options.workDir, '.lock'), { force: true }).catch(() => undefined);
  }

  private async serveBlock(conn: Connection, msg: Message): Promise<void> {
    const h = msg.header;
    const app = this.apps.get(String(h.appId));
    try {
      if (!app) throw new DataflowError('UNKNOWN_APPLICATION', `executor ${this.executorId} serves no application ${String(h.appId)} (it ended, or the request is for another executor)`);
      if (h.type === MessageType.fetchBlocks) {
        const maps = h.maps as Array<[number, number]>;
        const shuffleId = Number(h.shuffleId);
        const start = Number(h.reducePartition);
        const end = h.endPartition === undefined ? start + 1 : Number(h.endPartition);
        // Each block as pieces (slices of kept outputs, or one buffer read from a file), written
        // to the socket in order: no copy of a kept output on this side.
        const blocks = await Promise.all(maps.map(async ([mapPartition, attempt]) => {
          const kept = app.mapOutputs.get(shuffleId, mapPartition, attempt);
          return kept ? blockStreamParts(kept.bytes, kept.offsets, start, end) : [await readBlockBytes(app.shuffleDir, shuffleId, mapPartition, attempt, start, end)];
        }));
        const sizes = blocks.map((parts) => parts.reduce((n, p) => n + p.byteLength, 0));
        await conn.reply(msg, { header: { type: 'ok', sizes }, bodyParts: blocks.flat() });
        this.metrics.blocksServed(sizes.reduce((n, size) => n + size, 0));
      } else if (h.type === MessageType.fetchCached) {
        const table = await app.cachedTable(Number(h.cacheId), Number(h.partition));
        if (!table) {
          throw new DataflowError('CACHED_BLOCK_GONE', `executor ${this.executorId} no longer holds cached partition ${String(h.cacheId)}:${String(h.partition)}; the reader recomputes it`);
        }
        await conn.reply(msg, { header: { type: 'ok' }, body: encodeIpc(table) });
      }
    } catch (error) {
      await conn.replyError(msg, error).catch(() => undefined);
    }
  }

  /**
   * Application folders (`app-*`) in the work directory once it is locked are a previous
   * executor's that was killed (SIGKILL, the OOM killer) before it could remove them: no live
   * executor uses them (the lock says so), so they go. Other files there are left alone.
   */
  private async reclaimAppDirs(): Promise<void> {
    const dir = this.options.workDir;
    const stale = (await readdir(dir)).filter((name) => name.startsWith(APP_DIR_PREFIX));
    if (stale.length === 0) return;
    await Promise.all(stale.map((name) => rm(join(dir, name), { recursive: true, force: true })));
    process.stderr.write(`executor ${this.executorId} removed ${stale.length} application folder(s) a previous executor left in ${dir}: ${stale.join(', ')}\n`);
  }

  /**
   * Two executors must never share a work directory (their shuffle files would collide): the
   * first takes `.lock` with its pid; a second is refused while that process lives.
   */
  private async lockWorkDir(): Promise<void> {
    const dir = this.options.workDir;
    await mkdir(dir, { recursive: true });
    const lock = join(dir, '.lock');
    for (let tries = 0; tries < 2; tries++) {
      try {
        const handle = await open(lock, 'wx');
        await handle.writeFile(`${process.pid}\n`);
        await handle.close();
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const pid = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
        if (pid > 0 && pid !== process.pid && isProcessAlive(pid)) {
          throw new InvalidInputError(`work directory ${dir} is in use by another executor (pid ${pid}); give each executor its own --work-dir`);
        }
        await rm(lock, { force: true }); // a stale lock of a process that is gone
      }
    }
  }
}
