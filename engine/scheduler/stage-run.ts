// The scheduler's live state for one stage: which partitions are done, queued or running, how often
// each has failed, and which stage attempt is current. A shuffle-map stage has one StageRun for the
// whole session (keyed by shuffleId, shared by every job that reads the shuffle); a result stage has
// one per job.
//
// Worked example: map stage of shuffle 3, 4 partitions, attempt 1 after a fetch failure:
//   state 'running', attempt 1, done (in the registry) {0, 1, 3}, running {2 → task 17}, pending {}
//   failures {2: [UserCodeError 'boom']}          rerunReasons {}   (already announced and cleared)
//   fetchFailedAttempts {}                        (only counts attempts that *read* a shuffle and failed)
//   unexamined {}                                 (2 is running; 0, 1, 3 are done: nothing can need queueing)
//
// Queueing costs no scan of the stage: a partition can need queueing (missing, neither queued nor
// running) only after it left the queue or its task ended (both happen here), or its output was lost
// (the scheduler calls outputLost for every output the registry drops). Those are kept in
// `unexamined`, and queueMissing looks at them alone, so an event costs the same in a stage of 10 or
// 100,000 partitions.
//
// For delay scheduling the queue is also indexed by preferred executor (queuedByPreference): once a
// stage waits for its busy preferred executors, assignTasks looks only at the partitions that could
// still launch (no preference; a preferred executor with a free slot, or gone, or excluded; an
// executor to avoid) instead of every queued one.

import { PartitionQueue, type PartitionQueueView } from './partition-queue.ts';
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
  /** Partitions queued in the current attempt, not yet launched (changed by queueMissing, launched, unqueue, dropQueue). */
  private readonly queued = new PartitionQueue();
  /** Partition → the one live task computing it (changed by launched, taskEnded, goIdle). */
  private readonly live = new Map<number, number>();
  /**
   * A superset of the partitions that are missing and neither queued nor running (queueMissing
   * filters it): a partition enters when it leaves `queued` or `live`, or loses its output.
   */
  private readonly unexamined = new PartitionQueue();
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
  /** The queue by preferred executor, for the preferredLocations it was built from (built on first use). */
  private preferenceIndex: QueuedByPreference | undefined;

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
    for (let p = 0; p < numPartitions; p++) this.unexamined.add(p);
  }

  /** @example StageRun.forMap(3, 4, registry) */
  static forMap(shuffleId: number, numPartitions: number, registry: MapOutputRegistry): StageRun {
    return new StageRun('map', numPartitions, shuffleId, undefined, registry);
  }

  /** @example StageRun.forResult(12, 8, registry) */
  static forResult(jobId: number, numPartitions: number, registry: MapOutputRegistry): StageRun {
    return new StageRun('result', numPartitions, undefined, jobId, registry);
  }

  /** Partitions queued in the current attempt, not yet launched, ascending. */
  get pending(): PartitionQueueView {
    return this.queued;
  }

  /** Partition → the one live task computing it. */
  get running(): ReadonlyMap<number, number> {
    return this.live;
  }

  /** Map: output registered. Result: output accepted. */
  isPartitionComplete(partition: number): boolean {
    return this.kind === 'map' ? this.registry.has(this.shuffleId!, partition) : this.accepted.has(partition);
  }

  isComplete(): boolean {
    return this.kind === 'map'
      ? this.registry.isComplete(this.shuffleId!, this.numPartitions)
      : this.accepted.size === this.numPartitions;
  }

  /**
   * Queues every partition with no output that is neither queued nor running, and returns them,
   * ascending. Costs the partitions that changed since the last call, not the stage's size.
   */
  queueMissing(): number[] {
    const toQueue: number[] = [];
    for (const p of this.unexamined) {
      if (!this.isPartitionComplete(p) && !this.live.has(p) && !this.queued.has(p)) toQueue.push(p);
    }
    this.unexamined.clear();
    for (const p of toQueue) this.queued.add(p);
    if (this.preferenceIndex) for (const p of toQueue) this.preferenceIndex.add(p);
    return toQueue;
  }

  /** A task for queued `partition` was launched as `taskId`. */
  launched(partition: number, taskId: number): void {
    if (this.queued.has(partition)) this.preferenceIndex?.delete(partition);
    this.queued.delete(partition);
    this.live.set(partition, taskId);
  }

  /** `partition` leaves the queue without a launch (it has an output already). */
  unqueue(partition: number): void {
    if (this.queued.has(partition)) {
      this.unexamined.add(partition);
      this.preferenceIndex?.delete(partition);
    }
    this.queued.delete(partition);
  }

  /** Drops the queue (the attempt paused, or the stage is done or idle); the partitions may be queued again later. */
  dropQueue(): void {
    for (const p of this.queued) this.unexamined.add(p);
    this.queued.clear();
    this.preferenceIndex?.clear();
  }

  /** The live task of `partition` finished, failed or was lost with its executor. */
  taskEnded(partition: number): void {
    if (this.live.delete(partition)) this.unexamined.add(partition);
  }

  /** Map stages: the registry dropped `partition`'s output; it runs again when the stage is needed. */
  outputLost(partition: number): void {
    this.unexamined.add(partition);
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

  /** Partitions with an executor to avoid (few: each had a task fail there), in no order. */
  avoidingPartitions(): Iterable<number> {
    return this.avoidedOn.keys();
  }

  /**
   * The queued partitions by the executors `locations` (the owning job's preferredLocations) name.
   * Built from the queue when first asked for these locations (a new owner job rebuilds it), then
   * kept with the queue.
   */
  queuedByPreference(locations: readonly (readonly string[] | undefined)[]): QueuedByPreferenceView {
    if (this.preferenceIndex?.locations !== locations) {
      this.preferenceIndex = new QueuedByPreference(locations);
      for (const p of this.queued) this.preferenceIndex.add(p);
    }
    return this.preferenceIndex;
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
    this.dropQueue();
    for (const p of this.live.keys()) this.unexamined.add(p);
    this.live.clear();
    this.failures.clear();
    this.avoidedOn.clear();
    this.clearFetchFailures();
  }
}

const NONE: ReadonlySet<string> = new Set();

/** What assignTasks reads of the index. */
export interface QueuedByPreferenceView {
  /** Queued partitions whose preferredLocations entry is missing or empty. */
  readonly withoutPreference: PartitionQueueView;
  /** Executor → the queued partitions naming it among their preferred locations. */
  readonly byExecutor: ReadonlyMap<string, PartitionQueueView>;
}

/** Queued partitions by preferred executor; every executor key has a non-empty queue. */
class QueuedByPreference implements QueuedByPreferenceView {
  readonly withoutPreference = new PartitionQueue();
  readonly byExecutor = new Map<string, PartitionQueue>();

  constructor(readonly locations: readonly (readonly string[] | undefined)[]) {}

  add(partition: number): void {
    const preferred = this.locations[partition];
    if (!preferred || preferred.length === 0) {
      this.withoutPreference.add(partition);
      return;
    }
    for (const id of preferred) {
      let queue = this.byExecutor.get(id);
      if (!queue) this.byExecutor.set(id, (queue = new PartitionQueue()));
      queue.add(partition);
    }
  }

  delete(partition: number): void {
    const preferred = this.locations[partition];
    if (!preferred || preferred.length === 0) {
      this.withoutPreference.delete(partition);
      return;
    }
    for (const id of preferred) {
      const queue = this.byExecutor.get(id);
      queue?.delete(partition);
      if (queue?.size === 0) this.byExecutor.delete(id);
    }
  }

  clear(): void {
    this.withoutPreference.clear();
    this.byExecutor.clear();
  }
}
