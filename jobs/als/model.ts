// A trained ALS model: user and item factors (dense index order) with their ids, on the driver.
// Scoring and top-K run distributed: the factors are broadcast once, pairs or users stream
// through executor kernels (model-kernels.ts); top-K scores blocks of targets × blocks of the other
// side with a SIMD kernel and a bounded heap per target (topk-block.ts). Saved and loaded on any storage, in our format or
// Spark's (model-io.ts); new users or items are folded in against the fixed other side (fold-in.ts).
//
// Cold start (`coldStartStrategy`, for pairs whose user or item was not in the training data):
//   'nan'       prediction NaN (Spark's default)
//   'drop'      such rows are removed (Spark's 'drop'; use it when computing RMSE)
//   'fallback'  the training ratings' global mean μ, plus the known user/item bias when the
//               model has biases: μ + b_u (new item), μ + b_i (new user), μ (both new)

import { makeVector } from 'apache-arrow';
import type { Session, Dataset, Broadcast, Row } from '../../engine/index.ts';
import { AlsOptionError } from './errors.ts';
import { indexOfId } from '../shared/id-encoding.ts';
import type { IdEncoding, IdList, IdValue } from '../shared/id-encoding.ts';
import { modelKernels } from './model-kernels.ts';
import type { RecommendOptions } from '../shared/recommend-options.ts';
import type { ModelData } from './model-kernels.ts';
import type { AlsPlan, ResolvedAlsOptions } from './options.ts';
import type { AlsTrainingSummary } from './als.ts';
import { tableOf } from './packed.ts';
import { loadAlsModel, saveAlsModel } from './model-io.ts';
import type { SaveAlsOptions } from './model-io.ts';
import type { ModelIoOptions } from '../shared/model-dir.ts';
import { describeTrainingData } from '../shared/training-data.ts';
import type { TrainingData } from '../shared/training-data.ts';
import { foldIn } from './fold-in.ts';
import type { FoldInOptions } from './fold-in.ts';

/** One fold-in a model went through since training: which side, how many ids and ratings. */
export interface FoldInRecord {
  side: 'user' | 'item';
  ids: number;
  ratings: number;
  at: string;
}

export interface AlsModelParts {
  options: ResolvedAlsOptions;
  plan: Pick<AlsPlan, 'rank' | 'width' | 'biases' | 'mean'>;
  users: IdEncoding;
  items: IdEncoding;
  userFactors: Float32Array;
  itemFactors: Float32Array;
  /** Global mean of the training ratings. */
  mean: number;
  summary?: AlsTrainingSummary;
  /** The training ratings (for excluding rated items; with folded-in ratings added); absent for a loaded model. */
  training?: Dataset<Row>;
  /** The ratings the factors were trained on (for trainingData()); absent for a loaded model. */
  trainedOn?: Dataset<Row>;
  /** Fold-ins since training, oldest first. */
  foldIns?: FoldInRecord[];
}

export type { RecommendOptions, FoldInOptions, SaveAlsOptions, TrainingData };

export class AlsModel {
  readonly rank: number;
  readonly options: ResolvedAlsOptions;
  readonly summary: AlsTrainingSummary | undefined;
  private broadcastHandle: Broadcast<ModelData> | undefined;
  private trainingDataPromise: Promise<TrainingData | undefined> | undefined;

  constructor(readonly session: Session, readonly parts: AlsModelParts, trainingData?: TrainingData) {
    this.rank = parts.plan.rank;
    this.options = parts.options;
    this.summary = parts.summary;
    if (trainingData) this.trainingDataPromise = Promise.resolve(trainingData);
  }

  get userIds(): IdList { return this.parts.users.ids; }
  get itemIds(): IdList { return this.parts.items.ids; }
  /** Factors of dense user index u: `userFactors.subarray(u * width, (u + 1) * width)`; width = rank (+2 with biases: [x, b_u, 1]). */
  get userFactors(): Float32Array { return this.parts.userFactors; }
  /** Item factors; with biases each row is [y, 1, b_i]. */
  get itemFactors(): Float32Array { return this.parts.itemFactors; }
  get width(): number { return this.parts.plan.width; }
  get globalMean(): number { return this.parts.mean; }

  /** The dense index of a user id, or −1. */
  userIndex(id: IdValue): number { return indexOfId(this.parts.users.ids, id); }
  itemIndex(id: IdValue): number { return indexOfId(this.parts.items.ids, id); }

