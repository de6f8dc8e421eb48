// MovieLens folders on S3 (s3rver on 127.0.0.1): the format is told by which ratings file exists
// below the prefix, ratings are planned as a CSV scan of s3:// byte ranges, titles are read whole.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CsvNotFoundError } from '../../../../connectors/csv/errors.ts';
import { readCsvPartition } from '../../../../connectors/csv/read.ts';
import { locateRatings } from '../../../../connectors/movielens/formats.ts';
import { planMovieLensScan } from '../../../../connectors/movielens/ratings.ts';
import { readMovieTitles } from '../../../../connectors/movielens/titles.ts';
import { S3Storage } from '../../../../connectors/storage/s3.ts';
import { closeS3Clients } from '../../../../connectors/storage/s3-client.ts';
import { S3RVER_CREDENTIALS, type S3TestServer, startS3Server } from '../storage/s3-server.ts';
import { RATINGS, TITLES, writeMovieLensDirs } from './fixtures.ts';
import { useTmpDir } from '../../../helpers/tmp-dir.ts';

const tmp = useTmpDir('movielens-remote');
let server: S3TestServer;
let storage: { endpoint: string };
const savedEnv = { ...process.env };

beforeAll(async () => {
  server = await startS3Server(['movies']);
  storage = { endpoint: server.endpoint };
  process.env.AWS_ACCESS_KEY_ID = S3RVER_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = S3RVER_CREDENTIALS.secretAccessKey;
});
afterAll(async () => {
  process.env = savedEnv;
  closeS3Clients();
  await server.close();
});

describe('MovieLens on S3', () => {
  it('finds the ratings and titles of each format below a prefix and reads them', async () => {
    const dirs = await writeMovieLensDirs(tmp());
    const s3 = new S3Storage({ endpoint: server.endpoint, credentials: S3RVER_CREDENTIALS });
    for (const dir of [dirs.csv, dirs.tab, dirs.dat]) {
      for (const name of ['ratings.csv', 'movies.csv', 'u.data', 'u.item', 'ratings.dat', 'movies.dat']) {
        const bytes = await readFile(path.join(dir, name)).catch(() => undefined);
        if (bytes !== undefined) await s3.write(`s3://movies/${path.basename(dir)}/${name}`, new Uint8Array(bytes));
      }
    }
    expect(await locateRatings('s3://movies/ml-latest-small/', undefined, storage)).toEqual({ file: 's3://movies/ml-latest-small/ratings.csv', format: 'csv' });
    expect(await locateRatings('s3://movies/ml-100k', undefined, storage)).toEqual({ file: 's3://movies/ml-100k/u.data', format: 'u.data' });
    expect(await locateRatings('s3://movies/ml-1m/ratings.dat', undefined, storage)).toEqual({ file: 's3://movies/ml-1m/ratings.dat', format: 'dat' });
    for (const dir of ['ml-latest-small', 'ml-100k', 'ml-1m']) {
      const scan = await planMovieLensScan(`s3://movies/${dir}/`, { storage, partitionBytes: 50 });
      const read = [];
      for (const part of scan.partitions) read.push(...(await readCsvPartition(part, scan.plan)).table.toArray().map((r) => r.toJSON()));
      expect(read).toEqual(RATINGS);
      expect(await readMovieTitles(`s3://movies/${dir}`, { storage })).toEqual(TITLES);
    }
    const missing = await locateRatings('s3://movies/ml-20m/', undefined, storage).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(CsvNotFoundError);
    expect((missing as Error).message).toBe(
      's3://movies/ml-20m/ is neither a MovieLens ratings file nor a folder holding one (looked for ratings.csv, u.data, ratings.dat below it); check the URL, or point at the file itself',
    );
  });
});
