// A dataset dataflow did not finish writing never reads as complete, and two jobs never write one
// directory at once. Real driver processes (`dataflow submit`): one SIGKILLed in the middle of its
// commit (DATAFLOW_TEST_COMMIT_PAUSE_WHILE holds the commit after each task's files are moved) leaves
// parts without `_SUCCESS`, which readParquet refuses naming the directory and the dead writer (and
// reads with { allowIncomplete: true }); a later overwrite takes the directory over and leaves a
// complete dataset. A second submit to a directory another live driver is writing fails at once,
// naming the directory and that driver, and the first one's write completes untouched.

import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from '../../engine/index.ts';
import { ROOT, spawnDataflow, waitUntil } from '../helpers/cluster.ts';
import { useTmpDir } from '../helpers/tmp-dir.ts';

const tmp = useTmpDir('partial-dataset');
const JOB = join(ROOT, 'test', 'fixtures', 'jobs', 'write-dataset-job.ts');

/** `dataflow submit` of the job writing `out`; with `pauseWhile`, its commit holds while that file exists. */
function submit(name: string, out: string, mode: 'error' | 'overwrite', pauseWhile?: string) {
  return spawnDataflow(name, ['submit', '--no-typecheck', JOB, '--master', 'local', '--', out, mode], {
    env: { ...process.env, DATAFLOW_TEST_COMMIT_PAUSE_WHILE: pauseWhile ?? '' },
  });
}

const parts = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.parquet')) : []);

describe('a partial dataset', () => {
  it('a driver killed during its commit leaves a directory readParquet refuses; an overwrite cleans it', { timeout: 240_000 }, async () => {
    const out = join(tmp(), 'killed');
    const hold = join(tmp(), 'hold');
    writeFileSync(hold, '');
    const driver = submit('killed', out, 'error', hold);
    // The commit moved the first task's files and waits: kill the driver there.
    await waitUntil(() => parts(out).length > 0 || !driver.alive, 'a part file in the output directory', 150_000);
    expect(driver.alive, driver.output).toBe(true);
    await driver.kill('SIGKILL');
    expect(readdirSync(out)).toContain('_dataflow_writing');
    expect(readdirSync(out)).not.toContain('_SUCCESS');

    const session = await Session.create({ master: 'local', conf: ['dataflow.ui.progress=false'] });
    try {
      const refused = await session.readParquet(out).then(() => undefined, (e: unknown) => e as Error & { code?: string });
      expect(refused?.code).toBe('PARQUET_INCOMPLETE');
      expect(refused?.message).toContain(`${out} is a dataset dataflow did not finish writing (no _SUCCESS; its _dataflow_writing mark is still there, left by pid ${driver.pid} on host`);
      expect(refused?.message).toMatch(/which is no longer running: it failed or was killed before its commit completed/);
      expect(refused?.message).toMatch(/writeParquet\(dir, \{ mode: 'overwrite' \}\) cleans it\), or pass \{ allowIncomplete: true \}/);
      // Read anyway, it holds what the commit had moved: some of the rows.
      const partial = await (await session.readParquet(out, { allowIncomplete: true })).count();
      expect(partial).toBeGreaterThan(0);
      expect(partial).toBeLessThan(4_000);

      // Written again with mode 'error', it says what is there; with 'overwrite', it is taken over.
      const again = submit('again', out, 'error');
      expect((await again.exited).code, again.output).not.toBe(0);
      expect(again.stderr).toMatch(new RegExp(`output directory ${out} holds an unfinished write of a dataflow job that is no longer running \\(pid ${driver.pid} `));
      const overwrite = submit('overwrite', out, 'overwrite');
      expect(await overwrite.exited, overwrite.output).toEqual({ code: 0, signal: null });
      expect(readdirSync(out).filter((f) => f.startsWith('_')).sort()).toEqual(['_SUCCESS']);
      expect(await (await session.readParquet(out)).count()).toBe(4_000);
    } finally {
      await session.stop();
    }
  });

  it('a second job writing the same directory fails at once naming it and the first, which completes', { timeout: 240_000 }, async () => {
    const out = join(tmp(), 'shared');
    const hold = join(tmp(), 'hold');
    writeFileSync(hold, '');
    const first = submit('first', out, 'overwrite', hold); // its commit holds until `hold` is removed
    await waitUntil(() => parts(out).length > 0 || !first.alive, 'the first job committing', 150_000);
    expect(first.alive, first.output).toBe(true);
    for (const mode of ['overwrite', 'error'] as const) {
      const second = submit(`second-${mode}`, out, mode);
      const exit = await second.exited;
      expect(exit.code, second.output).not.toBe(0);
      expect(second.stderr).toContain(`output directory ${out} is being written by another dataflow job: pid ${first.pid} on host`);
      expect(second.stderr).toContain('Two jobs must not write one directory at once');
      expect(first.alive).toBe(true);
    }
    rmSync(hold);
    expect(await first.exited, first.output).toEqual({ code: 0, signal: null });
    expect(first.stdout).toContain('wrote 4 files, 4000 rows');
    await waitUntil(() => readdirSync(out).includes('_SUCCESS'), '_SUCCESS');
    expect(readdirSync(out).filter((f) => f.startsWith('_'))).toEqual(['_SUCCESS']);
    expect(parts(out)).toHaveLength(4);
  });

  it('a directory written by another tool, without _SUCCESS, reads as before', { timeout: 60_000 }, async () => {
    const session = await Session.create({ master: 'local', conf: ['dataflow.ui.progress=false'] });
    try {
      const out = join(tmp(), 'other-tool');
      await session.range(0, 100, { numPartitions: 2 }).writeParquet(out);
      // As DuckDB or pandas leave a folder: parts only (a _temporary of a Spark job does not make it ours either).
      rmSync(join(out, '_SUCCESS'));
      mkdirSync(join(out, '_temporary'));
      expect(await (await session.readParquet(out)).count()).toBe(100);
    } finally {
      await session.stop();
    }
  });
});
