// Text sources on real executors: readCsv and readMovieLens give the same rows on local and
// local[2] as a plain parse, a bad CSV row fails the job naming file:line (or is skipped and
// counted), and `dataflow convert` writes a Parquet file that reads back identically.

import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session, count, JobFailedError } from '../../engine/index.ts';
import type { Row } from '../../engine/index.ts';
import { runCli } from '../helpers/cli.ts';
import { RATINGS, writeMovieLensDirs } from '../unit/connectors/movielens/fixtures.ts';

const key = (r: Row): string => JSON.stringify(r, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
const sorted = (rows: Row[]): Row[] => [...rows].sort((a, b) => key(a).localeCompare(key(b)));

let dir: string;
let csv: string;
let expected: Row[];
let ml: { csv: string; tab: string; dat: string };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dataflow-text-'));
  // 3,000 rows with quoted names holding commas and quotes; split into several byte ranges below.
  expected = Array.from({ length: 3000 }, (_, i) => ({ id: i, group: i % 17, name: i % 4 === 0 ? `x, "y" ${i}` : `n${i}`, score: i % 9 === 0 ? null : i / 4 }));
  const body = expected.map((r) => `${r.id},${r.group},${String(r.name).includes(',') ? `"${String(r.name).replace(/"/g, '""')}"` : r.name},${r.score ?? ''}`);
  csv = join(dir, 'rows.csv');
  writeFileSync(csv, `id,group,name,score\n${body.join('\n')}\n`);
  ml = await writeMovieLensDirs(join(dir, 'ml'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function readEverything(session: Session): Promise<Record<string, unknown>> {
  const rows = await session.readCsv(csv, { partitionBytes: 16_000 });
  const perGroup = rows.aggregateByKey(['group'], { n: count() });
  return {
    partitions: await (await session.readCsv(csv, { partitionBytes: 16_000 })).mapPartitions((r) => [{ n: r.length }]).collect(),
    rows: sorted(await rows.collect()),
    count: await rows.count(),
    perGroup: sorted(await perGroup.collect()),
    movielens: await Promise.all([ml.csv, ml.tab, ml.dat].map(async (d) => sorted(await (await session.readMovieLens(d, { partitionBytes: 40 })).collect()))),
    movielensCount: await (await session.readMovieLens(ml.dat)).count(),
  };
}

describe('text sources on local and local[2]', () => {
  it('give identical results, equal to the rows written', async () => {
    const results: Array<Record<string, unknown>> = [];
    for (const master of ['local', 'local[2]']) {
      const session = await Session.create({ master });
      try {
        results.push(await readEverything(session));
      } finally {
        await session.stop();
      }
    }
    const [local, cluster] = results;
    expect(cluster).toEqual(local);
    expect(local!.rows).toEqual(sorted(expected));
    expect(local!.count).toBe(3000);
    expect((local!.partitions as Row[]).length).toBeGreaterThan(3);
    const want = sorted(RATINGS);
    expect(local!.movielens).toEqual([want, want, want]);
    expect(local!.movielensCount).toBe(RATINGS.length);
  });

  it('fail the job on a bad row with file:line, or skip and count bad rows', async () => {
    const bad = join(dir, 'bad.csv');
    const lines = ['a,b', ...Array.from({ length: 500 }, (_, i) => `${i},${i * 2}`)];
    lines[301] = '300,oops';
    lines[402] = '401';
    writeFileSync(bad, `${lines.join('\n')}\n`);
    const session = await Session.create({ master: 'local[2]', conf: ['dataflow.task.maxAttempts=1'] });
    try {
      const strict = await session.readCsv(bad, { schema: { a: 'int32', b: 'int32' }, partitionBytes: 1000 });
      const error = await strict.count().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JobFailedError);
      expect((error as Error).message).toMatch(new RegExp(`${bad}:(302: column 'b' \\(field 2\\) has value "oops"|403: the row has 1 field but 2 are expected)`));
      const lenient = await session.readCsv(bad, { schema: { a: 'int32', b: 'int32' }, partitionBytes: 1000, badRows: 'skip' });
      expect(await lenient.count()).toBe(498);
      const sum = await lenient.select('a').reduce((x, y) => ({ a: Number(x.a) + Number(y.a) }));
      expect(sum).toEqual({ a: (499 * 500) / 2 - 300 - 401 });
    } finally {
      await session.stop();
    }
  });
});

describe('dataflow convert', () => {
  it('writes CSV and MovieLens inputs to Parquet that readParquet reads back identically', async () => {
    const mlOut = join(dir, 'out', 'ml.parquet');
    const mlResult = await runCli(['convert', ml.dat, mlOut]);
    expect(mlResult.code, mlResult.stderr).toBe(0);
    expect(mlResult.stderr).toMatch(/converted 4 rows \(movielens: userId Int32, itemId Int32, rating Float32, timestamp Int64\)/);
    const csvOut = join(dir, 'out', 'rows.parquet');
    const csvResult = await runCli(['convert', csv, csvOut, '--format', 'csv', '--compression', 'zstd', '--row-group-size', '1000']);
    expect(csvResult.code, csvResult.stderr).toBe(0);
    expect(csvResult.leftovers).toEqual([]);
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['ml.parquet', 'rows.parquet']);

    const session = await Session.create({ master: 'local[2]' });
    try {
      const parquet = await session.readParquet(csvOut, { partitionBytes: 1 }); // one partition per row group
      expect(parquet.numPartitions).toBe(3);
      expect(sorted(await parquet.collect())).toEqual(sorted(await (await session.readCsv(csv)).collect()));
      expect(sorted(await (await session.readParquet(mlOut)).collect())).toEqual(sorted(RATINGS));
    } finally {
      await session.stop();
    }
  });

  it('fails with file:line and writes nothing for a bad row', async () => {
    const bad = join(dir, 'convert-bad.csv');
    writeFileSync(bad, 'a,b\n1,2\n3\n');
    const out = join(dir, 'bad-out');
    const result = await runCli(['convert', bad, join(out, 'x.parquet')]);
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim()).toBe(`dataflow: ${bad}:3: the row has 1 field but 2 are expected (a, b); fix the row or pass badRows: 'skip' to skip and count such rows`);
    expect(readdirSync(out)).toEqual([]);
  });
});
