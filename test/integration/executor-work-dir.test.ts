// An executor SIGKILLed mid-job cannot remove its application folders; the next executor started
// on the same --work-dir does (real standalone master and executor processes).

import { describe, expect, it } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestCluster, waitUntil } from '../helpers/cluster.ts';
import { startSlowTask } from '../helpers/slow-task-job.ts';
import { useTmpDir } from '../helpers/tmp-dir.ts';

const tmp = useTmpDir('executor-work-dir');

describe('an executor restarted on the work dir of a killed one', () => {
  it('removes the application folders the killed executor left', { timeout: 120_000 }, async () => {
    const cluster = await TestCluster.start({ executors: 1 });
    try {
      const session = await cluster.session();
      await startSlowTask(session, tmp());
      const killed = cluster.executors.get('exec-1')!;
      const left = cluster.appDirs();
      expect(left).toHaveLength(1);
      await killed.kill('SIGKILL');
      await session.stop(); // the application ends; nobody is left to remove its folder
      // what the killed executor left (its application's id may be granted again to the new one: the
      // master waits a while for a driver that went away, so the folder's name alone proves nothing)
      const leftovers = left.map((dir) => join(dir, 'shuffle', 'left-by-the-killed-executor'));
      for (const file of leftovers) writeFileSync(file, 'x');

      const restarted = await cluster.startExecutor({ id: 'exec-1' });
      expect(restarted.workDir).toBe(killed.workDir);
      await restarted.waitFor(/removed 1 application folder\(s\) a previous executor left in .*work-exec-1: app-/);
      expect(leftovers.filter((file) => existsSync(file))).toEqual([]);
      await waitUntil(() => cluster.appDirs().length === 0, 'no application folder in the work dir', 30_000);
      expect(restarted.alive).toBe(true);
    } finally {
      await cluster.stop();
    }
  });
});
