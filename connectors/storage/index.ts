// The storage layer: one interface (storage.ts) over local files, HTTP(S) and S3, chosen by URL
// scheme (resolve.ts). Connectors import from here.

export type { Storage, StorageEntry, StorageScheme, StorageStat, WriteSource } from './storage.ts';
export { StorageError, type StorageErrorCode } from './errors.ts';
export { LocalStorage } from './local.ts';
export { HttpStorage, type HttpStorageOptions } from './http.ts';
export { S3Storage } from './s3.ts';
export { closeS3Clients, resolveS3Config, type S3StorageOptions } from './s3-client.ts';
export {
  listUrl,
  readAllFromUrl,
  readRangeFromUrl,
  readTailFromUrl,
  statUrl,
  storageFor,
  writeToUrl,
  type StorageOptions,
} from './resolve.ts';
export { baseName, isUrl, joinLocation, localPath, parseS3Url, relativeLocation, schemeOf } from './url.ts';
export { canonicalLocation, shippableStorageOptions } from './shipping.ts';
