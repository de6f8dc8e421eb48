// A Session is one application's connection to its executors: it creates Datasets from sources,
// runs their actions as jobs on the driver, and owns everything to clean up at stop(). What it keeps
// for a shuffle, cache, in-memory source or broadcast is freed once no reachable object uses it
// (cleaner.ts), so a session that runs job after job stays the same size.
//
// @example
//   const session = await Session.create({ master: 'local[2]' });
//   const n = await session.range(0, 1_000_000).filter((r) => r.id % 3 === 0).count();
//   await session.stop();

import { rm } from 'node:fs/promises';
import type { Schema, Table } from 'apache-arrow';
import { resolveConfig } from '../config.ts';
import type { EngineConfig } from '../config.ts';
import { DataflowError, InternalError, InvalidInputError } from '../errors.ts';
import { Driver } from '../cluster/driver.ts';
import type { JobMetrics, RunJobOptions } from '../cluster/driver.ts';
import type { DriverServices } from '../cluster/driver-services.ts';
import { InProcessExecutor } from '../cluster/in-process-executor.ts';
import { LocalCluster } from '../cluster/local-cluster.ts';
import { createWorkDir, reclaimStaleWorkDirs } from '../cluster/work-dir.ts';
import { StandaloneCluster } from '../cluster/standalone-cluster.ts';
import { type ResultAction, SECRET_ENV, type TaskPayload, checkSecret } from '../protocol/index.ts';
import { parseMaster } from '../cluster/master-url.ts';
import type { PlanNode, ShuffleDependency, SourceSpec } from '../plan/nodes.ts';
import { narrowParents } from '../plan/nodes.ts';
import { pendingAdaptive, withRanges, type AdaptiveNode } from '../plan/adaptive.ts';
import type { JobBundle } from '../closure/bundle.ts';
import type { LoadedBundle } from '../closure/load-bundle.ts';
import { shipFunction, callSiteOutsideEngine } from '../closure/ship.ts';
import type { ShippedFunction } from '../closure/ship.ts';
import { rowsToTable } from '../kernels/rows.ts';
import type { Row } from '../kernels/rows.ts';
import { sliceRows } from '../kernels/take.ts';
import { computeRangeBounds } from '../kernels/range-bounds.ts';
import { planParquetScan } from '../../connectors/parquet/scan.ts';
import type { ParquetScanOptions } from '../../connectors/parquet/scan.ts';
import { DEFAULT_PARQUET_PARTITION_BYTES, packRowGroups } from '../../connectors/parquet/splits.ts';
import { planCsvScan } from '../../connectors/csv/scan.ts';
import type { CsvOptions } from '../../connectors/csv/options.ts';
import { planMovieLensScan } from '../../connectors/movielens/ratings.ts';
import type { MovieLensOptions } from '../../connectors/movielens/ratings.ts';
import { Broadcast } from '../protocol/broadcast.ts';
import { BroadcastRows } from './broadcast-rows.ts';
import { concatTables } from '../kernels/concat-tables.ts';
import { decodeIpc } from '../kernels/ipc.ts';
import { Cleaner, type Releasable } from './cleaner.ts';
import { Dataset } from './dataset.ts';
import { ApplicationMonitor } from '../cluster/app-monitor.ts';
import { DriverMetrics } from '../cluster/driver-metrics.ts';
import { addSums } from '../cluster/job-metrics.ts';
import { ProgressReporter } from '../cluster/progress.ts';

export interface SessionOptions {
  /** local (in-process, default), local[N] (N executor processes over TCP), local[*]. */
  master?: string;
  /** Configuration as `key=value` strings, as given to `--conf`. */
  conf?: string[];
  /** Standalone mode: the cluster secret (default: $DATAFLOW_SECRET). Never put it on a command line. */
  secret?: string;
  /** Name shown by the standalone master. */
  appName?: string;
}

