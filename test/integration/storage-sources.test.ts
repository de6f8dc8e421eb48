// Sources and the Parquet writer on every storage backend, on real executors: Parquet (several row
// groups, a Hive folder, pruning) from s3:// (s3rver on 127.0.0.1) and http:// (a range-serving
// server on 127.0.0.1), CSV and MovieLens from s3://, writeParquet to s3:// read back identically,
// a failing write job that leaves no _SUCCESS and no part, and the clear errors: a server without
// range support, a missing bucket, credentials in options, writing to http://.
//
// How executors find S3: `local` gets the endpoint from DATAFLOW_S3_ENDPOINT (the environment
// route); `local[2]` is started with DATAFLOW_S3_ENDPOINT pointing at a closed port and gets the
// real endpoint through `storage: { endpoint }` options carried by the plans (the plan route).
// Both must give the same results. Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobFailedError, Session, StorageError, readMovieTitles } from '../../index.ts';
import type { Row } from '../../index.ts';
import { writeParquetFile } from '../../connectors/parquet/write.ts';
import { onParquetPartitionRead } from '../../connectors/parquet/read.ts';
import type { ParquetPartition } from '../../connectors/parquet/scan.ts';
import { S3Storage } from '../../connectors/storage/s3.ts';
import { closeS3Clients } from '../../connectors/storage/s3-client.ts';
import { type RangeServer, type Served, startRangeServer } from '../helpers/range-server.ts';
import { saveEnv } from '../helpers/env.ts';
import type { StorageOptions } from '../../connectors/storage/resolve.ts';
import { RATINGS, TITLES, writeMovieLensDirs } from '../unit/connectors/movielens/fixtures.ts';
import { S3RVER_CREDENTIALS, type S3TestServer, startS3Server } from '../unit/connectors/storage/s3-server.ts';

const key = (r: Row): string => JSON.stringify(r, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
const sorted = (rows: Row[]): Row[] => [...rows].sort((a, b) => key(a).localeCompare(key(b)));
const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (e: unknown) => e as Error);

/** 2,000 ratings-like rows, ids ascending (so row-group statistics can prune by id). */
const ROWS = 2000;
const table = arrow.tableFromArrays({
  id: Int32Array.from({ length: ROWS }, (_, i) => i),
  user: Int32Array.from({ length: ROWS }, (_, i) => (i * 7) % 97),
  rating: Float64Array.from({ length: ROWS }, (_, i) => (i % 10) / 2),
  name: Array.from({ length: ROWS }, (_, i) => `item ${i % 13}`),
});
const expectedRows = sorted(Array.from({ length: ROWS }, (_, i) => ({ id: i, user: (i * 7) % 97, rating: (i % 10) / 2, name: `item ${i % 13}` })));
const CSV_TEXT = `id,group,label\n${Array.from({ length: 1500 }, (_, i) => `${i},${i % 7},"l, ${i}"`).join('\n')}\n`;

let s3Server: S3TestServer;
let s3: S3Storage;
let web: RangeServer | undefined;
let webBase = '';
let dir: string;
const served = new Map<string, Uint8Array>();
const restoreEnv = saveEnv();

/** Serves `served` by path: honours Range under `/`, ignores it under `/noranges/`. */
function serve(path: string): Served {
  const noRanges = path.startsWith('/noranges/');
  const data = served.get(noRanges ? path.slice('/noranges'.length) : path);
  return data === undefined ? undefined : { data, ranges: !noRanges };
}

async function upload(local: string, url: string): Promise<Uint8Array> {
  const bytes = new Uint8Array(await readFile(local));
  await s3.write(url, bytes);
  return bytes;
}

/** Keys below an S3 prefix, relative to it. */
async function keysUnder(prefix: string): Promise<string[]> {
  const entries = await s3.list(prefix, { recursive: true }).catch((e: unknown) => {
    if (e instanceof StorageError && e.code === 'STORAGE_NOT_FOUND') return [];
    throw e;
  });
  return entries.map((e) => e.path.slice(prefix.length));
}

