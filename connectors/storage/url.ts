// Locations as strings: which backend a location belongs to, and the path arithmetic connectors
// need (join a folder and a name, a child's path relative to a folder) that works the same on
// plain paths and URLs:
//
//   schemeOf('/data/x.parquet')           -> 'file'      joinLocation('s3://b/out', 'part-0.parquet') -> 's3://b/out/part-0.parquet'
//   schemeOf('file:///data/x.parquet')    -> 'file'      joinLocation('/out', 'year=2024', 'p.parquet') -> '/out/year=2024/p.parquet'
//   schemeOf('https://h/x.parquet')       -> 'http'      relativeLocation('s3://b/out', 's3://b/out/y=1/p') -> 'y=1/p'
//   schemeOf('s3://bucket/key')           -> 's3'        parseS3Url('s3://b/a/b.parquet') -> { bucket: 'b', key: 'a/b.parquet' }

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { StorageError } from './errors.ts';
import type { StorageScheme } from './storage.ts';

const URL_SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//;
const SUPPORTED = 'local paths, file://, http://, https://, s3:// (or s3a://)';

/**
 * The backend of a location: 'file' for plain paths and file:// URLs, 'http' for http(s)://,
 * 's3' for s3:// and s3a://. Other schemes are a STORAGE_UNSUPPORTED error.
 *
 * @example
 * schemeOf('s3a://bucket/data'); // 's3'
 */
export function schemeOf(location: string): StorageScheme {
  const match = URL_SCHEME.exec(location);
  if (match === null) return 'file';
  const scheme = match[1]!.toLowerCase();
  if (scheme === 'file') return 'file';
  if (scheme === 'http' || scheme === 'https') return 'http';
  if (scheme === 's3' || scheme === 's3a') return 's3';
  throw new StorageError('STORAGE_UNSUPPORTED', location, `${location}: no storage backend for scheme '${scheme}://'; supported: ${SUPPORTED}`);
}

/** True for locations that are URLs (anything with `scheme://`), false for plain paths. */
export function isUrl(location: string): boolean {
  return URL_SCHEME.test(location);
}

/**
 * The local absolute path of a plain path or a file:// URL.
 *
 * @example
 * localPath('file:///tmp/a%20b.csv'); // '/tmp/a b.csv'
 * localPath('data/x.parquet');        // '<cwd>/data/x.parquet'
 */
export function localPath(location: string): string {
  if (!isUrl(location)) return path.resolve(location);
  try {
    return fileURLToPath(location);
  } catch (err) {
    throw new StorageError(
      'STORAGE_BAD_REQUEST',
      location,
      `${location} is not a local file URL (${err instanceof Error ? err.message : String(err)}); use file:///absolute/path or a plain path`,
      { cause: err },
    );
  }
}

/** An S3 location split into bucket and key ('' for the bucket itself); `scheme` keeps s3 or s3a. */
export interface S3Location {
  scheme: string;
  bucket: string;
  key: string;
}

/**
 * Splits `s3://bucket/key`. The key is taken verbatim (not percent-decoded), as S3 tools do.
 *
 * @example
 * parseS3Url('s3://ratings/2024/part-0.parquet'); // { scheme: 's3', bucket: 'ratings', key: '2024/part-0.parquet' }
 */
export function parseS3Url(location: string): S3Location {
  const match = /^(s3a?):\/\/([^/]*)(?:\/(.*))?$/i.exec(location);
  const bucket = match?.[2] ?? '';
  if (match === null || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new StorageError(
      'STORAGE_BAD_REQUEST',
      location,
      `${location} is not a valid S3 URL: expected s3://bucket/key with a bucket name of 3-63 lowercase letters, digits, '.' or '-'`,
    );
  }
  return { scheme: match[1]!.toLowerCase(), bucket, key: match[3] ?? '' };
}

/** `s3://bucket/key` from its parts. */
export function s3Url(loc: { scheme?: string; bucket: string; key: string }): string {
  return `${loc.scheme ?? 's3'}://${loc.bucket}/${loc.key}`;
}

/**
 * Appends path segments to a location with '/' (URLs) or path.join (plain paths and file:// URLs
 * stay in the form given).
 *
 * @example
 * joinLocation('s3://b/out/', 'year=2024', 'part-00000.parquet'); // 's3://b/out/year=2024/part-00000.parquet'
 */
export function joinLocation(base: string, ...segments: string[]): string {
  if (!isUrl(base)) return path.join(base, ...segments);
  const parts = segments.flatMap((s) => s.split('/')).filter((s) => s !== '' && s !== '.');
  if (parts.length === 0) return base;
  return base.replace(/\/+$/, '') + '/' + parts.join('/');
}

/**
 * The path of `child` below the folder `root`, with '/' separators; undefined when `child` is
 * not below `root`.
 *
 * @example
 * relativeLocation('s3://b/data', 's3://b/data/year=2024/p.parquet'); // 'year=2024/p.parquet'
 */
export function relativeLocation(root: string, child: string): string | undefined {
  if (!isUrl(root) && !isUrl(child)) {
    const rel = path.relative(path.resolve(root), path.resolve(child));
    return rel === '' || rel.startsWith('..') || path.isAbsolute(rel) ? undefined : rel.split(path.sep).join('/');
  }
  const prefix = root.replace(/\/+$/, '') + '/';
  return child.startsWith(prefix) && child.length > prefix.length ? child.slice(prefix.length) : undefined;
}

/** The last segment of a location: `part-00000.parquet`. */
export function baseName(location: string): string {
  if (!isUrl(location)) return path.basename(location);
  const trimmed = location.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}
