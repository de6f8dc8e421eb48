// The fold of events into the status model: applyEvent(state, event) updates an application's
// state and the views (applicationStatus, jobStatus, stageStatus) give the JSON API's shapes. Pure:
// no clock, no I/O; the live UI (in the driver) and `dataflow history` (from a log) run the same code.
// The state is the fold's own and is updated in place (a running application may have millions of
// tasks): old finished jobs and stages beyond RETAINED_* are forgotten, as Spark's UI does, and
// the oldest finished stages' task rows beyond RETAINED_TASKS (their counts, sums and distributions stay).

import type { EngineEvent, StageInfo, TaskIo } from './events.ts';
import { ColumnPool, NameTable, TaskTable } from './task-table.ts';
import type {
  ApplicationStatus, ApplicationSummary, CachedDatasetStatus, Distribution, ExecutorStatus, JobStatus, JobSummary, StageStatus,
} from './status.ts';

/** Finished jobs, finished stage attempts and library reports kept in the status (older ones are dropped first). */
export const RETAINED_JOBS = 500;
export const RETAINED_STAGE_ATTEMPTS = 500;
export const RETAINED_APP_EVENTS = 10_000;
/**
 * Task rows kept, all retained stage attempts' together (8 bytes for each field of a task that is
 * not 0 in its stage, 64-144 bytes a task: 6-14 MB): past them the oldest finished stages forget
 * theirs. 500 stages of 1,000 tasks held 72 MB, of 10,000 tasks 720 MB.
 */
export const RETAINED_TASKS = 100_000;

interface JobState {
  summary: JobSummary;
  stages: StageInfo[];
  plan: string;
  message?: string;
  /** Stages this job submitted (others it lists were already computed: skipped). */
  submitted: Set<number>;
}

interface StageAttemptState {
  status: StageStatus;
  /** Its tasks, until forgotten (forgetOldTasks): its status then holds their distributions and count. */
  tasks: TaskTable | undefined;
  /** The job that submitted it (its task counts go up with the stage's), if known. */
  job: JobState | undefined;
}

export interface AppState {
  summary: ApplicationSummary;
  jobs: Map<number, JobState>;
  /** Stage id → its info as planned, the job that planned it first, and how many retained jobs list it. */
  stageInfo: Map<number, { info: StageInfo; jobId: number; listedBy: number }>;
  /** attemptKey(stageId, attempt) → attempt, in submission order. */
  stageAttempts: Map<number, StageAttemptState>;
  latestAttempt: Map<number, number>;
  executors: Map<string, ExecutorStatus>;
  cached: Map<number, { name: string; partitions: Map<number, { memoryBytes: number; diskBytes: number; executorId: string }> }>;
  appEvents: ApplicationStatus['appEvents'];
  skippedLogLines: number;
  /** Executor ids and hosts, which task tables store as indexes. */
  names: NameTable;
  /** The columns of forgotten task tables, which new ones take again. */
  columns: ColumnPool;
  /** The stage attempt and executor the last task event named: the next names the same nearly always. */
  lastTask: { key: number; attempt: StageAttemptState | undefined; executorId: string; executor: ExecutorStatus | undefined };
}

/** The state before any event; `appId` names it until ApplicationStart says more. */
export function emptyAppState(appId = 'unknown'): AppState {
  return {
    summary: { appId, appName: appId, master: '', startTime: 0, status: 'running' },
    jobs: new Map(), stageInfo: new Map(), stageAttempts: new Map(), latestAttempt: new Map(),
    executors: new Map(), cached: new Map(), appEvents: [], skippedLogLines: 0, names: new NameTable(), columns: new ColumnPool(),
    lastTask: { key: Number.NaN, attempt: undefined, executorId: '', executor: undefined },
  };
}

export function emptyIo(): TaskIo {
  return {
    inputBytes: 0, inputRecords: 0, shuffleReadBytes: 0, shuffleReadRecords: 0, shuffleWriteBytes: 0, shuffleWriteRecords: 0,
    outputRecords: 0, spillBytes: 0, peakMemoryBytes: 0,
  };
}