beforeAll(async () => {
  s3Server = await startS3Server(['data']);
  s3 = new S3Storage({ endpoint: s3Server.endpoint, credentials: S3RVER_CREDENTIALS });
  process.env.AWS_ACCESS_KEY_ID = S3RVER_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = S3RVER_CREDENTIALS.secretAccessKey;
  dir = await mkdtemp(join(tmpdir(), 'dataflow-storage-sources-'));

  // Parquet: one file of 4 row groups, and a Hive folder year=2023 / year=2024 of 2 row groups each.
  await writeParquetFile(table, join(dir, 'ratings.parquet'), { rowGroupSize: 500 });
  const ratingsBytes = await upload(join(dir, 'ratings.parquet'), 's3://data/parquet/ratings.parquet');
  served.set('/ratings.parquet', ratingsBytes);
  for (const [year, from] of [[2023, 0], [2024, 1000]] as const) {
    const file = join(dir, `hive-${year}.parquet`);
    await writeParquetFile(table.slice(from, from + 1000), file, { rowGroupSize: 500 });
    await upload(file, `s3://data/hive/year=${year}/part-00000.parquet`);
  }
  await s3.write('s3://data/hive/_SUCCESS', new Uint8Array(0));
  await s3.write('s3://data/hive/_temporary/junk.parquet', Uint8Array.of(1, 2, 3)); // skipped, never read

  // CSV (one file, split into several byte ranges) and a MovieLens ml-latest-small folder.
  await s3.write('s3://data/csv/rows.csv', new TextEncoder().encode(CSV_TEXT));
  served.set('/rows.csv', new TextEncoder().encode(CSV_TEXT));
  const ml = await writeMovieLensDirs(join(dir, 'ml'));
  await upload(join(ml.csv, 'ratings.csv'), 's3://data/ml-latest-small/ratings.csv');
  await upload(join(ml.csv, 'movies.csv'), 's3://data/ml-latest-small/movies.csv');

  web = await startRangeServer(serve);
  webBase = web.base;
});

