// A saved model is a folder on any storage the engine writes (a local path, file://, s3://) and
// reads (those and http(s)://): `model.json` (what the model is) and Parquet folders of factors,
// each written by the engine's writeParquet (part files + _SUCCESS). model.json is written LAST
// and names every data file, so a folder without it is not a model, and a reader over plain HTTP
// (which cannot list folders) knows which files to fetch:
//
//   dir/model.json                       { format: 'dataflow-model', kind: 'als', version: 1, files: {...}, ... }
//   dir/userFactors/part-00000.parquet   id, features (list<float32>)
//   dir/userFactors/_SUCCESS
//
// Loading checks the format, the kind and the version before reading anything else, and says
// what it found, where, and what it expected.

import { concatTables, joinLocation, listUrl, readAllFromUrl, schemeOf, storageFor, StorageError, writeToUrl } from '../../engine/extend.ts';
import type { StorageOptions } from '../../engine/extend.ts';
import type { Dataset, Row, Session } from '../../engine/index.ts';
import type { Table } from 'apache-arrow';

export const MODEL_FILE = 'model.json';
export const MODEL_FORMAT = 'dataflow-model';

export type ModelKind = 'als' | 'svd';

/** The fields every model.json has; each kind adds its own. */
export interface ModelManifestBase {
  format: typeof MODEL_FORMAT;
  kind: ModelKind;
  version: number;
  savedAt: string;
  /** Data files by folder, relative to the model folder. */
  files: Record<string, string[]>;
}

export interface ModelIoOptions {
  /** Storage options of the folder (e.g. `{ endpoint }` for an S3-compatible server), as readParquet takes. */
  storage?: StorageOptions;
}

export interface SaveModelOptions extends ModelIoOptions {
  /** 'error' (default) refuses a folder that has content; 'overwrite' replaces it. */
  mode?: 'error' | 'overwrite';
}

const KIND_NAMES: Record<ModelKind, string> = { als: 'an ALS model (AlsModel.load)', svd: 'an SVD model (SvdModel.load)' };

/**
 * Checks that `dir` may receive a model: writable storage, and empty unless mode is 'overwrite'
 * (then it is emptied). `fail` makes the job's own error type.
 */
export async function prepareModelDir(dir: string, options: SaveModelOptions, fail: (message: string) => Error): Promise<void> {
  if (schemeOf(dir) === 'http') {
    throw fail(`cannot save a model to ${dir}: HTTP storage is read-only; save to a local path or an s3:// URL (a saved model can then be served over HTTP and loaded from there)`);
  }
  const mode = options.mode ?? 'error';
  if (mode !== 'error' && mode !== 'overwrite') throw fail(`save(${dir}): mode must be 'error' or 'overwrite', got '${String(mode)}'`);
  const present = await listOrNone(dir, options.storage);
  if (present.length === 0) return;
  if (mode === 'error') {
    const names = present.slice(0, 3).map((e) => e.path.slice(e.path.lastIndexOf('/') + 1)).join(', ');
    throw fail(`model folder ${dir} is not empty (${present.length} files: ${names}${present.length > 3 ? ', ...' : ''}); pass { mode: 'overwrite' } to replace it, or save to a new folder`);
  }
  await storageFor(dir, options.storage).delete(dir, { recursive: true });
}

/** Writes one table as a Parquet folder `dir/name` and returns its data files relative to `dir`. */
export async function writeTableFolder(session: Session, table: Table, dir: string, name: string, storage: StorageOptions | undefined): Promise<string[]> {
  const folder = joinLocation(dir, name);
  await session.fromTable(table, { numPartitions: 1 }).writeParquet(folder, { mode: 'error', storage });
  const files = (await listUrl(folder, { ...storage, recursive: true })).map((e) => e.path.slice(e.path.lastIndexOf('/') + 1)).filter((f) => !f.startsWith('_') && !f.startsWith('.'));
  return files.map((f) => `${name}/${f}`);
}

