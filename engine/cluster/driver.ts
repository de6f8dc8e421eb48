// The driver: turns a job (a plan node and an action) into stages, feeds the scheduler state
// machine with events, and carries out the commands it returns: launch tasks on executors, keep
// results that the scheduler accepts, finish or fail the job. All transport lives in the executor
// handles; all scheduling decisions live in SchedulerState. What it sees happen (executors, jobs,
// stages, tasks) it posts once on its listener bus (listener-bus.ts): the progress line, /metrics,
// the event log and the live UI are subscribers, not the driver's concern.
//
// What the driver keeps, and until when (a session may run millions of jobs):
//   per job      JobRun, its stages (shared map stages counted by user), its bundle hash: until it ends
//   per task     running info and payload: until it reports
//   per shuffle  stage id, schema, range bounds, map outputs, partition ranges cut by size,
//                executors' files: until releaseShuffle
//                (the session calls it once no reachable dataset reads the shuffle)
//   per cache    where each cached partition lives: until releaseCache (unpersist or unreachable)

import { DataflowError } from '../errors.ts';
import type { EngineConfig } from '../config.ts';
import type { PlanNode, ShuffleDependency } from '../plan/nodes.ts';
import { cacheReads, shuffleReads, stripUpstream } from '../plan/nodes.ts';
import type { Stage, StagePlan } from '../plan/stages.ts';
import { planMapStage, planStages } from '../plan/stages.ts';
import { PartitionCutter } from './partition-cutter.ts';
import { SchedulerState } from '../scheduler/scheduler.ts';
import { describeFailure } from '../scheduler/failure-messages.ts';
import type { JobFailure, SchedulerCommand, SchedulerEvent, StageSpec } from '../scheduler/types.ts';
import type { ExecutorStats, MapOutputStatus, ResultAction, TaskDescriptor, TaskFailureReason, TaskPayload, TaskResult } from '../protocol/index.ts';
import { MapOutputRegistry } from '../scheduler/map-output-registry.ts';
import { partitionCount } from '../shuffle/partitioner.ts';
import type { ExecutorHandle } from './executor-handle.ts';
import { addMetrics, emptyJobMetrics, recordTaskFailure, recordTaskMetrics } from './job-metrics.ts';
import type { JobMetrics } from './job-metrics.ts';
import { ListenerBus } from './listener-bus.ts';
import { explainStages } from '../plan/explain.ts';
import { stageInfos } from './driver-events.ts';

export type { JobMetrics, StageMetrics, TaskFailureRecord } from './job-metrics.ts';

/** A job that could not finish: the scheduler's failure, with the chain of task failure causes. */
export class JobFailedError extends DataflowError {
  readonly failure: JobFailure;
  constructor(failure: JobFailure) {
    super('JOB_FAILED', failure.message);
    this.failure = failure;
  }
}

interface JobRun {
  jobId: number;
  metrics: JobMetrics;
  plan: StagePlan;
  /** Absent for a map-stage job (it writes a shuffle and returns nothing). */
  action?: ResultAction;
  results: Array<TaskPayload | undefined>;
  onAccept?: (partition: number, attempt: number, payload: TaskPayload) => void;
  settleBeforeFailing: boolean;
  resolve: (results: TaskPayload[]) => void;
  reject: (error: Error) => void;
}

export interface RunJobOptions {
  bundleHash?: string;
  /** What the job is, for the UI and the event log (e.g. "count at job.ts:12"). */
  description?: string;
  /** Called once per result partition when the scheduler accepts it (output commit). */
  onAccept?: (partition: number, attempt: number, payload: TaskPayload) => void;
  /**
   * Report a failure only once none of the job's tasks is still running (each has finished, failed
   * or lost its executor), so that their side effects are over before the caller cleans up: a
   * writeParquet task still writing after the job failed would recreate the folder abortJob removed.
   */
  settleBeforeFailing?: boolean;
  /** Metrics of map-stage jobs run for this job (partition-cutter.ts): counted in its own. */
  carriedMetrics?: JobMetrics[];
}

/** A task attempt the driver launched and has not heard the end of. */
interface RunningTask {
  jobId: number; stageId: number; partition: number; attempt: number; executorId: string; shuffleId?: number;
  /** For the event log: the stage attempt the task belongs to and when it was launched (epoch ms). */
  stageAttempt: number; launched: number;
}

