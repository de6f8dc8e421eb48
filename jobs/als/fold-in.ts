// Fold-in: factors for new or changed users (items) from their ratings against the model's FIXED
// item (user) factors, without retraining. Each row solves the same regularised normal equations
// one ALS half-iteration solves for it (row-solvers.ts, the same code):
//
//   explicit:  (Σ_i y_i·y_iᵀ + λ·n_u·I) x_u = Σ_i (r_ui − μ − b_i)·y_i        (biases: y_i = [y, 1])
//   implicit:  (YᵀY + Σ_i α|r_ui|·y_i·y_iᵀ + λ·n_u·I) x_u = Σ_{r_ui>0} (1 + α|r_ui|)·y_i
//
// solved exactly (Cholesky; NNLS when `nonnegative`), where training's implicit default takes 3
// warm-started CG steps. YᵀY is summed once on the driver and shipped with the fixed factors.
//
// The data movement: the ratings are repartitioned by the folded side's id, each partition groups
// its rows by id and solves them (fixed factors broadcast once); the solved rows come back to the
// driver, where they replace (changed ids) or join (new ids) the model's rows in a new model.
// Ratings of ids the fixed side does not know cannot be folded against and are skipped; an id
// left with no rating gets no row. Duplicate pairs are averaged (or refused: duplicates 'error').

import { makeVector, Table } from 'apache-arrow';
import { groupIds, libraryFunctions, takeRows } from '../../engine/extend.ts';
import type { Broadcast, Dataset, Row } from '../../engine/index.ts';
import { encodeColumn, indexOfId } from '../shared/id-encoding.ts';
import type { IdEncoding, IdKind, IdList, IdValue } from '../shared/id-encoding.ts';
import { listColumn, readListColumn } from '../shared/vector-column.ts';
import { AlsInputError, AlsOptionError } from './errors.ts';
import { makePlan } from './als.ts';
import type { InBlock } from './in-blocks.ts';
import { resolveOptions } from './options.ts';
import type { AlsPlan, ResolvedAlsOptions } from './options.ts';
import { ratingValues } from './ratings-kernels.ts';
import { partialGram, solveRows } from './row-solvers.ts';

/** What may differ from the model's training options when folding in (a Spark-loaded model knows none of them). */
export interface FoldInOptions {
  regParam?: number;
  regExponent?: number;
  implicitPrefs?: boolean;
  alpha?: number;
  nonnegative?: boolean;
  /** Columns of the ratings (default: the model's). */
  userCol?: string;
  itemCol?: string;
  ratingCol?: string;
  duplicates?: 'average' | 'error';
  /** Partitions the ratings are grouped into (default: the session's parallelism). */
  numPartitions?: number;
}

/** What the kernel needs on every executor. */
interface FoldSpec {
  plan: AlsPlan;
  side: 'user' | 'item';
  /** The fixed side's ids and factors (rows × width), and YᵀY (implicit). */
  fixedIds: IdList;
  fixed: Float32Array;
  gram: Float64Array | null;
  ownCol: string;
  otherCol: string;
  cols: { userCol: string; itemCol: string; ratingCol: string };
}

/**
 * Kernel: one partition of ratings (all rows of each of its ids) → { id, features } per id with at
 * least one rating of a known fixed-side id.
 */
