// The one id encoding of ALS and SVD: sorted dense indices for Int32, Float64, Int64 (beyond 2^53)
// and string ids, the same index whichever lookup an executor builds, decoding to the input's kind,
// and ALS training, recommending and saving with Int64 ids that a double cannot hold.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Int32, Int64, Field, Schema, makeVector, vectorFromArray, Utf8 } from 'apache-arrow';
import { Session } from '../../../../engine/index.ts';
import { decodeIds, distinctIdColumns, encodeColumn, encodeIdColumns, encodeIds, encodingOf, IdEncodingError, indexOfId } from '../../../../jobs/shared/id-encoding.ts';
import { trainAls, AlsModel } from '../../../../jobs/als/index.ts';

const BIG = 2n ** 60n; // 2^60 + 1 and 2^60 + 2 are the same double: only a bigint path tells them apart

describe('shared id encoding', () => {
  let session: Session;
  let dir: string;
  beforeAll(async () => { session = await Session.create(); dir = mkdtempSync(join(tmpdir(), 'dataflow-ids-')); });
  afterAll(async () => { await session.stop(); rmSync(dir, { recursive: true, force: true }); });

  it('sorts distinct ids and numbers them; Int64 ids beyond 2^53 stay distinct bigints', async () => {
    const schema = new Schema([new Field('userId', new Int64(), false), new Field('x', new Int32(), false)]);
    const ids = [BIG + 2n, BIG + 1n, BIG + 2n, -5n];
    const ratings = session.fromRows(ids.map((userId, x) => ({ userId, x })), { schema, numPartitions: 2 });
    const enc = await encodeIds(ratings, 'userId', 'test');
    expect(enc.kind).toBe('int64');
    expect([...enc.ids]).toEqual([-5n, BIG + 1n, BIG + 2n]);
    const column = makeVector(BigInt64Array.from(ids));
    expect([...encodeColumn(column, enc.ids, { column: 'userId', job: 'test', nulls: 'error' })]).toEqual([2, 1, 2, 0]);
    expect([...decodeIds(enc, [2, 0])]).toEqual([BIG + 2n, -5n]);
    expect(indexOfId(enc.ids, BIG + 1n)).toBe(1);
    expect(indexOfId(enc.ids, -5)).toBe(0); // a safe number finds its Int64 id
  });

  it('encodes several columns in one pass: per partition distinct ids, merged, sorted and numbered on the driver', async () => {
    const rows = [['u3', 7], ['u1', 7], ['u3', 9], ['u2', -0], ['u1', 0], ['u3', 7], ['u4', 9]].map(([userId, itemId]) => ({ userId, itemId }));
    for (const numPartitions of [1, 3]) {
      const [users, items] = await encodeIdColumns(session.fromRows(rows, { numPartitions }), [{ column: 'userId', option: 'userCol' }, { column: 'itemId', option: 'itemCol' }], 'test');
      expect(users!.ids).toEqual(['u1', 'u2', 'u3', 'u4']);
      expect(users!.kind).toBe('utf8');
      expect([...items!.ids]).toEqual([0, 7, 9]); // -0 and 0 are one id, as distinct() has them
    }
    const table = await session.fromRows(rows.slice(0, 3), { numPartitions: 1 }).toTable();
    const part = distinctIdColumns(table, ['userId', 'itemId'], 'test', ['userCol', 'itemCol']);
    expect(part.getChild('userId')!.toArray()).toEqual(['u3', 'u1']);
    expect([...part.getChild('itemId')!.toArray()]).toEqual([7, 9]);
    expect(() => distinctIdColumns(table, ['userId', 'movie'], 'ALS', ['userCol', 'itemCol'])).toThrow(/ALS: the ratings have no column 'movie'.*pass options.itemCol/);
  });

  it('gives the same indices through the dense table and the map, and decodes to the input kind', () => {
    const compact = encodingOf(makeVector(Int32Array.of(30, 10, 20)), 'itemId', 'test');
    const sparse = encodingOf(makeVector(Float64Array.of(3e12, 1e12, 2e12)), 'itemId', 'test');
    const strings = encodingOf(vectorFromArray(['b', 'a', 'c'], new Utf8()), 'itemId', 'test');
    expect([compact.kind, sparse.kind, strings.kind]).toEqual(['int32', 'float64', 'utf8']);
    const where = { column: 'itemId', job: 'test', nulls: 'missing' } as const;
    expect([...encodeColumn(makeVector(Int32Array.of(20, 30, 99)), compact.ids, where)]).toEqual([1, 2, -1]);
    expect([...encodeColumn(makeVector(Float64Array.of(2e12, 3e12, 5)), sparse.ids, where)]).toEqual([1, 2, -1]);
    expect([...encodeColumn(vectorFromArray(['c', 'zz', 'a'], new Utf8()), strings.ids, where)]).toEqual([2, -1, 0]);
    expect(decodeIds(compact, [0, 2])).toEqual(Int32Array.of(10, 30));
    expect(decodeIds(strings, [1])).toEqual(['b']);
  });

  it('refuses null and non-finite ids with an IdEncodingError naming the job and the column', () => {
    const withNull = vectorFromArray([1, null, 3], new Int32());
    expect(() => encodingOf(withNull, 'userId', 'ALS')).toThrow(IdEncodingError);
    expect(() => encodingOf(withNull, 'userId', 'ALS')).toThrow(/ALS: column 'userId' has null ids/);
    expect(() => encodeColumn(withNull, Float64Array.of(1, 3), { column: 'userId', job: 'svd', nulls: 'error' })).toThrow(/svd: column 'userId' has a null id in row 1/);
    expect([...encodeColumn(withNull, Float64Array.of(1, 3), { column: 'userId', job: 'svd', nulls: 'missing' })]).toEqual([0, -1, 1]);
    expect(() => encodingOf(makeVector(Float64Array.of(1, Number.NaN)), 'itemId', 'svd')).toThrow(/non-finite id NaN/);
  });

  it('lets ALS train, recommend and save with Int64 ids beyond 2^53', async () => {
    const schema = new Schema([new Field('userId', new Int64(), false), new Field('itemId', new Int32(), false), new Field('rating', new Int32(), false)]);
    const rows = [];
    for (let u = 0; u < 6; u++) for (let i = 0; i < 5; i++) if ((u + i) % 3 !== 0) rows.push({ userId: BIG + BigInt(u), itemId: i, rating: 1 + ((u * i) % 5) });
    const model = await trainAls(session.fromRows(rows, { schema, numPartitions: 2 }), { rank: 2, maxIter: 2, seed: 3 });
    expect([...model.userIds]).toEqual(Array.from({ length: 6 }, (_, u) => BIG + BigInt(u)));
    const recs = await model.recommendForUsers([BIG + 5n], 2).collect();
    expect(recs.map((r) => r.userId)).toEqual([BIG + 5n, BIG + 5n]);
    expect(Number.isFinite(model.predictOne(BIG + 1n, 2))).toBe(true);
    await model.save(join(dir, 'model'));
    const again = await AlsModel.load(session, join(dir, 'model'));
    expect([...again.userIds]).toEqual([...model.userIds]);
    expect(Buffer.from(again.userFactors.buffer).equals(Buffer.from(model.userFactors.buffer))).toBe(true);
  });
});