export class Session implements DriverServices {
  readonly config: EngineConfig;
  readonly master: string;
  private readonly blobs = new Map<number, Table[]>();
  private readonly broadcasts = new Map<number, unknown>();
  private readonly broadcastRowsOf = new BroadcastRows();
  private readonly bundles = new Map<string, { bundle: JobBundle; loaded: LoadedBundle }>();
  private readonly cleaner = new Cleaner((what) => this.release(what));
  private currentBundle: string | undefined;
  private nextId = 0;
  private stopped = false;
  private stopping: Promise<void> | undefined;
  /** The event log and the live UI of this application (engine/cluster/app-monitor.ts). */
  private monitor!: ApplicationMonitor;
  /** How the application ended, for its ApplicationEnd event (submit sets it when the job threw). */
  private outcome: { status: 'succeeded' | 'failed'; message?: string } = { status: 'succeeded' };

  private constructor(
    master: string,
    config: EngineConfig,
    readonly driver: Driver,
    readonly workDir: string,
    private readonly backend: { stop(): Promise<void>; readonly taskBudgetBytes?: number },
  ) {
    this.master = master;
    this.config = config;
  }

  static async create(options: SessionOptions = {}): Promise<Session> {
    const master = options.master ?? 'local';
    const spec = parseMaster(master);
    const config = resolveConfig(options.conf);
    const workDir = await createWorkDir();
    const reclaimed = reclaimStaleWorkDirs().catch(() => []); // those of drivers killed outright
    const driver = new Driver(config);
    // Who watches the driver: its listener bus's subscribers (engine/cluster/listener-bus.ts).
    const metrics = new DriverMetrics({
      jobsActive: () => driver.activeJobCount, tasksRunning: () => driver.runningTaskCount, executorsAlive: () => driver.executorCount, deliver: () => driver.bus.drain(),
    });
    driver.bus.subscribe(metrics);
    if (config['dataflow.ui.progress'] && process.stderr.isTTY === true) driver.bus.subscribe(new ProgressReporter(true));
    let monitor: ApplicationMonitor;
    try {
      monitor = await ApplicationMonitor.start({
        config, master, appName: options.appName ?? 'dataflow', secret: options.secret ?? process.env[SECRET_ENV], metrics: metrics.registry,
      });
    } catch (error) {
      await rm(workDir, { recursive: true, force: true });
      throw error;
    }
    monitor.listenTo(driver.bus);
    // The session is the driver's services; executors are attached once it exists.
    let session: Session | undefined;
    const services: DriverServices = {
      blobPartition: (id, p) => session!.blobPartition(id, p),
      broadcastValue: (id) => session!.broadcastValue(id),
      bundle: (hash) => session!.bundle(hash),
      loadedBundle: (hash) => session!.loadedBundle(hash),
    };
    try {
      if (spec.kind === 'in-process') {
        const executor = new InProcessExecutor(driver, services, workDir, config);
        await executor.start();
        session = new Session(master, config, driver, workDir, executor);
        driver.addExecutor(executor);
      } else if (spec.kind === 'local-cluster') {
        const cluster = await LocalCluster.start({ executors: spec.executors, driver, services, workDir, config });
        session = new Session(master, config, driver, workDir, cluster);
      } else {
        const secret = options.secret ?? process.env[SECRET_ENV];
        if (!secret) throw new InvalidInputError(`--master ${master} needs the cluster secret: set $${SECRET_ENV} or pass --secret-file`);
        checkSecret(secret, options.secret !== undefined ? "Session.create's secret option" : `$${SECRET_ENV}`);
        const cluster = await StandaloneCluster.start({
          host: spec.host, port: spec.port, secret, appName: options.appName ?? 'dataflow', driver, services, config, uiUrl: monitor.uiAddress,
        });
        session = new Session(master, config, driver, workDir, cluster);
      }
      session.monitor = monitor;
      await reclaimed;
      return session;
    } catch (error) {
      await monitor.stop({ status: 'failed', message: error instanceof Error ? error.message : String(error) }).catch(() => undefined);
      await rm(workDir, { recursive: true, force: true });
      throw error;
    }
  }

