// How the S3 backend talks to S3: which endpoint, region, addressing style and credentials
// (resolved from options, then the usual environment variables), one shared S3Client per
// configuration, and the translation of the SDK's errors into StorageErrors that say what to fix.
//
//   options.endpoint | DATAFLOW_S3_ENDPOINT | AWS_ENDPOINT_URL_S3 | AWS_ENDPOINT_URL   -> endpoint (none: AWS itself)
//   options.region   | AWS_REGION | AWS_DEFAULT_REGION | 'us-east-1'                     -> region
//   options.credentials | the SDK's default chain (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
//                         AWS_SESSION_TOKEN, then ~/.aws profiles, SSO, instance roles)
//
// With a custom endpoint (MinIO, Ceph, s3rver, ...) requests are path-style
// (http://host:9000/bucket/key) and the SDK's newer optional checksums are sent only when an
// operation requires them, which S3-compatible servers handle best.

import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as S3Sdk from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { StorageError, reasonOf } from './errors.ts';

// The SDK warns once per process, on the first client it builds, that its releases after January
// 2027 will need Node 22; dataflow targets Node 20, so the notice would only be noise on stderr of
// every job and executor. Set before any S3Client exists (the check runs in the client's
// constructor, not when the SDK module loads); a user's explicit setting is kept.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Options of the S3 backend (plain data, so it can travel to executors). */
export interface S3StorageOptions {
  /** Endpoint URL of an S3-compatible server, e.g. 'http://127.0.0.1:9000'. Default: the env variables above, else AWS. */
  endpoint?: string;
  /** Region; default AWS_REGION / AWS_DEFAULT_REGION, else us-east-1 (requests to a bucket elsewhere are redirected). */
  region?: string;
  /** Path-style addressing (`host/bucket/key`); default true with a custom endpoint, false on AWS. */
  forcePathStyle?: boolean;
  /** Explicit credentials; default: the SDK's chain (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, profiles, roles). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Part size of multipart uploads of streamed writes, in bytes. Default 8 MiB; S3 requires at least 5 MiB. */
  partBytes?: number;
  /** Keys per ListObjectsV2 page (S3's maximum and default: 1000). */
  listPageSize?: number;
  /** Attempts per request, retries included (the SDK retries throttling, 5xx and network errors). Default 3. */
  maxAttempts?: number;
}

/** The configuration an S3Client is built from, after defaults and environment variables. */
export interface ResolvedS3Config {
  endpoint: string | undefined;
  region: string;
  forcePathStyle: boolean;
  credentials: S3StorageOptions['credentials'];
  maxAttempts: number;
}

/**
 * Applies defaults and the environment to S3 options.
 *
 * @example
 * resolveS3Config({}, { AWS_ENDPOINT_URL: 'http://127.0.0.1:9000', AWS_DEFAULT_REGION: 'eu-west-1' });
 * // { endpoint: 'http://127.0.0.1:9000', region: 'eu-west-1', forcePathStyle: true, credentials: undefined, maxAttempts: 3 }
 */
export function resolveS3Config(options: S3StorageOptions = {}, env: NodeJS.ProcessEnv = process.env): ResolvedS3Config {
  const nonEmpty = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);
  const endpoint =
    nonEmpty(options.endpoint) ?? nonEmpty(env.DATAFLOW_S3_ENDPOINT) ?? nonEmpty(env.AWS_ENDPOINT_URL_S3) ?? nonEmpty(env.AWS_ENDPOINT_URL);
  if (endpoint !== undefined && !/^https?:\/\/[^/]/.test(endpoint)) {
    throw new StorageError('STORAGE_BAD_REQUEST', endpoint, `S3 endpoint '${endpoint}' is not an http:// or https:// URL; pass e.g. 'http://127.0.0.1:9000'`);
  }
  const region = nonEmpty(options.region) ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION) ?? 'us-east-1';
  return {
    endpoint,
    region,
    forcePathStyle: options.forcePathStyle ?? endpoint !== undefined,
    credentials: options.credentials,
    maxAttempts: options.maxAttempts ?? 3,
  };
}

let sdk: typeof S3Sdk | undefined;

/**
 * The AWS SDK, loaded on first use: importing it takes a few hundred milliseconds, which a job that
 * never touches s3:// (and each of its executors) should not pay at start-up.
 */
export function s3Sdk(): typeof S3Sdk {
  sdk ??= createRequire(import.meta.url)('@aws-sdk/client-s3') as typeof S3Sdk;
  return sdk;
}

const clients = new Map<string, S3Client>();

