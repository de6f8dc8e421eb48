// What a job's tasks measured (spill, memory, cache, failures), summed per stage and per job as
// the driver hears of them; `session.lastJobMetrics` is one of these.

import type { TaskFailureReason, TaskMetrics } from '../protocol/index.ts';
import type { PartitionCut } from '../scheduler/partition-ranges.ts';

/** What the tasks of one stage of a job measured, summed (see TaskMetrics). */
export interface StageMetrics {
  stageId: number;
  /** Finished task attempts (retries included). */
  tasks: number;
  /** Task attempts that failed (ran out of memory, lost their executor, threw...) and were retried or failed the job. */
  failedTasks: number;
  spillBytes: number;
  spillFiles: number;
  /** The largest peakMemoryBytes of any one task. */
  peakTaskMemoryBytes: number;
  /** Bytes of partitions its tasks cached in executor memory, and on executor disks (memory full). */
  cachedMemoryBytes: number;
  cachedDiskBytes: number;
}

/** A finished job's metrics: its stages' sums and the totals (`session.lastJobMetrics`). */
export interface JobMetrics {
  jobId: number;
  stages: StageMetrics[];
  spillBytes: number;
  spillFiles: number;
  cachedMemoryBytes: number;
  cachedDiskBytes: number;
  /** Why task attempts failed, oldest first (the first MAX_FAILURES_KEPT of them). */
  taskFailures: TaskFailureRecord[];
  /** Shuffles whose partitions were cut by size for this job (their map stages ran first, counted here too). */
  partitionCuts: PartitionCut[];
  /** What the job's kernels added with addToTaskSum (dataflow/extend), summed over its finished tasks. */
  sums: Record<string, number>;
}

/** One failed task attempt of a job. */
export interface TaskFailureRecord { stageId: number; partition: number; attempt: number; reason: TaskFailureReason }

/** How many failed attempts a job's metrics describe one by one (all are counted in failedTasks). */
const MAX_FAILURES_KEPT = 100;

/** The measurements of a job before any of its tasks reported. */
export function emptyJobMetrics(jobId: number): JobMetrics {
  return { jobId, stages: [], spillBytes: 0, spillFiles: 0, cachedMemoryBytes: 0, cachedDiskBytes: 0, taskFailures: [], partitionCuts: [], sums: {} };
}

/** The entry of stage `stageId` in `metrics`, created (in stage order) on first use. */
function stageOf(metrics: JobMetrics, stageId: number): StageMetrics {
  let stage = metrics.stages.find((s) => s.stageId === stageId);
  if (!stage) {
    stage = { stageId, tasks: 0, failedTasks: 0, spillBytes: 0, spillFiles: 0, peakTaskMemoryBytes: 0, cachedMemoryBytes: 0, cachedDiskBytes: 0 };
    metrics.stages.push(stage);
    metrics.stages.sort((a, b) => a.stageId - b.stageId);
  }
  return stage;
}

/** Adds `add`'s figures to stage `stageId` of `metrics` and to its totals: the one place sums are made. */
function addToStage(metrics: JobMetrics, stageId: number, add: Omit<StageMetrics, 'stageId'>): void {
  const stage = stageOf(metrics, stageId);
  stage.tasks += add.tasks;
  stage.failedTasks += add.failedTasks;
  stage.spillBytes += add.spillBytes;
  stage.spillFiles += add.spillFiles;
  stage.peakTaskMemoryBytes = Math.max(stage.peakTaskMemoryBytes, add.peakTaskMemoryBytes);
  stage.cachedMemoryBytes += add.cachedMemoryBytes;
  stage.cachedDiskBytes += add.cachedDiskBytes;
  metrics.spillBytes += add.spillBytes;
  metrics.spillFiles += add.spillFiles;
  metrics.cachedMemoryBytes += add.cachedMemoryBytes;
  metrics.cachedDiskBytes += add.cachedDiskBytes;
}

/** One finished task attempt of stage `stageId`. */
export function recordTaskMetrics(metrics: JobMetrics, stageId: number, task: TaskMetrics): void {
  addToStage(metrics, stageId, {
    tasks: 1, failedTasks: 0, spillBytes: task.spillBytes, spillFiles: task.spillFiles, peakTaskMemoryBytes: task.peakMemoryBytes,
    cachedMemoryBytes: task.cachedMemoryBytes, cachedDiskBytes: task.cachedDiskBytes,
  });
  if (task.sums) addSums(metrics.sums, task.sums);
}

/** Adds each named sum of `add` into `into` (a job's task sums, or several jobs'). */
export function addSums(into: Record<string, number>, add: Record<string, number>): void {
  for (const [name, value] of Object.entries(add)) into[name] = (into[name] ?? 0) + value;
}

/** One failed task attempt: counted in its stage, and described while fewer than MAX_FAILURES_KEPT are. */
export function recordTaskFailure(metrics: JobMetrics, info: { stageId: number; partition: number; attempt: number }, reason: TaskFailureReason): void {
  stageOf(metrics, info.stageId).failedTasks++;
  if (metrics.taskFailures.length < MAX_FAILURES_KEPT) {
    metrics.taskFailures.push({ stageId: info.stageId, partition: info.partition, attempt: info.attempt, reason });
  }
}

/** Adds a map-stage job's measurements to those of the job it ran for (stages of the same id summed). */
export function addMetrics(into: JobMetrics, add: JobMetrics): void {
  for (const { stageId, ...figures } of add.stages) addToStage(into, stageId, figures);
  into.taskFailures.push(...add.taskFailures.slice(0, Math.max(0, MAX_FAILURES_KEPT - into.taskFailures.length)));
  into.partitionCuts.push(...add.partitionCuts);
  addSums(into.sums, add.sums);
}
