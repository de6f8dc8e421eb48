// The cleaner's collection as a job starts: a real full garbage collection once the executors' map
// outputs grew by GC_EVERY_SHUFFLE_BYTES, after which an unreachable shuffle dependency is released;
// outputs that stay reachable move the baseline up, so they do not make every job collect. The
// release happens within the collection's call, before the job that made it sends any task.

import { getHeapStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { Cleaner, GC_EVERY_SHUFFLE_BYTES } from '../../../engine/dataset/cleaner.ts';
import type { Releasable } from '../../../engine/dataset/cleaner.ts';

/** A later turn of the event loop (FinalizationRegistry callbacks queued by a collection run by then). */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));

describe('Cleaner.collectIfDue', () => {
  it('collects once the held map outputs grew enough, and releases an unreachable shuffle before it returns, once', async () => {
    const released: Releasable[] = [];
    const cleaner = new Cleaner((what) => released.push(what));
    (() => cleaner.watch({ shuffleDependency: 1 }, { kind: 'shuffle', id: 1 }))(); // its only reference is gone
    const kept = { shuffleDependency: 2 };
    cleaner.watch(kept, { kind: 'shuffle', id: 2 });
    await settle(); // as between two jobs: watching was an earlier turn (a WeakRef keeps its target alive through the turn that made it)

    // The step is GC_EVERY_SHUFFLE_BYTES or twice this heap, whichever is larger: `step` is above both.
    const step = 2 * Math.max(GC_EVERY_SHUFFLE_BYTES, 2 * getHeapStatistics().used_heap_size);
    expect(cleaner.collectIfDue(GC_EVERY_SHUFFLE_BYTES - 1)).toBe(false);
    expect(cleaner.collectIfDue(step)).toBe(true);
    expect(released).toEqual([{ kind: 'shuffle', id: 1 }]);
    await settle(); // the registry's own callback for it comes later: it must not release it again
    expect(released).toEqual([{ kind: 'shuffle', id: 1 }]);

    // The next job starts with half of it released: that is the new baseline, no collection.
    expect(cleaner.collectIfDue(step / 2)).toBe(false);
    // Outputs held by a reachable dataset only move the baseline: one collection per growth step.
    expect(cleaner.collectIfDue(step / 2 + GC_EVERY_SHUFFLE_BYTES - 1)).toBe(false);
    expect(cleaner.collectIfDue(step / 2 + step)).toBe(true);
    expect(cleaner.collectIfDue(step / 2 + step)).toBe(false);
    expect(kept.shuffleDependency).toBe(2);
  });

  it('does nothing once the session stopped', () => {
    const cleaner = new Cleaner(() => undefined);
    cleaner.stop();
    expect(cleaner.collectIfDue(10 * GC_EVERY_SHUFFLE_BYTES)).toBe(false);
  });
});