/**
 * Folds one event into `state` (updated in place, and returned).
 *
 * @example
 * const state = events.reduce(applyEvent, emptyAppState());
 * applicationStatus(state).jobs[0]?.completedTasks; // 4
 */
export function applyEvent(state: AppState, event: EngineEvent): AppState {
  switch (event.event) {
    case 'ApplicationStart':
      Object.assign(state.summary, { appId: event.appId, appName: event.appName, master: event.master, startTime: event.time, status: 'running' });
      return state;
    case 'ApplicationEnd':
      state.summary.endTime = event.time;
      state.summary.status = event.status;
      return state;
    case 'JobStart': {
      const job: JobState = {
        summary: {
          jobId: event.jobId, description: event.description, status: 'running', startTime: event.time,
          stageIds: event.stages.map((s) => s.stageId), numTasks: sum(event.stages.map((s) => s.numTasks)), completedTasks: 0, failedTasks: 0,
        },
        stages: event.stages, plan: event.plan, submitted: new Set(),
      };
      forgetJob(state, event.jobId); // a job id seen twice (a log written twice) counts its stages once
      state.jobs.set(event.jobId, job);
      for (const info of event.stages) {
        const known = state.stageInfo.get(info.stageId);
        if (known) known.listedBy++;
        else state.stageInfo.set(info.stageId, { info, jobId: event.jobId, listedBy: 1 });
      }
      forgetOldJobs(state);
      return state;
    }
    case 'JobEnd': {
      const job = state.jobs.get(event.jobId);
      if (!job) return state;
      job.summary.status = event.status;
      job.summary.endTime = event.time;
      if (event.message !== undefined) job.message = event.message;
      // Stages it listed but never ran were computed by earlier jobs: not its tasks.
      job.summary.numTasks = sum(job.stages.filter((s) => job.submitted.has(s.stageId) || event.status !== 'succeeded').map((s) => s.numTasks));
      for (const stageId of job.submitted) {
        const attempt = latest(state, stageId);
        if (attempt && (attempt.status.status === 'running' || attempt.status.status === 'pending') && event.status !== 'succeeded') {
          attempt.status.status = 'failed';
          attempt.status.completionTime = event.time;
          attempt.status.message ??= event.message;
        }
      }
      return state;
    }
    case 'StageSubmitted': {
      const known = state.stageInfo.get(event.stageId);
      const previous = latest(state, event.stageId);
      if (previous && previous.status.status === 'running') {
        previous.status.status = 'failed';
        previous.status.completionTime = event.time;
        previous.status.message ??= `stage ${event.stageId} was resubmitted (attempt ${event.attempt})`;
      }
      const status: StageStatus = {
        stageId: event.stageId, attempt: event.attempt, jobId: event.jobId, name: known?.info.name ?? `stage ${event.stageId}`,
        status: 'running', numTasks: event.numTasks, completedTasks: 0, failedTasks: 0, submitTime: event.time, io: emptyIo(),
        distributions: emptyDistributions(), tasks: [],
      };
      state.stageAttempts.set(attemptKey(event.stageId, event.attempt), { status, tasks: new TaskTable(state.names, event.numTasks, state.columns), job: state.jobs.get(event.jobId) });
      state.lastTask.key = Number.NaN;
      state.latestAttempt.set(event.stageId, Math.max(event.attempt, state.latestAttempt.get(event.stageId) ?? -1));
      state.jobs.get(event.jobId)?.submitted.add(event.stageId);
      forgetOldStages(state);
      return state;
    }
    case 'StageCompleted': {
      const attempt = state.stageAttempts.get(attemptKey(event.stageId, event.attempt));
      if (!attempt) return state;
      attempt.status.status = event.status;
      attempt.status.completionTime = event.time;
      if (event.message !== undefined) attempt.status.message = event.message;
      forgetOldTasks(state);
      return state;
    }
    case 'TaskStart': {
      const attempt = attemptOf(state, event.stageId, event.stageAttempt);
      attempt?.tasks?.start(event);
      const executor = executorOf(state, event.executorId);
      if (executor) executor.activeTasks++;
      return state;
    }
    case 'TaskEnd': {
      const attempt = attemptOf(state, event.stageId, event.stageAttempt);
      const executor = executorOf(state, event.executorId);
      const before = attempt?.tasks?.end(event);
      if (executor && (before === undefined || before === 'running')) {
        executor.activeTasks = Math.max(0, executor.activeTasks - 1);
        if (event.status === 'succeeded') executor.completedTasks++;
        else executor.failedTasks++;
      }
      if (!attempt) return state;
      const job = attempt.job;
      if (event.status === 'succeeded') {
        attempt.status.completedTasks++;
        addIo(attempt.status.io, event.io);
        if (job) job.summary.completedTasks++;
      } else {
        attempt.status.failedTasks++;
        if (job) job.summary.failedTasks++;
      }
      return state;
    }
    case 'ExecutorAdded':
      state.lastTask.executorId = '';
      state.executors.set(event.executorId, {
        executorId: event.executorId, host: event.host, port: event.port, cores: event.cores, memoryBytes: event.memoryBytes, state: 'alive',
        addedTime: event.time, activeTasks: 0, completedTasks: 0, failedTasks: 0,
      });
      return state;
    case 'ExecutorRemoved': {
      const executor = state.executors.get(event.executorId);
      if (!executor) return state;
      executor.state = 'lost';
      executor.removedTime = event.time;
      executor.lossReason = event.reason;
      executor.activeTasks = 0;
      for (const cached of state.cached.values()) {
        for (const [partition, where] of cached.partitions) if (where.executorId === event.executorId) cached.partitions.delete(partition);
      }
      return state;
    }
    case 'DatasetCached': {
      let cached = state.cached.get(event.cacheId);
      if (!cached) state.cached.set(event.cacheId, (cached = { name: event.name, partitions: new Map() }));
      cached.partitions.set(event.partition, { memoryBytes: event.memoryBytes, diskBytes: event.diskBytes, executorId: event.executorId });
      return state;
    }
    case 'DatasetUnpersisted':
      state.cached.delete(event.cacheId);
      return state;
    case 'AppEvent':
      state.appEvents.push({ time: event.time, source: event.source, kind: event.kind, data: event.data });
      if (state.appEvents.length > RETAINED_APP_EVENTS) state.appEvents.splice(0, state.appEvents.length - RETAINED_APP_EVENTS);
      return state;
  }
}

