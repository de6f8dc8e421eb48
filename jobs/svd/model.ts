// The result of svd(): σ on the driver, U and V as Datasets (per user / per item: id + Float64
// vector), and predictions read from the factors for the pairs and top-K lists asked for. The dense
// users × items matrix U·Σ·Vᵀ is never formed: a pair costs k multiply-adds, a top-K list k per item.
// Saved and loaded on any storage by save / SvdModel.load (model-io.ts).

import { Table, makeVector, vectorFromArray, Utf8 } from 'apache-arrow';
import type { Dataset, Broadcast, Row, Session } from '../../engine/index.ts';
import type { IdEncoding } from '../shared/id-encoding.ts';
import { decodeIds } from '../shared/id-encoding.ts';
import type { RecommendOptions } from '../shared/recommend-options.ts';
import type { Centering } from './row-kernels.ts';
import { predictKernels } from './predict-kernels.ts';
import type { PairSpec, TopKSpec } from './predict-kernels.ts';
import { sparseRowKernels } from './sparse-rows.ts';
import type { EncodeSpec } from './sparse-rows.ts';
import { vectorColumn } from './sparse-rows.ts';
import type { ResolvedSvdOptions } from './options.ts';
import { SvdInputError } from './errors.ts';
import { centeringOf, loadSvdModel, saveSvdModel, vectorsDataset } from './model-io.ts';
import type { ModelIoOptions, SaveModelOptions } from '../shared/model-dir.ts';
import { describeTrainingData } from '../shared/training-data.ts';
import type { TrainingData } from '../shared/training-data.ts';

/** Everything svd() hands to the model (internal). */
export interface SvdParts {
  options: ResolvedSvdOptions;
  k: number;
  mode: 'gramian' | 'lanczos';
  sigma: Float64Array;
  users: IdEncoding;
  items: IdEncoding;
  usersAreRows: boolean;
  /** Narrow side's singular vectors, n × k row-major by dense index. */
  narrow: Float64Array;
  /** Wide side's sparse rows (cached), and the raw ratings they came from; absent for a loaded model. */
  rows?: Dataset;
  ratings?: Dataset;
  encodeSpec?: Broadcast<EncodeSpec>;
  centering: Centering;
  userMeans: Float64Array | null;
  globalMean: number;
  stats: SvdStats;
}

export interface SvdStats {
  users: number;
  items: number;
  /** Where the products ran (plan.ts); absent in models saved before it was recorded. */
  products?: 'driver' | 'executors';
  /** Products with the ratings (block products or the Gram pass), distributed or on the driver. */
  passes: number;
  /** Vectors per block product (Lanczos) and partitions of the rows (one task each per pass). */
  blockSize: number;
  numBlocks: number;
  /** Seconds spent waiting for those passes (the rest of solveSeconds is driver-side dense work; U is computed on first use, outside solveSeconds). */
  productSeconds: number;
  restarts: number;
  /** Largest relative Ritz residual ‖AᵀA v − σ² v‖ / σ₁² (0 for the Gramian mode). */
  residual: number;
  /** Seconds: encoding and layout of the ratings, then the solve (σ and the narrow side's vectors; not U, which is lazy). */
  prepareSeconds: number;
  solveSeconds: number;
}

export type { RecommendOptions };

export class SvdModel {
  readonly k: number;
  readonly mode: 'gramian' | 'lanczos';
  /** Singular values, descending. */
  readonly sigma: Float64Array;
  /** Per user: { <userColumn>: id, vector: Float64Array(k) } (left singular vectors). */
  readonly U: Dataset;
  /** Per item: { <itemColumn>: id, vector: Float64Array(k) } (right singular vectors). */
  readonly V: Dataset;
  readonly stats: SvdStats;
  /** What was subtracted before the factorization; predictions add it back. */
  readonly centering: { kind: 'none' | 'global' | 'user'; globalMean: number; userMeans: Float64Array | null };
  private factorSpec: Broadcast<PairSpec> | undefined;
  private byUserRows: Dataset | undefined;
  private trainingDataPromise: Promise<TrainingData | undefined> | undefined;
  private readonly session: Session;