/** How often the scheduler learns the time (delay scheduling resolves to this granularity). */
const TICK_MS = 250;

export class Driver {
  readonly registry = new MapOutputRegistry();
  /**
   * Reduce partitions of shuffles sized by data, cut once their map stages ran (plan/adaptive.ts);
   * the session asks it before a job (cut), and plans read its ranges (rangesOf).
   */
  readonly partitions: PartitionCutter<JobMetrics>;
  readonly scheduler: SchedulerState;
  /**
   * Commands the scheduler produced, for tests and diagnostics (StageResubmitted proves
   * recomputation). The most recent `historyLimit` are kept, so a long session does not grow it forever.
   */
  readonly history: SchedulerCommand[] = [];
  /** How many commands `history` keeps (then it drops the older half). */
  historyLimit = 100_000;
  private readonly executors = new Map<string, ExecutorHandle>();
  /** Executors being started in place of lost ones (expectExecutor). */
  private executorsStarting = 0;
  private readonly jobs = new Map<number, JobRun>();
  /** Stages of active jobs, with how many active jobs use each (map stages are shared). */
  private readonly stages = new Map<number, { stage: Stage; users: number }>();
  private readonly stageIdByShuffle = new Map<number, number>();
  private readonly running = new Map<number, RunningTask>();
  /** The attempt each stage of an active job is at (for the event log). */
  private readonly stageAttempt = new Map<number, number>();
  /** Where the driver posts what it sees happen; observers subscribe to it (listener-bus.ts). */
  readonly bus = new ListenerBus();
  /** Failed jobs waiting for their running tasks to stop before the failure is reported (settleBeforeFailing). */
  private readonly settling = new Map<number, { job: JobRun; error: Error }>();
  private readonly payloads = new Map<number, TaskPayload>();
  private readonly shuffleSchemas = new Map<number, Uint8Array>();
  /** Split points of range-partitioned shuffles, sampled by the session before their first job. */
  private readonly rangeBounds = new Map<number, unknown[][]>();
  /** Shuffles released while an active job still used them: released when it ends. */
  private readonly pendingReleases = new Set<number>();
  private readonly cacheLocations = new Map<string, string>();
  /** The metrics of the job that finished last (successfully or not). */
  lastJobMetrics: JobMetrics | undefined;
  private nextJobId = 0;
  private nextStageId = 0;
  private readonly bundleByJob = new Map<number, string | undefined>();
  private readonly ticker: NodeJS.Timeout;
  /** Set when the application cannot continue (its session was stopped): every job fails with it. */
  private fatal: Error | undefined;
  /** dataflow.shuffle.memoryOutputBytes, sent with every map task. */
  private readonly memoryOutputBytes: number;

  constructor(config: EngineConfig) {
    this.memoryOutputBytes = config['dataflow.shuffle.memoryOutputBytes'];
    this.scheduler = new SchedulerState(
      {
        maxTaskAttempts: config['dataflow.task.maxAttempts'],
        maxStageAttempts: config['dataflow.stage.maxAttempts'],
        localityWaitMs: config['dataflow.locality.waitMs'],
        maxFailedTasksPerExecutor: config['dataflow.excludeOnFailure.maxFailedTasksPerExecutor'],
      },
      this.registry,
    );
    // The scheduler has no clock: time reaches it as Tick events while jobs are running.
    this.ticker = setInterval(() => {
      if (this.jobs.size > 0) this.dispatch({ type: 'Tick', now: performance.now() });
    }, TICK_MS);
    this.ticker.unref();
    this.partitions = new PartitionCutter(this.registry, (dep, bundleHash) => this.runMapStage(dep, { bundleHash }),
      (cut) => this.bus.post({ event: 'PartitionsCut', time: Date.now(), ...cut }));
  }

  /** Jobs running now (map-stage jobs included). */
  get activeJobCount(): number {
    return this.jobs.size;
  }

  /** Task attempts running now. */
  get runningTaskCount(): number {
    return this.running.size;
  }

  get executorCount(): number {
    return this.executors.size;
  }

  get totalSlots(): number {
    let slots = 0;
    for (const e of this.executors.values()) slots += e.slots;
    return slots;
  }