/** The application's summary; `history` marks a log without ApplicationEnd as incomplete. */
export function applicationSummary(state: AppState, options: { history?: boolean } = {}): ApplicationSummary {
  const summary = { ...state.summary };
  if (options.history && summary.status === 'running') summary.status = 'incomplete';
  return summary;
}

export function applicationStatus(state: AppState, options: { history?: boolean } = {}): ApplicationStatus {
  return {
    ...applicationSummary(state, options),
    jobs: [...state.jobs.values()].map((j) => ({ ...j.summary, stageIds: [...j.summary.stageIds] })),
    executors: [...state.executors.values()].map((e) => ({ ...e })),
    cached: [...state.cached].map(([cacheId, c]): CachedDatasetStatus => ({
      cacheId, name: c.name, partitions: c.partitions.size,
      memoryBytes: sum([...c.partitions.values()].map((p) => p.memoryBytes)), diskBytes: sum([...c.partitions.values()].map((p) => p.diskBytes)),
    })),
    appEvents: [...state.appEvents],
    skippedLogLines: state.skippedLogLines,
  };
}

/** Job `jobId` with its DAG (each stage's latest attempt), or undefined if unknown. */
export function jobStatus(state: AppState, jobId: number): JobStatus | undefined {
  const job = state.jobs.get(jobId);
  if (!job) return undefined;
  const stages = job.stages.map((info) => {
    const attempt = latest(state, info.stageId);
    const ranHere = job.submitted.has(info.stageId) || job.summary.status === 'running';
    const status: StageStatus['status'] = attempt ? attempt.status.status : 'pending';
    // A stage an earlier job computed, and this one skipped, shows that earlier success.
    return { ...info, status, completedTasks: attempt?.status.completedTasks ?? 0, ...(attempt && !ranHere ? { skipped: true } : {}) };
  });
  const out: JobStatus = { ...job.summary, stageIds: [...job.summary.stageIds], stages, plan: job.plan };
  if (job.message !== undefined) out.message = job.message;
  return out;
}