  constructor(private readonly parts: SvdParts, wideVectors: Dataset, trainingData?: TrainingData) {
    if (trainingData) this.trainingDataPromise = Promise.resolve(trainingData);
    this.k = parts.k;
    this.mode = parts.mode;
    this.sigma = parts.sigma;
    this.stats = parts.stats;
    this.centering = { kind: parts.options.centering, globalMean: parts.globalMean, userMeans: parts.userMeans };
    const narrowSide = parts.usersAreRows ? parts.items : parts.users;
    const session = wideVectors.session;
    this.session = session;
    const indices = Int32Array.from({ length: narrowSide.ids.length }, (_, i) => i);
    const decoded = decodeIds(narrowSide, indices);
    const narrowVectors = session.fromTable(
      new Table({
        [narrowSide.column]: Array.isArray(decoded) ? vectorFromArray(decoded, new Utf8()) : makeVector(decoded),
        vector: makeVector(vectorColumn(parts.narrow, indices.length, parts.k)),
      }),
    );
    this.U = parts.usersAreRows ? wideVectors : narrowVectors;
    this.V = parts.usersAreRows ? narrowVectors : wideVectors;
  }

  /**
   * Predicted ratings (U·Σ·Vᵀ + centering offset) for the (user, item) pairs of `pairs`; ids the
   * model never saw give NaN.
   *
   * @example
   *   const p = await model.predict(session.fromRows([{ userId: 1, itemId: 31 }])).collect();
   */
  predict(pairs: Dataset): Dataset {
    const { users, items, usersAreRows } = this.parts;
    const wideColumn = usersAreRows ? users.column : items.column;
    const wide = usersAreRows ? this.U : this.V;
    const joined = pairs.select(users.column, items.column).join(wide, [wideColumn], { how: 'left' });
    const spec = this.pairSpec();
    const predict = predictKernels.predictPairs;
    return joined.mapBatches((t) => predict(t, spec.value), { predict, spec });
  }

  /** Each user's `count` best items: rows { user, rank, item, prediction }. */
  async recommendForAllUsers(count: number, options: RecommendOptions = {}): Promise<Dataset> {
    return this.recommend(count, null, options);
  }

  /** The `count` best items of the given users (ids the model never saw are skipped). */
  async recommendForUsers(userIds: unknown[], count: number, options: RecommendOptions = {}): Promise<Dataset> {
    const index = new Map<unknown, number>();
    this.parts.users.ids.forEach((id: unknown, i: number) => index.set(id, i));
    const only = Int32Array.from(userIds.map((id) => index.get(typeof id === 'bigint' ? BigInt.asIntN(64, id) : id) ?? -1).filter((i) => i >= 0)).sort();
    return this.recommend(count, only, options);
  }

  /**
   * What the model was trained on: rows, user and item counts with their smallest and largest ids,
   * and a content hash of the (user, item, rating) rows (one pass over the ratings the first time).
   */
  trainingData(): Promise<TrainingData | undefined> {
    if (!this.trainingDataPromise) {
      const p = this.parts;
      this.trainingDataPromise = p.ratings ? describeTrainingData(p.ratings, p.users, p.items, p.options.ratingColumn) : Promise.resolve(undefined);
    }
    return this.trainingDataPromise;
  }

  /**
   * Saves the model in `dir` (a local path, file:// or s3:// URL): model.json with σ, the options and
   * what it was trained on, and U and V as Parquet. The folder must be empty unless `mode: 'overwrite'`.
   *
   * @example
   *   await model.save('s3://bucket/models/svd'); const same = await SvdModel.load(session, 's3://bucket/models/svd');
   */
  async save(dir: string, options: SaveModelOptions = {}): Promise<void> {
    const p = this.parts;
    const wide = await this.wideFactorsByIndex(p.usersAreRows ? this.U : this.V, p.usersAreRows ? p.users : p.items);
    await saveSvdModel(this.session, {
      options: p.options, k: p.k, mode: p.mode, sigma: p.sigma, users: p.users, items: p.items, usersAreRows: p.usersAreRows,
      userVectors: p.usersAreRows ? wide : p.narrow, itemVectors: p.usersAreRows ? p.narrow : wide, userMeans: p.userMeans, globalMean: p.globalMean, stats: p.stats,
    }, await this.trainingData(), dir, options);
  }

  /**
   * Reads a model written by `save` from a local path, file://, s3:// or http(s):// URL; a folder of
   * another kind or version is refused, naming what was found and what was expected. The loaded
   * model predicts exactly as the saved one; recommendations need the ratings, so the trained model.
   */
  static async load(session: Session, dir: string, options: ModelIoOptions = {}): Promise<SvdModel> {
    const { snapshot: s, trainingData } = await loadSvdModel(session, dir, options);
    const [narrow, wide, wideEnc] = s.usersAreRows ? [s.itemVectors, s.userVectors, s.users] : [s.userVectors, s.itemVectors, s.items];
    return new SvdModel({
      options: s.options, k: s.k, mode: s.mode, sigma: s.sigma, users: s.users, items: s.items, usersAreRows: s.usersAreRows, narrow,
      centering: centeringOf(s), userMeans: s.userMeans, globalMean: s.globalMean, stats: s.stats,
    }, vectorsDataset(session, wideEnc, wide, s.k), trainingData);
  }