/**
 * The shared client of a configuration (connections are reused across calls). Clients that use
 * the default credential chain are keyed by the AWS_* credential variables too, so a changed
 * environment gets a fresh client.
 */
export function s3ClientFor(config: ResolvedS3Config, env: NodeJS.ProcessEnv = process.env): S3Client {
  const secrets = config.credentials ?? { id: env.AWS_ACCESS_KEY_ID, secret: env.AWS_SECRET_ACCESS_KEY, token: env.AWS_SESSION_TOKEN, profile: env.AWS_PROFILE };
  const key = JSON.stringify([config.endpoint, config.region, config.forcePathStyle, config.maxAttempts, createHash('sha256').update(JSON.stringify(secrets)).digest('hex')]);
  let client = clients.get(key);
  if (client === undefined) {
    const custom = config.endpoint !== undefined;
    client = new (s3Sdk().S3Client)({
      region: config.region,
      forcePathStyle: config.forcePathStyle,
      maxAttempts: config.maxAttempts,
      ...(custom
        ? { endpoint: config.endpoint, requestChecksumCalculation: 'WHEN_REQUIRED' as const, responseChecksumValidation: 'WHEN_REQUIRED' as const }
        : { followRegionRedirects: true }),
      ...(config.credentials === undefined ? {} : { credentials: config.credentials }),
    });
    clients.set(key, client);
  }
  return client;
}

/** Closes every shared S3 client (their keep-alive connections); later calls create new ones. */
export function closeS3Clients(): void {
  for (const client of clients.values()) client.destroy();
  clients.clear();
}

const DENIED = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken', 'TokenRefreshRequired', 'AllAccessDisabled', 'AccountProblem', 'Forbidden']);
const CREDENTIALS_HELP =
  'check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN (or the credentials option), that they belong to the account of this endpoint, and the bucket policy';

/**
 * An error of the SDK (or the network below it) as a StorageError naming the URL.
 *
 * @example
 * s3Error(noSuchBucket, 's3://nope/a.parquet', 'GetObject').message;
 * // "s3://nope/a.parquet: bucket 'nope' does not exist (NoSuchBucket); check the bucket name, the region and the endpoint"
 */
export function s3Error(err: unknown, url: string, action: string, bucket?: string): StorageError {
  if (err instanceof StorageError) return err;
  const e = err as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown; cause?: unknown };
  const name = e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const detail = e.message !== undefined && e.message !== '' && e.message !== name && e.message !== 'UnknownError' ? `: ${e.message}` : '';
  const said = `${name}${status === undefined ? '' : `, HTTP ${status}`}${detail}`;
  if (name === 'NoSuchBucket') {
    return new StorageError('STORAGE_NO_SUCH_BUCKET', url, `${url}: bucket '${bucket ?? '?'}' does not exist (NoSuchBucket); check the bucket name, the region and the endpoint`, { cause: err });
  }
  if (name === 'NoSuchKey' || name === 'NotFound' || (status === 404 && name !== 'NoSuchUpload')) {
    return new StorageError('STORAGE_NOT_FOUND', url, `${url} does not exist (${action}: ${said})`, { cause: err });
  }
  if (DENIED.has(name) || status === 403 || status === 401) {
    return new StorageError('STORAGE_ACCESS_DENIED', url, `${url}: the credentials were refused (${action}: ${said}); ${CREDENTIALS_HELP}`, { cause: err });
  }
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(e.message ?? '')) {
    return new StorageError(
      'STORAGE_ACCESS_DENIED',
      url,
      `${url}: no AWS credentials found (${e.message ?? name}); set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (plus AWS_SESSION_TOKEN for temporary credentials), or pass the credentials option`,
      { cause: err },
    );
  }
  if (status === undefined) {
    // No HTTP answer: refused connection, DNS, TLS, timeout. The SDK has already retried.
    const code = e.code ?? (e.cause as { code?: string } | undefined)?.code;
    const why = code !== undefined ? `${code}${detail}` : reasonOf(err);
    return new StorageError('STORAGE_IO', url, `${url}: ${action} failed, the S3 endpoint could not be reached (${why}); check the endpoint option / AWS_ENDPOINT_URL and the network`, { cause: err, retryable: true });
  }
  const retryable = status >= 500 || status === 429 || name === 'SlowDown' || e.$retryable !== undefined;
  return new StorageError('STORAGE_IO', url, `${url}: ${action} failed (${said})${retryable ? '; this may be temporary, retry later' : ''}`, { cause: err, retryable });
}
