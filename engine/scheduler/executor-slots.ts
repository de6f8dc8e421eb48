// Executors and their task slots, and the placement rule for one task. A launched task holds one slot
// of its executor until it finishes, fails, or the executor is lost.
//
// Worked example: exec-a has 2 slots running task 4, exec-b has 2 free slots.
//   pick(['exec-a'])  → 'exec-a'   (a preferred executor with a free slot wins)
//   pick(undefined)   → 'exec-b'   (otherwise most free slots; ties go to the lowest id)

import { SchedulerProtocolError } from './errors.ts';
import type { ExecutorId } from '../protocol/index.ts';

export interface ExecutorSlotsView {
  executorId: ExecutorId;
  slots: number;
  /** Task ids holding a slot, ascending. */
  runningTaskIds: number[];
}

export class ExecutorSlots {
  private readonly executors = new Map<ExecutorId, { slots: number; running: Set<number> }>();
  /** Executors excluded for the application (excludeOnFailure): alive, never picked again. */
  private readonly excluded = new Set<ExecutorId>();

  /** @example slots.add('exec-a', 2) */
  add(executorId: ExecutorId, slots: number): void {
    if (this.executors.has(executorId)) {
      throw new SchedulerProtocolError(
        `Executor ${executorId} was added twice without being lost in between; executor ids must be unique per session.`,
      );
    }
    if (!Number.isInteger(slots) || slots < 1) {
      throw new SchedulerProtocolError(`Executor ${executorId} offered ${slots} slots; expected a positive integer.`);
    }
    this.executors.set(executorId, { slots, running: new Set() });
  }

  /** Removes an executor; returns the ids of the tasks that were holding its slots, ascending. */
  remove(executorId: ExecutorId): number[] {
    const executor = this.executors.get(executorId);
    this.executors.delete(executorId);
    return executor ? [...executor.running].sort((a, b) => a - b) : [];
  }

  has(executorId: ExecutorId): boolean {
    return this.executors.has(executorId);
  }

  /** From now on `executorId` gets no task; the tasks it runs finish there. */
  exclude(executorId: ExecutorId): void {
    this.excluded.add(executorId);
  }

  isExcluded(executorId: ExecutorId): boolean {
    return this.excluded.has(executorId);
  }

  /** True when executors are alive and every one of them is excluded: no task can be placed. */
  allExcluded(): boolean {
    return this.executors.size > 0 && [...this.executors.keys()].every((id) => this.excluded.has(id));
  }

  /** Alive and not excluded: tasks may be placed on it. */
  isUsable(executorId: ExecutorId): boolean {
    return this.executors.has(executorId) && !this.excluded.has(executorId);
  }

  /** Whether some usable executor has a free slot (pick can place a task that avoids none). */
  hasFreeSlot(): boolean {
    for (const [id, e] of this.executors) if (e.running.size < e.slots && !this.excluded.has(id)) return true;
    return false;
  }

  freeSlots(executorId: ExecutorId): number {
    const executor = this.executors.get(executorId);
    return executor ? executor.slots - executor.running.size : 0;
  }

  /**
   * Where to run a task: the first executor of `preferred` that is alive with a free slot, otherwise
   * the executor with the most free slots (ties: lowest id in string order), or undefined if all are full.
   * Executors in `avoid` are skipped, unless every live executor is in it (then any will do);
   * excluded executors are always skipped.
   *
   * @example slots.pick(['exec-b', 'exec-a']) // 'exec-b' if it has a free slot
   */
  pick(preferred: readonly ExecutorId[] | undefined, avoid: ReadonlySet<ExecutorId> = new Set()): ExecutorId | undefined {
    const usable = [...this.executors.keys()].filter((id) => !this.excluded.has(id));
    const skip = usable.every((id) => avoid.has(id)) ? new Set<ExecutorId>() : avoid;
    for (const id of preferred ?? []) if (!skip.has(id) && !this.excluded.has(id) && this.freeSlots(id) > 0) return id;
    let best: ExecutorId | undefined;
    let bestFree = 0;
    for (const id of usable) {
      if (skip.has(id)) continue;
      const free = this.freeSlots(id);
      if (free > bestFree || (free === bestFree && free > 0 && best !== undefined && id < best)) {
        best = id;
        bestFree = free;
      }
    }
    return best;
  }

  occupy(executorId: ExecutorId, taskId: number): void {
    this.executors.get(executorId)!.running.add(taskId);
  }

  /** Frees the slot `taskId` held; a no-op if the executor is gone. */
  release(executorId: ExecutorId, taskId: number): void {
    this.executors.get(executorId)?.running.delete(taskId);
  }

  /** Every live executor, by id. */
  view(): ExecutorSlotsView[] {
    return [...this.executors.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([executorId, e]) => ({ executorId, slots: e.slots, runningTaskIds: [...e.running].sort((a, b) => a - b) }));
  }
}