  /** Predicted rating for one (user, item) pair on the driver (NaN when either is unknown). */
  predictOne(user: IdValue, item: IdValue): number {
    const u = this.userIndex(user);
    const i = this.itemIndex(item);
    if (u < 0 || i < 0) return NaN;
    let s = this.parts.plan.mean;
    for (let d = 0; d < this.width; d++) s += this.userFactors[u * this.width + d] * this.itemFactors[i * this.width + d];
    return s;
  }

  /**
   * Adds a `prediction` column to a dataset of (user, item) pairs, applying the cold-start strategy.
   *
   * @example
   *   const rmse = await rmseOf(model.transform(test, { coldStartStrategy: 'drop' }));
   */
  transform(pairs: Dataset<Row>, options: { coldStartStrategy?: 'nan' | 'drop' | 'fallback'; predictionCol?: string } = {}): Dataset<Row> {
    const coldStart = options.coldStartStrategy ?? this.options.coldStartStrategy;
    if (!['nan', 'drop', 'fallback'].includes(coldStart)) throw new AlsOptionError(`coldStartStrategy must be 'nan', 'drop' or 'fallback', got '${String(coldStart)}'`);
    const { userCol, itemCol } = this.options;
    const model = this.data();
    const outCol = options.predictionCol ?? 'prediction';
    const predict = modelKernels.predictPairs;
    return pairs.mapBatches((b) => predict(b, model, userCol, itemCol, coldStart, outCol), { predict, model, userCol, itemCol, coldStart, outCol });
  }

  /**
   * Top-k items for every user: rows (userId, itemId, score, rank), rank 1 = best. Exact (each score
   * is predictOne's, in Float64, written as Float32) and deterministic: equal scores rank the smaller
   * item id first, whatever the master or partitions. Rated items are left out unless `exclude: false`;
   * a user with fewer than k candidates gets them all.
   */
  recommendForAllUsers(k: number, options: RecommendOptions = {}): Dataset<Row> {
    return this.recommend('user', Int32Array.from({ length: this.userIds.length }, (_, i) => i), k, options);
  }

  /** Top-k items for the given user ids (unknown ids are skipped). */
  recommendForUsers(ids: Iterable<IdValue>, k: number, options: RecommendOptions = {}): Dataset<Row> {
    return this.recommend('user', Int32Array.from(Array.from(ids, (id) => this.userIndex(id)).filter((x) => x >= 0)), k, options);
  }

  /** Top-k users for every item: rows (itemId, userId, score, rank). */
  recommendForAllItems(k: number, options: RecommendOptions = {}): Dataset<Row> {
    return this.recommend('item', Int32Array.from({ length: this.itemIds.length }, (_, i) => i), k, options);
  }

  recommendForItems(ids: Iterable<IdValue>, k: number, options: RecommendOptions = {}): Dataset<Row> {
    return this.recommend('item', Int32Array.from(Array.from(ids, (id) => this.itemIndex(id)).filter((x) => x >= 0)), k, options);
  }

  /**
   * What the model was trained on: rows, user and item counts with their smallest and largest ids,
   * and a content hash of the (user, item, rating) rows (one pass over the training ratings, the
   * first time it is asked; a loaded model has it from its folder, or undefined if it was not recorded).
   */
  trainingData(): Promise<TrainingData | undefined> {
    if (!this.trainingDataPromise) {
      const data = this.parts.trainedOn;
      this.trainingDataPromise = data ? describeTrainingData(data, this.parts.users, this.parts.items, this.options.ratingCol) : Promise.resolve(undefined);
    }
    return this.trainingDataPromise;
  }

  /** Fold-ins this model went through since training. */
  get foldIns(): readonly FoldInRecord[] { return this.parts.foldIns ?? []; }

  /**
   * Saves the model in `dir`: a local path, file:// or s3:// URL. Our format (model.json with the
   * parameters and what it was trained on, Parquet factors) or Spark's (`format: 'spark'`: the
   * folder Spark ML's `ALSModel.load` reads). The folder must be empty unless `mode: 'overwrite'`.
   *
   * @example
   *   await model.save('s3://bucket/models/als', { storage: { endpoint } });
   *   await model.save('/tmp/als-spark', { format: 'spark' });
   */
  async save(dir: string, options: SaveAlsOptions = {}): Promise<void> {
    await saveAlsModel(this.session, this.parts, await this.trainingData(), dir, options);
  }