  private async recommend(count: number, only: Int32Array | null, options: RecommendOptions): Promise<Dataset> {
    if (!Number.isInteger(count) || count < 1) throw new SvdInputError(`svd recommendations: count must be a positive integer, got ${count}`);
    if (!this.parts.rows) {
      throw new SvdInputError('svd recommendations: this model was loaded from a folder and has no ratings, which recommendations need (they fold each user in from its rated items and leave those out); recommend with the trained model, or score candidate pairs with predict()');
    }
    const exclude = options.exclude ?? true;
    if (typeof exclude !== 'boolean') {
      throw new SvdInputError('svd recommendations: exclude takes true (leave out rated items, the default) or false; excluding the pairs of another dataset is not supported by SVD (filter the recommendations instead)');
    }
    const p = this.parts;
    const k = p.k;
    let itemFactors: Float64Array;
    let userScaled: Float64Array | null = null;
    let rows: Dataset;
    let centering: Centering;
    if (p.usersAreRows) {
      itemFactors = p.narrow; // V by item index; user factors are folded in: a_uᵀ V = U_u Σ
      rows = this.parts.rows;
      centering = p.centering;
    } else {
      itemFactors = await this.wideFactorsByIndex(this.V, p.items);
      userScaled = scaleColumns(p.narrow, p.sigma);
      rows = this.usersAsRows();
      centering = p.centering.kind === 'cols' ? { kind: 'rows', means: p.centering.means } : p.centering;
    }
    const spec = this.session.broadcast<TopKSpec>({
      k, users: p.users, items: p.items, userOffsets: p.userMeans, globalOffset: p.globalMean,
      itemFactors, userScaled, centering, count, excludeRated: exclude, only,
    });
    const topK = predictKernels.topKForRows;
    const recommendations = rows.mapBatches((t) => topK(t, spec.value), { topK, spec });
    return options.numPartitions === undefined ? recommendations : recommendations.repartition([p.users.column], { numPartitions: options.numPartitions });
  }

  private pairSpec(): Broadcast<PairSpec> {
    if (!this.factorSpec) {
      const p = this.parts;
      this.factorSpec = this.session.broadcast<PairSpec>({
        k: p.k, users: p.users, items: p.items, userOffsets: p.userMeans, globalOffset: p.globalMean,
        wideIsUsers: p.usersAreRows, narrowScaled: scaleColumns(p.narrow, p.sigma),
      });
    }
    return this.factorSpec;
  }

  /** The ratings laid out with users as rows (built once, when users are the narrow side). */
  private usersAsRows(): Dataset {
    if (!this.byUserRows) {
      const p = this.parts;
      const spec = this.session.broadcast<EncodeSpec>({ ...p.encodeSpec!.value, usersAreRows: true });
      const encode = sparseRowKernels.encodeRatings;
      this.byUserRows = p.ratings!
        .mapBatches((t) => encode(t, spec.value), { encode, spec })
        .groupByKey(['row'], { numPartitions: p.options.numBlocks })
        .mapBatches(sparseRowKernels.buildSparseRows)
        .cache();
    }
    return this.byUserRows;
  }

  /** Collects a distributed factor dataset into an (ids × k) array ordered by dense index. */
  private async wideFactorsByIndex(vectors: Dataset, encoding: IdEncoding): Promise<Float64Array> {
    const k = this.parts.k;
    const index = new Map<unknown, number>();
    encoding.ids.forEach((id: unknown, i: number) => index.set(id, i));
    const out = new Float64Array(encoding.ids.length * k);
    for (const row of (await vectors.collect()) as Row[]) {
      const i = index.get(row[encoding.column]);
      if (i === undefined) continue;
      out.set((row.vector as Float64Array).subarray(0, k), i * k);
    }
    return out;
  }
}

/** X · diag(σ) for X n × k row-major. */
function scaleColumns(x: Float64Array, sigma: Float64Array): Float64Array {
  const k = sigma.length;
  return Float64Array.from(x, (v, i) => v * sigma[i % k]!);
}
