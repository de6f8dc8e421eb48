// Shared constructor of wide verbs: hash-partitioned shuffle dependencies and the node that reads
// them. The number of reduce partitions is the verb's option, else `dataflow.shuffle.partitions`,
// else chosen from the data: the map side writes `dataflow.shuffle.maxPartitions` buckets, and once
// it has run the driver groups adjacent buckets into partitions of about
// `dataflow.shuffle.targetPartitionBytes`, at least `dataflow.shuffle.minPartitions` of them while
// each keeps 1 MB (shuffle/coalesce.ts, plan/adaptive.ts). Never the executor count, so results
// do not depend on where the job runs. (A fixed default of the input's count made a 163-row-group
// file aggregated into 163 x 163 tiny blocks: bench/parquet.ts.)

import type { CombineOp, PlanNode, ReduceOp, ShuffleDependency } from '../../plan/nodes.ts';
import type { Partitioner } from '../../shuffle/partitioner.ts';
import type { CoalesceSpec } from '../../shuffle/coalesce.ts';
import { parseSize } from '../../config.ts';
import { InvalidInputError } from '../../errors.ts';
import type { Session } from '../session.ts';

/**
 * How a wide verb's output is partitioned: `numPartitions` buckets, each a partition, or, with
 * `coalesce`, grouped into partitions by size once the map side ran (numPartitions is then the most).
 */
export interface ShufflePartitioning { numPartitions: number; coalesce?: CoalesceSpec }

/**
 * @example shufflePartitions(session, 8, 'join') // { numPartitions: 8 }
 * @example shufflePartitions(session, undefined, 'join') // { numPartitions: 64, coalesce: { targetBytes: 67108864, minPartitions: 16 } }
 */
export function shufflePartitions(session: Session, requested: number | undefined, verb: string): ShufflePartitioning {
  if (requested !== undefined) {
    if (!Number.isInteger(requested) || requested < 1) {
      throw new InvalidInputError(`${verb}: numPartitions must be a positive integer, got ${requested}`);
    }
    return { numPartitions: requested };
  }
  const configured = session.config['dataflow.shuffle.partitions'];
  if (configured > 0) return { numPartitions: configured };
  const key = 'dataflow.shuffle.targetPartitionBytes';
  const coalesce = { targetBytes: parseSize(session.config[key], `configuration ${key}`), minPartitions: session.config['dataflow.shuffle.minPartitions'] };
  return { numPartitions: session.config['dataflow.shuffle.maxPartitions'], coalesce };
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
export function hashPartitioning(node: PlanNode): (ShufflePartitioning & { dep: ShuffleDependency; keys: string[] }) | undefined {
  if (node.kind !== 'shuffled' || node.reduce.op !== 'concat' || node.deps.length !== 1) return undefined;
  const dep = node.deps[0]!;
  if (dep.partitioner.kind !== 'hash' || dep.combine !== undefined) return undefined;
  return { dep, keys: dep.partitioner.keys, numPartitions: dep.partitioner.numPartitions, ...(node.coalesce ? { coalesce: node.coalesce } : {}) };
}

export function shuffledNode(session: Session, deps: ShuffleDependency[], reduce: ReduceOp, partitioning: ShufflePartitioning): PlanNode {
  const { numPartitions, coalesce } = partitioning;
  return { kind: 'shuffled', id: session.id(), numPartitions, deps, reduce, ...(coalesce ? { coalesce } : {}) };
}

export function checkKeys(keys: string[], verb: string): string[] {
  if (!Array.isArray(keys) || keys.length === 0 || keys.some((k) => typeof k !== 'string' || k === '')) {
    throw new InvalidInputError(`${verb}: key columns must be a non-empty array of column names, got ${JSON.stringify(keys)}`);
  }
  return keys;
}