  /**
   * Reads a model from `dir` (a local path, file://, s3:// or http(s):// URL): one written by
   * `save` in either format, or one Spark ML wrote. A folder of another model kind or version is
   * refused, naming what was found and what was expected.
   */
  static async load(session: Session, dir: string, options: ModelIoOptions = {}): Promise<AlsModel> {
    const { parts, trainingData } = await loadAlsModel(session, dir, options);
    return new AlsModel(session, parts, trainingData);
  }

  /**
   * A model whose users rated in `ratings` have factors solved from those ratings against this
   * model's fixed item factors (new users are added, known ones replaced), without retraining:
   * the normal equations of an ALS user half-iteration, solved exactly. Items are unchanged.
   *
   * @example
   *   const folded = await model.foldInUsers(session.fromRows([{ userId: 9001, itemId: 31, rating: 5 }]));
   *   await folded.recommendForUsers([9001], 10).collect();
   */
  foldInUsers(ratings: Dataset<Row>, options: FoldInOptions = {}): Promise<AlsModel> {
    return this.folded(ratings, 'user', options);
  }

  /** The same for items: their factors from their ratings against the fixed user factors. */
  foldInItems(ratings: Dataset<Row>, options: FoldInOptions = {}): Promise<AlsModel> {
    return this.folded(ratings, 'item', options);
  }

  // ---- internals ----------------------------------------------------------------------------

  private async folded(ratings: Dataset<Row>, side: 'user' | 'item', options: FoldInOptions): Promise<AlsModel> {
    const p = this.parts;
    const result = await foldIn(ratings, side, {
      options: p.options, rank: p.plan.rank, width: p.plan.width, biases: p.plan.biases, offset: p.plan.mean,
      users: p.users, items: p.items, userFactors: p.userFactors, itemFactors: p.itemFactors,
    }, options);
    const userCol = options.userCol ?? p.options.userCol;
    const itemCol = options.itemCol ?? p.options.itemCol;
    const rated = ratings.select(userCol, itemCol);
    const u = p.options.userCol;
    const i = p.options.itemCol;
    const renamed = userCol === u && itemCol === i ? rated : rated.map((r) => ({ [u]: r[userCol], [i]: r[itemCol] }), { userCol, itemCol, u, i });
    const parts: AlsModelParts = {
      ...p,
      ...(side === 'user' ? { users: result.encoding, userFactors: result.factors } : { items: result.encoding, itemFactors: result.factors }),
      training: p.training ? p.training.select(u, i).union(renamed) : renamed,
      foldIns: [...(p.foldIns ?? []), { side, ids: result.ids, ratings: result.ratings, at: new Date().toISOString() }],
    };
    return new AlsModel(this.session, parts, await this.trainingData());
  }

  private data(): Broadcast<ModelData> {
    if (!this.broadcastHandle) {
      const p = this.parts;
      this.broadcastHandle = this.session.broadcast<ModelData>({
        rank: p.plan.rank, width: p.plan.width, biases: p.plan.biases, offset: p.plan.mean, globalMean: p.mean,
        userFactors: p.userFactors, itemFactors: p.itemFactors, users: p.users, items: p.items,
      });
    }
    return this.broadcastHandle;
  }

  private recommend(side: 'user' | 'item', targets: Int32Array, k: number, options: RecommendOptions): Dataset<Row> {
    if (!Number.isInteger(k) || k < 1) throw new AlsOptionError(`k must be a positive integer, got ${k}`);
    const model = this.data();
    const numPartitions = options.numPartitions ?? 4;
    const [targetCol, otherCol] = side === 'user' ? [this.options.userCol, this.options.itemCol] : [this.options.itemCol, this.options.userCol];
    const { userCol, itemCol } = this.options;
    let rows: Dataset<Row> = this.session.fromTable(tableOf({ key: makeVector(targets), a: makeVector(targets), b: makeVector(new Int32Array(targets.length).fill(-1)) }), { numPartitions });
    const exclude = options.exclude ?? true;
    const rated = exclude === true ? this.parts.training : exclude === false ? undefined : exclude;
    if (rated) {
      const enc = modelKernels.ratedPairs;
      const pairs = rated.mapBatches((b) => enc(b, model, side, userCol, itemCol), { enc, model, side, userCol, itemCol });
      rows = rows.union(pairs);
    }
    // all rows of a target (the target itself and what it rated) meet in one partition
    const rec = modelKernels.recommendPartition;
    return rows.repartition(['key'], { numPartitions })
      .mapPartitionTables((t) => rec(t, model, side, k, targetCol, otherCol), { rec, model, side, k, targetCol, otherCol });
  }
}