afterAll(async () => {
  restoreEnv();
  closeS3Clients();
  await web?.close();
  await s3Server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Everything a job does with remote storage; `tag` keeps the two masters' outputs apart. */
async function runAll(session: Session, storage: StorageOptions | undefined, tag: string): Promise<Record<string, unknown>> {
  const opts = storage === undefined ? {} : { storage };
  // One partition per row group (partitionBytes: 1): the checks below count partitions and part files.
  const pq = { ...opts, partitionBytes: 1 };
  const fromS3 = await session.readParquet('s3://data/parquet/ratings.parquet', pq);
  const fromHttp = await session.readParquet(`${webBase}/ratings.parquet`, pq);
  const hive = await session.readParquet('s3://data/hive/', pq);
  const pruned = await session.readParquet('s3://data/hive/', { ...pq, filter: [['year', '=', 2024], ['id', '<', 1400]] });
  const globbed = await session.readParquet('s3://data/hive/year=202*/*.parquet', { ...pq, columns: ['id', 'year'] });

  const out = `s3://data/out-${tag}/`;
  const written = await fromS3.writeParquet(out, opts);
  const back = await session.readParquet(out, pq);
  const byYear = `s3://data/by-year-${tag}/`;
  await hive.select('id', 'year').writeParquet(byYear, { ...opts, partitionBy: ['year'] });

  // A task that fails (partition 3 holds id 1500) after the others have written their attempts.
  const failed = `s3://data/fail-${tag}/`;
  const failing = fromS3.map((r) => {
    if (r.id === 1500) throw new Error('boom at id 1500');
    return r;
  });
  const writeError = await failure(failing.writeParquet(failed, opts));

  return {
    s3Rows: sorted(await fromS3.collect()),
    s3Partitions: fromS3.numPartitions,
    httpRows: sorted(await fromHttp.collect()),
    httpPartitions: fromHttp.numPartitions,
    hive: { partitions: hive.numPartitions, count: await hive.count(), years: sorted(await hive.aggregateByKey(['year'], {}).collect()) },
    pruned: { partitions: pruned.numPartitions, ids: (await pruned.select('id').collect()).map((r) => r.id as number).sort((a, b) => a - b) },
    globbed: { partitions: globbed.numPartitions, first: (await globbed.take(1))[0] },
    csv: sorted(await (await session.readCsv('s3://data/csv/rows.csv', { ...opts, partitionBytes: 8_000 })).collect()),
    csvPartitions: (await session.readCsv('s3://data/csv/', { ...opts, partitionBytes: 8_000 })).numPartitions,
    csvHttp: await (await session.readCsv(`${webBase}/rows.csv`, { ...opts, partitionBytes: 8_000 })).count(),
    movielens: sorted(await (await session.readMovieLens('s3://data/ml-latest-small/', { ...opts, partitionBytes: 40 })).collect()),
    titles: [...(await readMovieTitles('s3://data/ml-latest-small', opts))],
    written,
    writtenKeys: await keysUnder(out),
    back: sorted(await back.collect()),
    byYearKeys: await keysUnder(byYear),
    byYear: sorted(await (await session.readParquet(byYear, pq)).collect()),
    writeError: { failed: writeError instanceof JobFailedError, message: /boom at id 1500/.test(writeError.message) },
    failedKeysOutsideTemporary: (await keysUnder(failed)).filter((k) => !k.startsWith('_temporary/')),
  };
}

describe('storage backends as sources and sinks, on local and local[2]', () => {
  it('read Parquet, CSV and MovieLens from s3:// and http://, write Parquet to s3://, the same on both masters', async () => {
    const results: Array<Record<string, unknown>> = [];

    process.env.DATAFLOW_S3_ENDPOINT = s3Server.endpoint;
    const local = await Session.create({ master: 'local', conf: ['dataflow.task.maxAttempts=2'] });
    try {
      results.push(await runAll(local, undefined, 'local'));
      // On `local` tasks run in this process, so we see which row groups were fetched from S3: only the one kept.
      const reads: ParquetPartition[] = [];
      const stop = onParquetPartitionRead((p) => reads.push(p));
      try {
        await (await local.readParquet('s3://data/hive/', { filter: [['year', '=', 2024], ['id', '<', 1400]] })).count();
      } finally {
        stop();
      }
      expect(reads.map((p) => [p.file, p.rowGroup])).toEqual([['s3://data/hive/year=2024/part-00000.parquet', 0]]);
    } finally {
      await local.stop();
    }

    process.env.DATAFLOW_S3_ENDPOINT = 'http://127.0.0.1:9'; // nothing listens: only the plan's options can reach S3
    const cluster = await Session.create({ master: 'local[2]', conf: ['dataflow.task.maxAttempts=2'] });
    try {
      results.push(await runAll(cluster, { endpoint: s3Server.endpoint }, 'cluster'));
    } finally {
      await cluster.stop();
    }

    const [a, b] = results as [Record<string, unknown>, Record<string, unknown>];
    expect(b).toEqual(a);
    expect(a.s3Rows).toEqual(expectedRows);
    expect(a.s3Partitions).toBe(4); // one per row group
    expect(a.httpRows).toEqual(expectedRows);
    expect(a.httpPartitions).toBe(4);
    expect(a.hive).toEqual({ partitions: 4, count: 2000, years: [{ year: 2023 }, { year: 2024 }] });
    // year = 2024 prunes the 2023 file; id < 1400 prunes the 2024 file's second row group (ids 1500..1999).
    expect(a.pruned).toEqual({ partitions: 1, ids: Array.from({ length: 400 }, (_, i) => 1000 + i) });
    expect(a.globbed).toEqual({ partitions: 4, first: { id: 0, year: 2023 } });
    expect(a.csv).toEqual(sorted(Array.from({ length: 1500 }, (_, i) => ({ id: i, group: i % 7, label: `l, ${i}` }))));
    expect(a.csvPartitions).toBeGreaterThan(2);
    expect(a.csvHttp).toBe(1500);
    expect(a.movielens).toEqual(sorted(RATINGS));
    expect(a.titles).toEqual([...TITLES]);
    expect(a.written).toEqual({ files: 4, rows: 2000 });
    expect(a.writtenKeys).toEqual(['_SUCCESS', 'part-00000.parquet', 'part-00001.parquet', 'part-00002.parquet', 'part-00003.parquet']);
    expect(a.back).toEqual(expectedRows);
    expect(a.byYearKeys).toEqual(['_SUCCESS', 'year=2023/part-00000.parquet', 'year=2023/part-00001.parquet', 'year=2024/part-00002.parquet', 'year=2024/part-00003.parquet']);
    expect(a.byYear).toEqual(sorted(expectedRows.map((r) => ({ id: r.id, year: (r.id as number) < 1000 ? 2023 : 2024 }))));
    expect(a.writeError).toEqual({ failed: true, message: true });
    expect(a.failedKeysOutsideTemporary).toEqual([]); // no _SUCCESS, no part file

  });

  it('fail clearly: a server without ranges, a missing bucket, refused credentials, secrets in options, writing to http://, a non-empty output', async () => {
    process.env.DATAFLOW_S3_ENDPOINT = s3Server.endpoint;
    const session = await Session.create({ master: 'local' });
    try {
      // The file is smaller than the footer guess, so planning fetches it whole; the row-group read is refused.
      const noRanges = await failure(session.readParquet(`${webBase}/noranges/ratings.parquet`).then((ds) => ds.count()));
      expect(noRanges).toBeInstanceOf(JobFailedError);
      expect(noRanges.message).toMatch(/\/noranges\/ratings\.parquet does not support range requests \(got 200 for bytes=\d+-\d+\)/);

      for (const attempt of [
        () => session.readParquet('s3://no-such-bucket/ratings/'),
        () => session.readCsv('s3://no-such-bucket/rows.csv'),
        () => session.readMovieLens('s3://no-such-bucket/ml-latest-small/'),
        () => session.range(0, 10).writeParquet('s3://no-such-bucket/out/'),
      ]) {
        const error = await failure(attempt());
        expect(error).toBeInstanceOf(StorageError);
        expect((error as StorageError).code).toBe('STORAGE_NO_SUCH_BUCKET');
        expect(error.message).toMatch(/s3:\/\/no-such-bucket\/.*: bucket 'no-such-bucket' does not exist \(NoSuchBucket\); check the bucket name/);
      }

      process.env.AWS_ACCESS_KEY_ID = 'NOT-A-KEY';
      const denied = await failure(session.readParquet('s3://data/parquet/'));
      process.env.AWS_ACCESS_KEY_ID = S3RVER_CREDENTIALS.accessKeyId;
      expect((denied as StorageError).code).toBe('STORAGE_ACCESS_DENIED');
      expect(denied.message).toMatch(/s3:\/\/data\/parquet\/: the credentials were refused .*check AWS_ACCESS_KEY_ID/);

      const secret = await failure(session.readParquet('s3://data/parquet/', { storage: { credentials: S3RVER_CREDENTIALS } }));
      expect(secret.message).toMatch(/storage\.credentials cannot be used here.*set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);

      const ds = await session.readParquet('s3://data/parquet/', { partitionBytes: 1 }); // 4 row groups, 4 part files
      const toHttp = await failure(ds.writeParquet(`${webBase}/out/`));
      expect((toHttp as StorageError).code).toBe('STORAGE_UNSUPPORTED');
      expect(toHttp.message).toMatch(/cannot write Parquet output to http:.*HTTP storage is read-only; write to a local path or an s3:\/\/ URL/);

      await ds.writeParquet('s3://data/twice/');
      const exists = await failure(ds.writeParquet('s3://data/twice/'));
      expect(exists.message).toMatch(/output folder s3:\/\/data\/twice is not empty \(5 objects: _SUCCESS, part-00000\.parquet, part-00001\.parquet, \.\.\.\); pass \{ mode: 'overwrite' \}/);
      await ds.select('id').writeParquet('s3://data/twice/', { mode: 'overwrite' });
      expect((await (await session.readParquet('s3://data/twice/')).collect()).length).toBe(ROWS);
      expect(Object.keys((await (await session.readParquet('s3://data/twice/')).take(1))[0]!)).toEqual(['id']);
    } finally {
      await session.stop();
    }
  });
});
