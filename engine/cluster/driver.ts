// The driver: turns a job (a plan node and an action) into stages, feeds the scheduler state
// machine with events, and carries out the commands it returns: launch tasks on executors, keep
// results that the scheduler accepts, finish or fail the job. All transport lives in the executor
// handles; all scheduling decisions live in SchedulerState.

import { DataflowError } from '../errors.ts';
import type { EngineConfig } from '../config.ts';
import type { PlanNode, ShuffleDependency } from '../plan/nodes.ts';
import { cacheReads, shuffleReads, stripUpstream } from '../plan/nodes.ts';
import type { Stage, StagePlan } from '../plan/stages.ts';
import { planStages } from '../plan/stages.ts';
import { SchedulerState } from '../scheduler/scheduler.ts';
import type { JobFailure, SchedulerCommand, SchedulerEvent, StageSpec } from '../scheduler/types.ts';
import type { MapOutputStatus, ResultAction, TaskDescriptor, TaskFailureReason, TaskPayload, TaskResult } from '../protocol/index.ts';
import { MapOutputRegistry } from '../scheduler/map-output-registry.ts';
import { partitionCount } from '../shuffle/partitioner.ts';
import type { ExecutorHandle } from './executor-handle.ts';
import { ProgressReporter } from './progress.ts';

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
  plan: StagePlan;
  action: ResultAction;
  results: Array<TaskPayload | undefined>;
  onAccept?: (partition: number, attempt: number, payload: TaskPayload) => void;
  settleBeforeFailing: boolean;
  resolve: (results: TaskPayload[]) => void;
  reject: (error: Error) => void;
}

export interface RunJobOptions {
  bundleHash?: string;
  /** Called once per result partition when the scheduler accepts it (output commit). */
  onAccept?: (partition: number, attempt: number, payload: TaskPayload) => void;
  /**
   * Report a failure only once none of the job's tasks is still running (each has finished, failed
   * or lost its executor), so that their side effects are over before the caller cleans up: a
   * writeParquet task still writing after the job failed would recreate the folder abortJob removed.
   */
  settleBeforeFailing?: boolean;
}

/** How often the scheduler learns the time (delay scheduling resolves to this granularity). */
const TICK_MS = 250;
const HISTORY_LIMIT = 100_000;

export class Driver {
  readonly registry = new MapOutputRegistry();
  readonly scheduler: SchedulerState;
  /**
   * Commands the scheduler produced, for tests and diagnostics (StageResubmitted proves
   * recomputation). The most recent HISTORY_LIMIT are kept, so a long session does not grow it forever.
   */
  readonly history: SchedulerCommand[] = [];
  private readonly executors = new Map<string, ExecutorHandle>();
  private readonly jobs = new Map<number, JobRun>();
  private readonly stages = new Map<number, Stage>();
  private readonly stageIdByShuffle = new Map<number, number>();
  private readonly running = new Map<number, { jobId: number; stageId: number; attempt: number; executorId: string }>();
  /** Failed jobs waiting for their running tasks to stop before the failure is reported (settleBeforeFailing). */
  private readonly settling = new Map<number, { job: JobRun; error: Error }>();
  private readonly payloads = new Map<number, TaskPayload>();
  private readonly shuffleSchemas = new Map<number, Uint8Array>();
  private readonly cacheLocations = new Map<string, string>();
  private readonly progress: ProgressReporter;
  private nextJobId = 0;
  private nextStageId = 0;
  private readonly bundleByJob = new Map<number, string | undefined>();
  private readonly ticker: NodeJS.Timeout;
  /** Set when the application cannot continue (its master went away): every job fails with it. */
  private fatal: Error | undefined;

  constructor(config: EngineConfig) {
    this.scheduler = new SchedulerState(
      {
        maxTaskAttempts: config['dataflow.task.maxAttempts'],
        maxStageAttempts: config['dataflow.stage.maxAttempts'],
        localityWaitMs: config['dataflow.locality.waitMs'],
      },
      this.registry,
    );
    // The scheduler has no clock: time reaches it as Tick events while jobs are running.
    this.ticker = setInterval(() => {
      if (this.jobs.size > 0) this.dispatch({ type: 'Tick', now: performance.now() });
    }, TICK_MS);
    this.ticker.unref();
    this.progress = new ProgressReporter(config['dataflow.ui.progress'] && process.stderr.isTTY === true);
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
    this.dispatch({ type: 'ExecutorAdded', executorId: handle.id, slots: handle.slots });
  }