  /**
   * Metrics of the job that finished last: spill bytes and files per stage and in total.
   *
   * @example
   * await ds.sortBy([{ column: 'v', ascending: true }]).count();
   * session.lastJobMetrics?.spillBytes; // 0 when everything fit the memory budget
   */
  get lastJobMetrics(): JobMetrics | undefined {
    return this.driver.lastJobMetrics;
  }

  /** This application's id (its event log is `<appId>.jsonl`). */
  get appId(): string {
    return this.monitor.appId;
  }

  /** The address of this application's web UI while it runs (dataflow.ui.*), if it has one. */
  get uiUrl(): string | undefined {
    return this.monitor.uiUrl;
  }

  /** Where this application's event log is being written (dataflow.eventLog.*), if it is. */
  get eventLogLocation(): string | undefined {
    return this.monitor.eventLogLocation;
  }

  /**
   * Records what a library job or a job wants to show beside the engine's events, in the event
   * log and the UI (an ALS iteration's loss, an SVD restart's residual): `source` names the
   * reporter, `kind` the report, `data` flat values. Cheap: call it per iteration, not per row.
   *
   * @example session.reportEvent('als', 'iteration', { iteration: 3, trainRmse: 0.81, seconds: 1.2 });
   */
  reportEvent(source: string, kind: string, data: Record<string, number | string | boolean | null>): void {
    if (typeof source !== 'string' || source === '' || typeof kind !== 'string' || kind === '') {
      throw new InvalidInputError(`reportEvent(source, kind, data) needs a non-empty source and kind, got ${JSON.stringify(source)} and ${JSON.stringify(kind)}`);
    }
    const flat: Record<string, number | string | boolean | null> = {};
    for (const [key, value] of Object.entries(data ?? {})) {
      if (value === null || typeof value === 'string' || typeof value === 'boolean') flat[key] = value;
      else if (typeof value === 'number') flat[key] = Number.isFinite(value) ? value : null; // JSON has no NaN or Infinity
      else throw new InvalidInputError(`reportEvent('${source}', '${kind}'): field ${key} is a ${typeof value}; data holds numbers, strings, booleans or null`);
    }
    this.driver.bus.post({ event: 'AppEvent', time: Date.now(), source, kind, data: flat });
  }

  /** Whether reportEvent's reports go anywhere (the event log or the UI is on): a library job may skip work done only to report. */
  get recordsEvents(): boolean {
    return this.monitor.active;
  }

  /**
   * Runs the map stages of the shuffles `dataset` reads, not the dataset itself, and returns the
   * bytes they wrote (shuffles written before are neither run nor counted) and what their kernels added
   * with addToTaskSum: an iteration's boundary for a library job (ALS reports each iteration's
   * time, shuffle bytes and train error). The shuffle files are then reused by the job that reads `dataset`,
   * so nothing is computed twice. A dataset that reads no shuffle runs nothing.
   *
   * @example const { shuffleBytes } = await session.materializeShuffles(ratings.join(messages, ['key']));
   */
  async materializeShuffles(dataset: Dataset<Row>): Promise<{ shuffleBytes: number; sums: Record<string, number> }> {
    if (this.stopped) throw new InvalidInputError('this session was stopped; create a new one with Session.create()');
    const node = dataset.node;
    if (node.kind !== 'shuffled') return { shuffleBytes: 0, sums: {} };
    this.cleaner.watchPlan(node);
    const mapsOf = (dep: ShuffleDependency): number => dep.parent?.numPartitions ?? 0;
    // written by an earlier job: neither run again nor counted as this step's bytes
    const before = new Set(node.deps.filter((d) => this.driver.registry.isComplete(d.shuffleId, mapsOf(d))).map((d) => d.shuffleId));
    const resolved = await this.preparePlan(node, []); // runs the map stages of shuffles sized by data
    if (resolved.kind !== 'shuffled') return { shuffleBytes: 0, sums: {} };
    let shuffleBytes = 0;
    const sums: Record<string, number> = {};
    for (const dep of resolved.deps) {
      if (before.has(dep.shuffleId)) continue;
      const maps = mapsOf(dep);
      if (!this.driver.registry.isComplete(dep.shuffleId, maps)) {
        const ran = await this.driver.runMapStage(dep, { bundleHash: this.currentBundle });
        addSums(sums, ran.sums);
      }
      for (let p = 0; p < maps; p++) {
        for (const size of this.driver.registry.get(dep.shuffleId, p)?.blockSizes ?? []) shuffleBytes += size;
      }
    }
    return { shuffleBytes, sums };
  }