  addExecutor(handle: ExecutorHandle): void {
    this.executors.set(handle.id, handle);
    this.bus.post({ event: 'ExecutorAdded', time: Date.now(), executorId: handle.id, host: handle.host, port: handle.port, cores: handle.slots, memoryBytes: handle.memoryBytes ?? 0 });
    this.dispatch({ type: 'ExecutorAdded', executorId: handle.id, slots: handle.slots });
  }

  /**
   * An executor is gone (its connection closed, its process died): `cause` says why, in words that
   * follow "executor exec-2 was lost (…)", then come the tasks it was running, then `note` (what
   * was done about it, e.g. its replacement). That message is the reason its tasks' retries carry;
   * `outOfMemory` marks a process that died of memory. With `handle`, only that registration is
   * lost: a late close of an old connection does not remove the executor registered again since.
   */
  executorLost(executorId: string, cause: string, details: { note?: string; outOfMemory?: boolean; handle?: ExecutorHandle } = {}): void {
    const { note, outOfMemory, handle } = details;
    if (handle !== undefined && this.executors.get(executorId) !== handle) return;
    if (!this.executors.delete(executorId)) return;
    const lostTasks = [...this.running].filter(([, info]) => info.executorId === executorId);
    const tasks = lostTasks.map(([taskId, t]) => `task ${taskId} of stage ${t.stageId} (partition ${t.partition}, attempt ${t.attempt})`);
    const message = `${cause}${tasks.length > 0 ? ` while running ${tasks.join(', ')}` : ''}${note ? `; ${note}` : ''}`;
    for (const [key, owner] of this.cacheLocations) if (owner === executorId) this.cacheLocations.delete(key);
    const memory = outOfMemory ? { outOfMemory } : {};
    const time = Date.now();
    for (const [taskId, info] of lostTasks) this.postTaskEnd(taskId, info, time, 'failed', undefined, { kind: 'ExecutorLost', executorId, message });
    this.bus.post({ event: 'ExecutorRemoved', time, executorId, reason: `${cause}${note ? `; ${note}` : ''}`, ...memory });
    for (const [, info] of lostTasks) this.recordFailure(info, { kind: 'ExecutorLost', executorId, message, ...memory });
    this.dispatch({ type: 'ExecutorLost', executorId, message, ...memory });
    // Its tasks will never report: they are no longer running anywhere.
    for (const [taskId] of lostTasks) this.running.delete(taskId);
    this.reportSettledFailures();
    this.failIfNoExecutors(`the last one: ${describeFailure({ kind: 'ExecutorLost', executorId, message })}`);
  }

  /**
   * An executor is being started in place of a lost one (local[N]): until the returned function is
   * called (with why it did not start, if it did not), losing the last executor fails no job.
   */
  expectExecutor(): (failure?: string) => void {
    this.executorsStarting++;
    let settled = false;
    return (failure) => {
      if (settled) return;
      settled = true;
      this.executorsStarting--;
      if (failure !== undefined) this.failIfNoExecutors(failure);
    };
  }

  /** With no executor left and none starting, no job can go on: each fails, saying why. */
  private failIfNoExecutors(why: string): void {
    if (this.executors.size > 0 || this.executorsStarting > 0 || this.jobs.size === 0) return;
    for (const job of [...this.jobs.values()]) {
      this.finishJob(job, new DataflowError('NO_EXECUTORS', `job ${job.jobId} failed: all executors are lost; ${why}`));
      this.dispatch({ type: 'JobCancelled', jobId: job.jobId, message: `all executors are lost` });
    }
  }

  /** Fails every active and future job with `error` (the application cannot continue). */
  fail(error: Error): void {
    this.fatal = error;
    for (const job of [...this.jobs.values()]) {
      this.finishJob(job, error);
      this.dispatch({ type: 'JobCancelled', jobId: job.jobId, message: error.message });
    }
  }

  /** Task `taskId` if it runs on `executorId`: a report from any other executor is not about it. */
  private runningOn(executorId: string, taskId: number): RunningTask | undefined {
    const info = this.running.get(taskId);
    return info?.executorId === executorId ? info : undefined;
  }

