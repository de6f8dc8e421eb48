// The DAG + task scheduler of dataflow as a pure state machine: `handle(event)` returns the commands
// to carry out. No sockets, timers, files or clocks; the driver feeds it events and executes commands
// (time too, as Tick events, for delay scheduling: locality-wait.ts).
// Models: Spark's DAGScheduler + TaskSetManager, the dask worker state machine, Ballista's stages.
//
// The model, in the style of DAGScheduler.scala:
//
//  - Jobs. A JobSpec is the stage DAG of one action. Jobs run side by side; the session's state (map
//    stages, the map-output registry, executors) outlives them.
//
//  - Stages. Shuffle-map stages write a shuffle (shuffleId); the final stage is the job's result
//    stage, whose partitions are committed with AcceptResult exactly once each. A map-stage job
//    (JobSpec.mapStage, Spark's submitMapStage) has a map stage as its final stage and ends when its
//    shuffle's outputs are all registered: the driver runs one before it cuts the shuffle's buckets
//    into reduce partitions by their sizes. A map stage is
//    identified by its shuffleId for the whole session: a later job that reads shuffle 3 uses the same
//    StageRun, and if the registry already holds all of shuffle 3's outputs the stage is skipped
//    (iterative jobs never recompute their history). Otherwise only missing partitions run.
//
//  - Tasks and task attempts. A task computes one partition of one stage on one executor slot.
//    A user error or the loss of its executor counts toward maxTaskAttempts for that partition (reset
//    when it succeeds); at the limit every job needing the stage fails, with every failure as a cause.
//    BundleLoadFailed is never retried: the bundle is the same everywhere. Neither are InputError (the
//    input is the same on every attempt) and InternalError (a fault of the engine, e.g. an IPC block it
//    wrote that does not decode: retrying would hide it).
//    ExecutorResourceExhausted (the executor's disk filled while spilling) and OutOfMemory (the task's
//    thread hit its heap limit) are retried and counted like a user error, and the partition avoids
//    that executor afterwards while another one is alive.
//
//  - Executor exclusion (Spark's excludeOnFailure, application level). An executor on which tasks of
//    `maxFailedTasksPerExecutor` distinct partitions failed with ExecutorResourceExhausted is the
//    fault, not the tasks: it is excluded for the session (ExecutorExcluded), gets no more tasks and
//    stays alive (its map outputs are still read). OutOfMemory is a task's own size, not counted.
//    When every live executor is excluded, the jobs with tasks to place fail at once with the
//    reasons (noUsableExecutor) rather than wait for executors that will never take them.
//
//  - Stage attempts. Every StageSubmitted starts a stage attempt. A stage is submitted when the
//    outputs of all its parent shuffles are complete; until then it waits.
//
//  - Fetch failures. A reducer that cannot read map output M of shuffle S from executor E proves that
//    output gone: unregister it, pause the reading stage (its queued tasks are dropped, running ones
//    may still finish), rerun M in S's map stage (StageResubmitted), then resubmit the reading stage
//    for its failed partitions. Each stage attempt ending in a fetch failure counts toward
//    maxStageAttempts of the reading stage (as Spark's failedAttemptIds); the count resets when it
//    completes. A fetch failure that says the executor did not answer at all (`unreachable`: no
//    connection, or silence past the network timeout) unregisters every output of that executor,
//    and those partitions and the failed reducer avoid it while another executor is alive.
//
//  - Killing tasks. A running task whose stage no job needs any more (its job failed or was
//    cancelled) is ignored and killed (KillTask): its executor stops it and removes its files, then
//    reports it (TaskKilled) and only then is its slot free.
//
//  - Executor loss. Its running tasks fail with ExecutorLost, its map outputs leave the registry,
//    and needed map stages rerun exactly the lost partitions. Reports from it afterwards are ignored.
//
//  - Reconciliation. After every event, `reconcile` recomputes which stages active jobs need (walking
//    back from each result stage through incomplete stages only) and moves each needed stage forward;
//    `assignTasks` then fills free slots. Completion is read from the registry, never cached (it
//    answers in O(1)). What to queue is not found by scanning the stage: its StageRun re-examines only
//    the partitions whose task ended, that left the queue, or whose output was lost (stage-run.ts), so
//    an event costs the same in a stage of 10 or 100,000 partitions. Nor is the queue scanned when a
//    stage waits for its busy preferred executors (delay scheduling): once one partition is refused a
//    slot elsewhere, every later one whose preferred executors are all busy would be too, so only
//    those that may launch are offered, found in StageRun's index of the queue by preferred executor
//    (offerLaunchable).
//
// Checklist for changing this class:
//  - Every event must be safe to receive late or twice: look the task up in `tasks` first; a task not
//    there (already finished, failed, or its executor lost) is ignored.
//  - A task holds its slot until it reports or its executor is lost, even if its job is gone
//    (`ignored`); only then is the slot free.
//  - State keyed by a job is dropped when the job ends (removeJob); map-stage state of the session is
//    reset to idle when no active job needs it, keeping only attempt counters and lost-output reasons,
//    and dropped with the shuffle's outputs at ShuffleReleased (no reachable dataset reads it).
//    Nothing else may grow with the number of jobs.
//  - Failure reasons stay typed from event to command; never stringify them.
//  - Output must be deterministic: iterate jobs in submission order, stages by id, partitions ascending.
//  - Validate an event before mutating anything: a throw must leave the state as it was.
//  - Every map output the registry drops must reach its StageRun (outputLost), or it is never run
//    again; change a stage's queue and live tasks only through StageRun's methods, which keep track of
//    what to re-examine and the queue's index by preferred executor. requeue.test.ts and
//    locality-index.test.ts fail when one of these paths is missed.
//  - assignTasks must launch exactly what offering every queued partition in order would (offer), the
//    locality wait included: a path that skips partitions replays what the skipped ones would have done.