  /** Marks the application failed (its ApplicationEnd event says so, with `message`); submit calls it when the job threw. */
  markFailed(message: string): void {
    this.outcome = { status: 'failed', message };
  }

  /** Stops executors and removes every temporary file of the session. A second call waits for the first. */
  stop(): Promise<void> {
    this.stopping ??= this.stopOnce();
    return this.stopping;
  }

  private async stopOnce(): Promise<void> {
    this.stopped = true;
    this.cleaner.stop();
    // Jobs still running fail with this reason, not with the executor losses stopping causes.
    this.driver.fail(new DataflowError('SESSION_STOPPED', 'the session was stopped while the job was running'));
    try {
      await this.backend.stop();
    } finally {
      await rm(this.workDir, { recursive: true, force: true });
      await this.monitor.stop(this.outcome).catch((error: unknown) => {
        process.stderr.write(`dataflow: the event log could not be closed: ${error instanceof Error ? error.message : String(error)}\n`);
      });
    }
  }

  /**
   * How many tasks can run at once: the executors' slots (cores) now. Use it to size work that
   * should fill the cluster once, never for partition counts that decide results.
   */
  get defaultParallelism(): number {
    return Math.max(1, this.driver.totalSlots);
  }

  // ---- sources ----------------------------------------------------------------------------

  /** A dataset over an Arrow table, split into `numPartitions` contiguous slices. */
  fromTable<T extends Row = Row>(table: Table, options: { numPartitions?: number } = {}): Dataset<T> {
    const n = this.sourcePartitions(options.numPartitions);
    const parts: Table[] = [];
    for (let p = 0; p < n; p++) {
      parts.push(sliceRows(table, Math.floor((table.numRows * p) / n), Math.floor((table.numRows * (p + 1)) / n)));
    }
    const blobId = this.id();
    this.blobs.set(blobId, parts);
    const dataset = this.source<T>({ kind: 'memory', blobId }, n);
    this.cleaner.watch(dataset.node, { kind: 'blob', id: blobId });
    return dataset;
  }

  /** A dataset from row objects; the schema is inferred unless given. */
  fromRows<T extends Row = Row>(rows: T[], options: { numPartitions?: number; schema?: Schema } = {}): Dataset<T> {
    return this.fromTable<T>(rowsToTable(rows, options.schema), options);
  }

  /** Integers `start`, `start + step`, ... below `end`, in column `id`. */
  range(start: number, end: number, options: { step?: number; numPartitions?: number } = {}): Dataset<{ id: number }> {
    const step = options.step ?? 1;
    if (!Number.isFinite(start) || !Number.isFinite(end) || !Number.isFinite(step) || step === 0) {
      throw new InvalidInputError(`range(${start}, ${end}, step ${step}): bounds must be finite and step non-zero`);
    }
    return this.source({ kind: 'range', start, end, step }, this.sourcePartitions(options.numPartitions));
  }

  /**
   * Parquet files (a file, a folder of them, or a glob such as `data/year=*` + `/*.parquet`): one
   * partition per run of consecutive row groups of a file holding about `partitionBytes` (8 MiB) of
   * the columns read. Hive folders (`year=2024/`) become columns; `filter` (an AND of
   * `[column, op, value]`) skips row groups by their statistics and drops non-matching rows.
   */
  async readParquet<T extends Row = Row>(path: string, options: ParquetScanOptions = {}): Promise<Dataset<T>> {
    const scan = await planParquetScan(path, options);
    const partitions = packRowGroups(scan.partitions, scan.partitionBytes, options.partitionBytes ?? DEFAULT_PARQUET_PARTITION_BYTES);
    return this.source<T>({ kind: 'parquet', partitions, columns: options.columns, read: scan.read }, partitions.length);
  }

