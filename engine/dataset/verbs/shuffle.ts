// Shared constructor of wide verbs: hash-partitioned shuffle dependencies and the node that reads
// them. The number of reduce partitions is the verb's option, else `dataflow.shuffle.partitions`,
// else the largest input's partition count capped at DEFAULT_MAX_SHUFFLE_PARTITIONS — never the
// executor count, so results do not depend on where the job runs. The cap matters: a 163-row-group
// file aggregated into 163 reduce partitions makes 163 x 163 tiny blocks, and the per-item
// statistics job spent most of its time on them (bench/parquet.ts).

import type { CombineOp, PlanNode, ReduceOp, ShuffleDependency } from '../../plan/nodes.ts';
import type { Partitioner } from '../../shuffle/partitioner.ts';
import { InvalidInputError } from '../../errors.ts';
import type { Session } from '../session.ts';

/** Default reduce partitions are the input's count, but no more than this. */
export const DEFAULT_MAX_SHUFFLE_PARTITIONS = 16;

export function shufflePartitions(session: Session, requested: number | undefined, inputs: PlanNode[], verb: string): number {
  if (requested !== undefined) {
    if (!Number.isInteger(requested) || requested < 1) {
      throw new InvalidInputError(`${verb}: numPartitions must be a positive integer, got ${requested}`);
    }
    return requested;
  }
  const configured = session.config['dataflow.shuffle.partitions'];
  return configured > 0 ? configured : Math.min(DEFAULT_MAX_SHUFFLE_PARTITIONS, Math.max(1, ...inputs.map((n) => n.numPartitions)));
}

export function hashDependency(session: Session, parent: PlanNode, keys: string[], numPartitions: number, combine?: CombineOp): ShuffleDependency {
  const partitioner: Partitioner = { kind: 'hash', keys, numPartitions };
  return { shuffleId: session.id(), parent, partitioner, combine };
}

/**
 * The hash partitioning a dataset already has, if it is the direct output of a hash shuffle that
 * only moved rows (repartition): its dependency, keys and partition count. A join on the same keys
 * into the same number of partitions reuses that shuffle's files instead of shuffling again.
 */
export function hashPartitioning(node: PlanNode): { dep: ShuffleDependency; keys: string[]; numPartitions: number } | undefined {
  if (node.kind !== 'shuffled' || node.reduce.op !== 'concat' || node.deps.length !== 1) return undefined;
  const dep = node.deps[0]!;
  if (dep.partitioner.kind !== 'hash' || dep.combine !== undefined) return undefined;
  return { dep, keys: dep.partitioner.keys, numPartitions: dep.partitioner.numPartitions };
}

export function shuffledNode(session: Session, deps: ShuffleDependency[], reduce: ReduceOp, numPartitions: number): PlanNode {
  return { kind: 'shuffled', id: session.id(), numPartitions, deps, reduce };
}

export function checkKeys(keys: string[], verb: string): string[] {
  if (!Array.isArray(keys) || keys.length === 0 || keys.some((k) => typeof k !== 'string' || k === '')) {
    throw new InvalidInputError(`${verb}: key columns must be a non-empty array of column names, got ${JSON.stringify(keys)}`);
  }
  return keys;
}
