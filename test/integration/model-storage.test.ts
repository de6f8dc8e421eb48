// Models that travel: ALS and SVD models saved and loaded on every storage the engine uses, on
// real executors and real servers: s3:// (s3rver on 127.0.0.1), http:// (a node:http server with
// byte ranges over a local folder), local folders. An ALS model trained on local[2] and saved to
// s3:// is loaded by another session with the same factors, ids, parameters, training record and
// predictions; its Spark-format export has Spark's layout (checked file by file, and its Parquet
// schema by DuckDB) and reads back identically, also over HTTP; a folder laid out exactly as Spark
// writes one (part-00000-<uuid>-c000.snappy.parquet files written by DuckDB, _SUCCESS, .crc files,
// metadata/part-00000) is loaded from s3://; SVD models round-trip through s3:// and http://.
// Folders of another kind, version or Spark class are refused, naming path, found and expected.
// The README's model section runs as written, its bucket and host pointed at the test servers.

import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AlsModel, AlsModelFormatError, Session, SvdModel, SvdModelFormatError, svd, trainAls } from '../../index.ts';
import type { Row, TrainingData } from '../../index.ts';
import { S3Storage } from '../../connectors/storage/s3.ts';
import { closeS3Clients } from '../../connectors/storage/s3-client.ts';
import { S3RVER_CREDENTIALS, type S3TestServer, startS3Server } from '../unit/connectors/storage/s3-server.ts';
import { ROOT } from '../helpers/cli.ts';
import { saveEnv } from '../helpers/env.ts';
import { type RangeServer, type Served, startRangeServer } from '../helpers/range-server.ts';
import { describeTrainingData } from '../../jobs/shared/training-data.ts';

/** An id encoding with no ids: describeTrainingData then only hashes and counts the rows. */
const NO_IDS = (column: string) => ({ column, ids: new Float64Array(0), kind: 'float64' as const });

interface DuckConnection { run(sql: string): Promise<unknown>; runAndReadAll(sql: string): Promise<{ getRows(): unknown[][] }> }
const { DuckDBInstance } = createRequire(import.meta.url)('@duckdb/node-api') as {
  DuckDBInstance: { create(path: string): Promise<{ connect(): Promise<DuckConnection> }> };
};

type Rating = { userId: number; itemId: number; rating: number };
function ratings(users = 40, items = 30): Rating[] {
  const out: Rating[] = [];
  for (let u = 0; u < users; u++) {
    for (let i = 0; i < items; i++) {
      if ((u * 7 + i * 13) % 3 === 0) continue;
      out.push({ userId: 100 + u, itemId: 10 * i, rating: 1 + (((Math.imul(u + 1, 2654435761) ^ Math.imul(i + 7, 40503)) >>> 0) % 9) / 2 });
    }
  }
  return out;
}

/** Every (user, item) pair of the ratings' ids plus an unknown user and item. */
function pairs(): Array<{ userId: number; itemId: number }> {
  const out = [];
  for (let u = 99; u < 141; u++) for (let i = 0; i <= 300; i += 10) out.push({ userId: u, itemId: i });
  return out;
}

/** Rows in a fixed order (unknown ids come back as NaN, so compare as text). */
const byPair = (rows: Row[]): Row[] => [...rows].sort((a, b) => `${String(a.userId)}:${String(a.itemId)}`.localeCompare(`${String(b.userId)}:${String(b.itemId)}`));

let s3Server: S3TestServer;
let s3: S3Storage;
let dir: string;
let web: RangeServer | undefined;
let webBase = '';
let duck: DuckConnection;
const restoreEnv = saveEnv();

/** Serves the files below `dir`, as a plain web server would. */
async function serve(path: string): Promise<Served> {
  return { data: new Uint8Array(await readFile(join(dir, path))) };
}

beforeAll(async () => {
  s3Server = await startS3Server(['models']);
  s3 = new S3Storage({ endpoint: s3Server.endpoint, credentials: S3RVER_CREDENTIALS });
  process.env.AWS_ACCESS_KEY_ID = S3RVER_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = S3RVER_CREDENTIALS.secretAccessKey;
  process.env.DATAFLOW_S3_ENDPOINT = s3Server.endpoint;
  dir = await mkdtemp(join(tmpdir(), 'dataflow-model-storage-'));
  web = await startRangeServer(serve);
  webBase = web.base;
  duck = await (await DuckDBInstance.create(':memory:')).connect();
});

