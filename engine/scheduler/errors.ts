// Errors the scheduler raises when its caller breaks the protocol (a malformed job spec from the
// planner, an executor registered twice, a map task that finished without its output). Task and job
// failures are never thrown: they are commands (JobFailed) carrying typed reasons.

import { DataflowError } from '../errors.ts';

/** A JobSpec cannot be scheduled: unknown parent stage, cycle, stage without shuffleId, ... */
export class InvalidJobSpecError extends DataflowError {
  constructor(message: string) {
    super('INVALID_JOB_SPEC', message);
  }
}

/** An event contradicts what the scheduler knows (duplicate executor, map output missing, ...). */
export class SchedulerProtocolError extends DataflowError {
  constructor(message: string) {
    super('SCHEDULER_PROTOCOL', message);
  }
}
