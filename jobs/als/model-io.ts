// Saving and loading ALS models, in our format and in Spark's, on every storage the engine uses.
//
// OURS (`save(dir)`, kind 'als', version 1; see ../shared/model-dir.ts for the folder rules):
//   model.json                 params (every training option), rank, width, biases, the mean offset,
//                              id kinds, what it was trained on (rows, id ranges, hash), files
//   userFactors/, itemFactors/ Parquet: id (the ids' own type), features (list<float32>, width long)
//
// SPARK'S (`save(dir, { format: 'spark' })`; what Spark ML's ALSModelWriter writes and its reader reads):
//   metadata/part-00000        one JSON line: class "org.apache.spark.ml.recommendation.ALSModel",
//                              timestamp, sparkVersion, uid, paramMap, defaultParamMap, rank
//   metadata/_SUCCESS
//   userFactors/, itemFactors/ Parquet: id (int32), features (array<float>), part files + _SUCCESS
// Spark predicts a pair by the dot product of its features, so a model with biases exports its
// width-long vectors ([x, b_u, 1]·[y, 1, b_i] = x·y + b_u + b_i) plus, when the mean offset μ is not 0,
// one more component (μ for users, 1 for items): Spark then predicts what we do, up to μ in float32.
// The JSON line also carries a `dataflow` object (Spark ignores fields it does not know) with the
// exact μ, the options and the file names, so that reading our own export back is exact, and works
// over HTTP. A model Spark wrote is read with Spark's params and our defaults for the rest.

import { Table } from 'apache-arrow';
import { joinLocation, listUrl, schemeOf, writeToUrl } from '../../engine/extend.ts';
import type { StorageOptions } from '../../engine/extend.ts';
import type { Session } from '../../engine/index.ts';
import { encodingOf, idVector, indexOfId } from '../shared/id-encoding.ts';
import type { IdEncoding, IdKind } from '../shared/id-encoding.ts';
import { MODEL_FILE, MODEL_FORMAT, prepareModelDir, readJsonIfPresent, readManifest, readTableFolder, writeJson, writeTableFolder } from '../shared/model-dir.ts';
import type { ModelIoOptions, ModelManifestBase, SaveModelOptions } from '../shared/model-dir.ts';
import type { TrainingData } from '../shared/training-data.ts';
import { listColumn, readListColumn } from '../shared/vector-column.ts';
import { AlsModelFormatError } from './errors.ts';
import { DEFAULTS, resolveOptions } from './options.ts';
import type { ResolvedAlsOptions } from './options.ts';
import type { AlsTrainingSummary } from './als.ts';
import type { AlsModelParts, FoldInRecord } from './model.ts';

export const ALS_MODEL_VERSION = 1;
export const SPARK_ALS_CLASS = 'org.apache.spark.ml.recommendation.ALSModel';
/**
 * The Spark version our export claims: Spark's reader reads `defaultParamMap` only from models of
 * 2.4 and later, and the layout written here is the one of Spark 2.4 to 3.5.
 */
const SPARK_VERSION = '3.5.0';

/** What our model.json holds for an ALS model. */
export interface AlsManifest extends ModelManifestBase {
  kind: 'als';
  params: ResolvedAlsOptions;
  rank: number;
  width: number;
  biases: boolean;
  /** Added to every prediction (the ratings' mean with biases, else 0). */
  offset: number;
  globalMean: number;
  ids: { user: IdKind; item: IdKind };
  trainingData: TrainingData | null;
  foldIns: FoldInRecord[];
  summary: AlsTrainingSummary | null;
}

/** The `dataflow` object of our Spark export's metadata line. */
interface SparkExtra {
  version: number;
  params: ResolvedAlsOptions;
  rank: number;
  biases: boolean;
  offset: number;
  globalMean: number;
  /** The exported vectors end with [μ] (users) / [1] (items) beyond the width. */
  offsetComponent: boolean;
  trainingData: TrainingData | null;
  foldIns: FoldInRecord[];
  files: Record<string, string[]>;
}

