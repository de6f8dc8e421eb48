import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import {
  abortJob,
  abortTask,
  commitJob,
  commitTask,
  prepareOutputDir,
  taskAttemptPath,
} from '../../../../connectors/parquet/commit.ts';
import { writeParquetFile } from '../../../../connectors/parquet/write.ts';
import { planParquetScan } from '../../../../connectors/parquet/scan.ts';
import { readParquetPartition } from '../../../../connectors/parquet/read.ts';
import { ParquetOutputError } from '../../../../connectors/parquet/errors.ts';
import { WRITING_MARKER, currentWriter } from '../../../../connectors/parquet/output-lock.ts';
import { useTmpDir } from '../../../helpers/tmp-dir.ts';

const tmp = useTmpDir('parquet-commit');
const JOB = 'job-1234';

const partTable = (partition: number, attempt: number) =>
  arrow.tableFromArrays({ partition: Int32Array.of(partition, partition), attempt: Int32Array.of(attempt, attempt) });

async function runTask(dir: string, partition: number, attempt: number): Promise<string> {
  await writeParquetFile(partTable(partition, attempt), taskAttemptPath(dir, JOB, partition, attempt));
  return commitTask(dir, JOB, partition, attempt);
}

describe('prepareOutputDir', () => {
  it("takes the directory's lock: a writer on another host counts as running; one that is gone is named, or taken over by 'overwrite'", async () => {
    const dir = path.join(tmp(), 'locked');
    await prepareOutputDir(dir, { mode: 'error', writer: currentWriter(JOB, 'app-1') });
    expect(await readdir(dir)).toEqual([WRITING_MARKER]);
    const marker = path.join(dir, WRITING_MARKER);
    await writeFile(marker, JSON.stringify({ ...currentWriter('job-far', 'far-app'), host: 'another-host.example' }));
    const far = await prepareOutputDir(dir, { mode: 'overwrite', writer: currentWriter('job-2', 'app-2') }).then(() => undefined, (e: unknown) => e as ParquetOutputError);
    expect(far?.code).toBe('PARQUET_OUTPUT_BUSY');
    expect(far?.message).toContain('on host another-host.example (application far-app, job job-far');
    expect(far?.message).toContain(`(on another host, so it cannot be checked and counts as running)`);
    expect(far?.message).toContain(`If that job is gone, remove ${marker}`);
    await writeFile(marker, JSON.stringify({ ...currentWriter('job-dead', 'dead-app'), pid: 2 ** 22 + 1 }));
    await writeFile(path.join(dir, 'part-00000.parquet'), 'left by the dead job');
    const stale = await prepareOutputDir(dir, { mode: 'error', writer: currentWriter('job-2', 'app-2') }).then(() => undefined, (e: unknown) => e as ParquetOutputError);
    expect(stale?.code).toBe('PARQUET_OUTPUT_INCOMPLETE');
    expect(stale?.message).toContain(`output directory ${dir} holds an unfinished write of a dataflow job that is no longer running (pid 4194305`);
    await prepareOutputDir(dir, { mode: 'overwrite', writer: currentWriter('job-2', 'app-2') });
    expect(await readdir(dir)).toEqual([WRITING_MARKER]);
    expect(JSON.parse(await readFile(marker, 'utf8'))).toMatchObject({ pid: process.pid, jobToken: 'job-2', app: 'app-2' });
    await abortJob(dir, 'job-2');
    expect(await readdir(dir)).toEqual([]);
  });

  it('creates a missing directory and accepts an empty one', async () => {
    const dir = path.join(tmp(), 'out', 'nested');
    await prepareOutputDir(dir, { mode: 'error' });
    expect(await readdir(dir)).toEqual([]);
    await prepareOutputDir(dir, { mode: 'error' });
  });

  it("refuses a non-empty directory in mode 'error', naming it and the overwrite option", async () => {
    const dir = tmp();
    await writeFile(path.join(dir, 'part-00000.parquet'), 'old');
    const err = await prepareOutputDir(dir, { mode: 'error' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParquetOutputError);
    expect((err as ParquetOutputError).code).toBe('PARQUET_OUTPUT_EXISTS');
    expect((err as Error).message).toContain(`output directory ${dir} is not empty (1 entries: part-00000.parquet); pass { mode: 'overwrite' }`);
    expect(await readdir(dir)).toEqual(['part-00000.parquet']);
  });

  it("empties the directory in mode 'overwrite'", async () => {
    const dir = tmp();
    await writeFile(path.join(dir, 'part-00000.parquet'), 'old');
    await mkdir(path.join(dir, '_temporary', 'x'), { recursive: true });
    await prepareOutputDir(dir, { mode: 'overwrite' });
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses a path that is a file', async () => {
    const file = path.join(tmp(), 'f');
    await writeFile(file, 'x');
    await expect(prepareOutputDir(file, { mode: 'overwrite' })).rejects.toThrow(/exists and is not a directory/);
  });
});

describe('task and job commit', () => {
  it('commitJob leaves the parts and _SUCCESS, and no _temporary', async () => {
    const dir = tmp();
    await prepareOutputDir(dir, { mode: 'error' });
    for (const p of [0, 1, 2]) {
      expect(await runTask(dir, p, 0)).toBe(path.join(dir, '_temporary', JOB, `task-0000${p}`));
    }
    expect(await readdir(dir)).toEqual(['_temporary']); // nothing visible before the job commits
    await commitJob(dir, JOB, [2, 0, 1]);

    expect((await readdir(dir)).sort()).toEqual(['_SUCCESS', 'part-00000.parquet', 'part-00001.parquet', 'part-00002.parquet']);
    const scan = await planParquetScan(dir);
    const tables = await Promise.all(scan.partitions.map((p) => readParquetPartition(p)));
    expect(tables.map((t) => t.getChild('partition')!.get(0))).toEqual([0, 1, 2]);
  });

  it('commits a partition once: a second attempt is ignored and its file discarded', async () => {
    const dir = tmp();
    await runTask(dir, 7, 0);
    await writeParquetFile(partTable(7, 1), taskAttemptPath(dir, JOB, 7, 1));
    expect(await commitTask(dir, JOB, 7, 1)).toBe(path.join(dir, '_temporary', JOB, 'task-00007'));
    expect(await commitTask(dir, JOB, 7, 0)).toBe(path.join(dir, '_temporary', JOB, 'task-00007')); // a repeated commit message
    expect(await readdir(path.join(dir, '_temporary', JOB, '_attempts'))).toEqual([]);

    await commitJob(dir, JOB, [7]);
    const [part] = (await planParquetScan(dir)).partitions;
    expect((await readParquetPartition(part!)).getChild('attempt')!.get(0)).toBe(0); // the first committer won
  });

  it('refuses to commit a task whose attempt file was never written', async () => {
    await expect(commitTask(tmp(), JOB, 3, 0)).rejects.toThrow(/cannot commit partition 3 attempt 0: .*part-00003-attempt-0 does not exist/);
  });

  it('commitJob checks every partition before moving any', async () => {
    const dir = tmp();
    await runTask(dir, 0, 0);
    const err = await commitJob(dir, JOB, [0, 1]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParquetOutputError);
    expect((err as Error).message).toContain('partition 1 was never committed');
    expect(await readdir(dir)).toEqual(['_temporary']);
  });

  it('commitJob can be repeated after it finished moving parts', async () => {
    const dir = tmp();
    await runTask(dir, 0, 0);
    await commitJob(dir, JOB, [0]);
    await commitJob(dir, JOB, [0]);
    expect((await readdir(dir)).sort()).toEqual(['_SUCCESS', 'part-00000.parquet']);
  });

  it('abortJob leaves no _SUCCESS and no part files', async () => {
    const dir = tmp();
    await prepareOutputDir(dir, { mode: 'error' });
    await runTask(dir, 0, 0);
    await writeParquetFile(partTable(1, 0), taskAttemptPath(dir, JOB, 1, 0)); // written, never committed
    await abortJob(dir, JOB);
    expect(await readdir(dir)).toEqual([]);
    await expect(planParquetScan(dir)).rejects.toThrow(/without any \*\.parquet files/);
  });

  it('abortJob removes the folders prepareOutputDir created, and only those, when nothing else is in them', async () => {
    const made = path.join(tmp(), 'a', 'b', 'out');
    const { created } = await prepareOutputDir(made, { mode: 'error' });
    expect(created).toBe(path.join(tmp(), 'a'));
    await writeParquetFile(partTable(0, 0), taskAttemptPath(made, JOB, 0, 0));
    await abortJob(made, JOB, { created });
    expect(await readdir(tmp())).toEqual([]);

    const existing = path.join(tmp(), 'existing');
    await mkdir(existing);
    expect(await prepareOutputDir(existing, { mode: 'error' })).toEqual({});
    await abortJob(existing, JOB, {});
    expect(await readdir(tmp())).toEqual(['existing']);

    const shared = path.join(tmp(), 'shared', 'out');
    const second = await prepareOutputDir(shared, { mode: 'error' });
    await writeFile(path.join(tmp(), 'shared', 'someone-else.txt'), '');
    await abortJob(shared, JOB, second);
    expect(await readdir(path.join(tmp(), 'shared'))).toEqual(['someone-else.txt']);
  });

  it('abortTask removes one attempt folder and nothing else', async () => {
    const dir = tmp();
    await prepareOutputDir(dir, { mode: 'error' });
    await writeParquetFile(partTable(0, 0), taskAttemptPath(dir, JOB, 0, 0, 'year=2024'));
    await writeParquetFile(partTable(0, 1), taskAttemptPath(dir, JOB, 0, 1));
    await abortTask(dir, JOB, 0, 0);
    expect((await readdir(path.join(dir, '_temporary', JOB, '_attempts')))).toEqual(['part-00000-attempt-1']);
  });

  it('commits tasks that wrote into Hive-style folders, merging folders across tasks', async () => {
    const dir = tmp();
    await prepareOutputDir(dir, { mode: 'error' });
    for (const [p, folders] of [[0, ['year=2023', 'year=2024']], [1, ['year=2024']]] as const) {
      for (const folder of folders) await writeParquetFile(partTable(p, 0), taskAttemptPath(dir, JOB, p, 0, folder));
      await commitTask(dir, JOB, p, 0);
    }
    // a duplicate attempt of task 1 with different folders is discarded whole
    await writeParquetFile(partTable(1, 1), taskAttemptPath(dir, JOB, 1, 1, 'year=1999'));
    await commitTask(dir, JOB, 1, 1);
    await commitJob(dir, JOB, [0, 1]);
    const files = (await readdir(dir, { recursive: true })).map(String).sort();
    expect(files).toEqual(['_SUCCESS', 'year=2023', 'year=2023/part-00000.parquet', 'year=2024', 'year=2024/part-00000.parquet', 'year=2024/part-00001.parquet']);
  });

  it('commitJob resumes after a crash in the middle of moving files', async () => {
    const dir = tmp();
    await runTask(dir, 0, 0);
    await runTask(dir, 1, 0);
    // simulate a crash after task 0's files moved and its folder was removed
    await writeFile(path.join(dir, '_temporary', JOB, '_committing'), '');
    await rename(path.join(dir, '_temporary', JOB, 'task-00000', 'part-00000.parquet'), path.join(dir, 'part-00000.parquet'));
    await rm(path.join(dir, '_temporary', JOB, 'task-00000'), { recursive: true });
    await commitJob(dir, JOB, [0, 1]);
    expect((await readdir(dir)).sort()).toEqual(['_SUCCESS', 'part-00000.parquet', 'part-00001.parquet']);
  });

  it('keeps paths inside the output directory', () => {
    expect(taskAttemptPath('/out', JOB, 7, 2)).toBe(`/out/_temporary/${JOB}/_attempts/part-00007-attempt-2/part-00007.parquet`);
    expect(taskAttemptPath('/out', JOB, 7, 2, 'year=2024/m=1')).toBe(`/out/_temporary/${JOB}/_attempts/part-00007-attempt-2/year=2024/m=1/part-00007.parquet`);
    expect(() => taskAttemptPath('/out', JOB, 7, 2, '../../x')).toThrow(/must be a relative path inside the output directory/);
    expect(() => taskAttemptPath('/out', '../x', 0, 0)).toThrow(/job token '..\/x'/);
    expect(() => taskAttemptPath('/out', JOB, -1, 0)).toThrow(/partition must be a non-negative integer/);
  });
});