import { InvalidInputError } from '../errors.ts';
import type { MapOutputRegistry } from './map-output-registry.ts';
import { InvalidJobSpecError, SchedulerProtocolError } from './errors.ts';
import { ExecutorSlots, type ExecutorSlotsView } from './executor-slots.ts';
import {
  bundleLoadFailed,
  executorExcluded,
  inputError,
  noUsableExecutor,
  internalError,
  jobCancelled,
  stageAttemptsExhausted,
  taskAttemptsExhausted,
} from './failure-messages.ts';
import { buildJobGraph, type JobGraph } from './job-graph.ts';
import { StageRun, type StageRunState } from './stage-run.ts';
import { LocalityWait } from './locality-wait.ts';
import {
  DEFAULT_SCHEDULER_CONFIG,
  type JobFailure,
  type JobSpec,
  type SchedulerCommand,
  type SchedulerConfig,
  type SchedulerEvent,
  type StageSpec,
  type TaskSpec,
} from './types.ts';
import type { ExecutorId, MapOutputStatus, TaskFailureReason } from '../protocol/index.ts';

interface ActiveJob {
  spec: JobSpec;
  graph: JobGraph;
  result: StageRun;
}

/** A launched task holding a slot. `ignored`: its stage is no longer needed; its report changes nothing. */
interface LiveTask {
  spec: TaskSpec;
  run: StageRun;
  ignored: boolean;
}

/** A job that needs a stage, and that stage's id in the job. */
interface Need {
  job: ActiveJob;
  stageId: number;
}

export class SchedulerState {
  private readonly config: SchedulerConfig;
  private readonly slots = new ExecutorSlots();
  private readonly locality: LocalityWait;
  /** Active jobs, in submission order. */
  private readonly jobs = new Map<number, ActiveJob>();
  /** shuffleId → the session's map stage writing it. */
  private readonly mapRuns = new Map<number, StageRun>();
  /** taskId → every task holding a slot. */
  private readonly tasks = new Map<number, LiveTask>();
  /** Stage → the active jobs needing it, in submission order (recomputed by refreshNeeds). */
  private needs = new Map<StageRun, Need[]>();
  private nextTaskId = 0;
  /** Executor → its resource failures, one per distinct stage partition (for excludeOnFailure). */
  private readonly resourceFailures = new Map<ExecutorId, Map<string, TaskFailureReason>>();
  /** Tasks made ignored during the current event, killed at its end (killIgnoredTasks). */
  private readonly toKill = new Set<number>();

