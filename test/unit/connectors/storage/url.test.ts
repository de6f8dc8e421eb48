import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseName, joinLocation, localPath, parseS3Url, relativeLocation, schemeOf } from '../../../../connectors/storage/url.ts';

describe('schemeOf', () => {
  it('maps plain paths and file:// to file, http(s) to http, s3 and s3a to s3', () => {
    expect(schemeOf('/data/x.parquet')).toBe('file');
    expect(schemeOf('data/x.parquet')).toBe('file');
    expect(schemeOf('file:///data/x.parquet')).toBe('file');
    expect(schemeOf('HTTPS://host/x')).toBe('http');
    expect(schemeOf('http://host/x')).toBe('http');
    expect(schemeOf('s3://b/k')).toBe('s3');
    expect(schemeOf('s3a://b/k')).toBe('s3');
  });

  it('names an unsupported scheme and lists the supported ones', () => {
    expect(() => schemeOf('gs://bucket/x')).toThrow("gs://bucket/x: no storage backend for scheme 'gs://'; supported: local paths, file://, http://, https://, s3://");
  });
});

describe('S3 URLs', () => {
  it('splits bucket and key', () => {
    expect(parseS3Url('s3://ratings/2024/part-0.parquet')).toEqual({ scheme: 's3', bucket: 'ratings', key: '2024/part-0.parquet' });
    expect(parseS3Url('s3://ratings')).toEqual({ scheme: 's3', bucket: 'ratings', key: '' });
    expect(parseS3Url('s3a://ratings/')).toEqual({ scheme: 's3a', bucket: 'ratings', key: '' });
  });

  it('rejects a missing or malformed bucket', () => {
    expect(() => parseS3Url('s3:///key')).toThrow(/s3:\/\/\/key is not a valid S3 URL/);
    expect(() => parseS3Url('s3://Bad_Bucket/key')).toThrow(/bucket name of 3-63 lowercase letters/);
  });
});

describe('location arithmetic', () => {
  it('joins segments onto URLs and paths', () => {
    expect(joinLocation('s3://b/out/', 'year=2024', 'part-00000.parquet')).toBe('s3://b/out/year=2024/part-00000.parquet');
    expect(joinLocation('s3://b/out', 'a/b')).toBe('s3://b/out/a/b');
    expect(joinLocation('/out', 'year=2024', 'p.parquet')).toBe('/out/year=2024/p.parquet');
  });

  it('finds a child path relative to a folder, or undefined outside it', () => {
    expect(relativeLocation('s3://b/data', 's3://b/data/year=2024/p.parquet')).toBe('year=2024/p.parquet');
    expect(relativeLocation('s3://b/data/', 's3://b/other/p.parquet')).toBeUndefined();
    expect(relativeLocation('/data', '/data/y=1/p.parquet')).toBe('y=1/p.parquet');
    expect(relativeLocation('/data', '/elsewhere/p.parquet')).toBeUndefined();
  });

  it('gives the last segment and the local path of file URLs', () => {
    expect(baseName('s3://b/data/part-1.parquet')).toBe('part-1.parquet');
    expect(baseName('/data/part-1.parquet')).toBe('part-1.parquet');
    expect(localPath('file:///tmp/a%20b.csv')).toBe('/tmp/a b.csv');
    expect(localPath('rel/x')).toBe(path.resolve('rel/x'));
    expect(() => localPath('file://remote-host/x')).toThrow(/is not a local file URL/);
  });
});