  /** A task's result, from the executor running it (as taskFailed). */
  taskFinished(executorId: string, taskId: number, result: TaskResult): void {
    const info = this.runningOn(executorId, taskId);
    if (!info) return;
    const payload = result.payload;
    for (const block of result.cachedBlocks) this.cacheLocations.set(`${block.cacheId}:${block.partition}`, executorId);
    this.payloads.set(taskId, payload);
    let mapOutput: MapOutputStatus | undefined;
    if (payload.kind === 'mapOutput') {
      const shuffleId = info.shuffleId;
      if (shuffleId !== undefined && payload.schemaIpc && this.stageIdByShuffle.has(shuffleId) && !this.shuffleSchemas.has(shuffleId)) {
        this.shuffleSchemas.set(shuffleId, payload.schemaIpc);
      }
      mapOutput = { executorId, blockSizes: payload.blockSizes, attempt: info.attempt };
    }
    this.recordMetrics(info.jobId, info.stageId, result);
    const time = Date.now();
    this.postTaskEnd(taskId, info, time, 'succeeded', result);
    result.cachedBlocks.forEach((block, i) => this.bus.post({
      event: 'DatasetCached', time, cacheId: block.cacheId, name: `cache ${block.cacheId}`, partition: block.partition, executorId,
      // a task caches one partition, or several of a union: its bytes are counted on the first
      memoryBytes: i === 0 ? result.metrics?.cachedMemoryBytes ?? 0 : 0, diskBytes: i === 0 ? result.metrics?.cachedDiskBytes ?? 0 : 0,
    }));
    this.dispatch({ type: 'TaskFinished', taskId, mapOutput });
    this.payloads.delete(taskId);
    this.running.delete(taskId);
    this.reportSettledFailures();
  }

  /**
   * A task failed, as the executor running it reports: one running the task elsewhere (or no longer)
   * is ignored, since any peer with the secret may register as an executor and report.
   */
  taskFailed(executorId: string, taskId: number, reason: TaskFailureReason): void {
    const info = this.runningOn(executorId, taskId);
    if (!info) return;
    this.recordFailure(info, reason);
    this.postTaskEnd(taskId, info, Date.now(), reason.kind === 'TaskKilled' ? 'killed' : 'failed', undefined, reason);
    this.running.delete(taskId);
    this.dispatch({ type: 'TaskFailed', taskId, reason });
    this.reportSettledFailures();
  }

  /** Runs one job to completion and returns each result partition's payload, in partition order. */
  runJob(finalNode: PlanNode, action: ResultAction, options: RunJobOptions = {}): Promise<TaskPayload[]> {
    if (this.fatal) return Promise.reject(this.fatal);
    return this.submit(planStages(finalNode, this.stageIds()), action, options).results;
  }

  /**
   * Runs the map stage writing `dep` (and the stages it needs) until every output of its shuffle is
   * registered; returns what its tasks measured.
   */
  async runMapStage(dep: ShuffleDependency, options: RunJobOptions = {}): Promise<JobMetrics> {
    if (this.fatal) throw this.fatal;
    const { results, metrics } = this.submit(planMapStage(dep, this.stageIds()), undefined, options);
    await results;
    return metrics;
  }

  private stageIds(): { forShuffle(shuffleId: number): number; next(): number } {
    return {
      forShuffle: (shuffleId) => {
        let id = this.stageIdByShuffle.get(shuffleId);
        if (id === undefined) this.stageIdByShuffle.set(shuffleId, (id = this.nextStageId++));
        return id;
      },
      next: () => this.nextStageId++,
    };
  }