  /**
   * @example
   *   const registry = new MapOutputRegistry();
   *   const scheduler = new SchedulerState({ maxTaskAttempts: 2 }, registry);
   *   scheduler.handle({ type: 'ExecutorAdded', executorId: 'exec-1', slots: 4 }); // → []
   */
  constructor(
    config: Partial<SchedulerConfig>,
    private readonly registry: MapOutputRegistry,
  ) {
    this.config = { ...DEFAULT_SCHEDULER_CONFIG, ...config };
    if (!(this.config.localityWaitMs >= 0)) {
      throw new InvalidInputError(`Scheduler option localityWaitMs must be 0 or more, got ${this.config.localityWaitMs}.`);
    }
    this.locality = new LocalityWait(this.config.localityWaitMs);
    for (const key of ['maxTaskAttempts', 'maxStageAttempts'] as const) {
      const value = this.config[key];
      if (!Number.isInteger(value) || value < 1) {
        throw new InvalidInputError(`Scheduler option ${key} must be a positive integer, got ${value} (default ${DEFAULT_SCHEDULER_CONFIG[key]}).`);
      }
    }
    if (!Number.isInteger(this.config.maxFailedTasksPerExecutor) || this.config.maxFailedTasksPerExecutor < 0) {
      throw new InvalidInputError(`Scheduler option maxFailedTasksPerExecutor must be 0 or a positive integer, got ${this.config.maxFailedTasksPerExecutor}.`);
    }
  }

  /**
   * Applies one event and returns the commands it causes, in the order to carry them out.
   *
   * @example
   *   scheduler.handle({ type: 'JobSubmitted', job });
   *   // → [{ type: 'StageSubmitted', ... }, { type: 'LaunchTask', task: { taskId: 0, ... } }, ...]
   */
  handle(event: SchedulerEvent): SchedulerCommand[] {
    const out: SchedulerCommand[] = [];
    switch (event.type) {
      case 'JobSubmitted':
        this.onJobSubmitted(event.job);
        break;
      case 'ExecutorAdded':
        this.slots.add(event.executorId, event.slots);
        break;
      case 'ExecutorLost':
        this.onExecutorLost(event.executorId, event.message, event.outOfMemory === true, out);
        break;
      case 'TaskFinished':
        this.onTaskFinished(event.taskId, event.mapOutput, out);
        break;
      case 'TaskFailed':
        this.onTaskFailed(event.taskId, event.reason, out);
        break;
      case 'JobCancelled':
        this.onJobCancelled(event.jobId, event.message, out);
        break;
      case 'ShuffleReleased':
        this.onShuffleReleased(event.shuffleId);
        break;
      case 'Tick':
        this.locality.tick(event.now);
        break;
    }
    this.reconcile(out);
    this.failJobsWithoutExecutors(out);
    this.killIgnoredTasks(out);
    this.assignTasks(out);
    return out;
  }

  // ---- read-only views -------------------------------------------------------------------------

  /** Active job ids in submission order. */
  activeJobIds(): number[] {
    return [...this.jobs.keys()];
  }

  /** Tasks running for active work (not ignored ones), by task id. */
  runningTasks(): TaskSpec[] {
    return [...this.tasks.values()].filter((t) => !t.ignored).map((t) => ({ ...t.spec })).sort((a, b) => a.taskId - b.taskId);
  }

  /** Number of queued tasks waiting for a slot. */
  pendingTaskCount(): number {
    let n = 0;
    for (const run of this.needs.keys()) if (run.state === 'running') n += run.pending.size;
    return n;
  }

  /** Live executors with their slots and the tasks (ignored ones included) holding them. */
  executors(): ExecutorSlotsView[] {
    return this.slots.view();
  }

  freeSlots(executorId: ExecutorId): number {
    return this.slots.freeSlots(executorId);
  }

  /** How many shuffles' map stages the session tracks (it must not grow with the number of jobs). */
  mapStageCount(): number {
    return this.mapRuns.size;
  }

  /** The session's map stage writing `shuffleId`: its state and latest stage attempt (-1: never run). */
  mapStage(shuffleId: number): { state: StageRunState; attempt: number } | undefined {
    const run = this.mapRuns.get(shuffleId);
    return run && { state: run.state, attempt: run.attempt };
  }

  // ---- events ----------------------------------------------------------------------------------

  private onJobSubmitted(submitted: JobSpec): void {
    const job = structuredClone(submitted); // the caller may reuse its object; our state must not change with it
    if (this.jobs.has(job.jobId)) throw new InvalidJobSpecError(`Job ${job.jobId} was submitted while already active; job ids must be unique.`);
    const graph = buildJobGraph(job, (shuffleId) => this.mapRuns.get(shuffleId)?.numPartitions);
    for (const stage of graph.topoOrder) {
      if (stage.shuffleId !== undefined && !this.mapRuns.has(stage.shuffleId)) {
        this.mapRuns.set(stage.shuffleId, StageRun.forMap(stage.shuffleId, stage.numPartitions, this.registry));
      }
    }
    const final = graph.stagesById.get(job.finalStageId)!;
    const result = job.mapStage ? this.mapRuns.get(final.shuffleId!)! : StageRun.forResult(job.jobId, final.numPartitions, this.registry);
    this.jobs.set(job.jobId, { spec: job, graph, result });
  }

