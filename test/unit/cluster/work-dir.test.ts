// The driver's work directory records its owner pid; reclaiming removes exactly the folders whose
// owner process is gone (a real process that has exited), never a live owner's or a folder without one.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createWorkDir, reclaimStaleWorkDirs } from '../../../engine/cluster/work-dir.ts';
import { useTmpDir } from '../../helpers/tmp-dir.ts';

const tmp = useTmpDir('work-dir');

describe('work directories', () => {
  it('records the owner pid, and reclaims only folders whose owner has exited', async () => {
    const mine = await createWorkDir(tmp());
    expect(readFileSync(join(mine, 'owner.pid'), 'utf8').trim()).toBe(String(process.pid));

    const exited = spawnSync(process.execPath, ['-e', '']).pid!; // a process that existed and is gone
    const owned = (name: string, pid: number | string): string => {
      const dir = join(tmp(), name);
      mkdirSync(join(dir, 'exec-1'), { recursive: true });
      writeFileSync(join(dir, 'owner.pid'), `${pid}\n`);
      return dir;
    };
    const stale = owned('dataflow-stale', exited);
    const live = owned('dataflow-live', process.ppid);
    const garbled = owned('dataflow-garbled', 'not a pid');
    mkdirSync(join(tmp(), 'dataflow-cli-test-unowned'));
    const other = owned('not-ours', exited);

    expect(await reclaimStaleWorkDirs(tmp())).toEqual([stale]);
    for (const dir of [mine, live, garbled, other, join(tmp(), 'dataflow-cli-test-unowned')]) expect(existsSync(dir), dir).toBe(true);
    expect(readdirSync(tmp()).sort()).toEqual(['dataflow-cli-test-unowned', 'dataflow-garbled', 'dataflow-live', mine.split('/').pop(), 'not-ours'].sort());
  });
});
