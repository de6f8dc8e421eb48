// Placement of one task on executor slots: preferred executors first, then most free slots, ties by id.

import { describe, expect, it } from 'vitest';
import { ExecutorSlots } from '../../../engine/scheduler/executor-slots.ts';

/** exec-a: 2 slots, 1 busy; exec-b: 2 free; exec-c: 1 slot, busy. */
function cluster(): ExecutorSlots {
  const slots = new ExecutorSlots();
  slots.add('exec-b', 2);
  slots.add('exec-a', 2);
  slots.add('exec-c', 1);
  slots.occupy('exec-a', 10);
  slots.occupy('exec-c', 11);
  return slots;
}

describe('ExecutorSlots.pick', () => {
  it.each([
    ['no preference: most free slots', undefined, 'exec-b'],
    ['preferred with a free slot', ['exec-a'], 'exec-a'],
    ['first preferred that has a free slot', ['exec-c', 'exec-a', 'exec-b'], 'exec-a'],
    ['preferred but full', ['exec-c'], 'exec-b'],
    ['preferred but unknown', ['exec-z'], 'exec-b'],
  ])('%s', (_name, preferred, expected) => {
    expect(cluster().pick(preferred)).toBe(expected);
  });

  it('breaks ties by the lowest id and returns undefined when every slot is busy', () => {
    const slots = cluster();
    slots.occupy('exec-b', 12); // exec-a and exec-b both have 1 free
    expect(slots.pick(undefined)).toBe('exec-a');
    slots.occupy('exec-a', 13);
    slots.occupy('exec-b', 14);
    expect(slots.pick(undefined)).toBeUndefined();
    expect(new ExecutorSlots().pick(['exec-a'])).toBeUndefined();
  });

  it('frees slots on release and hands back the running tasks of a removed executor', () => {
    const slots = cluster();
    slots.occupy('exec-a', 15);
    expect(slots.freeSlots('exec-a')).toBe(0);
    slots.release('exec-a', 10);
    expect(slots.freeSlots('exec-a')).toBe(1);
    expect(slots.remove('exec-a')).toEqual([15]);
    expect(slots.has('exec-a')).toBe(false);
    slots.release('exec-a', 15); // no-op once gone
    expect(slots.view().map((e) => e.executorId)).toEqual(['exec-b', 'exec-c']);
  });
});
