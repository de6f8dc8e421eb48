// Shuffles sized by data, the plan side: which ones wait for their map sides (children first), and
// the resolved copy in which cut ranges give the partition counts of everything above them.

import { describe, expect, it } from 'vitest';
import type { PlanNode, ShuffleDependency } from '../../../engine/plan/nodes.ts';
import { narrowInputs, shuffleReads } from '../../../engine/plan/nodes.ts';
import { pendingAdaptive, rangesKey, withRanges, type AdaptiveNode, type RangesOf } from '../../../engine/plan/adaptive.ts';
import { planStages } from '../../../engine/plan/stages.ts';
import { explainStages } from '../../../engine/plan/explain.ts';
import type { BucketRange } from '../../../engine/shuffle/coalesce.ts';

let nextId = 0;
const range = (n: number): PlanNode => ({ kind: 'source', id: nextId++, numPartitions: n, source: { kind: 'range', start: 0, end: 100, step: 1 } });
const select = (parent: PlanNode): PlanNode => ({ kind: 'narrow', id: nextId++, numPartitions: parent.numPartitions, parent, op: { op: 'select', columns: ['id'] } });
const dep = (parent: PlanNode, shuffleId: number, buckets: number): ShuffleDependency => ({ shuffleId, parent, partitioner: { kind: 'hash', keys: ['id'], numPartitions: buckets } });
const adaptive = (deps: ShuffleDependency[], buckets = 8): PlanNode => ({
  kind: 'shuffled', id: nextId++, numPartitions: buckets, deps, coalesce: { targetBytes: 100, minPartitions: 1 },
  reduce: deps.length > 1 ? { op: 'join', keys: ['id'], how: 'inner' } : { op: 'concat' },
});
const fixed = (deps: ShuffleDependency[], n: number): PlanNode => ({ kind: 'shuffled', id: nextId++, numPartitions: n, deps, reduce: { op: 'concat' } });
const union = (...parents: PlanNode[]): PlanNode => ({ kind: 'union', id: nextId++, numPartitions: parents.reduce((n, p) => n + p.numPartitions, 0), parents });

function cuts(entries: Record<string, BucketRange[]>): RangesOf {
  return (node: AdaptiveNode) => entries[rangesKey(node)];
}

describe('withRanges', () => {
  it('gives a cut node its ranges and the counts above it follow, through narrow, union and later map sides', () => {
    const agg = adaptive([dep(range(4), 1, 8)]);
    const top = fixed([dep(union(select(agg), range(2)), 2, 3)], 3);
    const resolved = withRanges(top, cuts({ '1@100/1': [[0, 5], [5, 8]] }));
    const mapSide = (resolved as Extract<PlanNode, { kind: 'shuffled' }>).deps[0]!.parent!;
    expect(mapSide.numPartitions).toBe(2 + 2); // the union: 2 cut partitions + 2 of the range
    expect(narrowInputs(mapSide, 1)[0]!.node.numPartitions).toBe(2);
    expect(shuffleReads(narrowInputs(mapSide, 1)[0]!.node, 1)).toEqual([{ shuffleId: 1, reducePartition: 5, endPartition: 8 }]);
    expect(narrowInputs(mapSide, 2)).toEqual([{ node: (mapSide as Extract<PlanNode, { kind: 'union' }>).parents[1], partition: 0 }]);
    expect(resolved.numPartitions).toBe(3);
    // node ids and shuffle ids stay; the plan as built is untouched
    expect(mapSide.id).toBe((top as Extract<PlanNode, { kind: 'shuffled' }>).deps[0]!.parent!.id);
    expect(agg.numPartitions).toBe(8);
    // the stage planner sees the cut counts: map stage of shuffle 2 runs 4 tasks
    expect(planStages(resolved, { forShuffle: (s) => s, next: () => 99 }).stages.map((s) => [s.stageId, s.numPartitions])).toEqual([[1, 4], [2, 4], [99, 3]]);
  });

  it('returns the plan itself when nothing is cut, and keeps a shared subtree shared', () => {
    const agg = adaptive([dep(range(4), 3, 8)]);
    const top = union(select(agg), agg);
    expect(withRanges(top, cuts({}))).toBe(top);
    const resolved = withRanges(top, cuts({ '3@100/1': [[0, 8]] })) as Extract<PlanNode, { kind: 'union' }>;
    expect(resolved.numPartitions).toBe(2);
    expect((resolved.parents[0] as Extract<PlanNode, { kind: 'narrow' }>).parent).toBe(resolved.parents[1]);
  });
});

describe('pendingAdaptive', () => {
  it('lists uncut shuffles sized by data, each after those its map side reads', () => {
    const left = adaptive([dep(range(4), 10, 8)]);
    const right = adaptive([dep(range(2), 11, 8)]);
    const joined = adaptive([dep(left, 12, 8), dep(right, 13, 8)]);
    const explicit = fixed([dep(joined, 14, 5)], 5);
    expect(pendingAdaptive(explicit, cuts({})).map(rangesKey)).toEqual(['10@100/1', '11@100/1', '12+13@100/1']);
    expect(pendingAdaptive(explicit, cuts({ '10@100/1': [[0, 8]] })).map(rangesKey)).toEqual(['11@100/1', '12+13@100/1']);
  });

  it('explain says which partitions are cut by size, before and after', () => {
    const agg = adaptive([dep(range(4), 20, 8)]);
    const ids = { forShuffle: (s: number) => s, next: () => 50 };
    const before = explainStages(planStages(agg, ids));
    expect(before).toMatch(/Stage 50: result; up to 8 tasks; reads stage 20/);
    expect(before).toMatch(/concat ← shuffle 20, partitions cut by size \(~0 KB\) after the map side runs/);
    const text = explainStages(planStages(withRanges(agg, cuts({ '20@100/1': [[0, 3], [3, 8]] })), ids));
    expect(text).toMatch(/Stage 50: result; 2 tasks; reads stage 20/);
    expect(text).toMatch(/concat ← shuffle 20, 2 partitions cut by size/);
  });
});