  /** CSV files (a file, a directory, or several): one partition per ~64 MiB byte range of each file. */
  async readCsv<T extends Row = Row>(path: string | string[], options: CsvOptions = {}): Promise<Dataset<T>> {
    const scan = await planCsvScan(path, options);
    return this.source<T>({ kind: 'csv', partitions: scan.partitions, options: scan.plan }, scan.partitions.length);
  }

  /** MovieLens ratings (ratings.csv, u.data or ratings.dat, detected) as userId, itemId: Int32, rating: Float32, timestamp: Int64. */
  async readMovieLens<T extends Row = Row>(pathOrDir: string, options: MovieLensOptions = {}): Promise<Dataset<T>> {
    const scan = await planMovieLensScan(pathOrDir, options);
    return this.source<T>({ kind: 'csv', partitions: scan.partitions, options: scan.plan }, scan.partitions.length);
  }

  /**
   * Ships `value` once to each executor; tasks read it through `.value`. The driver and the
   * executors forget it once the handle and every function capturing it are unreachable.
   */
  broadcast<T>(value: T): Broadcast<T> {
    const id = this.id();
    this.broadcasts.set(id, value);
    const handle = new Broadcast(id, value);
    this.cleaner.watch(handle, { kind: 'broadcast', id });
    return handle;
  }

  // ---- used by Dataset verbs ---------------------------------------------------------------

  /**
   * A broadcast of the rows of `node` as Arrow IPC, collected by a job of its own before the first
   * job that reads it (a broadcast join's small side); freed like any broadcast.
   */
  broadcastRows(node: PlanNode): Broadcast<Uint8Array> {
    const id = this.id();
    this.broadcastRowsOf.add(id, node);
    const handle = new Broadcast<Uint8Array>(id, new Uint8Array(0));
    this.cleaner.watch(handle, { kind: 'broadcast', id });
    return handle;
  }

  /**
   * What one task's operators may hold on this session's executors, when the session started them
   * (local, local[N]); undefined for a standalone cluster, whose executors set their own memory.
   * A side broadcast by size must fit it.
   */
  get taskBudgetBytes(): number | undefined {
    return this.backend.taskBudgetBytes;
  }

  /** The bytes of an in-memory source's Arrow buffers (a broadcast join's size estimate). */
  blobBytes(blobId: number): number {
    return (this.blobs.get(blobId) ?? []).reduce((sum, t) => sum + t.data.reduce((s, d) => s + d.byteLength, 0), 0);
  }

  /**
   * The row count of a dataset whose rows the driver holds itself (an in-memory source, read
   * directly), or undefined when counting needs a job. As Spark answers an action on a local
   * relation on the driver, count() then runs no tasks: shipping the rows out to count them costs
   * a job (milliseconds) for a number the driver already has.
   */
  heldRowCount(node: PlanNode): number | undefined {
    if (this.stopped || node.kind !== 'source' || node.source.kind !== 'memory') return undefined;
    const parts = this.blobs.get(node.source.blobId);
    return parts ? parts.reduce((sum, t) => sum + t.numRows, 0) : undefined;
  }

  /** A fresh id for plan nodes, shuffles, caches, blobs and broadcasts (one counter, unique per session). */
  id(): number {
    return this.nextId++;
  }

  ship(fn: unknown, captures: Record<string, unknown> | undefined, label: string): ShippedFunction {
    if (typeof fn !== 'function') throw new InvalidInputError(`${label} expects a function, got ${typeof fn}`);
    const loaded = this.currentBundle ? this.bundles.get(this.currentBundle)?.loaded : undefined;
    return shipFunction(fn, captures, { bundle: loaded, label, callSite: callSiteOutsideEngine() });
  }

