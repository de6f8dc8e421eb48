// Saving and loading SVD models on every storage the engine uses (see ../shared/model-dir.ts):
//
//   model.json       kind 'svd', version 1: options, k, mode, σ (JSON numbers keep every float64
//                    bit), which side is the wide one, the centering, stats, what it was trained on
//   users/           Parquet: <userColumn> (the ids' own type), vector (list<float64>, k long: U),
//                    mean (float64, user centering only)
//   items/           Parquet: <itemColumn>, vector (V)
//
// A loaded model predicts exactly as the one saved (the same U, σ, V and offsets); its U and V are
// Datasets as after training. It has no ratings, so recommendations (which fold users in from their
// rated rows and leave those items out) need the trained model.

import { Table, makeVector } from 'apache-arrow';
import { joinLocation } from '../../engine/extend.ts';
import type { StorageOptions } from '../../engine/extend.ts';
import type { Dataset, Row, Session } from '../../engine/index.ts';
import { encodingOf, idVector, indexOfId } from '../shared/id-encoding.ts';
import type { IdEncoding } from '../shared/id-encoding.ts';
import { MODEL_FILE, MODEL_FORMAT, prepareModelDir, readManifest, readTableFolder, writeJson, writeTableFolder } from '../shared/model-dir.ts';
import type { ModelIoOptions, ModelManifestBase, SaveModelOptions } from '../shared/model-dir.ts';
import type { TrainingData } from '../shared/training-data.ts';
import { listColumn, readListColumn } from '../shared/vector-column.ts';
import { SvdModelFormatError } from './errors.ts';
import type { ResolvedSvdOptions } from './options.ts';
import type { Centering } from './row-kernels.ts';
import type { SvdParts, SvdStats } from './model.ts';

export const SVD_MODEL_VERSION = 1;

export interface SvdManifest extends ModelManifestBase {
  kind: 'svd';
  options: ResolvedSvdOptions;
  k: number;
  mode: 'gramian' | 'lanczos';
  sigma: number[];
  usersAreRows: boolean;
  centering: 'none' | 'global' | 'user';
  globalMean: number;
  stats: SvdStats;
  trainingData: TrainingData | null;
}

/** What a saved SVD model is made of: the model's own fields, with the factors by dense index (row-major n × k). */
export type SvdSnapshot = Pick<SvdParts, 'options' | 'k' | 'mode' | 'sigma' | 'users' | 'items' | 'usersAreRows' | 'userMeans' | 'globalMean' | 'stats'> & {
  userVectors: Float64Array;
  itemVectors: Float64Array;
};

const fail = (message: string): Error => new SvdModelFormatError(message);

export async function saveSvdModel(session: Session, s: SvdSnapshot, trainingData: TrainingData | undefined, dir: string, options: SaveModelOptions): Promise<void> {
  await prepareModelDir(dir, options, fail);
  const { storage } = options;
  const files: Record<string, string[]> = {};
  for (const [name, enc, vectors, means] of [['users', s.users, s.userVectors, s.userMeans], ['items', s.items, s.itemVectors, null]] as const) {
    const n = enc.ids.length;
    const columns: Record<string, ReturnType<typeof makeVector>> = {
      [enc.column]: idVector(enc, Int32Array.from({ length: n }, (_, i) => i)),
      vector: listColumn(vectors, n, s.k),
    };
    if (means) columns.mean = makeVector(means);
    files[name] = await writeTableFolder(session, new Table(columns), dir, name, storage);
  }
  const manifest: SvdManifest = {
    format: MODEL_FORMAT, kind: 'svd', version: SVD_MODEL_VERSION, savedAt: new Date().toISOString(), files,
    options: s.options, k: s.k, mode: s.mode, sigma: Array.from(s.sigma), usersAreRows: s.usersAreRows, centering: s.options.centering,
    globalMean: s.globalMean, stats: s.stats, trainingData: trainingData ?? null,
  };
  await writeJson(joinLocation(dir, MODEL_FILE), manifest, storage);
}

export async function loadSvdModel(session: Session, dir: string, options: ModelIoOptions): Promise<{ snapshot: SvdSnapshot; trainingData: TrainingData | undefined }> {
  const { storage } = options;
  const m = await readManifest<SvdManifest>(dir, { kind: 'svd', version: SVD_MODEL_VERSION }, storage, fail);
  if (!m) throw fail(`${dir} holds no SVD model: ${joinLocation(dir, MODEL_FILE)} was not found; is it a folder written by SvdModel.save?`);
  const users = await readSide(session, dir, 'users', m.files.users, m.options.userColumn, m.k, m.centering === 'user', storage);
  const items = await readSide(session, dir, 'items', m.files.items, m.options.itemColumn, m.k, false, storage);
  return {
    snapshot: {
      options: m.options, k: m.k, mode: m.mode, sigma: Float64Array.from(m.sigma), users: users.enc, items: items.enc, usersAreRows: m.usersAreRows,
      userVectors: users.vectors, itemVectors: items.vectors, userMeans: users.means, globalMean: m.globalMean, stats: m.stats,
    },
    trainingData: m.trainingData ?? undefined,
  };
}

async function readSide(
  session: Session, dir: string, name: string, files: string[] | undefined, column: string, k: number, withMeans: boolean, storage: StorageOptions | undefined,
): Promise<{ enc: IdEncoding; vectors: Float64Array; means: Float64Array | null }> {
  const where = joinLocation(dir, name);
  const table = await readTableFolder(session, dir, name, files, storage);
  const ids = table.getChild(column);
  if (!ids || table.numRows === 0) throw fail(`${where} has no column '${column}' or no rows; columns are [${table.schema.fields.map((f) => f.name).join(', ')}]`);
  const enc = encodingOf(ids, column, 'svd');
  if (enc.ids.length !== table.numRows) throw fail(`${where} has ${table.numRows} rows but ${enc.ids.length} distinct ids: an id appears twice`);
  const index = Int32Array.from({ length: table.numRows }, (_, r) => indexOfId(enc.ids, ids.get(r)));
  const vectors = new Float64Array(table.numRows * k);
  readListColumn(table, 'vector', k, vectors, (r) => index[r]!, where, (r) => `${column} ${String(ids.get(r))}`, fail);
  let means: Float64Array | null = null;
  if (withMeans) {
    const col = table.getChild('mean');
    if (!col) throw fail(`${where} has no column 'mean', which a model with user centering keeps`);
    means = new Float64Array(table.numRows);
    for (let r = 0; r < table.numRows; r++) means[index[r]!] = col.get(r) as number;
  }
  return { enc, vectors, means };
}

/** The centering a snapshot's predictions add back. */
export function centeringOf(s: Pick<SvdSnapshot, 'options' | 'usersAreRows' | 'userMeans' | 'globalMean'>): Centering {
  if (s.options.centering === 'global') return { kind: 'global', mean: s.globalMean };
  if (s.options.centering === 'user') return s.usersAreRows ? { kind: 'rows', means: s.userMeans! } : { kind: 'cols', means: s.userMeans! };
  return { kind: 'none' };
}

/** The wide side's vectors as a Dataset ({ <id column>: id, vector }), as svd() leaves them. */
export function vectorsDataset(session: Session, enc: IdEncoding, vectors: Float64Array, k: number): Dataset<Row> {
  const n = enc.ids.length;
  return session.fromTable(new Table({ [enc.column]: idVector(enc, Int32Array.from({ length: n }, (_, i) => i)), vector: listColumn(vectors, n, k) }));
}
