// A partition of a broadcast join's streamed side joined with the broadcast side, which arrives
// once per executor thread as Arrow IPC; it is decoded and hashed once there and reused by every
// task that reads it (the broadcast value is the same object for all of them).

import type { Table } from 'apache-arrow';
import type { NarrowOp } from '../plan/nodes.ts';
import { decodeIpc } from '../kernels/ipc.ts';
import { HashJoiner, hashJoin } from '../kernels/join.ts';
import { InternalError } from '../errors.ts';
import { isBlank } from './operator-memory.ts';

type BroadcastJoinOp = Extract<NarrowOp, { op: 'broadcastJoin' }>;

/** Per broadcast value: the decoded table, and a joiner per (keys, kind) with it as the right side. */
const decoded = new WeakMap<object, { table: Table; joiners: Map<string, HashJoiner> }>();

/**
 * `streamed` (one partition of the side not broadcast) joined with the broadcast side: the right
 * side broadcast gives the rows in the partition's order (as a shuffled join does); the left side
 * broadcast (inner, right) gives them in the broadcast side's order, then the partition's rows
 * without a match.
 *
 * @example broadcastJoin({ op: 'broadcastJoin', keys: ['k'], how: 'left', side: 'right', table: { $broadcast: 3 } }, part, ipc)
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
