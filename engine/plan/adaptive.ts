// Partition counts from data size (Spark's adaptive coalescing), the plan side: which shuffled
// nodes wait for their map sides to run before their partitions are known, and the copy of a plan
// in which the ranges the driver cut are filled in and every partition count above them recomputed.
//
// Worked example: `range(0, 1e6).aggregateByKey(['k'], ...).map(f)` with 200 buckets; the map side
// wrote 3 MB in all and the target is 1 MB:
//
//   as built                                 resolved (ranges [[0, 70], [70, 141], [141, 200]])
//   narrow#4 map, 200 partitions        →    narrow#4 map, 3 partitions
//     shuffled#3 coalesce, 200               shuffled#3 ranges, 3
//       dep shuffle 2, hash(k) into 200        dep shuffle 2, hash(k) into 200   (buckets unchanged)
//
// Node ids, shuffle ids and partitioners stay as they are: only counts and ranges change, so the
// resolved plan is the same data as the one built, cut into fewer partitions.

import type { BucketRange, CoalesceSpec } from '../shuffle/coalesce.ts';
import type { PlanNode, ShuffleDependency, ShuffledNode } from './nodes.ts';
import { narrowParents } from './nodes.ts';

/** A shuffled node whose partitions are cut by size and not yet cut. */
export type AdaptiveNode = ShuffledNode & { coalesce: CoalesceSpec };

/** The ranges already cut for an adaptive node (keyed by its shuffles: see rangesKey), if any. */
export type RangesOf = (node: AdaptiveNode) => BucketRange[] | undefined;

/**
 * The key the ranges of a node are kept under: the shuffles it reads and how they are cut. Two nodes
 * reading the same shuffles cut the same way get the same ranges, as they must (same sizes).
 *
 * @example rangesKey(joinNode) // '4+7@67108864/16'
 */
export function rangesKey(node: AdaptiveNode): string {
  return `${node.deps.map((d) => d.shuffleId).join('+')}@${node.coalesce.targetBytes}/${node.coalesce.minPartitions}`;
}

export function isAdaptive(node: PlanNode): node is AdaptiveNode {
  return node.kind === 'shuffled' && node.coalesce !== undefined && node.ranges === undefined;
}

/**
 * A copy of the plan under `root` in which every adaptive node whose ranges are known reads them,
 * and every partition count above it follows (narrow and cache nodes keep their parent's count, a
 * union sums its parents'). Shared subtrees stay shared; an unchanged subtree is returned as is.
 *
 * @example
 *   const resolved = withRanges(ds.node, (n) => driverRanges.get(rangesKey(n)));
 *   resolved.numPartitions; // 3 once the aggregate's 200 buckets were cut into 3 ranges
 */
export function withRanges(root: PlanNode, rangesOf: RangesOf): PlanNode {
  const done = new Map<PlanNode, PlanNode>();
  const resolveDep = (dep: ShuffleDependency): ShuffleDependency => {
    if (!dep.parent) return dep;
    const parent = resolve(dep.parent);
    return parent === dep.parent ? dep : { ...dep, parent };
  };
  const resolve = (node: PlanNode): PlanNode => {
    const known = done.get(node);
    if (known) return known;
    let out: PlanNode = node;
    switch (node.kind) {
      case 'source': break;
      case 'narrow': case 'cache': {
        const parent = resolve(node.parent);
        if (parent !== node.parent) out = { ...node, parent, numPartitions: parent.numPartitions };
        break;
      }
      case 'union': {
        const parents = node.parents.map(resolve);
        if (parents.some((p, i) => p !== node.parents[i])) {
          out = { ...node, parents, numPartitions: parents.reduce((n, p) => n + p.numPartitions, 0) };
        }
        break;
      }
      case 'shuffled': {
        const deps = node.deps.map(resolveDep);
        const ranges = isAdaptive(node) ? rangesOf(node) : undefined;
        if (ranges) out = { ...node, deps, ranges, numPartitions: ranges.length };
        else if (deps.some((d, i) => d !== node.deps[i])) out = { ...node, deps };
        break;
      }
    }
    done.set(node, out);
    return out;
  };
  return resolve(root);
}

/**
 * The adaptive nodes under `root` whose ranges are not known, each after every adaptive node its
 * map sides read (the order in which their map stages can run). Nodes are those of `root`'s plan.
 *
 * @example pendingAdaptive(ds.node, rangesOf) // [aggregate#3, join#9]: the join reads the aggregate
 */
export function pendingAdaptive(root: PlanNode, rangesOf: RangesOf): AdaptiveNode[] {
  const out: AdaptiveNode[] = [];
  const seen = new Set<PlanNode>();
  const visit = (node: PlanNode): void => {
    if (seen.has(node)) return;
    seen.add(node);
    if (node.kind === 'shuffled') for (const dep of node.deps) if (dep.parent) visit(dep.parent);
    for (const parent of narrowParents(node)) visit(parent);
    if (isAdaptive(node) && !rangesOf(node)) out.push(node);
  };
  visit(root);
  return out;
}
