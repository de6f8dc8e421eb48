// What the UI shows, as plain data: the status model that events fold into (live, in the driver)
// and that `dataflow history` rebuilds from a log. The JSON API returns exactly these shapes:
//
//   GET /api/applications                          ApplicationSummary[]
//   GET /api/applications/:appId                   ApplicationStatus   (404 if unknown)
//   GET /api/applications/:appId/jobs/:jobId       JobStatus
//   GET /api/applications/:appId/stages/:stageId   StageStatus         (the latest attempt; ?attempt=N for another)
//
// Page routes (/, /app/:appId, /app/:appId/job/:jobId, /app/:appId/stage/:stageId,
// /app/:appId/executors, /app/:appId/storage, /app/:appId/als) all return engine/ui/static/index.html,
// which reads location.pathname and renders from the JSON API; /static/* serves engine/ui/static/.

import type { StageInfo, TaskIo } from './events.ts';

export interface ApplicationSummary {
  appId: string;
  appName: string;
  master: string;
  startTime: number;
  endTime?: number;
  /** 'running' live; 'incomplete' in a history log that has no ApplicationEnd (a crashed driver). */
  status: 'running' | 'succeeded' | 'failed' | 'incomplete';
}

export interface ApplicationStatus extends ApplicationSummary {
  jobs: JobSummary[];
  executors: ExecutorStatus[];
  cached: CachedDatasetStatus[];
  /** Library job reports in time order (ALS iterations, SVD restarts). */
  appEvents: Array<{ time: number; source: string; kind: string; data: Record<string, number | string | boolean | null> }>;
  /** Lines of the event log that could not be read (corrupt or truncated), skipped. */
  skippedLogLines: number;
}

export interface JobSummary {
  jobId: number;
  description: string;
  status: 'running' | 'succeeded' | 'failed' | 'cancelled';
  startTime: number;
  endTime?: number;
  stageIds: number[];
  numTasks: number;
  completedTasks: number;
  failedTasks: number;
}

export interface JobStatus extends JobSummary {
  /** The DAG as planned, to draw. */
  stages: Array<StageInfo & {
    status: StageStatus['status']; completedTasks: number;
    /** Set once the job ended on a stage it did not run: an earlier job had computed its output (Spark's "skipped"). */
    skipped?: boolean;
  }>;
  plan: string;
  message?: string;
}

/** min / median / max over a stage's successful tasks (to spot skew). */
export interface Distribution { min: number; median: number; max: number }

export interface TaskStatus {
  taskId: number;
  partition: number;
  attempt: number;
  executorId: string;
  host: string;
  startTime: number;
  endTime?: number;
  status: 'running' | 'succeeded' | 'failed' | 'killed';
  durationMs?: number;
  io?: TaskIo;
  failure?: string;
}

export interface StageStatus {
  stageId: number;
  attempt: number;
  jobId: number;
  name: string;
  status: 'pending' | 'running' | 'succeeded' | 'failed';
  numTasks: number;
  completedTasks: number;
  failedTasks: number;
  submitTime?: number;
  completionTime?: number;
  /** Sums over the stage's tasks. */
  io: TaskIo;
  distributions: { durationMs: Distribution; inputBytes: Distribution; shuffleReadBytes: Distribution; shuffleWriteBytes: Distribution; spillBytes: Distribution };
  tasks: TaskStatus[];
  /** Tasks whose rows the UI no longer keeps (fold.ts RETAINED_TASKS): `tasks` is empty, `distributions` were taken before. */
  tasksForgotten?: number;
  message?: string;
}

export interface ExecutorStatus {
  executorId: string;
  host: string;
  port: number;
  cores: number;
  memoryBytes: number;
  state: 'alive' | 'lost';
  addedTime: number;
  removedTime?: number;
  lossReason?: string;
  activeTasks: number;
  completedTasks: number;
  failedTasks: number;
}

export interface CachedDatasetStatus {
  cacheId: number;
  name: string;
  partitions: number;
  memoryBytes: number;
  diskBytes: number;
}