  private onShuffleReleased(shuffleId: number): void {
    const needed = [...this.jobs.values()].some((job) => [...job.graph.stagesById.values()].some((stage) => stage.shuffleId === shuffleId));
    if (needed) {
      throw new SchedulerProtocolError(
        `Shuffle ${shuffleId} was released while an active job still needs it; release a shuffle only when no plan reads it.`,
      );
    }
    // Tasks of the stage still running are already ignored (the stage is idle): their outputs are dropped.
    this.mapRuns.delete(shuffleId);
    this.registry.forget(shuffleId);
  }

  private onExecutorLost(executorId: ExecutorId, message: string, outOfMemory: boolean, out: SchedulerCommand[]): void {
    this.resourceFailures.delete(executorId);
    const reason: TaskFailureReason = { kind: 'ExecutorLost', executorId, message, ...(outOfMemory ? { outOfMemory } : {}) };
    for (const taskId of this.slots.remove(executorId)) {
      const task = this.tasks.get(taskId);
      this.tasks.delete(taskId);
      if (!task || task.ignored) continue;
      task.run.taskEnded(task.spec.partition);
      this.countTaskFailure(task, reason, out);
    }
    for (const lost of this.registry.removeExecutor(executorId)) {
      const run = this.mapRuns.get(lost.shuffleId);
      if (!run) continue;
      run.outputLost(lost.mapPartition);
      if (!run.rerunReasons.has(lost.mapPartition)) run.rerunReasons.set(lost.mapPartition, reason);
    }
  }

  private onTaskFinished(taskId: number, mapOutput: MapOutputStatus | undefined, out: SchedulerCommand[]): void {
    const task = this.tasks.get(taskId);
    if (!task) return; // finished twice, failed before, or its executor was declared lost
    const { spec, run } = task;
    if (!task.ignored && run.kind === 'map') {
      if (!mapOutput) {
        throw new SchedulerProtocolError(
          `Task ${taskId} (stage ${spec.stageId}, partition ${spec.partition}) is a shuffle-map task but finished without a mapOutput; ` +
            `the executor must report where it wrote shuffle ${run.shuffleId}.`,
        );
      }
      if (mapOutput.executorId !== spec.executorId) {
        throw new SchedulerProtocolError(
          `Task ${taskId} ran on executor ${spec.executorId} but reported its map output on ${mapOutput.executorId}.`,
        );
      }
    }
    this.tasks.delete(taskId);
    this.slots.release(spec.executorId, taskId);
    if (task.ignored) return;
    run.taskEnded(spec.partition);
    run.failures.delete(spec.partition);
    run.rerunReasons.delete(spec.partition);
    if (run.kind === 'map') {
      // Keep the first output of a partition: reducers may already have been told where it is.
      if (!run.isPartitionComplete(spec.partition)) this.registry.register(run.shuffleId!, spec.partition, mapOutput!);
    } else if (!run.accepted.has(spec.partition)) {
      run.accepted.add(spec.partition);
      out.push({ type: 'AcceptResult', taskId, jobId: run.jobId!, partition: spec.partition });
    }
  }

  private onTaskFailed(taskId: number, reason: TaskFailureReason, out: SchedulerCommand[]): void {
    const task = this.tasks.get(taskId);
    if (!task) return;
    this.tasks.delete(taskId);
    this.slots.release(task.spec.executorId, taskId);
    if (task.ignored) return;
    task.run.taskEnded(task.spec.partition);
    switch (reason.kind) {
      case 'UserCodeError':
      case 'ExecutorLost':
      case 'TaskKilled': // only ignored tasks are killed by the driver; an executor stopping kills the rest
        this.countTaskFailure(task, reason, out);
        break;
      case 'ExecutorResourceExhausted':
        task.run.avoid(task.spec.partition, reason.executorId);
        this.countResourceFailure(task, reason, out);
        this.countTaskFailure(task, reason, out);
        break;
      case 'OutOfMemory':
        task.run.avoid(task.spec.partition, reason.executorId);
        this.countTaskFailure(task, reason, out);
        break;
      case 'BundleLoadFailed':
        this.failJobsNeeding(task.run, (stageId) => bundleLoadFailed(stageId, task.spec.partition, reason), out);
        break;
      case 'InputError':
        this.failJobsNeeding(task.run, (stageId) => inputError(stageId, task.spec.partition, reason), out);
        break;
      case 'InternalError':
        this.failJobsNeeding(task.run, (stageId) => internalError(stageId, task.spec.partition, reason), out);
        break;
      case 'FetchFailed':
        this.onFetchFailed(task, reason, out);
        break;
    }
  }

