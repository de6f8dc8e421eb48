// The stage planner cuts a plan at shuffle dependencies: narrow chains stay in one stage, each
// shuffle adds a map stage, joins read two, and a shuffle reached twice is planned once.

import { describe, expect, it } from 'vitest';
import type { PlanNode, ShuffleDependency } from '../../../engine/plan/nodes.ts';
import { narrowInputs, shuffleReads, stripUpstream } from '../../../engine/plan/nodes.ts';
import { planStages } from '../../../engine/plan/stages.ts';
import { explainStages } from '../../../engine/plan/explain.ts';

let nextId = 0;
const range = (n: number): PlanNode => ({ kind: 'source', id: nextId++, numPartitions: n, source: { kind: 'range', start: 0, end: 100, step: 1 } });
const select = (parent: PlanNode): PlanNode => ({ kind: 'narrow', id: nextId++, numPartitions: parent.numPartitions, parent, op: { op: 'select', columns: ['id'] } });
const dep = (parent: PlanNode, shuffleId: number, n: number): ShuffleDependency => ({ shuffleId, parent, partitioner: { kind: 'hash', keys: ['id'], numPartitions: n } });
const shuffled = (deps: ShuffleDependency[], n: number): PlanNode => ({ kind: 'shuffled', id: nextId++, numPartitions: n, deps, reduce: deps.length > 1 ? { op: 'join', keys: ['id'], how: 'inner' } : { op: 'concat' } });

function ids() {
  let next = 100;
  return { forShuffle: (s: number) => s, next: () => next++ };
}

describe('planStages', () => {
  it('keeps a narrow chain in one result stage', () => {
    const plan = planStages(select(select(range(3))), ids());
    expect(plan.stages).toHaveLength(1);
    expect(plan.finalStage.numPartitions).toBe(3);
    expect(plan.finalStage.parents).toEqual([]);
  });

  it('cuts at each shuffle, parents first', () => {
    const first = shuffled([dep(select(range(4)), 1, 2)], 2);
    const second = shuffled([dep(select(first), 2, 5)], 5);
    const plan = planStages(second, ids());
    expect(plan.stages.map((s) => [s.stageId, s.numPartitions, s.shuffleDep?.shuffleId, s.parents.map((p) => p.stageId)])).toEqual([
      [1, 4, 1, []],
      [2, 2, 2, [1]],
      [100, 5, undefined, [2]],
    ]);
  });

  it('plans a join as two map stages feeding one reduce stage, and a shared shuffle once', () => {
    const shared = dep(range(2), 7, 3);
    const left = shuffled([shared], 3);
    const joined = shuffled([dep(left, 8, 3), dep(range(6), 9, 3)], 3);
    const unioned: PlanNode = { kind: 'union', id: nextId++, numPartitions: 6, parents: [joined, left] };
    const plan = planStages(unioned, ids());
    expect(plan.stages.map((s) => s.stageId)).toEqual([7, 8, 9, 100]);
    expect(plan.finalStage.parents.map((p) => p.stageId).sort()).toEqual([7, 8, 9]);
  });
});

describe('partition mapping', () => {
  it('maps union partitions to their parent and shuffle reads to reduce partitions', () => {
    const a = range(2);
    const b = shuffled([dep(range(4), 3, 3)], 3);
    const u: PlanNode = { kind: 'union', id: nextId++, numPartitions: 5, parents: [a, b] };
    expect(narrowInputs(u, 1)).toEqual([{ node: a, partition: 1 }]);
    expect(narrowInputs(u, 4)).toEqual([{ node: b, partition: 2 }]);
    expect(shuffleReads(u, 0)).toEqual([]);
    expect(shuffleReads(u, 3)).toEqual([{ shuffleId: 3, reducePartition: 1, endPartition: 2 }]);
  });

  it('strips the map side of shuffle dependencies for executors', () => {
    const node = shuffled([dep(select(range(4)), 4, 2)], 2);
    const stripped = stripUpstream(node);
    expect(stripped.kind === 'shuffled' && stripped.deps[0]!.parent).toBeUndefined();
    expect(node.kind === 'shuffled' && node.deps[0]!.parent).toBeDefined();
  });
});

describe('explainStages', () => {
  it('prints one block per stage with the shuffle between them', () => {
    const text = explainStages(planStages(shuffled([dep(select(range(4)), 1, 2)], 2), ids()));
    expect(text).toMatch(/^== 2 stages ==/);
    expect(text).toContain('Stage 1: shuffle map → shuffle 1, hash(id) into 2; 4 tasks');
    expect(text).toContain('Stage 100: result; 2 tasks; reads stage 1');
    expect(text).toMatch(/narrow#\d+ select \[id\]/);
  });
});
