// The S3 backend: `s3://bucket/key` objects through the AWS SDK (client set-up and error
// translation in s3-client.ts). S3 has objects, not files and folders: a "folder" is a key prefix
// ending in '/', listed with ListObjectsV2 (1000 keys a page, continued with a token).
//
//   s3://ratings/2024/part-00000.parquet   bucket 'ratings', key '2024/part-00000.parquet'
//   list('s3://ratings/2024')              keys with prefix '2024/' (or the object '2024' itself)
//
// Writes are atomic by nature: an object appears only when its PutObject (or, for streamed data
// larger than one part, its multipart upload) completes. rename is CopyObject + DeleteObject,
// which is not atomic: for a moment both keys exist.

import type { S3Client } from '@aws-sdk/client-s3';
import { checkRange, chunksOf, concatBytes, shortRead } from './bytes.ts';
import { contentRange } from './http.ts';
import { StorageError, existsByStat } from './errors.ts';
import { type ResolvedS3Config, type S3StorageOptions, resolveS3Config, s3ClientFor, s3Error, s3Sdk } from './s3-client.ts';
import type { Storage, StorageEntry, StorageStat, WriteSource } from './storage.ts';
import { type S3Location, parseS3Url, s3Url } from './url.ts';

const MIN_PART_BYTES = 5 * 1024 * 1024;
const DEFAULT_PART_BYTES = 8 * 1024 * 1024;
const DELETE_BATCH = 1000;

/**
 * Objects in S3 or an S3-compatible store.
 *
 * @example
 * const s3 = new S3Storage({ endpoint: 'http://127.0.0.1:9000' });
 * await s3.write('s3://bucket/a.bin', Uint8Array.of(1, 2, 3));
 * await s3.readRange('s3://bucket/a.bin', 1, 2); // Uint8Array [2, 3]
 */
export class S3Storage implements Storage {
  readonly scheme = 's3' as const;
  readonly config: ResolvedS3Config;
  private readonly client: S3Client;
  private readonly partBytes: number;
  private readonly listPageSize: number | undefined;

  constructor(options: S3StorageOptions = {}) {
    this.config = resolveS3Config(options);
    this.client = s3ClientFor(this.config);
    this.partBytes = options.partBytes ?? DEFAULT_PART_BYTES;
    this.listPageSize = options.listPageSize;
    if (!Number.isSafeInteger(this.partBytes) || this.partBytes < MIN_PART_BYTES) {
      throw new StorageError('STORAGE_BAD_REQUEST', 's3://', `S3 partBytes must be an integer of at least ${MIN_PART_BYTES} (5 MiB, the S3 minimum part size), got ${options.partBytes}`);
    }
  }

  async stat(url: string): Promise<StorageStat> {
    const loc = objectLocation(url, 'stat');
    const head = await this.call(url, 'HeadObject', loc, () => this.client.send(new (s3Sdk().HeadObjectCommand)({ Bucket: loc.bucket, Key: loc.key })));
    const stat: StorageStat = { size: head.ContentLength ?? 0 };
    if (head.LastModified !== undefined) stat.mtime = head.LastModified;
    return stat;
  }

  exists(url: string): Promise<boolean> {
    return existsByStat(() => this.stat(url));
  }

