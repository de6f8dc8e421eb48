// Frees what the driver and the executors keep for a shuffle, a cached dataset, an in-memory source
// or a broadcast once nothing reachable can use it again, as Spark's ContextCleaner does: the plan
// objects that name them (shuffle dependencies, cache nodes, memory source nodes, broadcast handles)
// are watched with a FinalizationRegistry, and the release runs after they are garbage-collected.
//
// Several objects may name one resource (a job may read one shuffle from two nodes, each with its own
// dependency object): the resource is released when the last of them is collected. A running job
// keeps its plan, hence its shuffles, reachable until it ends.

import type { PlanNode } from '../plan/nodes.ts';
import { narrowParents } from '../plan/nodes.ts';

export type Releasable =
  | { kind: 'shuffle'; id: number }
  | { kind: 'cache'; id: number }
  | { kind: 'blob'; id: number }
  | { kind: 'broadcast'; id: number };

export class Cleaner {
  private readonly finalizers: FinalizationRegistry<string>;
  /** Objects already watched (weakly held: watching never keeps anything alive). */
  private readonly watched = new WeakSet<object>();
  /** Resource key → how many watched objects that name it are alive. */
  private readonly live = new Map<string, { what: Releasable; count: number }>();
  private stopped = false;

  constructor(private readonly release: (what: Releasable) => void) {
    this.finalizers = new FinalizationRegistry((key) => this.collected(key));
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
    this.finalizers.register(target, key);
  }

  /** Releases `what` now (unpersist) whatever still names it; it is released again when collected. */
  releaseNow(what: Releasable): void {
    if (!this.stopped) this.release(what);
  }

  /** How many resources are watched (tests: must not grow with the number of jobs). */
  get size(): number {
    return this.live.size;
  }

  /** The session stopped: everything went with it, release nothing more. */
  stop(): void {
    this.stopped = true;
    this.live.clear();
  }

  private collected(key: string): void {
    const entry = this.live.get(key);
    if (!entry || this.stopped) return;
    if (--entry.count > 0) return;
    this.live.delete(key);
    this.release(entry.what);
  }
}