export function foldInPartition(table: Table, spec: FoldSpec): Table {
  const { plan, ownCol, otherCol } = spec;
  const width = plan.width;
  if (table.numRows === 0) return emptyResult(table, ownCol, width);
  const own = table.getChild(ownCol);
  const other = table.getChild(otherCol);
  if (!own || !other) {
    throw new AlsInputError(`fold-in: the ratings have no column '${own ? otherCol : ownCol}'; columns are [${table.schema.fields.map((f) => f.name).join(', ')}]. Pass the userCol / itemCol option`);
  }
  if (own.nullCount > 0) throw new AlsInputError(`fold-in: column '${ownCol}' has ${own.nullCount} null ids; drop rows with missing ids first`);
  const r64 = ratingValues(table, spec.cols);
  const pos = encodeColumn(other, spec.fixedIds, { column: otherCol, job: 'ALS fold-in', nulls: 'error' });
  const { groupOf, numGroups, firstRow } = groupIds(table, [ownCol]);
  // rows of each group, known fixed ids only, sorted by fixed index (the in-block order)
  const byGroup: number[][] = Array.from({ length: numGroups }, () => []);
  for (let i = 0; i < table.numRows; i++) if (pos[i]! >= 0) byGroup[groupOf[i]!]!.push(i);
  const kept: number[] = [];
  const rowPtr: number[] = [0];
  const at: number[] = [];
  const r: number[] = [];
  for (let g = 0; g < numGroups; g++) {
    const rows = byGroup[g]!.sort((a, b) => pos[a]! - pos[b]! || a - b);
    if (rows.length === 0) continue;
    for (let j = 0; j < rows.length;) {
      let e = j + 1;
      let sum = r64[rows[j]!]!;
      while (e < rows.length && pos[rows[e]!] === pos[rows[j]!]) sum += r64[rows[e++]!]!;
      if (e - j > 1 && spec.plan.duplicates === 'error') {
        throw new AlsInputError(`fold-in: ${ownCol} ${String(own.get(rows[j]!))} rated ${otherCol} ${String(other.get(rows[j]!))} ${e - j} times; pass duplicates: 'average' or remove the repeats`);
      }
      at.push(pos[rows[j]!]!);
      r.push(sum / (e - j));
      j = e;
    }
    kept.push(firstRow[g]!);
    rowPtr.push(at.length);
  }
  const none = new Int32Array(0);
  const ib: InBlock = { rowPtr: Int32Array.from(rowPtr), pos: Int32Array.from(at), r: Float32Array.from(r), msgStart: none, outPtr: none, outLocal: none };
  const solved = solveRows(plan, spec.side, 0, ib, spec.fixed, new Float32Array(0), spec.gram);
  return new Table({ id: takeRows(table.select([ownCol]), Int32Array.from(kept)).getChild(ownCol)!, features: listColumn(solved, kept.length, width), n: makeVector(Int32Array.from(kept, (_, g) => rowPtr[g + 1]! - rowPtr[g]!)) });
}

function emptyResult(table: Table, ownCol: string, width: number): Table {
  const own = table.getChild(ownCol);
  return new Table({ id: own ? own.slice(0, 0) : makeVector(new Int32Array(0)), features: listColumn(new Float32Array(0), 0, width), n: makeVector(new Int32Array(0)) });
}

export const foldInKernels = libraryFunctions(import.meta.url, { foldInPartition });

/** The side that was folded in, with its new encoding and factors (fixed side unchanged). */
export interface FoldedSide {
  encoding: IdEncoding;
  factors: Float32Array;
  /** Ids solved, and ratings used. */
  ids: number;
  ratings: number;
}

/**
 * Solves the rows of `side` rated in `ratings` against the fixed other side and merges them into
 * that side's encoding and factors.
 */
export async function foldIn(
  ratings: Dataset<Row>, side: 'user' | 'item', model: { options: ResolvedAlsOptions; rank: number; width: number; biases: boolean; offset: number; users: IdEncoding; items: IdEncoding; userFactors: Float32Array; itemFactors: Float32Array },
  options: FoldInOptions,
): Promise<FoldedSide> {
  const { numPartitions, ...overrides } = options;
  for (const key of Object.keys(overrides)) {
    if (!['regParam', 'regExponent', 'implicitPrefs', 'alpha', 'nonnegative', 'userCol', 'itemCol', 'ratingCol', 'duplicates'].includes(key)) {
      throw new AlsOptionError(`unknown fold-in option '${key}'; known options: regParam, regExponent, implicitPrefs, alpha, nonnegative, userCol, itemCol, ratingCol, duplicates, numPartitions`);
    }
  }
  const o = resolveOptions({ ...model.options, ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)), rank: model.rank, solver: 'cholesky', numUserBlocks: 1, numItemBlocks: 1 });
  if (numPartitions !== undefined && (!Number.isInteger(numPartitions) || numPartitions < 1)) throw new AlsOptionError(`fold-in: numPartitions must be a positive integer, got ${numPartitions}`);
  const plan = makePlan(o, 1, 1, model.offset);
  if (plan.width !== model.width) throw new AlsOptionError(`fold-in: the model's factors are ${model.width} wide but its options give ${plan.width} (rank ${o.rank}, biases ${o.biases}); the model's options are inconsistent`);
  const fixed = side === 'user' ? model.itemFactors : model.userFactors;
  const fixedEnc = side === 'user' ? model.items : model.users;
  const own = side === 'user' ? model.users : model.items;
  const gram = o.implicitPrefs ? partialGram(fixed, plan.width, plan.rank, 0, fixedEnc.ids.length) : null;
  const [ownCol, otherCol] = side === 'user' ? [o.userCol, o.itemCol] : [o.itemCol, o.userCol];
  const spec: Broadcast<FoldSpec> = ratings.session.broadcast<FoldSpec>({
    plan, side, fixedIds: fixedEnc.ids, fixed, gram, ownCol, otherCol, cols: { userCol: o.userCol, itemCol: o.itemCol, ratingCol: o.ratingCol },
  });
  const run = foldInKernels.foldInPartition;
  const solved = await ratings
    .repartition([ownCol], { numPartitions: numPartitions ?? ratings.session.defaultParallelism })
    .mapPartitionTables((t) => run(t, spec.value), { run, spec })
    .toTable();
  return { ...mergeRows(own, side === 'user' ? model.userFactors : model.itemFactors, plan.width, solved), ids: solved.numRows, ratings: sumOf(solved) };
}

