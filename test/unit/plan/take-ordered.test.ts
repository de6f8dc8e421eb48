// take(n) on a sort plans as a top-n over the sort's input (Spark's TakeOrderedAndProject), unless
// the node is no sort, n is too large for a per-task top-n, or the sort's shuffle was already prepared.

import { describe, expect, it } from 'vitest';
import type { PlanNode, SortKey } from '../../../engine/plan/nodes.ts';
import { TAKE_ORDERED_MAX_ROWS, takeOrderedPlan } from '../../../engine/plan/take-ordered.ts';

const input: PlanNode = { kind: 'source', id: 1, numPartitions: 3, source: { kind: 'range', start: 0, end: 100, step: 1 } };
const keys: SortKey[] = [{ column: 'id', ascending: false }];
const sorted: PlanNode = {
  kind: 'shuffled', id: 2, numPartitions: 2, reduce: { op: 'sort', keys },
  deps: [{ shuffleId: 7, parent: input, partitioner: { kind: 'range', keys: ['id'], ascending: [false], numPartitions: 2 } }],
};
const never = (): boolean => false;

describe('takeOrderedPlan', () => {
  it('runs take on a sort as a top-n of its input with its keys', () => {
    expect(takeOrderedPlan(sorted, 10, never)).toEqual({ input, keys });
    expect(takeOrderedPlan(sorted, TAKE_ORDERED_MAX_ROWS, never)).toEqual({ input, keys });
  });

  it('keeps the plain take for other nodes, a large n, and a sort whose shuffle was prepared', () => {
    expect(takeOrderedPlan(input, 10, never)).toBeUndefined();
    expect(takeOrderedPlan({ ...sorted, reduce: { op: 'concat' } }, 10, never)).toBeUndefined();
    expect(takeOrderedPlan(sorted, TAKE_ORDERED_MAX_ROWS + 1, never)).toBeUndefined();
    expect(takeOrderedPlan(sorted, 10, (shuffleId) => shuffleId === 7)).toBeUndefined();
  });
});
