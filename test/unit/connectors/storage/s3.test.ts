import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { S3Storage } from '../../../../connectors/storage/s3.ts';
import { closeS3Clients } from '../../../../connectors/storage/s3-client.ts';
import { StorageError } from '../../../../connectors/storage/errors.ts';
import { S3RVER_CREDENTIALS, type S3TestServer, startS3Server } from './s3-server.ts';

let server: S3TestServer;
let s3: S3Storage;
const MiB = 1024 * 1024;
function bytes(n: number, seed = 0): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}
/** Byte equality without a deep-equality walk (slow on megabytes). */
const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.compare(a, b) === 0;
const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (e: unknown) => e as StorageError);
async function* chunked(data: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

beforeAll(async () => {
  server = await startS3Server(['data', 'lists']);
  s3 = new S3Storage({ endpoint: server.endpoint, credentials: S3RVER_CREDENTIALS });
});
afterAll(async () => {
  closeS3Clients();
  await server.close();
});

describe('S3Storage against s3rver', () => {
  it('writes, stats and reads an object whole and by range', async () => {
    const data = bytes(1000);
    expect(await s3.write('s3://data/a/one.bin', data)).toEqual({ bytes: 1000 });
    const stat = await s3.stat('s3://data/a/one.bin');
    expect(stat.size).toBe(1000);
    expect(stat.mtime).toBeInstanceOf(Date);
    expect(await s3.readAll('s3://data/a/one.bin')).toEqual(data);
    expect(await s3.readRange('s3://data/a/one.bin', 100, 50)).toEqual(data.subarray(100, 150));
    expect(await s3.readRange('s3://data/a/one.bin', 992, 8)).toEqual(data.subarray(992));
    expect(await s3.readRange('s3://data/a/one.bin', 5, 0)).toEqual(new Uint8Array(0));
    expect(await s3.exists('s3://data/a/one.bin')).toBe(true);
    expect(await s3.exists('s3://data/a/none.bin')).toBe(false);
    await s3.write('s3://data/a/empty.bin', new Uint8Array(0));
    expect(await s3.stat('s3://data/a/empty.bin')).toMatchObject({ size: 0 });
    expect(await s3.readAll('s3://data/a/empty.bin')).toEqual(new Uint8Array(0));
  });

  it('a range past the end is an error stating expected and actual bytes', async () => {
    await s3.write('s3://data/short.bin', bytes(100));
    const partial = await failure(s3.readRange('s3://data/short.bin', 90, 20));
    expect(partial.code).toBe('STORAGE_SHORT_READ');
    expect(partial.message).toContain('s3://data/short.bin: expected 20 bytes at offset 90 but got 10 (the file is 100 bytes long)');
    const beyond = await failure(s3.readRange('s3://data/short.bin', 500, 4));
    expect(beyond.code).toBe('STORAGE_SHORT_READ');
    expect(beyond.message).toContain('expected 4 bytes at offset 500 but got 0 (the file is 100 bytes long)');
    expect((await failure(s3.readRange('s3://data/short.bin', -1, 4))).code).toBe('STORAGE_BAD_REQUEST');
  });

  it('lists a prefix recursively or one level deep, sorted, across pages, skipping folder markers', async () => {
    const paged = new S3Storage({ endpoint: server.endpoint, credentials: S3RVER_CREDENTIALS, listPageSize: 2 });
    for (const key of ['t/y=2/b', 't/y=1/b', 't/y=1/a', 't/top', 't/y=1/c']) await s3.write(`s3://lists/${key}`, bytes(key.length));
    // A zero-byte "folder marker" as consoles create them (our write refuses keys ending in '/').
    const client = new S3Client({ endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
    await client.send(new PutObjectCommand({ Bucket: 'lists', Key: 't/marker/', Body: new Uint8Array(0) }));
    client.destroy();
    expect(await paged.list('s3://lists/t', { recursive: true })).toEqual([
      { path: 's3://lists/t/top', size: 5 },
      { path: 's3://lists/t/y=1/a', size: 7 },
      { path: 's3://lists/t/y=1/b', size: 7 },
      { path: 's3://lists/t/y=1/c', size: 7 },
      { path: 's3://lists/t/y=2/b', size: 7 },
    ]);
    expect(await paged.list('s3://lists/t/')).toEqual([
      { path: 's3://lists/t/marker', size: 0, directory: true },
      { path: 's3://lists/t/top', size: 5 },
      { path: 's3://lists/t/y=1', size: 0, directory: true },
      { path: 's3://lists/t/y=2', size: 0, directory: true },
    ]);
    expect(await s3.list('s3://lists/t/top')).toEqual([{ path: 's3://lists/t/top', size: 5 }]);
    const missing = await failure(s3.list('s3://lists/none'));
    expect(missing.code).toBe('STORAGE_NOT_FOUND');
    expect(missing.message).toContain('s3://lists/none does not exist');
  });

  it('streams a small source as one PutObject and a large one as a multipart upload', async () => {
    const small = bytes(3000, 1);
    expect(await s3.write('s3://data/stream/small.bin', chunked(small, 1000))).toEqual({ bytes: 3000 });
    expect(await s3.readAll('s3://data/stream/small.bin')).toEqual(small);

    const large = bytes(11 * MiB + 123, 2);
    expect(await s3.write('s3://data/stream/large.bin', chunked(large, MiB))).toEqual({ bytes: large.length });
    expect(same(await s3.readAll('s3://data/stream/large.bin'), large)).toBe(true);
    expect(await s3.readRange('s3://data/stream/large.bin', 5 * MiB - 10, 20)).toEqual(large.subarray(5 * MiB - 10, 5 * MiB + 10));
    // s3rver reports a completed multipart upload as ObjectCreated:Post, a PutObject as ObjectCreated:Put.
    expect(server.events.filter((e) => e.key.startsWith('stream/'))).toEqual([
      { event: 'ObjectCreated:Put', key: 'stream/small.bin' },
      { event: 'ObjectCreated:Post', key: 'stream/large.bin' },
    ]);
  });

  it('a source that fails mid-upload leaves no object and surfaces its own error', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 7; i++) yield bytes(MiB);
      throw new Error('the producer broke');
    }
    await expect(s3.write('s3://data/stream/broken.bin', failing())).rejects.toThrow('the producer broke');
    expect(await s3.exists('s3://data/stream/broken.bin')).toBe(false);
  });

  it('renames an object (copy + delete) and a prefix; replaces an existing target', async () => {
    await s3.write('s3://data/mv/from.bin', bytes(10, 3));
    await s3.write('s3://data/mv/to.bin', bytes(99));
    await s3.rename('s3://data/mv/from.bin', 's3://data/mv/to.bin');
    expect(await s3.exists('s3://data/mv/from.bin')).toBe(false);
    expect(await s3.readAll('s3://data/mv/to.bin')).toEqual(bytes(10, 3));

    await s3.write('s3://data/mv/dir/a b.bin', bytes(1));
    await s3.write('s3://data/mv/dir/sub/c.bin', bytes(2));
    await s3.rename('s3://data/mv/dir', 's3://data/mv/moved');
    expect((await s3.list('s3://data/mv/moved', { recursive: true })).map((e) => e.path)).toEqual([
      's3://data/mv/moved/a b.bin',
      's3://data/mv/moved/sub/c.bin',
    ]);
    expect((await failure(s3.list('s3://data/mv/dir'))).code).toBe('STORAGE_NOT_FOUND');
    expect((await failure(s3.rename('s3://data/mv/nothing', 's3://data/mv/x'))).code).toBe('STORAGE_NOT_FOUND');
  });

  it('deletes an object, a prefix recursively, and ignores what is absent', async () => {
    const deleting = new S3Storage({ endpoint: server.endpoint, credentials: S3RVER_CREDENTIALS, listPageSize: 2 });
    for (const key of ['rm/one', 'rm/dir/a', 'rm/dir/b', 'rm/dir/c/d', 'rm/dir/e', 'rm/dirx']) await s3.write(`s3://data/${key}`, bytes(1));
    await deleting.delete('s3://data/rm/one');
    expect(await s3.exists('s3://data/rm/one')).toBe(false);
    await deleting.delete('s3://data/rm/dir', { recursive: true });
    expect((await s3.list('s3://data/rm', { recursive: true })).map((e) => e.path)).toEqual(['s3://data/rm/dirx']);
    await deleting.delete('s3://data/rm/never-there');
    expect((await failure(s3.delete('s3://data/', { recursive: true }))).code).toBe('STORAGE_BAD_REQUEST');
  });

  it("names a bucket that does not exist: s3://nope/... : bucket 'nope' does not exist (NoSuchBucket)", async () => {
    const attempts = [
      () => s3.stat('s3://nope/x.parquet'),
      () => s3.readRange('s3://nope/x.parquet', 0, 4),
      () => s3.readAll('s3://nope/x.parquet'),
      () => s3.list('s3://nope/dir'),
      () => s3.write('s3://nope/x.parquet', bytes(4)),
      () => s3.exists('s3://nope/x.parquet'),
    ];
    for (const attempt of attempts) {
      const err = await failure(attempt());
      expect(err).toBeInstanceOf(StorageError);
      expect(err.code).toBe('STORAGE_NO_SUCH_BUCKET');
      expect(err.message).toMatch(/^s3:\/\/nope\/(x\.parquet|dir): bucket 'nope' does not exist \(NoSuchBucket\)/);
    }
    const missingKey = await failure(s3.readRange('s3://data/absent.parquet', 0, 4));
    expect(missingKey.code).toBe('STORAGE_NOT_FOUND');
    expect(missingKey.message).toContain('s3://data/absent.parquet does not exist');
    expect((await failure(s3.stat('s3://data/absent.parquet'))).code).toBe('STORAGE_NOT_FOUND');
  });

  it('refuses an unknown access key (InvalidAccessKeyId), on GET and on HEAD', async () => {
    // s3rver checks that the access key exists; it does not verify V4 signatures, so a wrong
    // secret (SignatureDoesNotMatch) is tested against a fake S3 in s3-errors.test.ts.
    const unknownKey = new S3Storage({ endpoint: server.endpoint, credentials: { accessKeyId: 'WRONG', secretAccessKey: 'S3RVER' } });
    const err = await failure(unknownKey.readAll('s3://data/a/one.bin'));
    expect(err.code).toBe('STORAGE_ACCESS_DENIED');
    expect(err.message).toContain('s3://data/a/one.bin: the credentials were refused (GetObject: InvalidAccessKeyId');
    expect(err.message).toContain('AWS_ACCESS_KEY_ID');
    const head = await failure(unknownKey.stat('s3://data/a/one.bin')); // HEAD: a bare 403, no error body
    expect(head.code).toBe('STORAGE_ACCESS_DENIED');
    const put = await failure(unknownKey.write('s3://data/x.bin', bytes(3)));
    expect(put.code).toBe('STORAGE_ACCESS_DENIED');
    expect(await s3.exists('s3://data/x.bin')).toBe(false);
  });

  it('an unreachable endpoint is a retryable error naming the cause', async () => {
    const closed = await startS3Server([]);
    await closed.close();
    const dead = new S3Storage({ endpoint: closed.endpoint, credentials: S3RVER_CREDENTIALS, maxAttempts: 1 });
    const err = await failure(dead.stat('s3://data/a/one.bin'));
    expect(err.code).toBe('STORAGE_IO');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('rejects locations that name a bucket or a folder where an object is needed', async () => {
    expect((await failure(s3.stat('s3://data/'))).code).toBe('STORAGE_BAD_REQUEST');
    expect((await failure(s3.write('s3://data/dir/', bytes(1)))).message).toContain('not an object');
    expect(() => new S3Storage({ endpoint: server.endpoint, partBytes: 1024 })).toThrow(/at least 5242880/);
  });
});

describe('S3Storage configured from environment variables', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_ENDPOINT_URL', 'DATAFLOW_S3_ENDPOINT', 'AWS_REGION', 'AWS_DEFAULT_REGION']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  it('reads AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL and AWS_DEFAULT_REGION; a changed key is used (and refused)', async () => {
    await s3.write('s3://data/env.bin', bytes(5, 9));
    process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
    process.env.AWS_ENDPOINT_URL = server.endpoint;
    process.env.AWS_DEFAULT_REGION = 'eu-west-1';
    const fromEnv = new S3Storage();
    expect(fromEnv.config).toMatchObject({ endpoint: server.endpoint, region: 'eu-west-1', forcePathStyle: true });
    expect(await fromEnv.readAll('s3://data/env.bin')).toEqual(bytes(5, 9));

    process.env.AWS_ACCESS_KEY_ID = 'SOMEONE-ELSE';
    const refused = await failure(new S3Storage().readAll('s3://data/env.bin'));
    expect(refused.code).toBe('STORAGE_ACCESS_DENIED');
    expect(refused.message).toContain('InvalidAccessKeyId');
  });
});