  private onFetchFailed(task: LiveTask, reason: TaskFailureReason & { kind: 'FetchFailed' }, out: SchedulerCommand[]): void {
    const { spec, run } = task;
    // The output the reducer could not read is gone; unless it was already recomputed elsewhere, forget it.
    const registered = this.registry.get(reason.shuffleId, reason.mapPartition);
    if (reason.unreachable) {
      this.onExecutorUnreachable(reason);
    } else if (registered && registered.executorId === reason.executorId) {
      this.registry.unregister(reason.shuffleId, reason.mapPartition);
      const parent = this.mapRuns.get(reason.shuffleId);
      parent?.outputLost(reason.mapPartition);
      if (parent && !parent.rerunReasons.has(reason.mapPartition)) parent.rerunReasons.set(reason.mapPartition, reason);
    }
    if (!run.isPartitionComplete(spec.partition) && !run.rerunReasons.has(spec.partition)) {
      run.rerunReasons.set(spec.partition, reason);
    }
    if (reason.unreachable) run.avoid(spec.partition, reason.executorId);
    if (!run.fetchFailedAttempts.has(spec.stageAttempt)) {
      run.fetchFailedAttempts.add(spec.stageAttempt);
      run.fetchFailureCauses.push(reason);
      if (run.fetchFailedAttempts.size >= this.config.maxStageAttempts) {
        const causes = [...run.fetchFailureCauses];
        this.failJobsNeeding(run, (stageId) => stageAttemptsExhausted(stageId, spec.partition, causes, this.config.maxStageAttempts), out);
        return;
      }
    }
    // Pause the current attempt: reconcile resubmits the stage once its parents are whole again.
    if (run.state === 'running' && spec.stageAttempt === run.attempt) {
      run.state = 'waiting';
      run.dropQueue();
    }
  }

  /**
   * A reducer could not reach executor E at all (it is hung, stopped or cut off): every output E
   * holds is as good as lost, so all of them are recomputed now, each avoiding E, rather than one
   * per stage attempt, each after another network timeout. E keeps its slots until the driver
   * declares it lost (or it answers again).
   */
  private onExecutorUnreachable(reason: TaskFailureReason & { kind: 'FetchFailed' }): void {
    for (const lost of this.registry.removeExecutor(reason.executorId)) {
      const run = this.mapRuns.get(lost.shuffleId);
      if (!run) continue;
      run.outputLost(lost.mapPartition);
      if (!run.rerunReasons.has(lost.mapPartition)) run.rerunReasons.set(lost.mapPartition, reason);
      run.avoid(lost.mapPartition, reason.executorId);
    }
  }

  private onJobCancelled(jobId: number, message: string, out: SchedulerCommand[]): void {
    const job = this.jobs.get(jobId);
    if (!job) return;
    out.push({ type: 'JobFailed', jobId, failure: jobCancelled(jobId, job.spec.finalStageId, message) });
    this.removeJob(job);
  }

  // ---- failures and job removal ----------------------------------------------------------------

  /** One more partition failed on the executor for want of a resource: at the limit, it is excluded. */
  private countResourceFailure(task: LiveTask, reason: TaskFailureReason & { executorId: ExecutorId }, out: SchedulerCommand[]): void {
    const limit = this.config.maxFailedTasksPerExecutor;
    const { executorId } = reason;
    if (limit === 0 || this.slots.isExcluded(executorId) || !this.slots.has(executorId)) return;
    const failed = this.resourceFailures.get(executorId) ?? new Map<string, TaskFailureReason>();
    this.resourceFailures.set(executorId, failed);
    failed.set(`${task.run.kind}:${task.run.shuffleId ?? task.run.jobId}:${task.spec.partition}`, reason);
    if (failed.size < limit) return;
    this.slots.exclude(executorId);
    const causes = [...failed.values()];
    out.push({ type: 'ExecutorExcluded', executorId, message: executorExcluded(executorId, causes), causes });
  }

