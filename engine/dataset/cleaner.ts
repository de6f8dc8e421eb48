// Frees what the driver and the executors keep for a shuffle, a cached dataset, an in-memory source
// or a broadcast once nothing reachable can use it again, as Spark's ContextCleaner does: the plan
// objects that name them (shuffle dependencies, cache nodes, memory source nodes, broadcast handles)
// are watched with a FinalizationRegistry, and the release runs after they are garbage-collected.
//
// Several objects may name one resource (a job may read one shuffle from two nodes, each with its own
// dependency object): the resource is released when the last of them is collected. A running job
// keeps its plan, hence its shuffles, reachable until it ends.
//
// The driver's heap may be small and quiet while the executors hold hundreds of MB of map outputs
// for datasets long unreachable: V8 would not collect for a long time, and every new map output
// would land in fresh memory (page faults) instead of the buffers of the dead ones. So, like
// Spark's periodic GC, a job's start runs a full collection when the executors' map outputs have
// grown by GC_EVERY_SHUFFLE_BYTES (or twice the driver's heap, if larger: a collection's cost grows
// with the heap) since the last one. Worked example with 84 MB per shuffle, a dataset dropped
// after each job: job 1 writes 84 MB; job 2 starts with 84 MB held → collect, job 1's shuffle is
// released, and job 2 writes into its buffers; outputs kept reachable only make collections rarer
// (one per 64 MB written, the baseline moves up to what stays held).
//
// A collection the cleaner makes itself releases what it found dead at once, before the job's tasks
// go out: each watched object is also held by a WeakRef, cleared by the collection itself, while a
// FinalizationRegistry callback runs only in a later turn of the event loop, after the job's first
// tasks, whose map outputs then could not reuse the dead outputs' buffers. The registry still
// releases what V8's own collections find dead.

import { getHeapStatistics } from 'node:v8';
import type { PlanNode } from '../plan/nodes.ts';
import { narrowParents } from '../plan/nodes.ts';
import { fullGc } from './full-gc.ts';

/** Growth of the executors' map outputs, in bytes, that makes a job's start collect garbage (see above). */
export const GC_EVERY_SHUFFLE_BYTES = 64 * 1024 * 1024;

export type Releasable =
  | { kind: 'shuffle'; id: number }
  | { kind: 'cache'; id: number }
  | { kind: 'blob'; id: number }
  | { kind: 'broadcast'; id: number };

/** One watched object: what it names, and a weak reference to tell whether it is still alive. */
interface Watch { key: string; target: WeakRef<object> }

export class Cleaner {
  private readonly finalizers: FinalizationRegistry<Watch>;
  /** Objects already watched (weakly held: watching never keeps anything alive). */
  private readonly watched = new WeakSet<object>();
  /** Watches whose object has not been found collected yet. */
  private readonly pending = new Set<Watch>();
  /** Resource key → how many watched objects that name it are alive. */
  private readonly live = new Map<string, { what: Releasable; count: number }>();
  private stopped = false;
  /** Map-output bytes held after the last collection's releases (measured at the first check after it). */
  private heldBaseline = 0;
  private justCollected = false;

  constructor(private readonly release: (what: Releasable) => void) {
    this.finalizers = new FinalizationRegistry((watch) => this.collected(watch));
  }

  /**
   * Watches every shuffle dependency and cache node of the plan under `root` not seen before.
   * Nodes already seen are skipped with their whole subtree (it was walked then).
   *
   * @example cleaner.watchPlan(dataset.node) // before running a job on it
   */
  watchPlan(root: PlanNode): void {
    const visit = (node: PlanNode): void => {
      if (this.watched.has(node)) return;
      if (node.kind === 'cache') this.watch(node, { kind: 'cache', id: node.cacheId });
      this.watched.add(node);
      if (node.kind === 'shuffled') {
        for (const dep of node.deps) {
          this.watch(dep, { kind: 'shuffle', id: dep.shuffleId });
          if (dep.parent) visit(dep.parent);
        }
      }
      for (const parent of narrowParents(node)) visit(parent);
    };
    visit(root);
  }

  /** Releases `what` once `target` (and every other object watched for it) is collected. @example cleaner.watch(handle, { kind: 'broadcast', id: 7 }) */
  watch(target: object, what: Releasable): void {
    if (this.stopped || this.watched.has(target)) return;
    this.watched.add(target);
    const key = `${what.kind}:${what.id}`;
    const entry = this.live.get(key);
    if (entry) entry.count++;
    else this.live.set(key, { what, count: 1 });
    const watch: Watch = { key, target: new WeakRef(target) };
    this.pending.add(watch);
    this.finalizers.register(target, watch);
  }

  /** Releases `what` now (unpersist) whatever still names it; it is released again when collected. */
  releaseNow(what: Releasable): void {
    if (!this.stopped) this.release(what);
  }

  /**
   * Collects garbage if the map outputs held (`heldShuffleBytes`, all executors) grew by
   * GC_EVERY_SHUFFLE_BYTES, or twice the heap, since the last collection; returns whether it did.
   * What it found unreachable is released before it returns.
   *
   * @example cleaner.collectIfDue(driver.registry.totalBytes) // as a job starts
   */
  collectIfDue(heldShuffleBytes: number): boolean {
    if (this.stopped) return false;
    if (this.justCollected) {
      this.heldBaseline = heldShuffleBytes; // what the last collection left held
      this.justCollected = false;
    }
    this.heldBaseline = Math.min(this.heldBaseline, heldShuffleBytes);
    const growth = Math.max(GC_EVERY_SHUFFLE_BYTES, 2 * getHeapStatistics().used_heap_size);
    if (heldShuffleBytes - this.heldBaseline < growth) return false;
    fullGc();
    for (const watch of this.pending) if (watch.target.deref() === undefined) this.collected(watch);
    this.justCollected = true;
    this.heldBaseline = heldShuffleBytes;
    return true;
  }

  /** How many resources are watched (tests: must not grow with the number of jobs). */
  get size(): number {
    return this.live.size;
  }

  /** The session stopped: everything went with it, release nothing more. */
  stop(): void {
    this.stopped = true;
    this.live.clear();
    this.pending.clear();
  }

  /** `watch`'s object was collected (found by collectIfDue, or by the registry later: counted once). */
  private collected(watch: Watch): void {
    if (!this.pending.delete(watch)) return;
    const entry = this.live.get(watch.key);
    if (!entry || this.stopped) return;
    if (--entry.count > 0) return;
    this.live.delete(watch.key);
    this.release(entry.what);
  }
}
