// The Parquet connector on S3 (s3rver on 127.0.0.1): input resolution (prefixes, globs, hidden
// names), footers and row groups by range, the atomic single-file write, and the object-store
// commit protocol (only the accepted attempt is committed; _SUCCESS last; abort leaves nothing).

import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveParquetInput } from '../../../../connectors/parquet/files.ts';
import { planParquetScan } from '../../../../connectors/parquet/scan.ts';
import { readParquetPartition } from '../../../../connectors/parquet/read.ts';
import { writeParquetBatches, writeParquetFile } from '../../../../connectors/parquet/write.ts';
import { abortJob, commitJob, commitTask, prepareOutputDir, taskAttemptPath } from '../../../../connectors/parquet/commit.ts';
import { ParquetIncompleteError, ParquetNotFoundError, ParquetOutputError } from '../../../../connectors/parquet/errors.ts';
import { WRITING_MARKER, currentWriter } from '../../../../connectors/parquet/output-lock.ts';
import { S3Storage } from '../../../../connectors/storage/s3.ts';
import { closeS3Clients } from '../../../../connectors/storage/s3-client.ts';
import { S3RVER_CREDENTIALS, type S3TestServer, startS3Server } from '../storage/s3-server.ts';

let server: S3TestServer;
let s3: S3Storage;
const savedEnv = { ...process.env };
const JOB = 'job-1';
const table = (from: number, n: number) => arrow.tableFromArrays({ id: Int32Array.from({ length: n }, (_, i) => from + i) });
const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (e: unknown) => e as Error);

async function keys(prefix: string): Promise<string[]> {
  const entries = await s3.list(prefix, { recursive: true }).catch(() => []);
  return entries.map((e) => e.path.slice(prefix.length));
}

beforeAll(async () => {
  server = await startS3Server(['pqt']);
  s3 = new S3Storage({ endpoint: server.endpoint, credentials: S3RVER_CREDENTIALS });
  // The connector's calls find the server and credentials in the environment, as executors do.
  process.env.DATAFLOW_S3_ENDPOINT = server.endpoint;
  process.env.AWS_ACCESS_KEY_ID = S3RVER_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = S3RVER_CREDENTIALS.secretAccessKey;
  for (const [name, from] of [['ds/a=1/x.parquet', 0], ['ds/a=2/y.parquet', 10], ['ds/a=2/z.parquet', 20], ['ds/_tmp/q.parquet', 30], ['ds/.hidden.parquet', 40]] as const) {
    await writeParquetFile(table(from, 10), `s3://pqt/${name}`, { rowGroupSize: 4 });
  }
  await s3.write('s3://pqt/ds/_SUCCESS', new Uint8Array(0));
  await s3.write('s3://pqt/ds/a=1/notes.txt', new TextEncoder().encode('not parquet'));
});
afterAll(async () => {
  process.env = savedEnv;
  closeS3Clients();
  await server.close();
});