  /** Frees a cached dataset's partitions on every executor now (Dataset.unpersist). */
  unpersist(cacheId: number): void {
    this.cleaner.releaseNow({ kind: 'cache', id: cacheId });
  }

  /** Sizes of everything the session and its driver keep, for tests and diagnostics: none may grow with the number of jobs. */
  stateSizes(): Record<string, number> {
    return { blobs: this.blobs.size, broadcasts: this.broadcasts.size + this.broadcastRowsOf.size, bundles: this.bundles.size, watched: this.cleaner.size, ...this.driver.stateSizes() };
  }

  /** Runs `action` over every partition of `node`; payloads come back in partition order. */
  async runAction(node: PlanNode, action: ResultAction, options: Omit<RunJobOptions, 'bundleHash'> = {}): Promise<TaskPayload[]> {
    if (this.stopped) throw new InvalidInputError('this session was stopped; create a new one with Session.create()');
    this.cleaner.collectIfDue(this.driver.registry.totalBytes); // frees dead shuffles' outputs before this job writes its own
    this.cleaner.watchPlan(node);
    const carriedMetrics: JobMetrics[] = [];
    const resolved = await this.preparePlan(node, carriedMetrics);
    return this.driver.runJob(resolved, action, { description: describeJob(action), ...options, bundleHash: this.currentBundle, carriedMetrics });
  }

  /**
   * The plan as the driver runs it now: shuffles sized by data carry the partitions cut for them
   * (those not cut yet still count their buckets). Runs nothing.
   */
  resolvedPlan(node: PlanNode): PlanNode {
    return withRanges(node, this.driver.partitions.rangesOf);
  }

  /**
   * Before a job: the small sides of its broadcast joins are collected and broadcast, every shuffle sized by data has its map stages run and its buckets cut into
   * partitions (children first, each on a plan whose inputs are already cut), and every sort's split
   * points are sampled. Returns the plan with the cuts filled in; the map-stage jobs' metrics go to `ran`.
   */
  private async preparePlan(node: PlanNode, ran: JobMetrics[]): Promise<PlanNode> {
    await this.broadcastRowsOf.resolve(node, async (small) => {
      const payloads = await this.runAction(small, { kind: 'collect' });
      if (this.driver.lastJobMetrics) ran.push(this.driver.lastJobMetrics); // counted in the job it ran for
      return concatTables(payloads.flatMap((p, i) => (p.kind === 'table' ? [decodeIpc(p.ipc, `partition ${i} of a broadcast join's side`)] : [])));
    }, (id, ipc) => this.broadcasts.set(id, ipc));
    const { rangesOf } = this.driver.partitions;
    for (const pending of pendingAdaptive(node, rangesOf)) {
      const current = withRanges(pending, rangesOf) as AdaptiveNode; // its map sides read cut partitions
      await this.resolveRangeBounds(current);
      ran.push(...await this.driver.partitions.cut(current, this.currentBundle));
    }
    const resolved = withRanges(node, rangesOf);
    await this.resolveRangeBounds(resolved);
    return resolved;
  }

  /** Makes a loaded job bundle the source of exported functions for the jobs that follow. */
  useBundle(bundle: JobBundle, loaded: LoadedBundle): void {
    this.bundles.set(bundle.hash, { bundle, loaded });
    this.currentBundle = bundle.hash;
  }

  // ---- DriverServices -----------------------------------------------------------------------

  blobPartition(blobId: number, partition: number): Table {
    const part = this.blobs.get(blobId)?.[partition];
    if (!part) throw new InternalError('UNKNOWN_BLOB', `in-memory source ${blobId} has no partition ${partition} on the driver (freed while a plan still read it?)`);
    return part;
  }

  broadcastValue(broadcastId: number): unknown {
    if (!this.broadcasts.has(broadcastId)) throw new InternalError('UNKNOWN_BROADCAST', `broadcast ${broadcastId} is unknown to the driver (freed while a plan still captured it?)`);
    return this.broadcasts.get(broadcastId);
  }