function sumOf(t: Table): number {
  let s = 0;
  const n = t.getChild('n');
  for (let i = 0; i < t.numRows; i++) s += n!.get(i) as number;
  return s;
}

/** The encoding and factors of a side with `solved` rows (id, features) replacing or joining its own. */
function mergeRows(own: IdEncoding, factors: Float32Array, width: number, solved: Table): { encoding: IdEncoding; factors: Float32Array } {
  const idColumn = solved.getChild('id')!;
  const fresh: IdValue[] = [];
  const target = new Int32Array(solved.numRows); // index in `own`, or −(1 + position in fresh)
  for (let r = 0; r < solved.numRows; r++) {
    const raw = idColumn.get(r) as IdValue;
    const at = indexOfId(own.ids, raw);
    if (at >= 0) target[r] = at;
    else {
      target[r] = -1 - fresh.length;
      fresh.push(asListValue(raw, own));
    }
  }
  const solvedFactors = new Float32Array(solved.numRows * width);
  readListColumn(solved, 'features', width, solvedFactors, (r) => r, 'fold-in result', (r) => `id ${String(idColumn.get(r))}`, (m) => new AlsInputError(m));
  const ids = mergedIds(own.ids, fresh);
  const kind: IdKind = own.kind === 'int32' && fresh.some((v) => typeof v !== 'number' || !Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) ? 'float64' : own.kind;
  const encoding: IdEncoding = { column: own.column, ids, kind };
  const out = new Float32Array(ids.length * width);
  const oldIds = own.ids;
  for (let i = 0; i < oldIds.length; i++) out.set(factors.subarray(i * width, (i + 1) * width), indexOfId(ids, oldIds[i]) * width);
  for (let r = 0; r < solved.numRows; r++) {
    const to = target[r]! >= 0 ? indexOfId(ids, oldIds[target[r]!]) : indexOfId(ids, fresh[-1 - target[r]!]);
    out.set(solvedFactors.subarray(r * width, (r + 1) * width), to * width);
  }
  return { encoding, factors: out };
}

/** A new id in the form the side's list holds, or an error when it cannot be one of them. */
function asListValue(v: IdValue, own: IdEncoding): IdValue {
  const ids = own.ids;
  if (Array.isArray(ids)) {
    if (typeof v === 'string') return v;
  } else if (ids instanceof BigInt64Array) {
    if (typeof v === 'bigint') return BigInt.asIntN(64, v);
    if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  } else {
    if (typeof v === 'number' && Number.isFinite(v)) return v === 0 ? 0 : v;
    if (typeof v === 'bigint' && Number.isSafeInteger(Number(v))) return Number(v);
  }
  throw new AlsInputError(`fold-in: ${own.column} ${JSON.stringify(typeof v === 'bigint' ? v.toString() : v)} is a ${typeof v}, but the model's ${own.column} ids are ${own.kind}; pass ids of the model's type`);
}

/** The sorted union of a sorted id list and new ids (the order id-encoding.ts numbers ids in). */
function mergedIds(ids: IdList, fresh: IdValue[]): IdList {
  if (Array.isArray(ids)) return [...new Set([...ids, ...(fresh as string[])])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (ids instanceof BigInt64Array) return BigInt64Array.from(new Set([...ids, ...(fresh as bigint[])])).sort();
  return Float64Array.from(new Set([...ids, ...(fresh as number[])])).sort();
}