describe('Parquet inputs on S3', () => {
  it('resolves a prefix, a glob and an object; skips _ and . names; keeps the Hive root', async () => {
    const all = ['s3://pqt/ds/a=1/x.parquet', 's3://pqt/ds/a=2/y.parquet', 's3://pqt/ds/a=2/z.parquet'];
    expect(await resolveParquetInput('s3://pqt/ds/')).toEqual({ root: 's3://pqt/ds', files: all });
    expect(await resolveParquetInput('s3://pqt/ds')).toEqual({ root: 's3://pqt/ds', files: all });
    expect(await resolveParquetInput('s3://pqt/ds/a=2/*.parquet')).toEqual({ root: 's3://pqt/ds/a=2', files: all.slice(1) }); // the root is the part before the first wildcard
    expect(await resolveParquetInput('s3://pqt/ds/a=*')).toEqual({ root: 's3://pqt/ds', files: all }); // matched folders give their *.parquet
    expect(await resolveParquetInput('s3://pqt/ds/**/z.parquet')).toEqual({ root: 's3://pqt/ds', files: all.slice(2) });
    expect(await resolveParquetInput('s3://pqt/ds/a=1/x.parquet')).toEqual({ root: undefined, files: all.slice(0, 1) });
    await expect(resolveParquetInput('s3://pqt/ds/b=*/*.parquet')).rejects.toThrow(/parquet input pattern s3:\/\/pqt\/ds\/b=\*\/\*\.parquet matched no files/);
    const missing = await failure(resolveParquetInput('s3://pqt/nothing/'));
    expect(missing).toBeInstanceOf(ParquetNotFoundError);
    expect(missing.message).toMatch(/parquet input s3:\/\/pqt\/nothing\/ does not exist/);
  });

  it('plans by footers and reads row groups by range, with Hive columns and pruning', async () => {
    const scan = await planParquetScan('s3://pqt/ds/', { filter: [['a', '=', 2], ['id', '>=', 24]] });
    expect(scan.schema.fields.map((f) => `${f.name}: ${String(f.type)}`)).toEqual(['id: Int32', 'a: Int32']);
    expect(scan.totalRowGroups).toBe(6); // a=1 pruned by its folder; y and z have 3 row groups each
    expect(scan.partitions.map((p) => `${p.file.slice('s3://pqt/ds/'.length)}#${p.rowGroup}`)).toEqual(['a=2/z.parquet#1', 'a=2/z.parquet#2']);
    const rows = [];
    for (const part of scan.partitions) rows.push(...(await readParquetPartition(part, undefined, scan.read)).toArray().map((r) => r.toJSON()));
    expect(rows).toEqual([24, 25, 26, 27, 28, 29].map((id) => ({ id, a: 2 })));
  });
});