  /**
   * Every live executor is excluded: no queued task can ever be placed, so every job needing a
   * stage with queued tasks fails now, with the executors' reasons.
   */
  private failJobsWithoutExecutors(out: SchedulerCommand[]): void {
    if (!this.slots.allExcluded()) return;
    const excluded = this.slots.view().map((e) => ({ executorId: e.executorId, causes: [...(this.resourceFailures.get(e.executorId)?.values() ?? [])] }));
    for (const run of [...this.needs.keys()]) {
      if (run.state !== 'running' || run.pending.size === 0) continue;
      const partition = run.pending.lowest()!;
      this.failJobsNeeding(run, (stageId) => noUsableExecutor(stageId, partition, excluded), out);
    }
  }

  private countTaskFailure(task: LiveTask, reason: TaskFailureReason, out: SchedulerCommand[]): void {
    const { run, spec } = task;
    const causes = run.failures.get(spec.partition) ?? [];
    causes.push(reason);
    run.failures.set(spec.partition, causes);
    if (causes.length >= this.config.maxTaskAttempts) {
      this.failJobsNeeding(run, (stageId) => taskAttemptsExhausted(stageId, spec.partition, causes, this.config.maxTaskAttempts), out);
    }
  }

  /** Fails every active job that needs `run`, each with the failure as seen from its own stage id. */
  private failJobsNeeding(run: StageRun, failure: (stageId: number) => JobFailure, out: SchedulerCommand[]): void {
    const needs = [...(this.needs.get(run) ?? [])].filter((need) => this.jobs.get(need.job.spec.jobId) === need.job);
    for (const need of needs) {
      out.push({ type: 'JobFailed', jobId: need.job.spec.jobId, failure: failure(need.stageId) });
      this.removeJob(need.job);
    }
  }

  private removeJob(job: ActiveJob): void {
    this.jobs.delete(job.spec.jobId);
    // A map-stage job's final stage is the session's: refreshNeeds idles it if no other job needs it.
    if (job.result.kind === 'result') this.goIdle(job.result);
    this.refreshNeeds();
  }

  /** The stage is no longer needed: queued work is dropped and its running tasks become ignored (and are killed). */
  private goIdle(run: StageRun): void {
    for (const taskId of run.running.values()) {
      this.tasks.get(taskId)!.ignored = true;
      this.toKill.add(taskId);
    }
    run.goIdle();
  }

  /**
   * Tasks that became ignored in this event are killed on their executors: their output would be
   * dropped anyway, and an aborted job must not leave tasks computing and writing files. Each keeps
   * its slot until its executor reports it (as TaskKilled, or finished if it was too late).
   */
  private killIgnoredTasks(out: SchedulerCommand[]): void {
    for (const taskId of [...this.toKill].sort((a, b) => a - b)) {
      const task = this.tasks.get(taskId);
      if (task?.ignored) out.push({ type: 'KillTask', taskId, executorId: task.spec.executorId });
    }
    this.toKill.clear();
  }

  // ---- reconciliation --------------------------------------------------------------------------

  private reconcile(out: SchedulerCommand[]): void {
    for (const job of [...this.jobs.values()]) {
      if (!job.result.isComplete()) continue;
      if (job.result.announced) out.push({ type: 'StageCompleted', jobId: job.spec.jobId, stageId: job.spec.finalStageId });
      job.result.announced = false;
      out.push({ type: 'JobSucceeded', jobId: job.spec.jobId });
      this.removeJob(job);
    }
    this.refreshNeeds();
    const advanced = new Set<StageRun>();
    for (const job of this.jobs.values()) {
      for (const stage of job.graph.topoOrder) {
        const run = this.runOf(job, stage);
        if (advanced.has(run) || !this.needs.get(run)?.some((need) => need.job === job)) continue;
        advanced.add(run);
        this.advance(run, job, stage, out);
      }
    }
  }

  /**
   * Which stages do active jobs need? Walk back from each result stage; a complete map stage is needed
   * (its outputs must stay) but its own parents are not. Stages no job needs go idle.
   */
  private refreshNeeds(): void {
    const needs = new Map<StageRun, Need[]>();
    for (const job of this.jobs.values()) this.addNeeds(needs, job, job.spec.finalStageId);
    this.needs = needs;
    for (const run of this.mapRuns.values()) if (!needs.has(run) && run.state !== 'idle') this.goIdle(run);
  }