  private submit(plan: StagePlan, action: ResultAction | undefined, options: RunJobOptions): { results: Promise<TaskPayload[]>; metrics: JobMetrics } {
    for (const stage of plan.stages) {
      const entry = this.stages.get(stage.stageId);
      if (entry) entry.users++;
      else this.stages.set(stage.stageId, { stage, users: 1 });
    }
    const jobId = this.nextJobId++;
    this.bundleByJob.set(jobId, options.bundleHash);
    const metrics = emptyJobMetrics(jobId);
    for (const carried of options.carriedMetrics ?? []) addMetrics(metrics, carried);
    const results = new Promise<TaskPayload[]>((resolve, reject) => {
      const job: JobRun = {
        jobId, plan, action, results: new Array(action ? plan.finalStage.numPartitions : 0).fill(undefined), metrics,
        onAccept: options.onAccept, settleBeforeFailing: options.settleBeforeFailing === true, resolve, reject,
      };
      this.jobs.set(jobId, job);
      if (this.bus.listening) {
        const description = options.description ?? (action ? action.kind : `map stage of shuffle ${plan.finalStage.shuffleDep?.shuffleId ?? '?'}`);
        this.bus.post({ event: 'JobStart', time: Date.now(), jobId, description, stages: stageInfos(plan), plan: explainStages(plan) });
      }
      const stages: StageSpec[] = plan.stages.map((stage) => ({
        stageId: stage.stageId,
        numPartitions: stage.numPartitions,
        parentStageIds: stage.parents.map((p) => p.stageId),
        shuffleId: stage.shuffleDep?.shuffleId,
        preferredLocations: this.preferredLocations(stage),
      }));
      this.dispatch({ type: 'Tick', now: performance.now() });
      const mapStage = action === undefined ? { mapStage: true } : {};
      this.dispatch({ type: 'JobSubmitted', job: { jobId, stages, finalStageId: plan.finalStage.stageId, ...mapStage } });
    });
    return { results, metrics };
  }

  private preferredLocations(stage: Stage): Array<string[] | undefined> | undefined {
    if (this.cacheLocations.size === 0) return undefined;
    const out: Array<string[] | undefined> = [];
    for (let p = 0; p < stage.numPartitions; p++) {
      const owners = cacheReads(stage.root, p)
        .map((r) => this.cacheLocations.get(`${r.cacheId}:${r.partition}`))
        .filter((e): e is string => e !== undefined);
      out.push(owners.length ? [...new Set(owners)] : undefined);
    }
    return out;
  }

  private dispatch(event: SchedulerEvent): void {
    const commands = this.scheduler.handle(event);
    if (this.history.length + commands.length > this.historyLimit) this.history.splice(0, this.history.length - Math.floor(this.historyLimit / 2));
    for (const command of commands) {
      this.history.push(command);
      this.carryOut(command);
    }
  }

  private carryOut(command: SchedulerCommand): void {
    switch (command.type) {
      case 'LaunchTask': {
        const { task } = command;
        const stage = this.stages.get(task.stageId)?.stage;
        const executor = this.executors.get(task.executorId);
        const job = this.jobs.get(task.jobId);
        if (!stage || !executor) {
          queueMicrotask(() => this.dispatch({ type: 'TaskFailed', taskId: task.taskId, reason: { kind: 'ExecutorLost', executorId: task.executorId, message: 'executor is gone' } }));
          return;
        }
        const descriptor: TaskDescriptor = {
          taskId: task.taskId, jobId: task.jobId, stageId: task.stageId, partition: task.partition, attempt: task.attempt,
          plan: stripUpstream(stage.root),
          output: stage.shuffleDep
            ? { kind: 'shuffle', dep: this.shippedDep(stage.shuffleDep), numPartitions: partitionCount(stage.shuffleDep.partitioner), memoryOutputBytes: this.memoryOutputBytes }
            : { kind: 'result', action: job?.action ?? { kind: 'count' } },
          shuffleInputs: shuffleReads(stage.root, task.partition).map(({ shuffleId, reducePartition, endPartition }) => ({
            shuffleId, reducePartition, endPartition,
            blocks: this.registry.locationsFor(shuffleId, reducePartition, endPartition).map((loc) => {
              const owner = this.executors.get(loc.executorId);
              return { mapPartition: loc.mapPartition, executorId: loc.executorId, host: owner?.host ?? '', port: owner?.port ?? 0, size: loc.size, attempt: loc.attempt };
            }),
            schemaIpc: this.shuffleSchemas.get(shuffleId),
          })),
          cachedInputs: cacheReads(stage.root, task.partition).flatMap(({ cacheId, partition }) => {
            const owner = this.executors.get(this.cacheLocations.get(`${cacheId}:${partition}`) ?? '');
            return owner && owner.id !== task.executorId ? [{ cacheId, partition, executorId: owner.id, host: owner.host, port: owner.port }] : [];
          }),
          bundleHash: this.bundleByJob.get(task.jobId),
        };
        const launched = Date.now();
        this.running.set(task.taskId, {
          jobId: task.jobId, stageId: task.stageId, partition: task.partition, attempt: task.attempt, executorId: task.executorId, shuffleId: stage.shuffleDep?.shuffleId,
          stageAttempt: task.stageAttempt, launched,
        });
        this.bus.postTaskStart(launched, task.stageId, task.stageAttempt, task.taskId, task.partition, task.attempt, task.executorId, executor.host);
        executor.launch(descriptor);
        return;
      }
      case 'AcceptResult': {
        const job = this.jobs.get(command.jobId);
        const payload = this.payloads.get(command.taskId);
        const info = this.running.get(command.taskId);
        if (!job || !payload || !info) return;
        job.results[command.partition] = payload;
        job.onAccept?.(command.partition, info.attempt, payload);
        return;
      }
      case 'StageSubmitted':
        this.stageAttempt.set(command.stageId, command.stageAttempt);
        this.bus.post({ event: 'StageSubmitted', time: Date.now(), jobId: command.jobId, stageId: command.stageId, attempt: command.stageAttempt, numTasks: command.partitions.length });
        return;
      case 'StageCompleted':
        this.bus.post({ event: 'StageCompleted', time: Date.now(), jobId: command.jobId, stageId: command.stageId, attempt: this.stageAttempt.get(command.stageId) ?? 0, status: 'succeeded' });
        return;
      case 'StageResubmitted': return;
      case 'ExecutorExcluded': process.stderr.write(`dataflow: ${command.message}\n`); return;
      case 'KillTask': this.executors.get(command.executorId)?.kill(command.taskId); return;
      case 'JobSucceeded': {
        const job = this.jobs.get(command.jobId);
        if (job) this.finishJob(job, undefined);
        return;
      }
      case 'JobFailed': {
        const job = this.jobs.get(command.jobId);
        if (job) this.finishJob(job, new JobFailedError(command.failure));
        return;
      }
    }
  }