describe('Parquet output on S3', () => {
  it('a file appears whole or not at all: a failing input leaves no object', async () => {
    async function* failing(): AsyncGenerator<arrow.RecordBatch> {
      yield table(0, 5).batches[0]!;
      throw new Error('the source broke');
    }
    const error = await failure(writeParquetBatches(failing(), table(0, 1).schema, 's3://pqt/single/broken.parquet'));
    expect(error.message).toBe('the source broke');
    expect(await keys('s3://pqt/single/')).toEqual([]);
    expect(await writeParquetFile(table(0, 5), 's3://pqt/single/ok.parquet')).toMatchObject({ rows: 5 });
    expect(await keys('s3://pqt/single/')).toEqual(['ok.parquet']);
  });

  it('commits only the accepted attempt of each partition, then _SUCCESS; can be repeated', async () => {
    const dir = 's3://pqt/out';
    await prepareOutputDir(dir, { mode: 'error' });
    await writeParquetFile(table(0, 3), taskAttemptPath(dir, JOB, 0, 0));
    await writeParquetFile(table(100, 3), taskAttemptPath(dir, JOB, 1, 0)); // a failed-over attempt
    await writeParquetFile(table(10, 3), taskAttemptPath(dir, JOB, 1, 1, 'k=b'));
    expect(await commitTask(dir, JOB, 1, 1)).toBe(`${dir}/_temporary/${JOB}/_attempts/part-00001-attempt-1`); // nothing to rename on S3
    await commitJob(dir, JOB, [0, 1], { attempts: new Map([[0, 0], [1, 1]]) });
    expect(await keys(`${dir}/`)).toEqual(['_SUCCESS', 'k=b/part-00001.parquet', 'part-00000.parquet']);
    await commitJob(dir, JOB, [0, 1], { attempts: new Map([[0, 0], [1, 1]]) }); // already committed: no error
    const exists = await failure(prepareOutputDir(dir, { mode: 'error' }));
    expect(exists).toBeInstanceOf(ParquetOutputError);
    await prepareOutputDir(dir, { mode: 'overwrite' });
    expect(await keys(`${dir}/`)).toEqual([]);
  });

  it('an unfinished write is marked by its lock: readers refuse it, a second writer fails, the commit removes it', async () => {
    const dir = 's3://pqt/locked';
    const writer = currentWriter(JOB, 'test-app');
    await prepareOutputDir(dir, { mode: 'error', writer });
    await writeParquetFile(table(0, 3), taskAttemptPath(dir, JOB, 0, 0));
    expect(await keys(`${dir}/`)).toContain(WRITING_MARKER);
    // This process is alive: another job is refused, in either mode, and nothing of ours is removed.
    for (const mode of ['error', 'overwrite'] as const) {
      const busy = await failure(prepareOutputDir(dir, { mode, writer: currentWriter('job-2', 'other-app') }));
      expect(busy.message, mode).toContain(`output directory ${dir} is being written by another dataflow job: pid ${process.pid} on host`);
      expect(busy.message, mode).toContain('application test-app, job job-1');
    }
    // Some parts moved, the commit not finished (as a driver killed mid-commit leaves it).
    await writeParquetFile(table(0, 3), `${dir}/part-00000.parquet`);
    const refused = await failure(resolveParquetInput(dir));
    expect(refused).toBeInstanceOf(ParquetIncompleteError);
    expect(refused.message).toContain(`parquet input ${dir}: ${dir} is a dataset dataflow did not finish writing (no _SUCCESS; its _dataflow_writing mark is still there, left by pid ${process.pid}`);
    expect(refused.message).toContain('which is still running: the write is in progress');
    expect((await resolveParquetInput(dir, undefined, { allowIncomplete: true })).files).toEqual([`${dir}/part-00000.parquet`]);
    await s3.delete(`${dir}/part-00000.parquet`);
    await commitJob(dir, JOB, [0], { attempts: new Map([[0, 0]]) });
    expect(await keys(`${dir}/`)).toEqual(['_SUCCESS', 'part-00000.parquet']);
    expect((await resolveParquetInput(dir)).files).toEqual([`${dir}/part-00000.parquet`]);
    // A dead writer's lock: 'error' names what is left, 'overwrite' takes the prefix over.
    await s3.write(`${dir}/${WRITING_MARKER}`, new TextEncoder().encode(JSON.stringify({ ...currentWriter('job-dead', 'gone-app'), pid: 2 ** 22 + 1 })));
    const stale = await failure(prepareOutputDir(dir, { mode: 'error', writer: currentWriter('job-3', 'app') }));
    expect(stale.message).toMatch(/holds an unfinished write of a dataflow job that is no longer running \(pid 4194305 /);
    await prepareOutputDir(dir, { mode: 'overwrite', writer: currentWriter('job-3', 'app') });
    expect(await keys(`${dir}/`)).toEqual([WRITING_MARKER]);
    await abortJob(dir, 'job-3');
    expect(await keys(`${dir}/`)).toEqual([]);
  });

  it('refuses to commit without the accepted attempts or with an attempt that wrote nothing', async () => {
    const dir = 's3://pqt/out2';
    await writeParquetFile(table(0, 3), taskAttemptPath(dir, JOB, 0, 0));
    await expect(commitJob(dir, JOB, [0])).rejects.toThrow(/no accepted attempt is given for partition 0; on object stores \(s3:\/\/\) the driver must pass \{ attempts \}/);
    await expect(commitJob(dir, JOB, [0], { attempts: new Map([[0, 2]]) })).rejects.toThrow(
      /the accepted attempt of partition 0 wrote nothing \(s3:\/\/pqt\/out2\/_temporary\/job-1\/_attempts\/part-00000-attempt-2 holds no files\)/,
    );
    expect(await keys(`${dir}/`)).toEqual([`_temporary/${JOB}/_attempts/part-00000-attempt-0/part-00000.parquet`]);
    await abortJob(dir, JOB);
    expect(await keys(`${dir}/`)).toEqual([]);
  });

  it('finishes a commit that crashed in the middle of its moves', async () => {
    const dir = 's3://pqt/out3';
    for (const p of [0, 1]) await writeParquetFile(table(p * 10, 3), taskAttemptPath(dir, JOB, p, 0));
    // As if commitJob had checked, marked and moved partition 0, then died.
    await s3.write(`${dir}/_temporary/${JOB}/_committing`, new Uint8Array(0));
    await s3.rename(taskAttemptPath(dir, JOB, 0, 0), `${dir}/part-00000.parquet`);
    await commitJob(dir, JOB, [0, 1], { attempts: new Map([[0, 0], [1, 0]]) });
    expect(await keys(`${dir}/`)).toEqual(['_SUCCESS', 'part-00000.parquet', 'part-00001.parquet']);
  });
});
