import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Storage } from '../../../../connectors/storage/s3.ts';
import { closeS3Clients, resolveS3Config } from '../../../../connectors/storage/s3-client.ts';
import type { StorageError } from '../../../../connectors/storage/errors.ts';

const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (e: unknown) => e as StorageError);

describe('resolveS3Config', () => {
  it('takes the endpoint from options, then DATAFLOW_S3_ENDPOINT, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL; path-style with a custom endpoint', () => {
    expect(resolveS3Config({ endpoint: 'http://opt:1' }, { DATAFLOW_S3_ENDPOINT: 'http://df:2', AWS_ENDPOINT_URL: 'http://aws:3' }).endpoint).toBe('http://opt:1');
    expect(resolveS3Config({}, { DATAFLOW_S3_ENDPOINT: 'http://df:2', AWS_ENDPOINT_URL: 'http://aws:3' }).endpoint).toBe('http://df:2');
    expect(resolveS3Config({}, { AWS_ENDPOINT_URL_S3: 'http://s3:4', AWS_ENDPOINT_URL: 'http://aws:3' }).endpoint).toBe('http://s3:4');
    expect(resolveS3Config({}, { AWS_ENDPOINT_URL: 'http://aws:3' })).toMatchObject({ endpoint: 'http://aws:3', forcePathStyle: true });
    expect(resolveS3Config({}, {})).toEqual({ endpoint: undefined, region: 'us-east-1', forcePathStyle: false, credentials: undefined, maxAttempts: 3 });
    expect(resolveS3Config({ endpoint: 'http://x:1', forcePathStyle: false }, {}).forcePathStyle).toBe(false);
  });

  it('takes the region from options, then AWS_REGION, then AWS_DEFAULT_REGION', () => {
    expect(resolveS3Config({ region: 'ap-south-1' }, { AWS_REGION: 'eu-west-1' }).region).toBe('ap-south-1');
    expect(resolveS3Config({}, { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'us-west-2' }).region).toBe('eu-west-1');
    expect(resolveS3Config({}, { AWS_DEFAULT_REGION: 'us-west-2' }).region).toBe('us-west-2');
  });

  it('rejects an endpoint that is not an http(s) URL, naming it', () => {
    expect(() => resolveS3Config({ endpoint: '127.0.0.1:9000' }, {})).toThrow(/S3 endpoint '127.0.0.1:9000' is not an http:\/\/ or https:\/\/ URL/);
  });
});

// A server that answers every request as S3 does when it refuses it: the status and, except for
// HEAD (which has no body), an XML <Error> document. s3rver does not verify V4 signatures, so
// SignatureDoesNotMatch and AccessDenied are tested here.
describe('S3 error answers from a fake S3 server on 127.0.0.1', () => {
  let server: http.Server;
  let endpoint = '';
  const answers: Record<string, { status: number; code: string; message: string }> = {
    signature: { status: 403, code: 'SignatureDoesNotMatch', message: 'The request signature we calculated does not match the signature you provided.' },
    denied: { status: 403, code: 'AccessDenied', message: 'Access Denied' },
    expired: { status: 400, code: 'ExpiredToken', message: 'The provided token has expired.' },
    slow: { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' },
  };
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const bucket = (req.url ?? '').split('/')[1] ?? '';
      const answer = answers[bucket] ?? { status: 500, code: 'InternalError', message: 'unexpected' };
      req.resume();
      res.writeHead(answer.status, { 'content-type': 'application/xml', 'x-amz-request-id': 'test' });
      if (req.method === 'HEAD') return res.end();
      res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${answer.code}</Code><Message>${answer.message}</Message><RequestId>test</RequestId></Error>`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    closeS3Clients();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const storage = () => new S3Storage({ endpoint, credentials: { accessKeyId: 'AKIA-TEST', secretAccessKey: 'wrong' }, maxAttempts: 1 });

  it('SignatureDoesNotMatch (a wrong secret key) is an access error naming the URL, the code and the variables to check', async () => {
    const err = await failure(storage().readRange('s3://signature/ratings.parquet', 0, 8));
    expect(err.code).toBe('STORAGE_ACCESS_DENIED');
    expect(err.url).toBe('s3://signature/ratings.parquet');
    expect(err.message).toContain('s3://signature/ratings.parquet: the credentials were refused (GetObject bytes=0-7: SignatureDoesNotMatch, HTTP 403');
    expect(err.message).toContain('AWS_SECRET_ACCESS_KEY');
    expect(err.retryable).toBe(false);
  });

  it('AccessDenied on write and list, and a bare 403 on HEAD', async () => {
    expect((await failure(storage().write('s3://denied/out/part-0.parquet', new Uint8Array(4)))).message).toContain('PutObject: AccessDenied, HTTP 403: Access Denied');
    expect((await failure(storage().list('s3://denied/out', { recursive: true }))).code).toBe('STORAGE_ACCESS_DENIED');
    const head = await failure(storage().stat('s3://denied/x.parquet'));
    expect(head.code).toBe('STORAGE_ACCESS_DENIED');
    expect(head.message).toContain('HTTP 403');
  });

  it('ExpiredToken (stale session credentials) is an access error too', async () => {
    const err = await failure(storage().readAll('s3://expired/x.parquet'));
    expect(err.code).toBe('STORAGE_ACCESS_DENIED');
    expect(err.message).toContain('ExpiredToken');
    expect(err.message).toContain('AWS_SESSION_TOKEN');
  });

  it('SlowDown / 503 is a retryable I/O error', async () => {
    const err = await failure(storage().readAll('s3://slow/x.parquet'));
    expect(err.code).toBe('STORAGE_IO');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('SlowDown, HTTP 503');
  });
});
