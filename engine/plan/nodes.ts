// The logical plan: an immutable tree of nodes that a Dataset builds lazily and the stage planner
// cuts into stages. Nodes are plain data (functions travel as ShippedFunction), so a stage's
// subtree can be serialized with v8.serialize and sent to an executor as-is.
//
// Worked example: `readParquet(p).filter(f).aggregateByKey(['itemId'], {n: count()})` is
//
//   shuffled#3 (reduce: mergeAggregate, 4 partitions)
//     └─ dep shuffle 0, hash(itemId) x4, combine: partialAggregate
//          └─ narrow#2 (filter f)            ┐ pipelined in one task
//               └─ source#1 (parquet, 9 partitions) ┘ = shuffle-map stage, 9 tasks
//
// Narrow dependencies (one parent partition feeds one child partition) allow pipelined execution;
// a shuffle dependency needs every parent partition before any child partition can start, so it
// ends a stage.

import type { ShippedFunction } from '../closure/ship.ts';
import type { Partitioner } from '../shuffle/partitioner.ts';
import type { BucketRange, CoalesceSpec } from '../shuffle/coalesce.ts';
import type { Aggregations } from '../kernels/aggregate.ts';
import type { JoinHow } from '../kernels/join.ts';
import type { ParquetPartition, ParquetReadOptions } from '../../connectors/parquet/scan.ts';
import type { CsvPartition, CsvReadPlan } from '../../connectors/csv/partition.ts';

export interface SortKey { column: string; ascending: boolean }

/** Where a source node's partitions come from. */
export type SourceSpec =
  /** Partitions held by the driver (fromTable/fromRows); executors fetch them by blob id. */
  | { kind: 'memory'; blobId: number }
  /** Integers start, start+step, ... < end, split evenly. Column name `id`. */
  | { kind: 'range'; start: number; end: number; step: number }
  /** One partition per run of consecutive row groups of a file (connectors/parquet/splits.ts), read one group at a time. */
  | { kind: 'parquet'; partitions: ParquetPartition[][]; columns?: string[]; read?: ParquetReadOptions }
  /** One partition per byte range of a text file (CSV, MovieLens); see connectors/csv/partition.ts. */
  | { kind: 'csv'; partitions: CsvPartition[]; options: CsvReadPlan };

/** A per-partition transformation; applied in sequence within one task. */
export type NarrowOp =
  | { op: 'map' | 'filter' | 'flatMap' | 'mapBatches' | 'mapPartitions' | 'mapPartitionTables'; fn: ShippedFunction }
  | { op: 'select'; columns: string[] }
  /**
   * Each partition joined with the whole other side, collected once before the job and broadcast
   * to the executors as Arrow IPC (`table`, a broadcast reference); `side` is the side broadcast,
   * `chosen` whether the join asked for it or its known size was within the broadcast threshold.
   */
  | { op: 'broadcastJoin'; keys: string[]; how: JoinHow; side: 'left' | 'right'; table: { $broadcast: number }; chosen: 'asked' | 'size' };

/** Work done on each map task's output before it is shuffled (map-side combine). */
export type CombineOp =
  | { op: 'partialAggregate'; keys: string[]; aggs: Aggregations }
  | { op: 'reduceRows'; keys: string[]; fn: ShippedFunction }
  | { op: 'distinct' };

/** Work done by a reduce task on the blocks it fetched for its partition. */
export type ReduceOp =
  | { op: 'concat' }
  | { op: 'mergeAggregate'; keys: string[]; aggs: Aggregations }
  | { op: 'reduceRows'; keys: string[]; fn: ShippedFunction }
  | { op: 'groupRows'; keys: string[]; /** bytes one group may hold (groupByKey's option; default: the task's memory share) */ maxGroupBytes?: number }
  | { op: 'join'; keys: string[]; how: JoinHow }
  | { op: 'sort'; keys: SortKey[] }
  | { op: 'distinct' };

export interface ShuffleDependency {
  shuffleId: number;
  /** The map side. Absent in the copy sent to executors for a reduce task (they only need the id). */
  parent?: PlanNode;
  partitioner: Partitioner;
  combine?: CombineOp;
}