  async list(url: string, options: { recursive?: boolean } = {}): Promise<StorageEntry[]> {
    const loc = parseS3Url(url);
    const recursive = options.recursive === true;
    const prefix = loc.key === '' || loc.key.endsWith('/') ? loc.key : `${loc.key}/`;
    const out: StorageEntry[] = [];
    let token: string | undefined;
    do {
      const page = await this.call(url, 'ListObjectsV2', loc, () =>
        this.client.send(new (s3Sdk().ListObjectsV2Command)({ Bucket: loc.bucket, Prefix: prefix, Delimiter: recursive ? undefined : '/', ContinuationToken: token, MaxKeys: this.listPageSize })),
      );
      for (const object of page.Contents ?? []) {
        const key = object.Key ?? '';
        if (key.endsWith('/')) continue; // a "folder marker" object some tools create
        out.push({ path: s3Url({ ...loc, key }), size: object.Size ?? 0 });
      }
      for (const common of page.CommonPrefixes ?? []) {
        out.push({ path: s3Url({ ...loc, key: (common.Prefix ?? '').replace(/\/$/, '') }), size: 0, directory: true });
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    if (out.length === 0 && loc.key !== '') {
      // Not a prefix: maybe the location is an object itself (a file lists as itself).
      if (!loc.key.endsWith('/')) {
        const size = await this.stat(url).then((s) => s.size, (err: unknown) => {
          if (err instanceof StorageError && err.code === 'STORAGE_NOT_FOUND') return undefined;
          throw err;
        });
        if (size !== undefined) return [{ path: url, size }];
      }
      throw new StorageError('STORAGE_NOT_FOUND', url, `${url} does not exist: no object has this key, and no key starts with '${prefix}'`);
    }
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async readRange(url: string, offset: number, length: number): Promise<Uint8Array> {
    checkRange(url, offset, length);
    const loc = objectLocation(url, 'read');
    if (length === 0) return new Uint8Array(0);
    const range = `bytes=${offset}-${offset + length - 1}`;
    let bytes: Uint8Array;
    let total: number | undefined;
    try {
      const res = await this.client.send(new (s3Sdk().GetObjectCommand)({ Bucket: loc.bucket, Key: loc.key, Range: range }));
      const got = contentRange(res.ContentRange ?? null);
      total = got?.size;
      bytes = (await res.Body?.transformToByteArray()) ?? new Uint8Array(0);
      if (got === undefined && !(offset === 0 && bytes.length === length)) {
        throw new StorageError('STORAGE_RANGE_UNSUPPORTED', url, `${url}: the S3 endpoint ignored the range request (got the whole object for ${range}); use an S3 server that supports ranged GetObject`);
      }
    } catch (err) {
      if ((err as { name?: string }).name === 'InvalidRange') {
        const size = await this.stat(url).then((s) => s.size, () => undefined);
        throw shortRead(url, offset, length, 0, size, `S3 answered InvalidRange for ${range}`);
      }
      throw await this.translate(err, url, `GetObject ${range}`, loc);
    }
    if (bytes.length < length) throw shortRead(url, offset, length, bytes.length, total);
    return bytes.length === length ? bytes : bytes.subarray(0, length);
  }

  async readAll(url: string): Promise<Uint8Array> {
    const loc = objectLocation(url, 'read');
    return this.call(url, 'GetObject', loc, async () => {
      const res = await this.client.send(new (s3Sdk().GetObjectCommand)({ Bucket: loc.bucket, Key: loc.key }));
      const bytes = (await res.Body?.transformToByteArray()) ?? new Uint8Array(0);
      if (res.ContentLength !== undefined && res.ContentLength !== bytes.length) throw shortRead(url, 0, res.ContentLength, bytes.length);
      return bytes;
    });
  }

  /**
   * One buffer is a PutObject. Streamed chunks are gathered up to `partBytes`: a stream that ends
   * before that is one PutObject too; a longer one becomes a multipart upload (parts sent one at a
   * time, so memory stays about one part), aborted if anything fails, so no object appears.
   */
  async write(url: string, data: WriteSource): Promise<{ bytes: number }> {
    const loc = objectLocation(url, 'write');
    if (data instanceof Uint8Array) {
      await this.put(url, loc, data);
      return { bytes: data.length };
    }
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    let total = 0;
    let uploadId: string | undefined;
    const parts: { ETag: string; PartNumber: number }[] = [];
    const uploadPart = async (): Promise<void> => {
      const body = concatBytes(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      const PartNumber = parts.length + 1;
      const res = await this.call(url, `UploadPart ${PartNumber}`, loc, () =>
        this.client.send(new (s3Sdk().UploadPartCommand)({ Bucket: loc.bucket, Key: loc.key, UploadId: uploadId, PartNumber, Body: body })),
      );
      parts.push({ ETag: res.ETag ?? '', PartNumber });
    };
    try {
      for await (const chunk of chunksOf(data)) {
        pending.push(chunk);
        pendingBytes += chunk.length;
        total += chunk.length;
        if (pendingBytes < this.partBytes) continue;
        if (uploadId === undefined) {
          const created = await this.call(url, 'CreateMultipartUpload', loc, () =>
            this.client.send(new (s3Sdk().CreateMultipartUploadCommand)({ Bucket: loc.bucket, Key: loc.key })),
          );
          uploadId = created.UploadId;
        }
        await uploadPart();
      }
      if (uploadId === undefined) {
        await this.put(url, loc, concatBytes(pending, pendingBytes));
        return { bytes: total };
      }
      if (pendingBytes > 0) await uploadPart();
      await this.call(url, 'CompleteMultipartUpload', loc, () =>
        this.client.send(new (s3Sdk().CompleteMultipartUploadCommand)({ Bucket: loc.bucket, Key: loc.key, UploadId: uploadId, MultipartUpload: { Parts: parts } })),
      );
      return { bytes: total };
    } catch (err) {
      if (uploadId !== undefined) {
        // Best effort: parts of an unfinished upload never form an object, but they cost storage until aborted.
        await this.client.send(new (s3Sdk().AbortMultipartUploadCommand)({ Bucket: loc.bucket, Key: loc.key, UploadId: uploadId })).catch(() => undefined);
      }
      throw err;
    }
  }

  /**
   * Copies then deletes. A location that is not an object but a prefix moves every object below
   * it (one copy + delete each; not atomic). Copies are limited to 5 GiB per object by CopyObject.
   */
  async rename(from: string, to: string): Promise<void> {
    const src = parseS3Url(from);
    const dst = parseS3Url(to);
    if (src.key !== '' && (await this.exists(from))) {
      await this.move(from, src, to, objectLocation(to, 'rename to'));
      return;
    }
    const entries = await this.list(from, { recursive: true });
    const prefix = src.key === '' ? '' : `${src.key.replace(/\/$/, '')}/`;
    const base = dst.key === '' ? '' : `${dst.key.replace(/\/$/, '')}/`;
    for (const entry of entries) {
      const key = parseS3Url(entry.path).key;
      const target = { ...dst, key: base + key.slice(prefix.length) };
      await this.move(entry.path, { ...src, key }, s3Url(target), target);
    }
  }

  async delete(url: string, options: { recursive?: boolean } = {}): Promise<void> {
    const loc = parseS3Url(url);
    if (loc.key === '') {
      throw new StorageError('STORAGE_BAD_REQUEST', url, `refusing to delete ${url}: it is a whole bucket; delete a key or a prefix inside it`);
    }
    if (!loc.key.endsWith('/')) {
      await this.call(url, 'DeleteObject', loc, () => this.client.send(new (s3Sdk().DeleteObjectCommand)({ Bucket: loc.bucket, Key: loc.key })));
    }
    if (options.recursive !== true) return;
    const prefix = loc.key.endsWith('/') ? loc.key : `${loc.key}/`;
    for (;;) {
      // Each round lists the first keys still under the prefix and deletes them (one DeleteObjects
      // call per 1000 keys), until none is left. Re-listing from the start rather than following a
      // continuation token keeps this correct on servers whose tokens break when keys disappear.
      const page = await this.call(url, 'ListObjectsV2', loc, () =>
        this.client.send(new (s3Sdk().ListObjectsV2Command)({ Bucket: loc.bucket, Prefix: prefix, MaxKeys: Math.min(this.listPageSize ?? DELETE_BATCH, DELETE_BATCH) })),
      );
      const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key ?? '' }));
      if (keys.length === 0) return;
      const res = await this.call(url, 'DeleteObjects', loc, () =>
        this.client.send(new (s3Sdk().DeleteObjectsCommand)({ Bucket: loc.bucket, Delete: { Objects: keys, Quiet: true } })),
      );
      const failed = res.Errors?.[0];
      if (failed !== undefined) {
        const at = s3Url({ ...loc, key: failed.Key ?? '' });
        throw s3Error(Object.assign(new Error(failed.Message ?? ''), { name: failed.Code ?? 'DeleteFailed' }), at, 'DeleteObjects', loc.bucket);
      }
    }
  }

  private async put(url: string, loc: S3Location, body: Uint8Array): Promise<void> {
    await this.call(url, 'PutObject', loc, () => this.client.send(new (s3Sdk().PutObjectCommand)({ Bucket: loc.bucket, Key: loc.key, Body: body })));
  }

  private async move(from: string, src: S3Location, to: string, dst: S3Location): Promise<void> {
    // x-amz-copy-source is URL-encoded; '=' (Hive folders: year=2024/) is left as is, which S3 and
    // MinIO accept, because some S3-compatible servers (s3rver) decode the header with decodeURI,
    // which would keep '%3D' and look for a key that does not exist.
    const source = `${src.bucket}/${src.key.split('/').map((s) => encodeURIComponent(s).replace(/%3D/g, '=')).join('/')}`;
    await this.call(from, `CopyObject to ${to}`, src, () => this.client.send(new (s3Sdk().CopyObjectCommand)({ Bucket: dst.bucket, Key: dst.key, CopySource: source })));
    await this.call(from, 'DeleteObject', src, () => this.client.send(new (s3Sdk().DeleteObjectCommand)({ Bucket: src.bucket, Key: src.key })));
  }

  /** Runs one SDK call, translating its failure. */
  private async call<T>(url: string, action: string, loc: S3Location, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw await this.translate(err, url, action, loc);
    }
  }

