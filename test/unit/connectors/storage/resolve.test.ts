import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  listUrl,
  readAllFromUrl,
  readRangeFromUrl,
  readTailFromUrl,
  statUrl,
  storageFor,
  writeToUrl,
} from '../../../../connectors/storage/resolve.ts';
import { HttpStorage } from '../../../../connectors/storage/http.ts';
import { LocalStorage } from '../../../../connectors/storage/local.ts';
import { S3Storage } from '../../../../connectors/storage/s3.ts';
import { closeS3Clients } from '../../../../connectors/storage/s3-client.ts';
import { StorageError } from '../../../../connectors/storage/errors.ts';
import { S3RVER_CREDENTIALS, type S3TestServer, startS3Server } from './s3-server.ts';
import { useTmpDir } from '../../../helpers/tmp-dir.ts';
import { type RangeServer, startRangeServer } from '../../../helpers/range-server.ts';

const tmp = useTmpDir('storage-resolve');
const FILE = Uint8Array.from({ length: 5000 }, (_, i) => (i * 11 + 3) & 0xff);

let s3server: S3TestServer;
let web: RangeServer;
let webBase = '';

beforeAll(async () => {
  s3server = await startS3Server(['bucket']);
  // Whatever file the test put at `served`, at any path.
  web = await startRangeServer(async () => ({ data: new Uint8Array(await readFile(served)) }));
  webBase = web.base;
});
afterAll(async () => {
  closeS3Clients();
  await web.close();
  await s3server.close();
});
let served = '';

describe('storageFor', () => {
  it('chooses the backend by scheme', () => {
    expect(storageFor('/data/x')).toBeInstanceOf(LocalStorage);
    expect(storageFor('file:///data/x')).toBeInstanceOf(LocalStorage);
    expect(storageFor('https://host/x')).toBeInstanceOf(HttpStorage);
    expect(storageFor('s3://bucket/x', { endpoint: 'http://127.0.0.1:1' })).toBeInstanceOf(S3Storage);
    expect(() => storageFor('ftp://host/x')).toThrow(StorageError);
  });
});

describe('URL helpers read the same bytes from every backend', () => {
  it('readRangeFromUrl, readTailFromUrl, readAllFromUrl, statUrl and listUrl on a local path, an http URL and an s3 URL', async () => {
    const options = { endpoint: s3server.endpoint, credentials: S3RVER_CREDENTIALS };
    served = path.join(tmp(), 'data', 'file.bin');
    await writeToUrl(served, FILE);
    await writeToUrl('s3://bucket/data/file.bin', FILE, options);
    const locations = [served, `${webBase}/data/file.bin`, 's3://bucket/data/file.bin'];
    for (const location of locations) {
      expect(await readRangeFromUrl(location, 1234, 100, options)).toEqual(FILE.subarray(1234, 1334));
      expect(await readTailFromUrl(location, 8, options)).toEqual({ bytes: FILE.subarray(4992), size: 5000 });
      expect((await readTailFromUrl(location, 1 << 20, options)).bytes).toEqual(FILE); // longer than the file: all of it
      expect(await readAllFromUrl(location, options)).toEqual(FILE);
      expect((await statUrl(location, options)).size).toBe(5000);
      expect(await listUrl(location, options)).toEqual([{ path: location, size: 5000 }]);
      const short = await readRangeFromUrl(location, 4990, 20, options).catch((e: unknown) => e as StorageError);
      expect(short).toBeInstanceOf(StorageError);
      expect((short as StorageError).message).toContain(`${location}: expected 20 bytes at offset 4990 but got 10`);
    }
    expect(await listUrl('s3://bucket/data', { ...options, recursive: true })).toEqual([{ path: 's3://bucket/data/file.bin', size: 5000 }]);
    expect(await listUrl(path.join(tmp(), 'data'), { recursive: true })).toEqual([{ path: served, size: 5000 }]);
  });
});