/** Stage `stageId`'s attempt `attempt` (default: its latest), with its tasks and distributions. */
export function stageStatus(state: AppState, stageId: number, attempt?: number): StageStatus | undefined {
  const n = attempt ?? state.latestAttempt.get(stageId);
  if (n === undefined) return undefined;
  const found = state.stageAttempts.get(attemptKey(stageId, n));
  if (!found) return undefined;
  if (!found.tasks) return { ...found.status, io: { ...found.status.io }, tasks: [] }; // its distributions kept when its tasks were forgotten
  const tasks = found.tasks.toStatuses().sort((a, b) => a.taskId - b.taskId);
  return { ...found.status, io: { ...found.status.io }, tasks, distributions: distributions(found.tasks) };
}

/** min / median / max over the succeeded tasks of `tasks`, of each figure a stage shows. */
function distributions(tasks: TaskTable): StageStatus['distributions'] {
  const of = (field: 'durationMs' | keyof TaskIo): Distribution => {
    const values = tasks.succeeded(field);
    const found = distribution(values);
    tasks.recycle(values);
    return found;
  };
  return { durationMs: of('durationMs'), inputBytes: of('inputBytes'), shuffleReadBytes: of('shuffleReadBytes'), shuffleWriteBytes: of('shuffleWriteBytes'), spillBytes: of('spillBytes') };
}

/** What the UI asks of one application's status: the JSON API's reads (status.ts), answered by answerQuery. */
export type StatusQuery =
  | { view: 'summary' }
  | { view: 'application' }
  | { view: 'job'; jobId: number }
  | { view: 'stage'; stageId: number; attempt?: number };

/** Each query's answer (undefined: no such job or stage); plain data, as sent between threads and as JSON. */
export interface StatusViews {
  summary: ApplicationSummary;
  application: ApplicationStatus;
  job: JobStatus | undefined;
  stage: StageStatus | undefined;
}

/**
 * Answers `query` from `state`: the one place the live UI (on the driver's monitor thread) and
 * `dataflow history` turn a folded state into what the API returns. `history` marks a log read back.
 */
export function answerQuery<Q extends StatusQuery>(state: AppState, query: Q, options: { history?: boolean } = {}): StatusViews[Q['view']] {
  const q: StatusQuery = query;
  let answer: StatusViews[StatusQuery['view']];
  switch (q.view) {
    case 'summary': answer = applicationSummary(state, options); break;
    case 'application': answer = applicationStatus(state, options); break;
    case 'job': answer = jobStatus(state, q.jobId); break;
    case 'stage': answer = stageStatus(state, q.stageId, q.attempt); break;
  }
  return answer as StatusViews[Q['view']];
}

/** min / median / max of `values` (zeros when empty); sorts `values` in place when they differ. */
export function distribution(values: Float64Array): Distribution {
  if (values.length === 0) return { min: 0, median: 0, max: 0 };
  let min = values[0]!;
  let max = min;
  for (let i = 1; i < values.length; i++) {
    const x = values[i]!;
    if (x < min) min = x;
    else if (x > max) max = x;
  }
  if (min === max) return { min, median: min, max }; // a column of one value (most io counters of most stages): no sort
  const sorted = values.sort();
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { min: sorted[0]!, median, max: sorted[sorted.length - 1]! };
}

function emptyDistributions(): StageStatus['distributions'] {
  const zero = (): Distribution => ({ min: 0, median: 0, max: 0 });
  return { durationMs: zero(), inputBytes: zero(), shuffleReadBytes: zero(), shuffleWriteBytes: zero(), spillBytes: zero() };
}