  executorLost(executorId: string, message: string): void {
    if (!this.executors.delete(executorId)) return;
    for (const [key, owner] of this.cacheLocations) if (owner === executorId) this.cacheLocations.delete(key);
    this.dispatch({ type: 'ExecutorLost', executorId, message });
    // Its tasks will never report: they are no longer running anywhere.
    for (const [taskId, info] of this.running) if (info.executorId === executorId) this.running.delete(taskId);
    this.reportSettledFailures();
    if (this.executors.size === 0 && this.jobs.size > 0) {
      for (const job of [...this.jobs.values()]) {
        this.finishJob(job, new DataflowError('NO_EXECUTORS', `job ${job.jobId} failed: all executors are lost; the last one, ${executorId}, ${message}`));
        this.dispatch({ type: 'JobCancelled', jobId: job.jobId, message: `all executors are lost` });
      }
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

  taskFinished(executorId: string, taskId: number, result: TaskResult): void {
    const info = this.running.get(taskId);
    if (!info) return;
    const payload = result.payload;
    for (const block of result.cachedBlocks) this.cacheLocations.set(`${block.cacheId}:${block.partition}`, executorId);
    this.payloads.set(taskId, payload);
    let mapOutput: MapOutputStatus | undefined;
    if (payload.kind === 'mapOutput') {
      const stage = this.stages.get(info.stageId);
      if (stage?.shuffleDep && payload.schemaIpc && !this.shuffleSchemas.has(stage.shuffleDep.shuffleId)) {
        this.shuffleSchemas.set(stage.shuffleDep.shuffleId, payload.schemaIpc);
      }
      mapOutput = { executorId, blockSizes: payload.blockSizes, attempt: info.attempt };
    }
    this.progress.taskDone(info.stageId);
    this.dispatch({ type: 'TaskFinished', taskId, mapOutput });
    this.payloads.delete(taskId);
    this.running.delete(taskId);
    this.reportSettledFailures();
  }

  taskFailed(taskId: number, reason: TaskFailureReason): void {
    if (!this.running.has(taskId)) return;
    this.running.delete(taskId);
    this.dispatch({ type: 'TaskFailed', taskId, reason });
    this.reportSettledFailures();
  }

  /** Runs one job to completion and returns each result partition's payload, in partition order. */
  runJob(finalNode: PlanNode, action: ResultAction, options: RunJobOptions = {}): Promise<TaskPayload[]> {
    if (this.fatal) return Promise.reject(this.fatal);
    const plan = planStages(finalNode, {
      forShuffle: (shuffleId) => {
        let id = this.stageIdByShuffle.get(shuffleId);
        if (id === undefined) this.stageIdByShuffle.set(shuffleId, (id = this.nextStageId++));
        return id;
      },
      next: () => this.nextStageId++,
    });
    for (const stage of plan.stages) this.stages.set(stage.stageId, stage);
    const jobId = this.nextJobId++;
    this.bundleByJob.set(jobId, options.bundleHash);
    return new Promise<TaskPayload[]>((resolve, reject) => {
      const job: JobRun = {
        jobId, plan, action, results: new Array(plan.finalStage.numPartitions).fill(undefined),
        onAccept: options.onAccept, settleBeforeFailing: options.settleBeforeFailing === true, resolve, reject,
      };
      this.jobs.set(jobId, job);
      const stages: StageSpec[] = plan.stages.map((stage) => ({
        stageId: stage.stageId,
        numPartitions: stage.numPartitions,
        parentStageIds: stage.parents.map((p) => p.stageId),
        shuffleId: stage.shuffleDep?.shuffleId,
        preferredLocations: this.preferredLocations(stage),
      }));
      this.dispatch({ type: 'Tick', now: performance.now() });
      this.dispatch({ type: 'JobSubmitted', job: { jobId, stages, finalStageId: plan.finalStage.stageId } });
    });
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
    if (this.history.length + commands.length > HISTORY_LIMIT) this.history.splice(0, this.history.length - HISTORY_LIMIT / 2);
    for (const command of commands) {
      this.history.push(command);
      this.carryOut(command);
    }
  }

  private carryOut(command: SchedulerCommand): void {
    switch (command.type) {
      case 'LaunchTask': {
        const { task } = command;
        const stage = this.stages.get(task.stageId);
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
            ? { kind: 'shuffle', dep: stripDep(stage.shuffleDep), numPartitions: partitionCount(stage.shuffleDep.partitioner) }
            : { kind: 'result', action: job?.action ?? { kind: 'count' } },
          shuffleInputs: shuffleReads(stage.root, task.partition).map(({ shuffleId, reducePartition }) => ({
            shuffleId, reducePartition,
            blocks: this.registry.locationsFor(shuffleId, reducePartition).map((loc) => {
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
        this.running.set(task.taskId, { jobId: task.jobId, stageId: task.stageId, attempt: task.attempt, executorId: task.executorId });
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
      case 'StageSubmitted': this.progress.stageSubmitted(command.stageId, command.partitions.length); return;
      case 'StageCompleted': this.progress.stageCompleted(command.stageId); return;
      case 'StageResubmitted': return;
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

  private finishJob(job: JobRun, error: Error | undefined): void {
    if (!this.jobs.delete(job.jobId)) return;
    this.bundleByJob.delete(job.jobId);
    if (error && job.settleBeforeFailing && this.hasRunningTasks(job.jobId)) this.settling.set(job.jobId, { job, error });
    else if (error) job.reject(error);
    else job.resolve(job.results as TaskPayload[]);
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


function stripDep(dep: ShuffleDependency): ShuffleDependency {
  const { parent: _parent, ...rest } = dep;
  return rest;
}
