// The application's event log, one JSON object per line: what the driver saw happen (scheduling,
// executors, plans) and what library jobs reported (ALS iterations, SVD restarts). The live UI and
// `dataflow history` fold the same events into the same status model (status.ts): one code path.
//
// Changing an event: add optional fields only (old logs must still open); bump EVENT_LOG_VERSION
// when a reader could misread an old line; keep every time in epoch milliseconds. TaskStart and
// TaskEnd are written by hand (event-line.ts): a field added to them goes there too. Their lines
// leave out stageAttempt, attempt and io's counters when 0, and the reader (log-reader.ts) gives
// them back as 0.
//
// One line for a short task (version 3): when a task's TaskStart and TaskEnd are encoded in the same
// batch with only other tasks' lines between them, and agree on every field they share, the TaskStart
// has no line of its own: its TaskEnd's line carries `"host":H` (after executorId) and `"sinceStart":D`
// (after durationMs), D the TaskEnd's time less the TaskStart's, written only when that gives the start
// time back exactly (whole milliseconds always do). The reader gives the TaskStart back, right before
// the TaskEnd: the fold sees each task's two events and folds the status live folded, since a start
// is moved only past other tasks' events (task counts are sums; an executor's active tasks, kept at 0
// or more, are reset only by ExecutorRemoved and ExecutorAdded, lines no start is moved past, and the
// driver ends an executor's tasks before it posts its removal). A task whose end is not in its start's
// batch keeps its TaskStart line: a running task shows in a crashed driver's log.
// A version 2 reader would read such a task as one it never saw start (no host), hence version 3.
//
// Runs of short tasks as one line of columns (version 4): consecutive such one-line tasks of a batch
// that share stageId, stageAttempt, executorId, host and status, and have no failure text, are one
// line, up to 256 tasks:
//   {"event":"Tasks","stageId":S[,"stageAttempt":A],"executorId":E,"host":H,"status":"succeeded",
//    "taskId":[…],"partition":[…][,"attempt":[…]],"time":[…],"durationMs":[…],"sinceStart":[…],"io":{"inputBytes":[…],…}}
// Each column gives its first task's value, then each task's difference from the task before (a run's
// ids, partitions, times and io mostly differ by 0 or 1: a digit and a comma); attempt and an io
// counter are left out when 0 for every task. A task joins the run only when every difference, added
// back, gives its value exactly (a NaN or an infinity, or a sum that rounds, starts a new line or gets
// the task its own line). The reader gives back each task's TaskStart and TaskEnd in order, the events
// the version 3 lines would give. Why: the log's bytes into new page-cache pages were most of what the
// monitor still cost a driver running 1,000 empty tasks (issue 12: +97 to +265 ns a task over "off",
// ≈ +40 when the lines were encoded but not written); a task was a ~270-byte line, it is ~23 bytes here.
// A version 3 reader would skip Tasks lines as unknown events, hence version 4.
//
// Runs across executors (version 5): a run of tasks of one stage and status may have ended on several
// executors, which is how a stage's tasks end on `local[N]` or a cluster (in turn: with version 4's
// lines, 70% of the tasks of `local[2]` got a ~200-byte line of their own). Such a line lists its
// executors and their hosts (the host of each executor's first task's start, up to 64 pairs) and gives
// each task's index in them, the index itself, not a difference:
//   {"event":"Tasks","stageId":S,"executorId":["exec-1","exec-2"],"host":["h1","h2"],"status":"succeeded",
//    "executorIndex":[0,1,1,0,…],"taskId":[…],…}
// A line of one executor is version 4's. A version 4 reader would skip the others as malformed, hence version 5.

/**
 * 1: every field written; 2: a task's fields that are 0 left out; 3: a task whose start and end were
 * in one batch on one line; 4: runs of such tasks on one `Tasks` line; 5: a `Tasks` line's tasks on
 * several executors (versions 1-4 read the same).
 */
export const EVENT_LOG_VERSION = 5;

/** Bytes and rows a task moved; every field a sum over the task attempt. */
export interface TaskIo {
  /** Bytes read from sources (Parquet, CSV, text) and cached blocks. */
  inputBytes: number;
  inputRecords: number;
  shuffleReadBytes: number;
  shuffleReadRecords: number;
  shuffleWriteBytes: number;
  shuffleWriteRecords: number;
  /** Rows the task produced (its result, or what it wrote to its shuffle). */
  outputRecords: number;
  spillBytes: number;
  peakMemoryBytes: number;
}

/** One stage of a job's DAG as planned: enough to draw it (stages as boxes, shuffles as arrows). */
export interface StageInfo {
  stageId: number;
  /** A short name from the plan: the last verbs of the stage's pipeline, e.g. "parquet → map → reduceByKey". */
  name: string;
  numTasks: number;
  /** Stages whose shuffle output this stage reads. */
  parentStageIds: number[];
  /** The shuffle this stage writes, absent for a result stage. */
  shuffleId?: number;
}

export type EngineEvent =
  | { event: 'ApplicationStart'; time: number; appId: string; appName: string; master: string; user: string; logVersion: number; uiUrl?: string }
  | { event: 'ApplicationEnd'; time: number; appId: string; status: 'succeeded' | 'failed'; message?: string }
  | { event: 'JobStart'; time: number; jobId: number; description: string; stages: StageInfo[]; plan: string }
  | { event: 'JobEnd'; time: number; jobId: number; status: 'succeeded' | 'failed' | 'cancelled'; message?: string }
  | { event: 'StageSubmitted'; time: number; jobId: number; stageId: number; attempt: number; numTasks: number }
  | { event: 'StageCompleted'; time: number; jobId: number; stageId: number; attempt: number; status: 'succeeded' | 'failed'; message?: string }
  | { event: 'TaskStart'; time: number; stageId: number; stageAttempt: number; taskId: number; partition: number; attempt: number; executorId: string; host: string }
  | {
    event: 'TaskEnd'; time: number; stageId: number; stageAttempt: number; taskId: number; partition: number; attempt: number; executorId: string;
    status: 'succeeded' | 'failed' | 'killed'; durationMs: number; io: TaskIo;
    /** Why it failed: the failure reason's message, e.g. "executor exec-2 ran out of memory (heap limit 256 MB)". */
    failure?: string;
    /** The kind of that reason (e.g. 'ExecutorLost', 'OutOfMemory', 'TaskKilled'): what /metrics counts failures by. */
    failureKind?: string;
  }
  | { event: 'ExecutorAdded'; time: number; executorId: string; host: string; port: number; cores: number; memoryBytes: number }
  | { event: 'ExecutorRemoved'; time: number; executorId: string; reason: string; outOfMemory?: boolean }
  | { event: 'DatasetCached'; time: number; cacheId: number; name: string; partition: number; executorId: string; memoryBytes: number; diskBytes: number }
  | { event: 'DatasetUnpersisted'; time: number; cacheId: number }
  /** What a library job reports, e.g. source 'als', kind 'iteration', data { iteration: 3, trainRmse: 0.71, seconds: 0.4, shuffleBytes: 1234 }. */
  | { event: 'AppEvent'; time: number; source: string; kind: string; data: Record<string, number | string | boolean | null> };

export type EngineEventName = EngineEvent['event'];
