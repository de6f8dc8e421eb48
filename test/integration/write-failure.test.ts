// A writeParquet job that fails leaves nothing behind: no `_temporary/`, no output directory it
// created, and a rerun into the same directory succeeds. Real executor processes (local[2]), user
// code throwing in one partition while the other executor is still writing its own.

import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from '../../engine/index.ts';
import { useTmpDir } from '../helpers/tmp-dir.ts';

const tmp = useTmpDir('write-failure');

/** Every file and folder below `dir`, relative, for a readable failure message. */
function listing(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir, { recursive: true }).map(String).sort() : [];
}

describe('a failed writeParquet job', () => {
  it('leaves no _temporary and no output folder, five times in a row, and a rerun then succeeds (local[2])', { timeout: 240_000 }, async () => {
    const session = await Session.create({ master: 'local[2]', conf: ['dataflow.task.maxAttempts=2', 'dataflow.ui.progress=false'] });
    try {
      const rows = (failing: number) => session.range(0, 4_000, { numPartitions: 8 }).map((r) => {
        const partition = Math.floor(r.id / 500);
        if (partition === failing && r.id % 500 === 0) throw new Error(`partition ${partition} refuses`);
        // The other partitions take a while, so some are still running (and then writing) when the job fails.
        if (r.id % 500 === 0) { const until = Date.now() + 40 * (partition + 1); while (Date.now() < until) { /* busy */ } }
        return { id: r.id, partition };
      }, { failing });
      for (let run = 0; run < 5; run++) {
        const out = join(tmp(), `run-${run}`, 'out');
        await expect(rows(run % 3).writeParquet(out)).rejects.toThrow(/refuses/);
        // The failure is reported once the job's tasks have stopped: nothing may appear later either.
        await new Promise((r) => setTimeout(r, 500));
        expect(listing(join(tmp(), `run-${run}`)), `run ${run}`).toEqual([]);
      }
      // An existing, empty output directory stays (it was not created by the job), empty.
      const existing = join(tmp(), 'existing');
      await session.range(0, 1).writeParquet(join(existing, 'seed')); // creates `existing`
      await expect(rows(1).writeParquet(join(existing, 'seed'), { mode: 'overwrite' })).rejects.toThrow(/refuses/);
      expect(listing(existing)).toEqual(['seed']);
      const again = await rows(-1).writeParquet(join(existing, 'seed'));
      expect(again).toEqual({ files: 8, rows: 4_000 });
      expect(listing(join(existing, 'seed')).filter((f) => f.startsWith('_'))).toEqual(['_SUCCESS']);
    } finally {
      await session.stop();
    }
  });
});
