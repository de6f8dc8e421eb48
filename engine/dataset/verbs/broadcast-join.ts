// A broadcast join: the small side is collected once (a job of its own, run before the first job
// that needs it) and shipped to every executor as one Arrow IPC broadcast; each partition of the
// other side is joined with it where it is, so the big side is never shuffled (Spark's broadcast
// hash join). Chosen by `join(..., { broadcast: 'right' })` or automatically when a side's size is
// known before it runs (an in-memory source, under select, filter or cache) and at most
// `dataflow.join.broadcastThreshold` and within a task's memory budget where the session knows it
// (local, local[N]: a larger side falls back to the shuffle join, which spills); never
// automatically when the join is told its numPartitions. A side asked for that does not fit a
// task's budget fails the job on the executor (executor/broadcast-join.ts: BroadcastTooLargeError).
//
// Which side may be broadcast follows from what the kind must keep: the rows of the streamed side
// without a match are seen by its task, those of the broadcast side are not (no task sees all of
// its matches), so inner, left, semi and anti joins broadcast the right side and inner and right
// joins the left side; a full join is always shuffled.

import type { Row } from '../../kernels/rows.ts';
import type { JoinHow } from '../../kernels/join.ts';
import type { PlanNode } from '../../plan/nodes.ts';
import { parseSize } from '../../config.ts';
import { InvalidInputError } from '../../errors.ts';
import type { Dataset } from '../dataset.ts';

export type BroadcastSide = 'left' | 'right';

/** The side a join broadcasts, and whether it was asked for or chosen by its known size. */
export interface BroadcastChoice { side: BroadcastSide; chosen: 'asked' | 'size' }

const BROADCASTABLE: Record<BroadcastSide, readonly JoinHow[]> = {
  right: ['inner', 'left', 'semi', 'anti'],
  left: ['inner', 'right'],
};

/** Where a side's plan keeps its broadcast handle alive (never serialized: v8.serialize skips symbols). */
const KEEP_ALIVE = Symbol('dataflow.broadcastJoinHandle');

/**
 * The side to broadcast, if any: the one asked for (checked against the kind), else one whose
 * known size is within the threshold and a task's budget (the right first), else none (a shuffled join).
 *
 * @example chooseBroadcast(ratings, movies, 'left', {}) // { side: 'right', chosen: 'size' } when movies is a small fromRows
 */
export function chooseBroadcast(
  left: Dataset<Row>, right: Dataset<Row>, how: JoinHow, options: { broadcast?: BroadcastSide | false; numPartitions?: number },
): BroadcastChoice | undefined {
  const asked = options.broadcast;
  if (asked === false) return undefined;
  if (asked !== undefined) {
    if (asked !== 'left' && asked !== 'right') throw new InvalidInputError(`join: broadcast must be 'left', 'right' or false, got ${JSON.stringify(asked)}`);
    if (!BROADCASTABLE[asked].includes(how)) {
      const can = (Object.keys(BROADCASTABLE) as BroadcastSide[]).filter((s) => BROADCASTABLE[s].includes(how));
      throw new InvalidInputError(
        `join: a ${how} join cannot broadcast its ${asked} side (the ${asked} rows without a match would be lost or repeated across tasks); ` +
          (can.length > 0 ? `broadcast the ${can.join(' or ')} side, or drop the broadcast option.` : 'drop the broadcast option (a full join shuffles both sides).'),
      );
    }
    if (options.numPartitions !== undefined) {
      throw new InvalidInputError(`join: numPartitions sets the partitions of a shuffled join; a broadcast join keeps those of its other side. Drop one of the two options.`);
    }
    return { side: asked, chosen: 'asked' };
  }
  if (options.numPartitions !== undefined) return undefined;
  const setting = left.session.config['dataflow.join.broadcastThreshold'];
  const threshold = setting === '0' ? 0 : parseSize(setting, 'configuration dataflow.join.broadcastThreshold');
  const budget = left.session.taskBudgetBytes ?? Infinity;
  for (const [side, ds] of [['right', right], ['left', left]] as const) {
    if (!BROADCASTABLE[side].includes(how)) continue;
    const bytes = knownBytes(ds.node, (blobId) => ds.session.blobBytes(blobId));
    if (bytes !== undefined && bytes <= threshold && bytes <= budget) return { side, chosen: 'size' };
  }
  return undefined;
}

/**
 * The join as a narrow operation over the streamed side's partitions, reading the broadcast side.
 *
 * @example broadcastJoin(ratings, movies, ['movieId'], 'left', { side: 'right', chosen: 'asked' })
 */
export function broadcastJoin(left: Dataset<Row>, right: Dataset<Row>, keys: string[], how: JoinHow, { side, chosen }: BroadcastChoice): Dataset<Row> {
  const [streamed, small] = side === 'right' ? [left, right] : [right, left];
  const handle = streamed.session.broadcastRows(small.node);
  const table = { $broadcast: handle.broadcastId };
  Object.defineProperty(table, KEEP_ALIVE, { value: handle, enumerable: false });
  return streamed.derive<Row>({
    kind: 'narrow', id: streamed.session.id(), numPartitions: streamed.node.numPartitions, parent: streamed.node,
    op: { op: 'broadcastJoin', keys, how, side, table, chosen },
  });
}

/**
 * The bytes `node`'s rows take at most, when known without running anything: an in-memory source's
 * Arrow buffers (`blobBytes`), through select, filter, cache and union. Undefined otherwise.
 */
export function knownBytes(node: PlanNode, blobBytes: (blobId: number) => number): number | undefined {
  switch (node.kind) {
    case 'source': return node.source.kind === 'memory' ? blobBytes(node.source.blobId) : undefined;
    case 'cache': return knownBytes(node.parent, blobBytes);
    case 'narrow': return node.op.op === 'select' || node.op.op === 'filter' ? knownBytes(node.parent, blobBytes) : undefined;
    case 'union': {
      let total = 0;
      for (const parent of node.parents) {
        const bytes = knownBytes(parent, blobBytes);
        if (bytes === undefined) return undefined;
        total += bytes;
      }
      return total;
    }
    case 'shuffled': return undefined;
  }
}