  bundle(hash: string): JobBundle {
    const entry = this.bundles.get(hash);
    if (!entry) throw new InternalError('UNKNOWN_BUNDLE', `job bundle ${hash} is unknown to the driver`);
    return entry.bundle;
  }

  loadedBundle(hash: string): LoadedBundle {
    const entry = this.bundles.get(hash);
    if (!entry) throw new InternalError('UNKNOWN_BUNDLE', `job bundle ${hash} is unknown to the driver`);
    return entry.loaded;
  }

  // ---- internals ----------------------------------------------------------------------------

  private source<T extends Row>(source: SourceSpec, numPartitions: number): Dataset<T> {
    return new Dataset<T>(this, { kind: 'source', id: this.id(), numPartitions, source });
  }

  /** The partitions a source is told to make, else dataflow.source.partitions (never the executor count). */
  private sourcePartitions(requested: number | undefined): number {
    if (requested !== undefined) return positive(requested, 'numPartitions');
    return positive(this.config['dataflow.source.partitions'], 'configuration dataflow.source.partitions');
  }

  private release(what: Releasable): void {
    switch (what.kind) {
      case 'shuffle': this.driver.releaseShuffle(what.id); return;
      case 'cache': this.driver.releaseCache(what.id); return;
      case 'blob': this.blobs.delete(what.id); return;
      case 'broadcast':
        this.broadcasts.delete(what.id);
        this.broadcastRowsOf.delete(what.id);
        this.driver.releaseBroadcast(what.id);
        return;
    }
  }

  /**
   * sortBy's range partitioner needs split points: sample the keys of its input first (as Spark
   * does). The plan stays as built; the driver keeps the bounds by shuffle id and gives them to
   * the shuffle's map tasks.
   */
  private async resolveRangeBounds(node: PlanNode): Promise<void> {
    const pending: ShuffleDependency[] = [];
    const adaptiveSorts = new Set<ShuffleDependency>();
    const seen = new Set<number>();
    const visit = (n: PlanNode): void => {
      if (seen.has(n.id)) return;
      seen.add(n.id);
      if (n.kind === 'shuffled') {
        for (const dep of n.deps) {
          if (dep.parent) visit(dep.parent);
          if (dep.partitioner.kind === 'range' && !dep.partitioner.bounds && !this.driver.hasRangeBounds(dep.shuffleId)) pending.push(dep);
          if (n.coalesce) adaptiveSorts.add(dep);
        }
      }
      for (const parent of narrowParents(n)) visit(parent);
    };
    visit(node);
    for (const dep of pending) {
      const p = dep.partitioner;
      if (p.kind !== 'range' || !dep.parent) continue;
      // 100 samples per partition, or, for a sort sized by data (many buckets), Spark's 20 per bucket
      // oversampled 3 times and spread over the input's partitions.
      const maxSamples = adaptiveSorts.has(dep) ? Math.max(20, Math.ceil((60 * p.numPartitions) / Math.max(1, dep.parent.numPartitions))) : 100 * p.numPartitions;
      const payloads = await this.driver.runJob(dep.parent, { kind: 'sampleKeys', keys: p.keys, maxSamples, seed: 42 }, { bundleHash: this.currentBundle });
      const samples = payloads.flatMap((pl) => (pl.kind === 'samples' ? pl.samples : []));
      this.driver.setRangeBounds(dep.shuffleId, computeRangeBounds(samples, p.ascending, p.numPartitions));
    }
  }
}

/** "count at jobs/stats.ts:12": the action and where the job called it (the first frame outside the engine). */
function describeJob(action: ResultAction): string {
  const at = callSiteOutsideEngine();
  return at ? `${action.kind} at ${at.file.replace(process.cwd() + '/', '')}:${at.line}` : action.kind;
}

function positive(n: number, option: string): number {
  if (!Number.isInteger(n) || n < 1) throw new InvalidInputError(`${option} must be a positive integer, got ${n}`);
  return n;
}