/** The attempt a task event names (the one before's, found again without a lookup). */
function attemptOf(state: AppState, stageId: number, attempt: number): StageAttemptState | undefined {
  const key = attemptKey(stageId, attempt);
  const last = state.lastTask;
  if (key !== last.key) {
    last.key = key;
    last.attempt = state.stageAttempts.get(key);
  }
  return last.attempt;
}

/** The executor a task event names (the one before's, found again without a lookup). */
function executorOf(state: AppState, executorId: string): ExecutorStatus | undefined {
  const last = state.lastTask;
  if (executorId !== last.executorId) {
    last.executorId = executorId;
    last.executor = state.executors.get(executorId);
  }
  return last.executor;
}

/** One number per stage attempt (a string key would be built and hashed at every task event). */
function attemptKey(stageId: number, attempt: number): number {
  return stageId * 4096 + attempt;
}

function latest(state: AppState, stageId: number): StageAttemptState | undefined {
  const n = state.latestAttempt.get(stageId);
  return n === undefined ? undefined : state.stageAttempts.get(attemptKey(stageId, n));
}

function addIo(into: TaskIo, add: TaskIo): void {
  into.inputBytes += add.inputBytes;
  into.inputRecords += add.inputRecords;
  into.shuffleReadBytes += add.shuffleReadBytes;
  into.shuffleReadRecords += add.shuffleReadRecords;
  into.shuffleWriteBytes += add.shuffleWriteBytes;
  into.shuffleWriteRecords += add.shuffleWriteRecords;
  into.outputRecords += add.outputRecords;
  into.spillBytes += add.spillBytes;
  into.peakMemoryBytes = Math.max(into.peakMemoryBytes, add.peakMemoryBytes);
}

function sum(values: number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

/** Drops the oldest finished jobs beyond RETAINED_JOBS: O(jobs dropped), not O(jobs retained), per job start. */
function forgetOldJobs(state: AppState): void {
  if (state.jobs.size <= RETAINED_JOBS) return;
  for (const [jobId, job] of state.jobs) {
    if (state.jobs.size <= RETAINED_JOBS) break;
    if (job.summary.status !== 'running') forgetJob(state, jobId);
  }
}

/** Removes a job, and the infos of stages no retained job lists any more (a map stage may be shared by several). */
function forgetJob(state: AppState, jobId: number): void {
  const job = state.jobs.get(jobId);
  if (!job) return;
  state.jobs.delete(jobId);
  for (const info of job.stages) {
    const known = state.stageInfo.get(info.stageId);
    if (known && --known.listedBy <= 0) state.stageInfo.delete(info.stageId);
  }
}

/**
 * Forgets the task rows of the oldest finished stage attempts while all retained attempts hold more
 * than RETAINED_TASKS: each keeps its counts and sums, and the distributions its tasks gave, and
 * says how many tasks it forgot. O(stage attempts retained), once a stage ends.
 */
function forgetOldTasks(state: AppState): void {
  let rows = 0;
  for (const attempt of state.stageAttempts.values()) rows += attempt.tasks?.size ?? 0;
  for (const attempt of state.stageAttempts.values()) {
    if (rows <= RETAINED_TASKS) return;
    const tasks = attempt.tasks;
    if (!tasks || attempt.status.status === 'running') continue;
    rows -= tasks.size;
    attempt.status.distributions = distributions(tasks);
    attempt.status.tasksForgotten = tasks.size;
    tasks.release();
    attempt.tasks = undefined;
  }
}

function forgetOldStages(state: AppState): void {
  if (state.stageAttempts.size <= RETAINED_STAGE_ATTEMPTS) return;
  for (const [key, attempt] of state.stageAttempts) {
    if (state.stageAttempts.size <= RETAINED_STAGE_ATTEMPTS) return;
    if (attempt.status.status === 'running') continue;
    state.stageAttempts.delete(key);
    attempt.tasks?.release();
    state.lastTask.key = Number.NaN;
    const { stageId, attempt: n } = attempt.status;
    if (state.latestAttempt.get(stageId) === n) state.latestAttempt.delete(stageId);
  }
}