  private postTaskEnd(
    taskId: number, info: { stageId: number; stageAttempt: number; partition: number; attempt: number; executorId: string; launched: number },
    time: number, status: 'succeeded' | 'failed' | 'killed', result?: TaskResult, reason?: TaskFailureReason,
  ): void {
    this.bus.postTaskEnd(
      time, info.stageId, info.stageAttempt, taskId, info.partition, info.attempt, info.executorId, status,
      result ? Math.round(result.durationMs) : time - info.launched, result?.metrics, reason !== undefined ? describeFailure(reason) : undefined, reason?.kind,
    );
  }

  private recordFailure(info: { jobId: number; stageId: number; partition: number; attempt: number }, reason: TaskFailureReason): void {
    const metrics = this.jobs.get(info.jobId)?.metrics;
    if (metrics) recordTaskFailure(metrics, info, reason);
  }

  private recordMetrics(jobId: number, stageId: number, result: TaskResult): void {
    const metrics = this.jobs.get(jobId)?.metrics;
    if (metrics && result.metrics) recordTaskMetrics(metrics, stageId, result.metrics);
  }

  private finishJob(job: JobRun, error: Error | undefined): void {
    if (!this.jobs.delete(job.jobId)) return;
    if (job.action) this.lastJobMetrics = job.metrics; // a map-stage job's count in the job it ran for
    this.bundleByJob.delete(job.jobId);
    for (const stage of job.plan.stages) {
      const entry = this.stages.get(stage.stageId);
      if (entry && --entry.users === 0) {
        this.stages.delete(stage.stageId);
        this.stageAttempt.delete(stage.stageId);
      }
    }
    const status = !error ? 'succeeded' : (error as DataflowError).code === 'SESSION_STOPPED' ? 'cancelled' : 'failed';
    this.bus.post({ event: 'JobEnd', time: Date.now(), jobId: job.jobId, status, ...(error ? { message: error.message } : {}) });
    this.bus.drain(); // the job's events reach every listener before its action returns
    if (error && job.settleBeforeFailing && this.hasRunningTasks(job.jobId)) this.settling.set(job.jobId, { job, error });
    else if (error) job.reject(error);
    else job.resolve(job.results as TaskPayload[]);
    // After the dispatch that ended the job, so the scheduler no longer counts it as active.
    if (this.pendingReleases.size > 0) queueMicrotask(() => this.releasePending());
  }