interface NodeBase { id: number; numPartitions: number }
export interface SourceNode extends NodeBase { kind: 'source'; source: SourceSpec }
export interface NarrowNode extends NodeBase { kind: 'narrow'; parent: PlanNode; op: NarrowOp }
/** Partitions of the parents laid end to end: partition i of the union is parent k's partition i - offset_k. */
export interface UnionNode extends NodeBase { kind: 'union'; parents: PlanNode[] }
/** Partitions kept in executor memory after first use; recomputed from lineage when lost. */
export interface CacheNode extends NodeBase { kind: 'cache'; parent: PlanNode; cacheId: number }
/**
 * Output of one or more shuffles, combined by `reduce` (join reads two: left, right). Partition p
 * reads bucket p of every dependency, unless the partition count comes from the data (`coalesce`):
 * then the map sides write the partitioner's (generous) number of buckets, and once they have run
 * the driver cuts the buckets into contiguous `ranges` by their bytes (CoalesceSpec, plan/adaptive.ts);
 * until then `numPartitions` is the bucket count, an upper bound.
 */
export interface ShuffledNode extends NodeBase {
  kind: 'shuffled';
  deps: ShuffleDependency[];
  reduce: ReduceOp;
  coalesce?: CoalesceSpec;
  /** Set on the driver's resolved copy of the plan: partition p reads buckets [ranges[p][0], ranges[p][1]). */
  ranges?: BucketRange[];
}

export type PlanNode = SourceNode | NarrowNode | UnionNode | CacheNode | ShuffledNode;

/** The narrow (same-stage) children of a node; shuffle dependencies are stage boundaries. */
export function narrowParents(node: PlanNode): PlanNode[] {
  switch (node.kind) {
    case 'source': case 'shuffled': return [];
    case 'narrow': case 'cache': return [node.parent];
    case 'union': return node.parents;
  }
}

/**
 * Maps partition `p` of `node` to the partition of `parent` it reads, for narrow parents.
 * Returns the (parent, partition) pairs, at most one per parent.
 */
export function narrowInputs(node: PlanNode, p: number): Array<{ node: PlanNode; partition: number }> {
  switch (node.kind) {
    case 'source': case 'shuffled': return [];
    case 'narrow': case 'cache': return [{ node: node.parent, partition: p }];
    case 'union': {
      let offset = 0;
      for (const parent of node.parents) {
        if (p < offset + parent.numPartitions) return [{ node: parent, partition: p - offset }];
        offset += parent.numPartitions;
      }
      throw new RangeError(`partition ${p} is out of range for union of ${node.numPartitions} partitions`);
    }
  }
}

/** One shuffle read of a task: buckets [reducePartition, endPartition) of shuffle `shuffleId`. */
export interface ShuffleRead { shuffleId: number; reducePartition: number; endPartition: number }

/** Shuffle reads that partition `p` of `root` performs within its stage. */
export function shuffleReads(root: PlanNode, p: number): ShuffleRead[] {
  const out: ShuffleRead[] = [];
  collectShuffleReads(root, p, out);
  return out;
}

// The walks below are module functions, not closures made per call: they run for every task launched.
function collectShuffleReads(node: PlanNode, part: number, out: ShuffleRead[]): void {
  if (node.kind === 'shuffled') {
    const [start, end] = node.ranges ? node.ranges[part]! : [part, part + 1];
    for (const dep of node.deps) out.push({ shuffleId: dep.shuffleId, reducePartition: start, endPartition: end });
    return;
  }
  for (const input of narrowInputs(node, part)) collectShuffleReads(input.node, input.partition, out);
}

/** Cached partitions that partition `p` of `root` would read: (cacheId, partition). */
export function cacheReads(root: PlanNode, p: number): Array<{ cacheId: number; partition: number }> {
  const out: Array<{ cacheId: number; partition: number }> = [];
  collectCacheReads(root, p, out);
  return out;
}

function collectCacheReads(node: PlanNode, part: number, out: Array<{ cacheId: number; partition: number }>): void {
  if (node.kind === 'cache') {
    out.push({ cacheId: node.cacheId, partition: part });
    return;
  }
  for (const input of narrowInputs(node, part)) collectCacheReads(input.node, input.partition, out);
}

/**
 * A copy of a stage's subtree as an executor needs it: shuffle dependencies keep their id,
 * partitioner and combine op but drop the map-side plan, which belongs to an earlier stage.
 */
export function stripUpstream(node: PlanNode): PlanNode {
  switch (node.kind) {
    case 'source': return node;
    case 'narrow': return { ...node, parent: stripUpstream(node.parent) };
    case 'cache': return { ...node, parent: stripUpstream(node.parent) };
    case 'union': return { ...node, parents: node.parents.map(stripUpstream) };
    case 'shuffled': return { ...node, deps: node.deps.map(({ parent: _parent, ...dep }) => dep) };
  }
}