export type SaveAlsOptions = SaveModelOptions & { format?: 'dataflow' | 'spark' };

const fail = (message: string): Error => new AlsModelFormatError(message);

/** Writes `parts` to `dir` in our format or Spark's. */
export async function saveAlsModel(session: Session, parts: AlsModelParts, trainingData: TrainingData | undefined, dir: string, options: SaveAlsOptions): Promise<void> {
  const format = options.format ?? 'dataflow';
  if (format !== 'dataflow' && format !== 'spark') throw fail(`save(${dir}): format must be 'dataflow' or 'spark', got '${String(format)}'`);
  await prepareModelDir(dir, options, fail);
  const { storage } = options;
  const width = parts.plan.width;
  if (format === 'dataflow') {
    const files: Record<string, string[]> = {};
    for (const [name, enc, f] of [['userFactors', parts.users, parts.userFactors], ['itemFactors', parts.items, parts.itemFactors]] as const) {
      files[name] = await writeTableFolder(session, factorTable(enc, f, width, 'id'), dir, name, storage);
    }
    const manifest: AlsManifest = {
      format: MODEL_FORMAT, kind: 'als', version: ALS_MODEL_VERSION, savedAt: new Date().toISOString(), files,
      params: parts.options, rank: parts.plan.rank, width, biases: parts.plan.biases, offset: parts.plan.mean, globalMean: parts.mean,
      ids: { user: parts.users.kind, item: parts.items.kind }, trainingData: trainingData ?? null, foldIns: parts.foldIns ?? [], summary: parts.summary ?? null,
    };
    await writeJson(joinLocation(dir, MODEL_FILE), manifest, storage); // last: the folder is a model from now on
    return;
  }
  // Spark: int ids only, float vectors, the offset as one more component when it is not 0
  const sparkIds = (enc: IdEncoding): IdEncoding => {
    const ints = enc.ids instanceof Float64Array && enc.ids.every((v) => Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31);
    if (enc.kind === 'int32' || ints) return { ...enc, kind: 'int32' };
    throw fail(`cannot export to Spark's format: Spark's ALSModel needs int32 ids, but column '${enc.column}' holds ${enc.kind} ids; train on int ids (or map the ids to ints first)`);
  };
  const sparkUsers = sparkIds(parts.users);
  const sparkItems = sparkIds(parts.items);
  const offsetComponent = parts.plan.mean !== 0;
  const sparkRank = width + (offsetComponent ? 1 : 0);
  const files: Record<string, string[]> = {};
  for (const side of ['user', 'item'] as const) {
    const enc = side === 'user' ? sparkUsers : sparkItems;
    const f = side === 'user' ? parts.userFactors : parts.itemFactors;
    const n = enc.ids.length;
    let out = f;
    if (offsetComponent) {
      out = new Float32Array(n * sparkRank);
      for (let r = 0; r < n; r++) {
        out.set(f.subarray(r * width, (r + 1) * width), r * sparkRank);
        out[r * sparkRank + width] = side === 'user' ? parts.plan.mean : 1;
      }
    }
    files[`${side}Factors`] = await writeTableFolder(session, factorTable(enc, out, sparkRank, 'id'), dir, `${side}Factors`, storage);
  }
  const o = parts.options;
  const extra: SparkExtra = {
    version: ALS_MODEL_VERSION, params: o, rank: parts.plan.rank, biases: parts.plan.biases, offset: parts.plan.mean, globalMean: parts.mean,
    offsetComponent, trainingData: trainingData ?? null, foldIns: parts.foldIns ?? [], files,
  };
  const metadata = {
    class: SPARK_ALS_CLASS,
    timestamp: Date.now(),
    sparkVersion: SPARK_VERSION,
    uid: `als_${Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(16).padStart(2, '0')).join('')}`,
    // Spark's ALSModel knows only 'nan' and 'drop'; 'fallback' is ours (kept in `dataflow`)
    paramMap: { userCol: o.userCol, itemCol: o.itemCol, predictionCol: 'prediction', coldStartStrategy: o.coldStartStrategy === 'drop' ? 'drop' : 'nan' },
    defaultParamMap: { blockSize: 4096, predictionCol: 'prediction', userCol: 'user', itemCol: 'item', coldStartStrategy: 'nan' },
    rank: sparkRank,
    dataflow: extra,
  };
  await writeJson(joinLocation(dir, 'metadata', 'part-00000'), metadata, storage, true);
  await writeToUrl(joinLocation(dir, 'metadata', '_SUCCESS'), new Uint8Array(0), storage);
}