afterAll(async () => {
  restoreEnv();
  closeS3Clients();
  await web?.close();
  await s3Server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function keysUnder(prefix: string): Promise<string[]> {
  return (await s3.list(prefix, { recursive: true })).map((e) => e.path.slice(prefix.length));
}

async function filesUnder(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(d, e.name));
      else out.push(relative(root, join(d, e.name)));
    }
  };
  await walk(root);
  return out.sort();
}

const failure = (p: Promise<unknown>): Promise<Error> => p.then(() => { throw new Error('expected a failure'); }, (e: unknown) => e as Error);

describe('ALS models on every storage', () => {
  it('train on local[2], save to s3:// (ours and Spark\'s format), load in another session: identical predictions', { timeout: 240_000 }, async () => {
    const storage = { endpoint: s3Server.endpoint };
    const cluster = await Session.create({ master: 'local[2]', conf: ['dataflow.ui.progress=false'] });
    let want: { predictions: Row[]; userFactors: Float32Array; itemFactors: Float32Array; userIds: unknown[]; options: unknown; training: TrainingData | undefined; top: Row[] };
    try {
      const model = await trainAls(cluster.fromRows(ratings(), { numPartitions: 3 }), { rank: 4, maxIter: 3, biases: true, regParam: 0.15, seed: 7, coldStartStrategy: 'fallback' });
      await model.save('s3://models/als', { storage });
      await model.save('s3://models/als-spark', { storage, format: 'spark' });
      await model.save(join(dir, 'als'));
      await model.save(join(dir, 'als-spark'), { format: 'spark' });
      want = {
        predictions: byPair(await model.transform(cluster.fromRows(pairs(), { numPartitions: 2 })).collect()),
        userFactors: model.userFactors, itemFactors: model.itemFactors, userIds: [...model.userIds], options: model.options,
        training: await model.trainingData(), top: await model.recommendForUsers([100, 120], 3, { exclude: false }).collect(),
      };
    } finally {
      await cluster.stop();
    }
    expect(want.training).toMatchObject({ rows: ratings().length, users: { column: 'userId', count: 40, min: 100, max: 139 }, items: { column: 'itemId', count: 30, min: 0, max: 290 } });
    expect(want.training!.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(want.predictions.filter((r) => Number.isNaN(r.prediction))).toEqual([]); // fallback covers the unknown ids
    expect(await keysUnder('s3://models/als/')).toEqual(['itemFactors/_SUCCESS', 'itemFactors/part-00000.parquet', 'model.json', 'userFactors/_SUCCESS', 'userFactors/part-00000.parquet']);
    expect(await keysUnder('s3://models/als-spark/')).toEqual([
      'itemFactors/_SUCCESS', 'itemFactors/part-00000.parquet', 'metadata/_SUCCESS', 'metadata/part-00000', 'userFactors/_SUCCESS', 'userFactors/part-00000.parquet',
    ]);

    const session = await Session.create({ master: 'local', conf: ['dataflow.ui.progress=false'] });
    try {
      for (const location of ['s3://models/als', 's3://models/als-spark', join(dir, 'als'), join(dir, 'als-spark'), `${webBase}/als`, `${webBase}/als-spark`]) {
        const back = await AlsModel.load(session, location);
        expect({ location, ids: [...back.userIds], options: back.options }).toEqual({ location, ids: want.userIds, options: want.options });
        expect(Buffer.from(back.userFactors.buffer).equals(Buffer.from(want.userFactors.buffer)), location).toBe(true);
        expect(Buffer.from(back.itemFactors.buffer).equals(Buffer.from(want.itemFactors.buffer)), location).toBe(true);
        expect(await back.trainingData(), location).toEqual(want.training);
        if (location.startsWith('s3:')) { // the factors decide every prediction; the verbs run on two of the six
          expect(byPair(await back.transform(session.fromRows(pairs())).collect()), location).toEqual(want.predictions);
          expect(await back.recommendForUsers([100, 120], 3, { exclude: false }).collect(), location).toEqual(want.top);
        }
      }

      // the same ratings in another order and partitioning hash the same; one changed rating does not
      const shuffled = ratings().reverse();
      const hashOf = async (rows: Rating[], numPartitions: number): Promise<string> => (await describeTrainingData(session.fromRows(rows, { numPartitions }), NO_IDS('userId'), NO_IDS('itemId'), 'rating')).hash;
      expect(await hashOf(shuffled, 5)).toBe(want.training!.hash);
      shuffled[17]!.rating += 0.5;
      expect(await hashOf(shuffled, 1)).not.toBe(want.training!.hash);
    } finally {
      await session.stop();
    }

    // Spark's layout, read by Spark's rules: one JSON metadata line, id int32 + features array<float>
    const meta = JSON.parse((await readFile(join(dir, 'als-spark', 'metadata', 'part-00000'), 'utf8')).trimEnd()) as Record<string, unknown>;
    expect(meta).toMatchObject({
      class: 'org.apache.spark.ml.recommendation.ALSModel', sparkVersion: '3.5.0', rank: 4 + 2 + 1, // rank + 2 biases + the mean component
      paramMap: { userCol: 'userId', itemCol: 'itemId', predictionCol: 'prediction', coldStartStrategy: 'nan' },
      defaultParamMap: { blockSize: 4096, predictionCol: 'prediction', userCol: 'user', itemCol: 'item', coldStartStrategy: 'nan' },
    });
    expect(meta.uid).toMatch(/^als_[0-9a-f]{12}$/);
    expect(typeof meta.timestamp).toBe('number');
    const schema = (await duck.runAndReadAll(`SELECT name, type, repetition_type, converted_type FROM parquet_schema('${join(dir, 'als-spark', 'userFactors', 'part-00000.parquet')}') WHERE name <> 'arrow_schema'`)).getRows();
    expect(schema.map((r) => r.map((v) => (v === null ? null : String(v))))).toEqual([
      ['id', 'INT32', 'REQUIRED', null], ['features', null, 'OPTIONAL', 'LIST'], ['list', null, 'REPEATED', null], ['element', 'FLOAT', 'OPTIONAL', null],
    ]);
    // what Spark computes from the export (dot product of the features) is our prediction, up to μ in float32
    const [first] = (await duck.runAndReadAll(`SELECT list_dot_product(u.features, i.features)::DOUBLE FROM read_parquet('${join(dir, 'als-spark', 'userFactors', '*.parquet')}') u, read_parquet('${join(dir, 'als-spark', 'itemFactors', '*.parquet')}') i WHERE u.id = 105 AND i.id = 40`)).getRows();
    const ours = want.predictions.find((r) => r.userId === 105 && r.itemId === 40)!.prediction as number;
    expect(Math.abs((first![0] as number) - ours)).toBeLessThan(1e-5);
  });

  it('loads a folder laid out as Spark writes one (uuid part files, .crc files, _SUCCESS) from s3://', { timeout: 120_000 }, async () => {
    const spark = join(dir, 'spark-written');
    const uuid = '3a1e5b64-92c4-4be0-8f0c-5f3b0c2d7e11';
    const write = async (name: string, text: string): Promise<void> => {
      await mkdir(join(spark, name, '..'), { recursive: true });
      await writeFile(join(spark, name), text);
    };
    await write('metadata/part-00000', `${JSON.stringify({
      class: 'org.apache.spark.ml.recommendation.ALSModel', timestamp: 1733000000000, sparkVersion: '3.5.1', uid: 'als_5c0ffee1d2a3',
      paramMap: { userCol: 'user', itemCol: 'movie', coldStartStrategy: 'drop' },
      defaultParamMap: { blockSize: 4096, predictionCol: 'prediction', userCol: 'user', itemCol: 'item', coldStartStrategy: 'nan' }, rank: 3,
    })}\n`);
    await write('metadata/_SUCCESS', '');
    await write('metadata/.part-00000.crc', 'crc');
    // Spark's factors: id int, features array<float>; DuckDB writes them, nothing of ours is involved
    const users = 'SELECT (i * 3)::INTEGER AS id, [i / 4, 1 - i / 8, 0.5]::FLOAT[] AS features FROM range(6) t(i)';
    const items = (from: number, to: number): string => `SELECT (100 + i)::INTEGER AS id, [1, i / 2, -i / 3]::FLOAT[] AS features FROM range(${from}, ${to}) t(i)`;
    await mkdir(join(spark, 'userFactors'), { recursive: true });
    await mkdir(join(spark, 'itemFactors'), { recursive: true });
    await duck.run(`COPY (${users}) TO '${join(spark, 'userFactors', `part-00000-${uuid}-c000.snappy.parquet`)}' (FORMAT parquet, COMPRESSION snappy)`);
    await duck.run(`COPY (${items(0, 4)}) TO '${join(spark, 'itemFactors', `part-00000-${uuid}-c000.snappy.parquet`)}' (FORMAT parquet, COMPRESSION snappy)`);
    await duck.run(`COPY (${items(4, 7)}) TO '${join(spark, 'itemFactors', `part-00001-${uuid}-c000.snappy.parquet`)}' (FORMAT parquet, COMPRESSION snappy)`);
    for (const side of ['userFactors', 'itemFactors']) {
      await write(`${side}/_SUCCESS`, '');
      await write(`${side}/.part-00000-${uuid}-c000.snappy.parquet.crc`, 'crc');
    }
    for (const file of await filesUnder(spark)) await s3.write(`s3://models/spark-written/${file}`, new Uint8Array(await readFile(join(spark, file))));

    const session = await Session.create({ master: 'local', conf: ['dataflow.ui.progress=false'] });
    try {
      const model = await AlsModel.load(session, 's3://models/spark-written');
      expect(model.rank).toBe(3);
      expect(model.options).toMatchObject({ userCol: 'user', itemCol: 'movie', coldStartStrategy: 'drop', rank: 3 });
      expect([...model.userIds]).toEqual([0, 3, 6, 9, 12, 15]);
      expect([...model.itemIds]).toEqual([100, 101, 102, 103, 104, 105, 106]);
      const f = Math.fround;
      for (const [u, i] of [[9, 105], [0, 100], [15, 103]] as const) {
        const a = u / 3;
        const b = i - 100;
        const want = f(a / 4) * 1 + f(1 - a / 8) * f(b / 2) + 0.5 * f(-b / 3);
        expect(model.predictOne(u, i)).toBeCloseTo(want, 12);
      }
      const scored = await model.transform(session.fromRows([{ user: 9, movie: 105 }, { user: 1, movie: 105 }])).collect();
      expect(scored.map((r) => [r.user, r.movie])).toEqual([[9, 105]]); // 'drop', from Spark's paramMap
      expect(scored[0]!.prediction as number).toBeCloseTo(model.predictOne(9, 105), 6);
      // plain HTTP cannot list the uuid-named part files of a folder Spark wrote (our exports name theirs)
      expect((await failure(AlsModel.load(session, `${webBase}/spark-written`))).message).toMatch(/spark-written\/userFactors: plain HTTP has no folder listing and the model's metadata does not name its files; copy the model to a local folder or s3:\/\//);
    } finally {
      await session.stop();
    }
  });
});

describe('SVD models on every storage', () => {
  it.each([
    ['users are rows, user centering', 40, 30, 'user'],
    ['items are rows, global centering', 12, 30, 'global'],
  ] as const)('%s: save to s3:// and a folder, load from s3:// and http://, identical predictions', { timeout: 240_000 }, async (name, users, items, centering) => {
    const tag = centering;
    const session = await Session.create({ master: 'local', conf: ['dataflow.ui.progress=false'] }); // ALS covers local[2] above
    let want: { predictions: Row[]; sigma: Float64Array; U: Row[]; V: Row[]; training: TrainingData | undefined };
    const sortBy = (col: string) => (rows: Row[]): Row[] => [...rows].sort((a, b) => Number(a[col]) - Number(b[col]));
    try {
      const model = await svd(session.fromRows(ratings(users, items), { numPartitions: 3 }), 4, { centering });
      await model.save(`s3://models/svd-${tag}`);
      await model.save(join(dir, `svd-${tag}`));
      want = {
        predictions: byPair(await model.predict(session.fromRows(pairs())).collect()), sigma: model.sigma,
        U: sortBy('userId')(await model.U.collect()), V: sortBy('itemId')(await model.V.collect()), training: await model.trainingData(),
      };
    } finally {
      await session.stop();
    }
    expect(want.training).toMatchObject({ rows: ratings(users, items).length, users: { count: users }, items: { count: items } });
    const other = await Session.create({ master: 'local', conf: ['dataflow.ui.progress=false'] });
    try {
      for (const location of [`s3://models/svd-${tag}`, `${webBase}/svd-${tag}`]) {
        const back = await SvdModel.load(other, location);
        expect({ name, location, k: back.k, sigma: [...back.sigma] }).toEqual({ name, location, k: 4, sigma: [...want.sigma] });
        expect(sortBy('userId')(await back.U.collect())).toEqual(want.U);
        expect(sortBy('itemId')(await back.V.collect())).toEqual(want.V);
        expect(byPair(await back.predict(other.fromRows(pairs())).collect())).toEqual(want.predictions);
        expect(await back.trainingData()).toEqual(want.training);
        await expect(back.recommendForUsers([100], 3)).rejects.toThrow(/loaded from a folder and has no ratings/);
      }
    } finally {
      await other.stop();
    }
  });
});

describe('refused model folders', () => {
  it('another kind, another version, another Spark class, nothing there, a non-empty target, read-only or unexportable storage', { timeout: 120_000 }, async () => {
    const session = await Session.create({ master: 'local', conf: ['dataflow.ui.progress=false'] });
    try {
      const als = await trainAls(session.fromRows(ratings()), { rank: 2, maxIter: 1 });
      const model = join(dir, 'refused-als');
      await als.save(model);
      const s = await svd(session.fromRows(ratings()), 2);
      const svdDir = join(dir, 'refused-svd');
      await s.save(svdDir);

      const wrongKind = await failure(AlsModel.load(session, svdDir));
      expect(wrongKind).toBeInstanceOf(AlsModelFormatError);
      expect(wrongKind.message).toBe(`${join(svdDir, 'model.json')} holds an SVD model (SvdModel.load), not an ALS model (AlsModel.load): found kind 'svd', expected format 'dataflow-model' version 1, kind 'als'`);
      const wrongKind2 = await failure(SvdModel.load(session, model));
      expect(wrongKind2).toBeInstanceOf(SvdModelFormatError);
      expect(wrongKind2.message).toMatch(/refused-als\/model\.json holds an ALS model \(AlsModel\.load\), not an SVD model \(SvdModel\.load\): found kind 'als', expected format 'dataflow-model' version 1, kind 'svd'/);

      const manifest = JSON.parse(await readFile(join(model, 'model.json'), 'utf8')) as Record<string, unknown>;
      await writeFile(join(model, 'model.json'), JSON.stringify({ ...manifest, version: 7 }));
      expect((await failure(AlsModel.load(session, model))).message).toBe(
        `${join(model, 'model.json')} has format version 7, expected format 'dataflow-model' version 1, kind 'als': it was written by a newer dataflow; load it with that version`,
      );
      await writeFile(join(model, 'model.json'), JSON.stringify({ ...manifest, format: 'something-else' }));
      expect((await failure(AlsModel.load(session, model))).message).toMatch(/refused-als\/model\.json is not a dataflow model: found format "something-else", expected format 'dataflow-model' version 1, kind 'als'/);

      const lr = join(dir, 'spark-lr');
      await mkdir(join(lr, 'metadata'), { recursive: true });
      await writeFile(join(lr, 'metadata', 'part-00000'), `${JSON.stringify({ class: 'org.apache.spark.ml.classification.LogisticRegressionModel', sparkVersion: '3.5.1', uid: 'logreg_1', paramMap: {} })}\n`);
      expect((await failure(AlsModel.load(session, lr))).message).toBe(
        `${join(lr, 'metadata', 'part-00000')} is a Spark org.apache.spark.ml.classification.LogisticRegressionModel, not an ALS model: found class "org.apache.spark.ml.classification.LogisticRegressionModel", expected 'org.apache.spark.ml.recommendation.ALSModel'`,
      );
      expect((await failure(AlsModel.load(session, join(dir, 'no-such-model')))).message).toMatch(/no-such-model holds no model: neither model\.json \(AlsModel\.save\) nor metadata\/part-00000 \(Spark's ALSModel\.save\) was found there/);
      expect((await failure(SvdModel.load(session, `${webBase}/no-such-model`))).message).toMatch(/no-such-model holds no SVD model: .*model\.json was not found/);

      expect((await failure(s.save(svdDir))).message).toMatch(/model folder .*refused-svd is not empty \(\d+ files: .*\); pass \{ mode: 'overwrite' \}/);
      await s.save(svdDir, { mode: 'overwrite' });
      expect((await SvdModel.load(session, svdDir)).k).toBe(2);
      expect((await failure(als.save(`${webBase}/als-upload`))).message).toMatch(/cannot save a model to http:.*HTTP storage is read-only; save to a local path or an s3:\/\/ URL/);
      const named = await trainAls(session.fromRows(ratings().map((r) => ({ ...r, userId: `u${r.userId}` }))), { rank: 2, maxIter: 1 });
      expect((await failure(named.save(join(dir, 'named-spark'), { format: 'spark' }))).message).toMatch(/Spark's ALSModel needs int32 ids, but column 'userId' holds utf8 ids/);
    } finally {
      await session.stop();
    }
  });
});

describe('the README', () => {
  it('runs the model section as written (s3://bucket and https://host pointed at s3rver, /tmp at a temp folder)', { timeout: 180_000 }, async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Saving, loading and folding in models'));
    const code = /```ts\n([\s\S]*?)```/.exec(section)![1]!
      .replace("from 'dataflow'", `from '${join(ROOT, 'index.ts')}'`)
      .replaceAll('s3://bucket/', 's3://models/readme/')
      .replaceAll('https://host/', `${s3Server.endpoint}/models/readme/`) // the bucket over plain HTTP, as a web server would serve it
      .replaceAll('/tmp/als-for-spark', join(dir, 'readme-spark'));
    const jobDir = await mkdtemp(join(tmpdir(), 'dataflow-readme-models-'));
    const session = await Session.create({ master: 'local', conf: ['dataflow.ui.progress=false'] });
    const printed: unknown[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((value: unknown) => { printed.push(value); });
    try {
      await session.fromRows(ratings(), { numPartitions: 2 }).writeParquet('s3://models/readme/ratings/');
      await writeFile(join(jobDir, 'job.ts'), code);
      const job = await import(join(jobDir, 'job.ts')) as { default: (s: Session) => Promise<void> };
      await job.default(session);
    } finally {
      log.mockRestore();
      await session.stop();
      await rm(jobDir, { recursive: true, force: true });
    }
    expect(printed[0]).toMatchObject({ rows: ratings().length, users: { count: 40, min: 100, max: 139 }, items: { count: 30, min: 0, max: 290 } });
    const recommended = printed[1] as Row[];
    expect(recommended.map((r) => r.userId)).toEqual(new Array(10).fill(9001));
    expect(recommended.some((r) => r.itemId === 30 || r.itemId === 120)).toBe(false); // what the newcomer rated
    expect(await keysUnder('s3://models/readme/models/')).toEqual([
      'als/itemFactors/_SUCCESS', 'als/itemFactors/part-00000.parquet', 'als/model.json', 'als/userFactors/_SUCCESS', 'als/userFactors/part-00000.parquet',
      'svd/items/_SUCCESS', 'svd/items/part-00000.parquet', 'svd/model.json', 'svd/users/_SUCCESS', 'svd/users/part-00000.parquet',
    ]);
    expect(await filesUnder(join(dir, 'readme-spark'))).toContain('metadata/part-00000');
  });
});