  /**
   * s3Error, plus one refinement: HEAD requests carry no error body, so a missing bucket and a
   * missing key both come back as a bare 404. We then ask whether the bucket exists.
   */
  private async translate(err: unknown, url: string, action: string, loc: S3Location): Promise<StorageError> {
    const mapped = s3Error(err, url, action, loc.bucket);
    if (mapped.code !== 'STORAGE_NOT_FOUND' || (err as { name?: string }).name === 'NoSuchKey') return mapped;
    try {
      await this.client.send(new (s3Sdk().HeadBucketCommand)({ Bucket: loc.bucket }));
    } catch (bucketErr) {
      const status = (bucketErr as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404 || (bucketErr as { name?: string }).name === 'NoSuchBucket') {
        return s3Error(Object.assign(new Error(''), { name: 'NoSuchBucket' }), url, action, loc.bucket);
      }
    }
    return mapped;
  }
}

/** An S3 location that must name an object (a non-empty key not ending in '/'). */
function objectLocation(url: string, action: string): S3Location {
  const loc = parseS3Url(url);
  if (loc.key === '' || loc.key.endsWith('/')) {
    throw new StorageError('STORAGE_BAD_REQUEST', url, `cannot ${action} ${url}: it names a bucket or a folder, not an object; add the object's key`);
  }
  return loc;
}
