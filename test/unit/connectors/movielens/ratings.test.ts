import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { planMovieLensScan } from '../../../../connectors/movielens/ratings.ts';
import { readCsvPartition } from '../../../../connectors/csv/read.ts';
import { CsvHeaderError } from '../../../../connectors/csv/errors.ts';
import { RATINGS, writeMovieLensDirs } from './fixtures.ts';
import { useTmpDir } from '../../../helpers/tmp-dir.ts';
import { ML_LATEST_SMALL, hasMlLatestSmall } from '../../../helpers/movielens.ts';

const tmp = useTmpDir('ml-ratings');

async function readAll(pathOrDir: string, options = {}): Promise<arrow.Table> {
  const scan = await planMovieLensScan(pathOrDir, options);
  const tables = [];
  for (const p of scan.partitions) tables.push((await readCsvPartition(p, scan.plan)).table);
  return new arrow.Table(tables.flatMap((t) => t.batches));
}

describe('planMovieLensScan', () => {
  it('reads ratings.csv, u.data and ratings.dat into the same schema and rows', async () => {
    const dirs = await writeMovieLensDirs(tmp());
    for (const dir of [dirs.csv, dirs.tab, dirs.dat]) {
      const table = await readAll(dir, { partitionBytes: 30 });
      expect(table.schema.fields.map((f) => `${f.name}:${String(f.type)}`), dir).toEqual(['userId:Int32', 'itemId:Int32', 'rating:Float32', 'timestamp:Int64']);
      expect(table.toArray().map((r) => r.toJSON()), dir).toEqual(RATINGS);
    }
  });

  it('rejects a CSV that is not MovieLens ratings, naming both headers', async () => {
    const file = path.join(tmp(), 'ratings.csv');
    await writeFile(file, 'user,item,rating,timestamp\n1,2,3,4\n');
    const error = await planMovieLensScan(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CsvHeaderError);
    expect((error as Error).message).toContain('has header (user, item, rating, timestamp) but MovieLens ratings.csv has (userId, movieId, rating, timestamp)');
  });

  it('fails on a malformed u.data line with file:line, or skips it', async () => {
    const file = path.join(tmp(), 'u.data');
    await writeFile(file, '1\t2\t3\t4\n1\t2\t3\n5\t6\t4\t7\n');
    await expect(readAll(file)).rejects.toThrow(`${file}:2: the row has 3 fields but 4 are expected`);
    expect((await readAll(file, { badRows: 'skip' })).numRows).toBe(2);
  });

  const real = ML_LATEST_SMALL;
  it.skipIf(!hasMlLatestSmall('reading the real ml-latest-small ratings'))('reads the real ml-latest-small ratings: 100,836 rows, 610 users, 9,724 items', async () => {
    const table = await readAll(real, { partitionBytes: 500_000 });
    expect(table.numRows).toBe(100_836);
    const users = new Set<number>();
    const items = new Set<number>();
    let sum = 0;
    for (const batch of table.batches) {
      const u = batch.getChild('userId')!.toArray() as Int32Array;
      const it = batch.getChild('itemId')!.toArray() as Int32Array;
      const r = batch.getChild('rating')!.toArray() as Float32Array;
      for (let i = 0; i < batch.numRows; i++) { users.add(u[i]!); items.add(it[i]!); sum += r[i]!; }
    }
    expect(users.size).toBe(610);
    expect(items.size).toBe(9_724);
    const plain = readFileSync(path.join(real, 'ratings.csv'), 'utf8').trim().split('\n').slice(1).reduce((s, line) => s + Number(line.split(',')[2]), 0);
    expect(sum).toBe(plain);
  });
});
