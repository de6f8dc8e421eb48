// Shared constructor of narrow verbs: a new node over the same partitions, pipelined in one task.

import type { NarrowOp, PlanNode } from '../../plan/nodes.ts';
import type { Session } from '../session.ts';

export function narrowNode(session: Session, parent: PlanNode, op: NarrowOp): PlanNode {
  return { kind: 'narrow', id: session.id(), numPartitions: parent.numPartitions, parent, op };
}
