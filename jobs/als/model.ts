// A trained ALS model: user and item factors (dense index order) with their ids, on the driver.
// Scoring and top-K run distributed: the factors are broadcast once, pairs or users stream
// through executor kernels (model-kernels.ts). Saved as Parquet factors plus params.json.
//
// Cold start (`coldStartStrategy`, for pairs whose user or item was not in the training data):
//   'nan'       prediction NaN (Spark's default)
//   'drop'      such rows are removed (Spark's 'drop'; use it when computing RMSE)
//   'fallback'  the training ratings' global mean μ, plus the known user/item bias when the
//               model has biases: μ + b_u (new item), μ + b_i (new user), μ (both new)

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Table, makeVector } from 'apache-arrow';
import type { Vector } from 'apache-arrow';
import type { Session, Dataset, Broadcast, Row } from '../../engine/index.ts';
import { AlsModelFormatError, AlsOptionError } from './errors.ts';
import { encodingOf, idVector, indexOfId } from '../shared/id-encoding.ts';
import type { IdEncoding, IdList, IdValue } from '../shared/id-encoding.ts';
import { modelKernels } from './model-kernels.ts';
import type { RecommendOptions } from '../shared/recommend-options.ts';
import type { ModelData } from './model-kernels.ts';
import type { AlsPlan, ResolvedAlsOptions } from './options.ts';
import type { AlsTrainingSummary } from './als.ts';
import { tableOf } from './packed.ts';

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
  /** The training ratings (for excluding rated items); absent for a loaded model. */
  training?: Dataset<Row>;
}

export type { RecommendOptions };

const FORMAT = 'dataflow-als-1';

export class AlsModel {
  readonly rank: number;
  readonly options: ResolvedAlsOptions;
  readonly summary: AlsTrainingSummary | undefined;
  private broadcastHandle: Broadcast<ModelData> | undefined;

  constructor(readonly session: Session, readonly parts: AlsModelParts) {
    this.rank = parts.plan.rank;
    this.options = parts.options;
    this.summary = parts.summary;
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

  /** Top-k items for every user: rows (userId, itemId, score, rank). */
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
   * Writes `dir/userFactors` and `dir/itemFactors` (Parquet: id, f0..f{width-1}) and `dir/params.json`.
   *
   * @example
   *   await model.save('/tmp/als-model'); const again = await AlsModel.load(session, '/tmp/als-model');
   */
  async save(dir: string, options: { mode?: 'error' | 'overwrite' } = {}): Promise<void> {
    await mkdir(dir, { recursive: true });
    const mode = options.mode ?? 'error';
    for (const side of ['user', 'item'] as const) {
      const enc = side === 'user' ? this.parts.users : this.parts.items;
      const f = side === 'user' ? this.userFactors : this.itemFactors;
      const columns: Record<string, Vector> = { id: idVector(enc, Int32Array.from({ length: enc.ids.length }, (_, i) => i)) };
      for (let d = 0; d < this.width; d++) {
        const col = new Float32Array(enc.ids.length);
        for (let r = 0; r < enc.ids.length; r++) col[r] = f[r * this.width + d];
        columns[`f${d}`] = makeVector(col);
      }
      await this.session.fromTable(new Table(columns), { numPartitions: 1 }).writeParquet(join(dir, `${side}Factors`), { mode });
    }
    const { training: _t, ...rest } = this.parts;
    const params = { format: FORMAT, options: this.options, plan: this.parts.plan, mean: this.parts.mean, userIdKind: rest.users.kind, itemIdKind: rest.items.kind, summary: rest.summary };
    await writeFile(join(dir, 'params.json'), JSON.stringify(params, null, 2));
  }

  /** Reads a model written by `save`. */
  static async load(session: Session, dir: string): Promise<AlsModel> {
    let params: { format: string; options: ResolvedAlsOptions; plan: AlsModelParts['plan']; mean: number; summary?: AlsTrainingSummary };
    try {
      params = JSON.parse(await readFile(join(dir, 'params.json'), 'utf8'));
    } catch (error) {
      throw new AlsModelFormatError(`cannot read ${join(dir, 'params.json')}: ${(error as Error).message}; is '${dir}' a folder written by AlsModel.save?`);
    }
    if (params.format !== FORMAT) throw new AlsModelFormatError(`${join(dir, 'params.json')} has format '${params.format}', expected '${FORMAT}'`);
    const width = params.plan.width;
    const side = async (name: string): Promise<{ enc: IdEncoding; factors: Float32Array }> => {
      const table = await (await session.readParquet(join(dir, name))).toTable();
      const idColumn = table.getChild('id');
      if (!idColumn) throw new AlsModelFormatError(`${join(dir, name)} has no column id; is '${dir}' a folder written by AlsModel.save?`);
      const enc = encodingOf(idColumn, `${name}.id`, 'ALS');
      const factors = new Float32Array(idColumn.length * width);
      for (let d = 0; d < width; d++) {
        const col = table.getChild(`f${d}`);
        if (!col) throw new AlsModelFormatError(`${join(dir, name)} has no column f${d} (width ${width} expected)`);
        for (let r = 0; r < idColumn.length; r++) {
          const at = indexOfId(enc.ids, idColumn.get(r));
          factors[at * width + d] = col.get(r) as number;
        }
      }
      return { enc, factors };
    };
    const users = await side('userFactors');
    const items = await side('itemFactors');
    return new AlsModel(session, {
      options: params.options, plan: params.plan, users: users.enc, items: items.enc,
      userFactors: users.factors, itemFactors: items.factors, mean: params.mean, summary: params.summary,
    });
  }

  // ---- internals ----------------------------------------------------------------------------

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
