// The partitions of a stage attempt waiting for a slot, handed out lowest first. They are mostly
// queued in ascending order (a stage's missing partitions), so the queue keeps insertion order and
// sorts only after a partition came in below one queued before it: filling a slot then costs a step
// of an iterator, not a copy and sort of the whole queue (which made a stage of n tasks cost n² log n).
// A StageRun also keeps the partitions it must re-examine in one (stage-run.ts).

/** What a queue's readers may do: look, not change. */
export interface PartitionQueueView extends Iterable<number> {
  readonly size: number;
  has(partition: number): boolean;
  lowest(): number | undefined;
}

export class PartitionQueue implements PartitionQueueView {
  private queued = new Set<number>();
  /** The largest partition queued while in order; below it, a new one puts the queue out of order. */
  private highest = -1;
  private ordered = true;

  get size(): number {
    return this.queued.size;
  }

  has(partition: number): boolean {
    return this.queued.has(partition);
  }

  add(partition: number): void {
    if (this.queued.has(partition)) return;
    if (partition < this.highest) this.ordered = false;
    else this.highest = partition;
    this.queued.add(partition);
  }

  delete(partition: number): void {
    this.queued.delete(partition);
  }

  clear(): void {
    this.queued.clear();
    this.highest = -1;
    this.ordered = true;
  }

  /** The lowest queued partition, if any. */
  lowest(): number | undefined {
    for (const partition of this) return partition;
    return undefined;
  }

  /**
   * The queued partitions, ascending. The partition being visited may be deleted on the way; none may
   * be added.
   *
   * @example
   * const queue = new PartitionQueue();
   * [3, 1, 2].forEach((p) => queue.add(p));
   * [...queue]; // [1, 2, 3]
   */
  [Symbol.iterator](): Iterator<number> {
    if (!this.ordered) {
      const sorted = [...this.queued].sort((a, b) => a - b);
      this.queued = new Set(sorted);
      this.highest = sorted.at(-1) ?? -1;
      this.ordered = true;
    }
    return this.queued.values();
  }
}
