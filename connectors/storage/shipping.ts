// What connectors need to plan on the driver and read on executors with the same storage: one
// canonical form of a location (so a plan names files the same way everywhere), and the storage
// options that may travel inside a plan (endpoint, region, timeouts: yes; secrets: never).
//
//   canonicalLocation('data/x.parquet')          -> '/home/me/proj/data/x.parquet'  (absolute, plain)
//   canonicalLocation('file:///tmp/a%20b.csv')   -> '/tmp/a b.csv'
//   canonicalLocation('s3://bucket/ratings/')    -> 's3://bucket/ratings/'           (URLs stay as given)
//
// Plans are sent to executor processes (and, on a cluster, to other machines); credentials must
// not ride along. Executors inherit the driver's environment under local[N], and a cluster's
// executors have their own: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN (and
// DATAFLOW_S3_ENDPOINT) there are the way to give them credentials.

import { InvalidInputError } from '../../engine/errors.ts';
import type { StorageOptions } from './resolve.ts';
import { localPath, schemeOf } from './url.ts';

/**
 * A location in the form plans carry: local paths absolute and plain (file:// URLs decoded), other
 * URLs unchanged.
 *
 * @example
 * canonicalLocation('file:///data/ratings.csv'); // '/data/ratings.csv'
 */
export function canonicalLocation(location: string): string {
  return schemeOf(location) === 'file' ? localPath(location) : location;
}

const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-amz-security-token', 'x-api-key']);

/**
 * The storage options a plan may carry to executors: a copy of `options` without undefined
 * fields, or undefined when nothing is left. Explicit credentials and secret-bearing HTTP headers
 * are refused with an error that says how to pass them instead (the environment), because a plan
 * travels to other processes and is not a place for secrets.
 *
 * @example
 * shippableStorageOptions({ endpoint: 'http://127.0.0.1:9000' }, 'readParquet'); // { endpoint: 'http://127.0.0.1:9000' }
 * shippableStorageOptions({ credentials: { ... } }, 'readParquet');              // throws InvalidInputError
 */
export function shippableStorageOptions(options: StorageOptions | undefined, what: string): StorageOptions | undefined {
  if (options === undefined) return undefined;
  if (options === null || typeof options !== 'object') {
    throw new InvalidInputError(`${what}: option storage must be an object such as { endpoint: 'http://127.0.0.1:9000' }, got ${String(options)}`);
  }
  if (options.credentials !== undefined) {
    throw new InvalidInputError(
      `${what}: storage.credentials cannot be used here, because storage options travel with the plan to executor processes and a plan must not carry secrets; ` +
        'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (plus AWS_SESSION_TOKEN) in the environment of the driver and the executors instead (local[N] executors inherit the driver\'s)',
    );
  }
  const secret = Object.keys(options.headers ?? {}).find((name) => SECRET_HEADERS.has(name.toLowerCase()));
  if (secret !== undefined) {
    throw new InvalidInputError(
      `${what}: storage.headers['${secret}'] cannot be used here, because storage options travel with the plan to executor processes and a plan must not carry secrets; ` +
        'read from a URL that needs no credentials (e.g. a pre-signed URL), or copy the data to local disk or s3://',
    );
  }
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) if (value !== undefined) copy[key] = value;
  return Object.keys(copy).length === 0 ? undefined : (copy as StorageOptions);
}
