// The scheduler's live state for one stage: which partitions are done, queued or running, how often
// each has failed, and which stage attempt is current. A shuffle-map stage has one StageRun for the
// whole session (keyed by shuffleId, shared by every job that reads the shuffle); a result stage has
// one per job.
//
// Worked example: map stage of shuffle 3, 4 partitions, attempt 1 after a fetch failure:
//   state 'running', attempt 1, done (in the registry) {0, 1, 3}, running {2 → task 17}, pending {}
//   failures {2: [UserCodeError 'boom']}          rerunReasons {}   (already announced and cleared)
//   fetchFailedAttempts {}                        (only counts attempts that *read* a shuffle and failed)

import { PartitionQueue } from './partition-queue.ts';
import type { MapOutputRegistry } from './map-output-registry.ts';
import type { TaskFailureReason } from '../protocol/index.ts';

/**
 * idle:    no active job needs the stage; nothing queued, its running tasks are ignored.
 * waiting: needed, but a parent shuffle is incomplete (never started, or paused after a fetch failure).
 * running: the current attempt queues and launches missing partitions.
 * done:    every partition's output exists.
 */
export type StageRunState = 'idle' | 'waiting' | 'running' | 'done';

export class StageRun {
  state: StageRunState = 'idle';
  /** Current (or last) stage attempt; -1 before the first. */
  attempt = -1;
  /** A StageSubmitted was emitted and no StageCompleted yet. */
  announced = false;
  /** Partitions queued in the current attempt, not yet launched. */
  readonly pending = new PartitionQueue();
  /** Partition → the one live task computing it. */
  readonly running = new Map<number, number>();
  /** Partition → failures counted toward maxTaskAttempts since its last success, oldest first. */
  readonly failures = new Map<number, TaskFailureReason[]>();
  /** Partition → why it must run again (its output was lost, or its task hit a fetch failure). */
  readonly rerunReasons = new Map<number, TaskFailureReason>();
  /** Stage attempts that ended in a fetch failure, and the first such failure of each (the chain of causes). */
  readonly fetchFailedAttempts = new Set<number>();
  readonly fetchFailureCauses: TaskFailureReason[] = [];
  /** Result stages: partitions whose output was accepted. */
  readonly accepted = new Set<number>();
  private readonly launches: number[];
  /** Partition → executors it should not run on again (their disk filled while it spilled). */
  private readonly avoidedOn = new Map<number, Set<string>>();

  private constructor(
    readonly kind: 'map' | 'result',
    readonly numPartitions: number,
    /** Map stages: the shuffle written. */
    readonly shuffleId: number | undefined,
    /** Result stages: the owning job. */
    readonly jobId: number | undefined,
    private readonly registry: MapOutputRegistry,
  ) {
    this.launches = new Array<number>(numPartitions).fill(0);
  }

  /** @example StageRun.forMap(3, 4, registry) */
  static forMap(shuffleId: number, numPartitions: number, registry: MapOutputRegistry): StageRun {
    return new StageRun('map', numPartitions, shuffleId, undefined, registry);
  }

  /** @example StageRun.forResult(12, 8, registry) */
  static forResult(jobId: number, numPartitions: number, registry: MapOutputRegistry): StageRun {
    return new StageRun('result', numPartitions, undefined, jobId, registry);
  }

  /** Map: output registered. Result: output accepted. */
  isPartitionComplete(partition: number): boolean {
    return this.kind === 'map' ? this.registry.get(this.shuffleId!, partition) !== undefined : this.accepted.has(partition);
  }

  isComplete(): boolean {
    return this.kind === 'map'
      ? this.registry.isComplete(this.shuffleId!, this.numPartitions)
      : this.accepted.size === this.numPartitions;
  }

  /** Partitions with no output yet, ascending. */
  missingPartitions(): number[] {
    if (this.kind === 'map') return this.registry.missingPartitions(this.shuffleId!, this.numPartitions);
    const missing: number[] = [];
    for (let p = 0; p < this.numPartitions; p++) if (!this.accepted.has(p)) missing.push(p);
    return missing;
  }

  /** The `attempt` number of the next task launched for `partition` (0, 1, 2, ...). */
  nextTaskAttempt(partition: number): number {
    return this.launches[partition]!++;
  }

  /** Keeps later attempts of `partition` off `executorId` while another executor can run them. */
  avoid(partition: number, executorId: string): void {
    const set = this.avoidedOn.get(partition) ?? new Set<string>();
    set.add(executorId);
    this.avoidedOn.set(partition, set);
  }

  avoided(partition: number): ReadonlySet<string> {
    return this.avoidedOn.get(partition) ?? NONE;
  }

  /** A new stage attempt ends the fetch-failure streak only when the stage completes. */
  clearFetchFailures(): void {
    this.fetchFailedAttempts.clear();
    this.fetchFailureCauses.length = 0;
  }

  /** No job needs the stage any more: drop queued work and failure counts (outputs stay in the registry). */
  goIdle(): void {
    this.state = 'idle';
    this.announced = false;
    this.pending.clear();
    this.running.clear();
    this.failures.clear();
    this.avoidedOn.clear();
    this.clearFetchFailures();
  }
}

const NONE: ReadonlySet<string> = new Set();