  /** Records that `job` needs `stageId` and, while that stage is not complete, its parents (a method, not a closure made per event). */
  private addNeeds(needs: Map<StageRun, Need[]>, job: ActiveJob, stageId: number): void {
    const stage = job.graph.stagesById.get(stageId)!;
    const run = this.runOf(job, stage);
    const list = needs.get(run) ?? [];
    if (list.some((need) => need.job === job)) return;
    list.push({ job, stageId });
    needs.set(run, list);
    if (!run.isComplete()) for (const parentId of stage.parentStageIds) this.addNeeds(needs, job, parentId);
  }

  /** Moves one needed stage forward: complete it, make it wait for parents, start an attempt, or queue lost partitions. */
  private advance(run: StageRun, job: ActiveJob, stage: StageSpec, out: SchedulerCommand[]): void {
    const owner = { jobId: job.spec.jobId, stageId: stage.stageId };
    if (run.isComplete()) {
      if (run.announced) out.push({ type: 'StageCompleted', ...owner });
      run.announced = false;
      run.state = 'done';
      run.dropQueue();
      run.clearFetchFailures();
      return;
    }
    const parentsReady = stage.parentStageIds.every((id) => this.runOf(job, job.graph.stagesById.get(id)!).isComplete());
    if (!parentsReady) {
      run.state = 'waiting';
      run.dropQueue();
      return;
    }
    const toQueue = run.queueMissing();
    if (run.state === 'running' || toQueue.length === 0) {
      // Same attempt: retries go in silently; partitions whose output was lost are announced.
      this.announceReruns(run, owner, toQueue, out);
      run.state = 'running';
    } else {
      run.attempt++;
      run.state = 'running';
      run.announced = true;
      this.announceReruns(run, owner, toQueue, out);
      out.push({ type: 'StageSubmitted', ...owner, stageAttempt: run.attempt, partitions: toQueue });
    }
  }

  /** One StageResubmitted per distinct cause, for the partitions that run again because of it. */
  private announceReruns(run: StageRun, owner: { jobId: number; stageId: number }, partitions: number[], out: SchedulerCommand[]): void {
    const byCause = new Map<TaskFailureReason, number[]>();
    for (const p of partitions) {
      const because = run.rerunReasons.get(p);
      if (!because) continue;
      run.rerunReasons.delete(p);
      const list = byCause.get(because) ?? [];
      list.push(p);
      byCause.set(because, list);
    }
    for (const [because, list] of byCause) out.push({ type: 'StageResubmitted', ...owner, partitions: list, because });
  }

  /**
   * Fills free slots: jobs in submission order, then stage id, then partition; a task may wait
   * for the busy executor that holds its input (locality-wait.ts).
   */
  private assignTasks(out: SchedulerCommand[]): void {
    for (const job of this.jobs.values()) {
      const stages = [...job.graph.topoOrder].sort((a, b) => a.stageId - b.stageId);
      for (const stage of stages) {
        const run = this.runOf(job, stage);
        const owner = this.needs.get(run)?.[0];
        if (run.state !== 'running' || run.pending.size === 0 || owner?.job !== job) continue;
        for (const partition of run.pending) {
          const offer = this.offer(run, owner, stage, partition, out);
          if (offer === 'noFreeSlot') return;
          if (offer === 'refused') {
            if (!this.offerLaunchable(run, owner, stage, partition, out)) return;
            break;
          }
        }
      }
    }
  }

  /**
   * Offers the free slots to one queued partition. 'passed': it stays queued (its free slots are
   * all on executors it avoids); 'refused': it waits for its busy preferred executors;
   * 'noFreeSlot': every slot is busy.
   */
  private offer(run: StageRun, owner: Need, stage: StageSpec, partition: number, out: SchedulerCommand[]): 'launched' | 'passed' | 'refused' | 'noFreeSlot' {
    if (run.isPartitionComplete(partition)) {
      run.unqueue(partition);
      return 'passed';
    }
    const avoided = run.avoided(partition);
    // no waiting for an executor the partition avoids (it ran out of disk or memory there)
    const preferred = (stage.preferredLocations?.[partition] ?? []).filter((id) => this.slots.has(id) && !avoided.has(id) && !this.slots.isExcluded(id));
    const executorId = this.slots.pick(preferred, avoided);
    if (executorId === undefined) return avoided.size === 0 ? 'noFreeSlot' : 'passed';
    if (!this.locality.mayLaunch(run, preferred, executorId)) return 'refused';
    this.launch(run, owner, partition, executorId, out);
    return 'launched';
  }