/** Reads the model in `dir`: ours (model.json) or Spark's (metadata/), whichever is there. */
export async function loadAlsModel(session: Session, dir: string, options: ModelIoOptions): Promise<{ parts: AlsModelParts; trainingData: TrainingData | undefined }> {
  const { storage } = options;
  const manifest = await readManifest<AlsManifest>(dir, { kind: 'als', version: ALS_MODEL_VERSION }, storage, fail);
  if (manifest) {
    const width = manifest.width;
    const users = await readFactors(session, dir, 'userFactors', manifest.files.userFactors, width, 0, manifest.params.userCol, storage);
    const items = await readFactors(session, dir, 'itemFactors', manifest.files.itemFactors, width, 0, manifest.params.itemCol, storage);
    return {
      parts: {
        options: { ...DEFAULTS, ...manifest.params }, plan: { rank: manifest.rank, width, biases: manifest.biases, mean: manifest.offset },
        users: users.enc, items: items.enc, userFactors: users.factors, itemFactors: items.factors, mean: manifest.globalMean,
        summary: manifest.summary ?? undefined, foldIns: manifest.foldIns,
      },
      trainingData: manifest.trainingData ?? undefined,
    };
  }
  const spark = await readSparkMetadata(dir, storage);
  if (spark === undefined) {
    const old = await readJsonIfPresent(joinLocation(dir, 'params.json'), storage, fail) as { format?: string } | undefined;
    if (old !== undefined) {
      throw fail(`${joinLocation(dir, 'params.json')} is a model of format ${JSON.stringify(old.format ?? null)} (an earlier dataflow); this version reads ${MODEL_FILE} with format '${MODEL_FORMAT}' version ${ALS_MODEL_VERSION}, or Spark's ALSModel folders: train and save the model again`);
    }
    throw fail(`${dir} holds no model: neither ${MODEL_FILE} (AlsModel.save) nor metadata/part-00000 (Spark's ALSModel.save) was found there; check the path`);
  }
  const { meta, where } = spark;
  if (meta.class !== SPARK_ALS_CLASS) {
    throw fail(`${where} is a Spark ${String(meta.class)}, not an ALS model: found class ${JSON.stringify(meta.class ?? null)}, expected '${SPARK_ALS_CLASS}'`);
  }
  const sparkRank = meta.rank;
  if (!Number.isInteger(sparkRank) || (sparkRank as number) < 1) throw fail(`${where}: rank is ${JSON.stringify(sparkRank ?? null)}, expected a positive integer (Spark's ALSModel metadata has one)`);
  const extra = meta.dataflow;
  if (extra !== undefined && extra.version !== ALS_MODEL_VERSION) {
    throw fail(`${where}: its dataflow section has version ${JSON.stringify(extra.version ?? null)}, expected ${ALS_MODEL_VERSION}; load it with the dataflow that wrote it`);
  }
  const rank = sparkRank as number;
  const width = extra ? rank - (extra.offsetComponent ? 1 : 0) : rank;
  const keep = extra?.offsetComponent ? 1 : 0;
  const sparkParams = { ...(meta.defaultParamMap ?? {}), ...(meta.paramMap ?? {}) } as Record<string, unknown>;
  const resolved: ResolvedAlsOptions = extra
    ? { ...DEFAULTS, ...extra.params }
    : resolveOptions({
      rank,
      userCol: typeof sparkParams.userCol === 'string' ? sparkParams.userCol : DEFAULTS.userCol,
      itemCol: typeof sparkParams.itemCol === 'string' ? sparkParams.itemCol : DEFAULTS.itemCol,
      coldStartStrategy: sparkParams.coldStartStrategy === 'drop' ? 'drop' : 'nan',
    });
  const users = await readFactors(session, dir, 'userFactors', extra?.files.userFactors, width, keep, resolved.userCol, storage);
  const items = await readFactors(session, dir, 'itemFactors', extra?.files.itemFactors, width, keep, resolved.itemCol, storage);
  return {
    parts: {
      options: resolved, plan: { rank: extra ? extra.rank : rank, width, biases: extra?.biases ?? false, mean: extra?.offset ?? 0 },
      users: users.enc, items: items.enc, userFactors: users.factors, itemFactors: items.factors, mean: extra?.globalMean ?? 0, foldIns: extra?.foldIns ?? [],
    },
    trainingData: extra?.trainingData ?? undefined,
  };
}

