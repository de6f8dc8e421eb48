// Bad input to the library jobs (trainAls, svd) on real executor processes (local[2]) is an input
// error: it names the value, column, ids and file at fault and how to fix it, and the job fails
// after exactly one attempt of the failing task (never "the job's code threw", never retried).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlsInputError, JobFailedError, Session, SvdInputError, svd, trainAls } from '../../index.ts';
import type { Row } from '../../index.ts';
import { commandsOf } from '../helpers/cluster.ts';

function ratings(): Array<{ userId: string; itemId: number; rating: number }> {
  const out = [];
  for (let u = 0; u < 12; u++) for (let i = 0; i < 10; i++) if ((u + i) % 3) out.push({ userId: `u-${u}`, itemId: 500 + i, rating: 1 + ((u * i) % 5) });
  return out;
}

describe('bad input to library jobs on local[2]', () => {
  let session: Session;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dataflow-input-errors-'));
    session = await Session.create({ master: 'local[2]', conf: ['dataflow.ui.progress=false'] });
  });
  afterAll(async () => {
    await session?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The job's failure, after checking it is an input error of exactly one task attempt. */
  async function inputFailure(run: () => Promise<unknown>): Promise<string> {
    const error = await run().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(JobFailedError);
    const { failure } = error as JobFailedError;
    expect(failure.causes).toHaveLength(1);
    expect(failure.causes[0]!.kind).toBe('InputError');
    const attempts = commandsOf(session, 'LaunchTask').filter((c) => c.task.stageId === failure.stageId && c.task.partition === failure.partition);
    expect(attempts).toHaveLength(1);
    expect(failure.message).toMatch(/\(not retried: the input is the same on every attempt\)$/);
    expect(failure.message).not.toMatch(/job's code threw|job code/);
    return failure.message;
  }

  const als = { rank: 2, maxIter: 2 };

  it('ALS: a NaN rating names the user, the item, the column and the file', async () => {
    const data = ratings();
    data[7]!.rating = NaN;
    const file = join(dir, 'nan.parquet');
    await session.fromRows(data, { numPartitions: 1 }).writeParquet(file);
    const message = await inputFailure(async () => trainAls(await session.readParquet(file), als));
    const { userId, itemId } = data[7]!;
    expect(message).toContain(`the rating of userId "${userId}", itemId ${itemId} is NaN (column 'rating'); ALS needs finite ratings: drop or fill such rows first`);
    expect(message).toContain(`(input: ${join(file, 'part-00000.parquet')})`);
  });

  it('ALS: a duplicate pair refused with duplicates: error is named by the user\'s ids', async () => {
    const data = ratings();
    data.push({ ...data[20]!, rating: 2 });
    const message = await inputFailure(() => trainAls(session.fromRows(data, { numPartitions: 2 }), { ...als, duplicates: 'error' }));
    expect(message).toMatch(new RegExp(`userId "${data[20]!.userId}" rated itemId ${data[20]!.itemId} more than once, and duplicates: 'error' refuses duplicate pairs; .*use duplicates: 'average'`));
  });

  it('ALS: a missing column names the column, the columns there are and the option', async () => {
    const data = ratings().map(({ userId, itemId, rating }) => ({ userId, itemId, stars: rating }));
    const message = await inputFailure(() => trainAls(session.fromRows(data, { numPartitions: 2 }), als));
    expect(message).toMatch(/the ratings have no rating column 'rating'; columns are \[userId, itemId, stars\]\. Pass the ratingCol option/);
  });

  it('ALS: an empty dataset is refused on the driver, whatever its partitions hold', async () => {
    await expect(trainAls(session.fromRows([], { numPartitions: 2 }), als)).rejects.toThrow(AlsInputError);
    await expect(trainAls(session.fromRows(ratings(), { numPartitions: 2 }).filter(() => false), als)).rejects.toThrow(/the ratings dataset is empty: ALS needs at least one rating/);
  });

  it('ALS: negative explicit ratings are fitted (as Spark), not refused', async () => {
    const data: Row[] = ratings().map((r) => ({ ...r, rating: r.rating - 3 }));
    const model = await trainAls(session.fromRows(data, { numPartitions: 2 }), { ...als, biases: true });
    expect(model.userIds).toHaveLength(12);
  });

  it('SVD: a NaN rating, a missing column and an empty dataset', async () => {
    const data = ratings();
    data[3]!.rating = NaN;
    expect(await inputFailure(() => svd(session.fromRows(data, { numPartitions: 2 }), 2))).toContain(
      `svd: rating NaN for userId ${data[3]!.userId}, itemId ${data[3]!.itemId} is not a finite number; drop or impute`,
    );
    const renamed = ratings().map(({ userId, itemId, rating }) => ({ user: userId, itemId, rating }));
    expect(await inputFailure(() => svd(session.fromRows(renamed, { numPartitions: 2 }), 2))).toMatch(
      /svd: the ratings have no column 'userId' \(columns: user, itemId, rating\); pass options\.userColumn/,
    );
    await expect(svd(session.fromRows([], { numPartitions: 2 }), 2)).rejects.toThrow(SvdInputError);
  });
});