  /**
   * The stage was refused a launch off its preferred executors at `refusedAt`, so for the rest of
   * this event every later partition whose preferred executors are all alive, busy and not avoided
   * is refused too (its offer at most restarts the wait). Rather than offer each of those (all the
   * queue, when the free slot is on an executor none prefers), this offers, ascending, only the
   * partitions above `refusedAt` that may launch: those with no preference, an executor to avoid,
   * a preferred executor that is gone or excluded, or one with a free slot (queuedByPreference).
   * The skipped partitions' one effect, restarting a wait that a local launch ended, is replayed
   * (locality.refused). Returns false when no slot is left free (nothing more can launch).
   * Cost: O(executors) per partition offered, plus once per stage and owner job the index's build
   * (O(queued)); partitions naming a gone or excluded executor are offered every time (most launch
   * then, having no usable preference left).
   */
  private offerLaunchable(run: StageRun, owner: Need, stage: StageSpec, refusedAt: number, out: SchedulerCommand[]): boolean {
    const index = run.queuedByPreference(stage.preferredLocations!);
    /** Ascending partitions, each source's `head` the next one not yet offered; `freeOn`: dropped once that executor is full. */
    const sources: { partitions: Iterator<number>; head: number; freeOn: ExecutorId | undefined }[] = [];
    const addSource = (partitions: Iterable<number>, freeOn?: ExecutorId): void => {
      sources.push({ partitions: partitions[Symbol.iterator](), head: -1, freeOn });
    };
    addSource(index.withoutPreference);
    addSource([...run.avoidingPartitions()].filter((p) => run.pending.has(p)).sort((a, b) => a - b));
    for (const [executorId, partitions] of index.byExecutor) {
      if (!this.slots.isUsable(executorId)) addSource(partitions);
      else if (this.slots.freeSlots(executorId) > 0) addSource(partitions, executorId);
    }
    let previous = refusedAt;
    for (;;) {
      let next = Infinity;
      for (let i = sources.length - 1; i >= 0; i--) {
        const source = sources[i]!;
        let exhausted = source.freeOn !== undefined && this.slots.freeSlots(source.freeOn) === 0;
        while (!exhausted && (source.head <= previous || !run.pending.has(source.head))) {
          const step = source.partitions.next();
          if (step.done) exhausted = true;
          else source.head = step.value;
        }
        if (exhausted) sources.splice(i, 1);
        else next = Math.min(next, source.head);
      }
      // A skipped partition between the last one offered and `next` would have restarted the wait.
      if (!this.locality.isWaiting(run) && this.slots.hasFreeSlot() && queuedBetween(run, previous, next)) this.locality.refused(run);
      if (next === Infinity) return true;
      const offer = this.offer(run, owner, stage, next, out);
      if (offer === 'noFreeSlot' || (offer === 'launched' && !this.slots.hasFreeSlot())) return false;
      previous = next;
    }
  }

  private launch(run: StageRun, owner: Need, partition: number, executorId: ExecutorId, out: SchedulerCommand[]): void {
    const task: TaskSpec = {
      taskId: this.nextTaskId++,
      jobId: owner.job.spec.jobId,
      stageId: owner.stageId,
      partition,
      attempt: run.nextTaskAttempt(partition),
      stageAttempt: run.attempt,
      executorId,
    };
    this.tasks.set(task.taskId, { spec: task, run, ignored: false });
    this.slots.occupy(executorId, task.taskId);
    run.launched(partition, task.taskId);
    out.push({ type: 'LaunchTask', task: { ...task } });
  }

  private runOf(job: ActiveJob, stage: StageSpec): StageRun {
    return stage.stageId === job.spec.finalStageId ? job.result : this.mapRuns.get(stage.shuffleId!)!;
  }
}

/**
 * Whether a partition strictly between `low` and `high` is queued: probes the gap or walks the queue,
 * whichever is shorter (the gap is between two partitions offered in a row, mostly a few).
 */
function queuedBetween(run: StageRun, low: number, high: number): boolean {
  const end = Math.min(high, run.numPartitions);
  if (end - low - 1 <= run.pending.size) {
    for (let p = low + 1; p < end; p++) if (run.pending.has(p)) return true;
    return false;
  }
  for (const p of run.pending) if (p > low) return p < end;
  return false;
}