/**
 * Reads Parquet data of a model folder into one table on the driver: the listed `files` (relative
 * to `dir`; works over plain HTTP), or every data file of the folder `dir/name` when not listed.
 */
export async function readTableFolder(session: Session, dir: string, name: string, files: string[] | undefined, storage: StorageOptions | undefined): Promise<Table> {
  if (files === undefined && schemeOf(dir) === 'http') {
    throw new StorageError('STORAGE_UNSUPPORTED', joinLocation(dir, name), `cannot list ${joinLocation(dir, name)}: plain HTTP has no folder listing and the model's metadata does not name its files; copy the model to a local folder or s3://`);
  }
  const parts: Dataset<Row>[] = [];
  for (const location of files === undefined ? [joinLocation(dir, name)] : files.map((f) => joinLocation(dir, f))) {
    parts.push(await session.readParquet(location, { storage }));
  }
  const tables: Table[] = [];
  for (const p of parts) tables.push(await p.toTable());
  return concatTables(tables);
}

export async function writeJson(location: string, value: unknown, storage: StorageOptions | undefined, line = false): Promise<void> {
  const text = line ? `${JSON.stringify(value)}\n` : `${JSON.stringify(value, null, 2)}\n`;
  await writeToUrl(location, new TextEncoder().encode(text), storage);
}

/** The parsed JSON at `location`, or undefined when there is no such file. */
export async function readJsonIfPresent(location: string, storage: StorageOptions | undefined, fail: (message: string) => Error): Promise<unknown> {
  let bytes: Uint8Array;
  try {
    bytes = await readAllFromUrl(location, storage);
  } catch (error) {
    if (error instanceof StorageError && error.code === 'STORAGE_NOT_FOUND') return undefined;
    throw error;
  }
  const text = new TextDecoder().decode(bytes);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw fail(`${location} is not JSON (${(error as Error).message}); it starts with ${JSON.stringify(text.slice(0, 60))}`);
  }
}

/**
 * The manifest of the model saved in `dir`, after checking format, kind and version. `other` is
 * called when there is no model.json (a caller may know another layout, e.g. Spark's); without it
 * that is an error.
 */
export async function readManifest<M extends ModelManifestBase>(
  dir: string, expected: { kind: ModelKind; version: number }, storage: StorageOptions | undefined, fail: (message: string) => Error,
): Promise<M | undefined> {
  const location = joinLocation(dir, MODEL_FILE);
  const json = await readJsonIfPresent(location, storage, fail);
  if (json === undefined) return undefined;
  const m = json as Partial<ModelManifestBase>;
  const want = `format '${MODEL_FORMAT}' version ${expected.version}, kind '${expected.kind}'`;
  if (typeof m !== 'object' || m === null || m.format !== MODEL_FORMAT) {
    throw fail(`${location} is not a dataflow model: found format ${JSON.stringify(m?.format ?? null)}, expected ${want}`);
  }
  if (m.kind !== expected.kind) {
    const found = m.kind !== undefined && m.kind in KIND_NAMES ? KIND_NAMES[m.kind] : `kind ${JSON.stringify(m.kind ?? null)}`;
    throw fail(`${location} holds ${found}, not ${KIND_NAMES[expected.kind]}: found kind '${String(m.kind)}', expected ${want}`);
  }
  if (m.version !== expected.version) {
    throw fail(
      `${location} has format version ${JSON.stringify(m.version ?? null)}, expected ${want}: ` +
        (typeof m.version === 'number' && m.version > expected.version ? 'it was written by a newer dataflow; load it with that version' : 'this dataflow does not read that version; train and save the model again'),
    );
  }
  return json as M;
}

async function listOrNone(dir: string, storage: StorageOptions | undefined): Promise<Array<{ path: string }>> {
  try {
    return await listUrl(dir, { ...storage, recursive: true });
  } catch (error) {
    if (error instanceof StorageError && error.code === 'STORAGE_NOT_FOUND') return [];
    throw error;
  }
}
