// A partition of a broadcast join's streamed side joined with the broadcast side, which arrives
// once per executor thread as Arrow IPC; it is decoded and hashed once there and reused by every
// task that reads it (the broadcast value is the same object for all of them). A task that joins
// with it counts its bytes against the task's memory budget while it runs (holdBroadcastSide); a
// side larger than the whole budget fails the job with BroadcastTooLargeError, an input error,
// before it is decoded.

import type { Table } from 'apache-arrow';
import type { NarrowOp } from '../plan/nodes.ts';
import { decodeIpc } from '../kernels/ipc.ts';
import { HashJoiner, hashJoin } from '../kernels/join.ts';
import { DataflowError, InternalError } from '../errors.ts';
import type { MemoryBudget } from './memory-budget.ts';
import { isBlank } from './operator-memory.ts';

/** The broadcast side of a join does not fit a task's memory: the same on every attempt, never retried. */
export class BroadcastTooLargeError extends DataflowError {
  constructor(message: string) {
    super('BROADCAST_TOO_LARGE', message);
  }
}

type BroadcastJoinOp = Extract<NarrowOp, { op: 'broadcastJoin' }>;

/** Per broadcast value: the decoded table, and a joiner per (keys, kind) with it as the right side. */
const decoded = new WeakMap<object, { table: Table; joiners: Map<string, HashJoiner> }>();

/**
 * Takes the broadcast side's bytes (its Arrow IPC, which the decoded table's columns view) from
 * the task's budget, and returns them for the task to release when it is done with the join. A
 * side larger than the whole budget is refused by size before it is decoded or hashed.
 *
 * @example const held = holdBroadcastSide(op, code.broadcastValue(op.table.$broadcast), budget); ... budget.release(held);
 */
export function holdBroadcastSide(op: BroadcastJoinOp, value: unknown, budget: MemoryBudget): number {
  if (!(value instanceof Uint8Array)) throw new InternalError('BROADCAST_JOIN_VALUE', `broadcast ${op.table.$broadcast} of a broadcast join holds ${typeof value}, not Arrow IPC`);
  const bytes = value.byteLength;
  if (bytes > budget.limitBytes) throw broadcastTooLarge(op, bytes, budget.limitBytes);
  budget.acquire(bytes);
  return bytes;
}

function broadcastTooLarge(op: BroadcastJoinOp, bytes: number, limitBytes: number): BroadcastTooLargeError {
  const mb = (b: number): string => (b < 2 ** 20 ? `${Math.ceil(b / 1024)} KB` : `${(b / 2 ** 20).toFixed(1)} MB`);
  const why = op.chosen === 'asked'
    ? `join(..., { broadcast: '${op.side}' }) asked for it`
    : "it was broadcast because its size was known to be within dataflow.join.broadcastThreshold, but the executors' memory is smaller";
  // A task's budget is 0.75 of its share (the rest is the fetch window), a share 0.6 of an executor's memory per core.
  const suggest = `${Math.ceil((bytes * 1.25) / 0.75 / 0.6 / 2 ** 20)}m`;
  return new BroadcastTooLargeError(
    `broadcast join on [${op.keys.map((k) => `'${k}'`).join(', ')}] (${op.how}): the broadcast ${op.side} side is ${mb(bytes)}, more than a task's memory budget (${mb(limitBytes)}: ` +
      `dataflow.executor.memory × 0.6 / executor cores, less the fetch window); every task holds the whole broadcast side (${why}). ` +
      (op.chosen === 'asked'
        ? `Use a shuffle join instead (drop the broadcast option, or join(..., { broadcast: false })), which spills what does not fit, `
        : `Use a shuffle join instead (join(..., { broadcast: false }), or --conf dataflow.join.broadcastThreshold=0 for every join), which spills what does not fit, `) +
      `or raise dataflow.executor.memory (e.g. --conf dataflow.executor.memory=${suggest} per executor core).`,
  );
}

/**
 * `streamed` (one partition of the side not broadcast) joined with the broadcast side: the right
 * side broadcast gives the rows in the partition's order (as a shuffled join does); the left side
 * broadcast (inner, right) gives them in the broadcast side's order, then the partition's rows
 * without a match.
 *
 * @example broadcastJoin({ op: 'broadcastJoin', keys: ['k'], how: 'left', side: 'right', table: { $broadcast: 3 }, chosen: 'asked' }, part, ipc)
 */
export function broadcastJoin(op: BroadcastJoinOp, streamed: Table, value: unknown): Table {
  if (!(value instanceof Uint8Array)) throw new InternalError('BROADCAST_JOIN_VALUE', `broadcast ${op.table.$broadcast} of a broadcast join holds ${typeof value}, not Arrow IPC`);
  let entry = decoded.get(value);
  if (!entry) {
    entry = { table: decodeIpc(value, `the broadcast side of a join (broadcast ${op.table.$broadcast})`), joiners: new Map() };
    decoded.set(value, entry);
  }
  if (op.side === 'left') return isBlank(streamed) ? streamed : hashJoin(entry.table, streamed, op.keys, op.how);
  const key = `${op.how}:${JSON.stringify(op.keys)}`;
  let joiner = entry.joiners.get(key);
  if (!joiner) {
    joiner = new HashJoiner(entry.table, op.keys, op.how);
    entry.joiners.set(key, joiner);
  }
  return joiner.join(streamed);
}
