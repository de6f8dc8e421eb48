// Tasks of an aborted job are killed: with real executor processes (local[2]), a job fails because
// one task throws while another is still computing; the other task must stop (it would write a
// marker file once allowed to go on) and leave no attempt files (map outputs, spills) behind.

import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from '../../engine/index.ts';
import { slowTask } from '../fixtures/slow-task.ts';
import { TestCluster, waitUntil } from '../helpers/cluster.ts';
import { startSlowTask } from '../helpers/slow-task-job.ts';
import { useTmpDir } from '../helpers/tmp-dir.ts';
import { getJson } from '../helpers/ui-job.ts';
import type { JobStatus, StageStatus } from '../../engine/events/status.ts';

const tmp = useTmpDir('task-kill');
const { slowOrFailing } = slowTask;

/** Files of task attempts under the executors' work dirs: map outputs (finished or temporary) and spill folders. */
function attemptFiles(workDir: string): string[] {
  return readdirSync(workDir, { recursive: true }).map(String).filter((f) => /shuffle_\d+_\d+_\d+\.|task-\d+-attempt-/.test(f)).sort();
}

describe('tasks of an aborted job', () => {
  it('are killed when the job fails: they write nothing afterwards and leave no attempt files (local[2])', { timeout: 120_000 }, async () => {
    const session = await Session.create({
      master: 'local[2]',
      // one attempt: the job fails at the first throw; map outputs go to files, which a killed task must not leave
      conf: ['dataflow.task.maxAttempts=1', 'dataflow.shuffle.memoryOutputBytes=0', 'dataflow.ui.progress=false', 'dataflow.ui.port=0'],
    });
    try {
      const o = { slowId: 150, failId: 50, started: join(tmp(), 'started'), go: join(tmp(), 'go'), marker: join(tmp(), 'marker') };
      const job = session.range(0, 200, { numPartitions: 2 })
        .mapPartitions((rows) => slowOrFailing(rows, o), { slowOrFailing, o })
        .repartition(['id'], { numPartitions: 3 })
        .collect();
      await expect(job).rejects.toThrow(/refuses/);
      expect(existsSync(o.started)).toBe(true); // the slow task was running when the job failed
      // The kill reaches the executor after the job's promise rejects: wait until the executor
      // reported the slow task (partition 1) ended, which it does once its thread is gone.
      const api = `${session.uiUrl}/api/applications/${session.appId}`;
      const mapStage = (await getJson<JobStatus>(`${api}/jobs/0`)).stageIds[0]!;
      let slow: StageStatus['tasks'][number] | undefined;
      await waitUntil(async () => {
        slow = (await getJson<StageStatus>(`${api}/stages/${mapStage}`)).tasks.find((t) => t.partition === 1);
        return slow !== undefined && slow.status !== 'running';
      }, 'the executor to report the slow task ended');
      expect(slow?.status).toBe('killed');
      writeFileSync(o.go, 'go\n'); // a task still alive now writes its marker within milliseconds
      await new Promise((r) => setTimeout(r, 1_500));
      expect(existsSync(o.marker)).toBe(false);
      expect(attemptFiles(session.workDir)).toEqual([]);
      // The executor lives on with a new task thread.
      expect(await session.range(0, 10, { numPartitions: 2 }).count()).toBe(10);
    } finally {
      await session.stop();
    }
  });

  it('are killed when the session stops, on a standalone executor that outlives the application', { timeout: 120_000 }, async () => {
    const cluster = await TestCluster.start({ executors: 1 });
    try {
      const session = await cluster.session();
      const { files: o } = await startSlowTask(session, tmp());
      await session.stop();
      writeFileSync(o.go, 'go\n'); // a task still alive now writes its marker within milliseconds
      await waitUntil(() => cluster.appDirs().length === 0, 'the application folder removed', 30_000);
      await new Promise((r) => setTimeout(r, 1_500));
      expect(existsSync(o.marker)).toBe(false);
      expect(cluster.executors.get('exec-1')!.alive).toBe(true);
    } finally {
      await cluster.stop();
    }
  });
});
