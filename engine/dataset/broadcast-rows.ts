// The rows of broadcast joins' small sides: each is collected by a job of its own before the first
// job whose plan reads it, encoded once as Arrow IPC and kept by the session as a broadcast value,
// which every executor fetches once (verbs/broadcast-join.ts builds the plans that read them).

import type { PlanNode } from '../plan/nodes.ts';
import { narrowParents } from '../plan/nodes.ts';
import { encodeIpc } from '../kernels/ipc.ts';
import type { Table } from 'apache-arrow';

export class BroadcastRows {
  /** Broadcast id → the plan whose rows it will hold, and the job collecting them once started. */
  private readonly pending = new Map<number, { node: PlanNode; collecting?: Promise<void> }>();

  /** Broadcast `id` will hold the rows of `node`. */
  add(id: number, node: PlanNode): void {
    this.pending.set(id, { node });
  }

  /** Forgets broadcast `id` (released before any job needed it). */
  delete(id: number): void {
    this.pending.delete(id);
  }

  get size(): number {
    return this.pending.size;
  }

  /**
   * Collects (with `collect`, one job each, once even when jobs ask at once) the rows of every
   * broadcast the plan under `root` reads and has not got yet, and hands them to `store` as IPC.
   *
   * @example await rows.resolve(plan, (node) => session.collectTable(node), (id, ipc) => broadcasts.set(id, ipc));
   */
  async resolve(root: PlanNode, collect: (node: PlanNode) => Promise<Table>, store: (id: number, ipc: Uint8Array) => void): Promise<void> {
    for (const id of readBy(root)) {
      const entry = this.pending.get(id);
      if (!entry) continue;
      entry.collecting ??= (async () => {
        const table = await collect(entry.node);
        if (this.pending.get(id) === entry) store(id, encodeIpc(table));
        this.pending.delete(id);
      })();
      entry.collecting.catch(() => { if (this.pending.get(id) === entry) entry.collecting = undefined; });
      await entry.collecting;
    }
  }
}

/** Ids of the broadcasts read by broadcast joins anywhere in the plan (map sides of shuffles too). */
function readBy(root: PlanNode): number[] {
  const ids: number[] = [];
  const seen = new Set<PlanNode>();
  const visit = (node: PlanNode): void => {
    if (seen.has(node)) return;
    seen.add(node);
    if (node.kind === 'narrow' && node.op.op === 'broadcastJoin') ids.push(node.op.table.$broadcast);
    if (node.kind === 'shuffled') for (const dep of node.deps) if (dep.parent) visit(dep.parent);
    for (const parent of narrowParents(node)) visit(parent);
  };
  visit(root);
  return ids;
}