  // ---- state of a whole shuffle or cache, freed by the session ----------------------------------

  /** Whether the split points of range-partitioned shuffle `shuffleId` are known. */
  hasRangeBounds(shuffleId: number): boolean {
    return this.rangeBounds.has(shuffleId);
  }

  /** Records the split points sampled for a range-partitioned shuffle; its map tasks partition by them. */
  setRangeBounds(shuffleId: number, bounds: unknown[][]): void {
    this.rangeBounds.set(shuffleId, bounds);
  }

  /**
   * Forgets everything about a shuffle no reachable dataset reads: its stage id, schema, bounds, map
   * outputs (in the scheduler's registry) and the executors' files. Deferred while a job uses it.
   */
  releaseShuffle(shuffleId: number): void {
    if (this.activeShuffles().has(shuffleId)) {
      this.pendingReleases.add(shuffleId);
      return;
    }
    this.pendingReleases.delete(shuffleId);
    if (this.stageIdByShuffle.delete(shuffleId)) this.dispatch({ type: 'ShuffleReleased', shuffleId });
    this.shuffleSchemas.delete(shuffleId);
    this.rangeBounds.delete(shuffleId);
    this.partitions.ranges.forget(shuffleId);
    for (const executor of this.executors.values()) executor.dropShuffle(shuffleId);
  }

  /** Forgets a cached dataset's partitions, here and on every executor (unpersist, or unreachable). */
  releaseCache(cacheId: number): void {
    this.bus.post({ event: 'DatasetUnpersisted', time: Date.now(), cacheId });
    const prefix = `${cacheId}:`;
    for (const key of [...this.cacheLocations.keys()]) if (key.startsWith(prefix)) this.cacheLocations.delete(key);
    for (const executor of this.executors.values()) executor.dropCache(cacheId);
  }

  /** Frees a broadcast's cached value on every executor. */
  releaseBroadcast(broadcastId: number): void {
    for (const executor of this.executors.values()) executor.dropBroadcast(broadcastId);
  }

  /** Sizes of everything the driver keeps, for tests and diagnostics: none may grow with the number of jobs. */
  stateSizes(): Record<string, number> {
    return {
      jobs: this.jobs.size, stages: this.stages.size, stageIdByShuffle: this.stageIdByShuffle.size,
      shuffleSchemas: this.shuffleSchemas.size, rangeBounds: this.rangeBounds.size, running: this.running.size,
      payloads: this.payloads.size, cacheLocations: this.cacheLocations.size, bundleByJob: this.bundleByJob.size,
      registryShuffles: this.registry.shuffleIds().length, schedulerMapStages: this.scheduler.mapStageCount(),
      pendingReleases: this.pendingReleases.size, settling: this.settling.size, partitionRanges: this.partitions.ranges.size,
    };
  }

  /** What every executor holds for this application. */
  executorStats(): Promise<ExecutorStats[]> {
    return Promise.all([...this.executors.values()].map((e) => e.stats()));
  }

  private activeShuffles(): Set<number> {
    const ids = new Set<number>();
    for (const job of this.jobs.values()) for (const stage of job.plan.stages) if (stage.shuffleDep) ids.add(stage.shuffleDep.shuffleId);
    return ids;
  }

  private releasePending(): void {
    for (const shuffleId of [...this.pendingReleases]) this.releaseShuffle(shuffleId);
  }

  /** The dependency as a map task needs it: no map-side plan, range bounds filled in. */
  private shippedDep(dep: ShuffleDependency): ShuffleDependency {
    const { parent: _parent, ...rest } = dep;
    const bounds = this.rangeBounds.get(dep.shuffleId);
    if (bounds && rest.partitioner.kind === 'range') rest.partitioner = { ...rest.partitioner, bounds };
    return rest;
  }

  private hasRunningTasks(jobId: number): boolean {
    for (const info of this.running.values()) if (info.jobId === jobId) return true;
    return false;
  }

  /** Reports the failure of each settling job none of whose tasks is running any more. */
  private reportSettledFailures(): void {
    for (const [jobId, { job, error }] of this.settling) {
      if (this.hasRunningTasks(jobId)) continue;
      this.settling.delete(jobId);
      job.reject(error);
    }
  }
}