interface SparkMetadata {
  class?: string;
  rank?: unknown;
  paramMap?: Record<string, unknown>;
  defaultParamMap?: Record<string, unknown>;
  dataflow?: SparkExtra;
}

/** Spark's metadata line (metadata/part-00000, or the first part file listed there). */
async function readSparkMetadata(dir: string, storage: StorageOptions | undefined): Promise<{ meta: SparkMetadata; where: string } | undefined> {
  const folder = joinLocation(dir, 'metadata');
  let where = joinLocation(folder, 'part-00000');
  if (schemeOf(dir) !== 'http') {
    const parts = await listUrl(folder, { ...storage }).catch(() => []);
    const first = parts.map((e) => e.path).filter((p) => /\/part-[^/]*$/.test(p) || /^part-/.test(p)).sort()[0];
    if (first !== undefined) where = first;
  }
  const meta = await readJsonIfPresent(where, storage, fail) as SparkMetadata | undefined;
  return meta === undefined ? undefined : { meta, where };
}

/** An (id, features) table of the rows of a factor matrix, in dense index order. */
export function factorTable(enc: IdEncoding, factors: Float32Array, width: number, idColumn: string): Table {
  const n = enc.ids.length;
  return new Table({ [idColumn]: idVector(enc, Int32Array.from({ length: n }, (_, i) => i)), features: listColumn(factors, n, width) });
}

/** A factor folder back into an encoding and a dense Float32 matrix (`extra` trailing components dropped). */
async function readFactors(
  session: Session, dir: string, name: string, files: string[] | undefined, width: number, extra: number, column: string, storage: StorageOptions | undefined,
): Promise<{ enc: IdEncoding; factors: Float32Array }> {
  const where = joinLocation(dir, name);
  const table = await readTableFolder(session, dir, name, files, storage);
  const idColumn = table.getChild('id');
  if (!idColumn) throw fail(`${where} has no column 'id'; columns are [${table.schema.fields.map((f) => f.name).join(', ')}]`);
  if (table.numRows === 0) throw fail(`${where} has no rows: a model has at least one ${name === 'userFactors' ? 'user' : 'item'}`);
  const enc = encodingOf(idColumn, column, 'ALS');
  if (enc.ids.length !== table.numRows) throw fail(`${where} has ${table.numRows} rows but ${enc.ids.length} distinct ids: an id appears twice`);
  const full = new Float32Array(table.numRows * (width + extra));
  const index = Int32Array.from({ length: table.numRows }, (_, r) => indexOfId(enc.ids, idColumn.get(r)));
  readListColumn(table, 'features', width + extra, full, (r) => index[r]!, where, (r) => `id ${String(idColumn.get(r))}`, fail);
  if (extra === 0) return { enc, factors: full };
  const factors = new Float32Array(table.numRows * width);
  for (let r = 0; r < table.numRows; r++) factors.set(full.subarray(r * (width + extra), r * (width + extra) + width), r * width);
  return { enc, factors };
}
