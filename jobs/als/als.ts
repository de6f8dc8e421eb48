// Alternating least squares for collaborative filtering, blocked and distributed as in Spark
// MLlib's ALS.scala, on the engine's own Dataset operators (it runs unchanged on local and local[N]).
//
// THE MATH. Ratings r_ui ≈ x_uᵀ·y_i with rank-k factors. Fixing Y, each user's factor is a small
// regularized least-squares problem, and symmetrically for items; ALS alternates the two:
//
//   explicit (ALS-WR):  min Σ_(u,i) (r_ui − x_uᵀy_i)² + λ·(Σ_u n_u·|x_u|² + Σ_i n_i·|y_i|²)
//     (`regExponent` ν weighs by n_u^ν and n_i^ν instead: ν = 0 is a constant λ)
//     x_u = (Σ_i y_i·y_iᵀ + λ·n_u·I)⁻¹ · Σ_i r_ui·y_i         n_u = number of ratings of u
//     With `biases`, ratings are centred on their mean μ and r ≈ μ + b_u + b_i + x_uᵀy_i: the solve
//     for u uses [y_i, 1] as features and r − μ − b_i as target, learning (x_u, b_u) together.
//   implicit (Hu, Koren, Volinsky):  confidence c_ui = 1 + α·|r_ui| (Spark's formula; the `implicit`
//     library uses α·r), preference p_ui = 1 if r_ui > 0 else 0, every unrated pair has c = 1, p = 0:
//     x_u = (YᵀY + Σ_{i∈I_u} (c_ui − 1)·y_i·y_iᵀ + λ·n_u·I)⁻¹ · Σ_{i∈I_u} c_ui·p_ui·y_i
//     n_u = number of positive ratings of u (as Spark). YᵀY is computed once per half-iteration;
//     the default solver is 3 steps of conjugate gradient warm-started from x_u's previous value
//     (the `implicit` library's method); `solver: 'cholesky'` forms and factors each system.
//   nonnegative: each row's system is solved as non-negative least squares (Lawson–Hanson).
//
// THE DATA MOVEMENT. The input is read once: its user, item and rating columns are cached for the
// passes of the preparation (validation; the ids of both sides, found in one pass with no shuffle;
// the routing of each side), and dropped when the in-blocks are built. Users are cut into
// numUserBlocks contiguous blocks of dense indices, items into numItemBlocks (layout.ts). Once, before iterating, the ratings are routed to their user block and
// to their item block and turned into IN-BLOCKS (in-blocks.ts): per block, its rows' ratings sorted
// by the other side's index, the positions of the other side's factors it needs, and its OUT-BLOCK
// (which of its rows each block of the other side needs). The in-blocks are the map side of a
// shuffle that is written once and read back by every half-iteration (the engine reuses a shuffle's
// files across jobs, so they are never recomputed nor re-shuffled). Per half-iteration (users):
//
//   item half-iteration output (one row per message)          user in-blocks (shuffle, reused)
//   ├ to user block b: factors of the items b's ratings use ┐        │
//   ├ user block b's own previous factors (carried)         ├─ shuffle by route key ─┐
//   └ partial YᵀY of each item leaf (implicit)              ┘                        ▼
//                                         left join on route key: partition b = user block b
//                                                              │ halfIteration kernel
//                                                              ▼
//                     solve every user of b; emit messages to item blocks, carry factors along
//
// so each block receives only the factors its ratings refer to (at most min(#ratings, #items × blocks)
// vectors per half-iteration), as in Spark. The whole run is one lazy chain of 2·maxIter shuffles;
// `checkpointInterval` collects the state to the driver and restarts the lineage from it.
//
// DETERMINISM. Initial factors are a hash of (seed, side, index) (init-factors.ts); a row's normal
// equations are summed in increasing index of the other side whichever block sent each factor;
// YᵀY is summed per fixed LEAF of indices (independent of blocks) and the leaves in order. The same
// seed therefore gives bit-identical factors on local, local[N] and for any block counts.
//
// THE KERNELS. Almost all of an iteration's CPU goes into the per-row sums over ratings. Explicit:
// a = Σ y·yᵀ, b = Σ t·y per row, WebAssembly SIMD with every entry in a register pair
// (explicit-wasm.ts), or unrolled JavaScript for the width (explicit-kernel.ts), same bits either way
// and the same as the plain loop. Implicit CG: the matrix-free A·v and the residual in wasm SIMD
// (wasm-kernels.ts) with a JS twin of identical bits; dot products there use 8 partial sums (fixed,
// so still the same bits on every master and block count). Their source is WebAssembly text
// (cg-kernels.wat; explicit-wat.ts generates it per width), compiled where it runs by wabt (wat.ts).
//
// INPUT POLICIES. Ratings must be finite (null/NaN/∞ → AlsInputError, naming the user and item);
// negative ratings are fine (explicit: fitted like any value, as Spark; implicit: p = 0, c = 1 + α·|r|);
// duplicate (user, item) pairs are averaged (`duplicates: 'error'` rejects them, naming the pair's ids);
// an empty dataset, a missing column and rank > min(#users, #items) are errors. Each is an input
// error: the job fails at once (never retried) with the message.
//
// @example
//   const model = await trainAls(ratings, { rank: 10, maxIter: 10, regParam: 0.1, biases: true });
//   const scored = model.transform(testPairs);           // + column `prediction`
//   const top = await model.recommendForAllUsers(10).collect();

import { Table, makeVector } from 'apache-arrow';
import type { Dataset, Row } from '../../engine/index.ts';
import { AlsInputError, AlsOptionError } from './errors.ts';
import { encodeIdColumns } from '../shared/id-encoding.ts';
import type { IdEncoding } from '../shared/id-encoding.ts';
import { routeKeys, sideLayout, slotsOf } from './layout.ts';
import { resolveOptions } from './options.ts';
import type { AlsOptions, AlsPlan, ResolvedAlsOptions } from './options.ts';
import { ratingKernels } from './ratings-kernels.ts';
import { binaryVector, inBlockKernels } from './in-blocks.ts';
import type { RatingIds } from './in-blocks.ts';
import type { RatingColumns } from './ratings-kernels.ts';
import { halfIterationKernels, TRAIN_LOSS_SUMS } from './half-iteration.ts';
import { collectFactors } from './collect-factors.ts';
import { AlsModel } from './model.ts';
import { tableOf } from './packed.ts';

/** A half-iteration's output with no rows (the right side of the first joins). */
function emptyStateTable(): Table {
  const none = new Int32Array(0);
  return tableOf({ key: makeVector(none), kind: makeVector(none), block: makeVector(none), factors: binaryVector([]) });
}

/** What training did and how long it took (seconds, wall clock on the driver). */
export interface AlsTrainingSummary {
  ratings: number;
  users: number;
  items: number;
  /** Validation, id encoding and building the in-blocks. */
  prepareSeconds: number;
  /** Where preparation went, seconds per step in order (e.g. validate, ids, userBlocks, itemBlocks). */
  prepareSteps?: Record<string, number>;
  /** All iterations plus collecting the factors. */
  iterateSeconds: number;
  iterations: number;
}

/**
 * Trains an ALS model on a ratings dataset (columns userId, itemId, rating by default).
 *
 * @example
 *   const model = await trainAls(await session.readParquet('ratings.parquet'), { rank: 10, maxIter: 10 });
 */
export async function trainAls(ratings: Dataset<Row>, options: AlsOptions = {}): Promise<AlsModel> {
  const o = resolveOptions(options);
  const session = ratings.session;
  const t0 = performance.now();
  // the three columns training reads, cached: the input (a CSV or Parquet scan) is read once, and
  // every pass of the preparation (validation, both id encodings, both sides' routing) reads the cache
  const cols = { userCol: o.userCol, itemCol: o.itemCol, ratingCol: o.ratingCol };
  const pick = ratingKernels.ratingColumns;
  const input = ratings.mapBatches((b) => pick(b, cols), { pick, cols }).cache();
  let prepared: Prepared;
  try {
    prepared = await prepare(input, o, cols, t0);
  } finally {
    input.unpersist(); // the in-blocks' shuffle files hold all the iterations need
  }
  const { plan, users, items, mean, total, userBlocks, itemBlocks, emptyState, steps } = prepared;
  const t1 = performance.now();

  // 5. iterate: init items, then users ← items, items ← users. Explicit ALS needs nothing of the
  // initial items but their factors, which the first user half draws itself ('first'): one stage
  // and one shuffle fewer. Implicit's first user half also needs the items' YᵀY and carries their
  // factors to CG's warm start, so it keeps the 'init' stage.
  const run = halfIterationKernels.halfIteration;
  const localInit = !plan.implicit;
  let state = localInit ? emptyState : blockJoin(itemBlocks, emptyState).mapPartitionTables((b) => run(b, plan, 'item', 'init'), { run, plan });
  // With the event log or the UI on, each iteration ends at a job boundary (its messages' shuffle
  // written by a map-stage job, which the next iteration's join reuses: nothing runs twice) so its
  // seconds, shuffle bytes and training loss (summed by the solves, train-loss.ts) are reported; the
  // last one is reported once the factors are collected.
  const measure = session.recordsEvents;
  let next = blockJoin(userBlocks, state);
  let iterationStart = performance.now();
  for (let t = 0; t < o.maxIter; t++) {
    const mode = t === 0 && localInit ? 'first' : 'solve';
    state = next.mapPartitionTables((b) => run(b, plan, 'user', mode, measure), { run, plan, mode, measure });
    state = blockJoin(itemBlocks, state).mapPartitionTables((b) => run(b, plan, 'item', 'solve', measure), { run, plan, measure });
    let sums: Record<string, number> = {};
    if (o.checkpointInterval > 0 && (t + 1) % o.checkpointInterval === 0 && t + 1 < o.maxIter) {
      state = session.fromTable(await state.toTable(), { numPartitions: state.numPartitions });
      sums = session.lastJobMetrics?.sums ?? {};
    }
    next = blockJoin(userBlocks, state);
    if (measure && t + 1 < o.maxIter) {
      const done = await session.materializeShuffles(next);
      const now = performance.now();
      session.reportEvent('als', 'iteration', { iteration: t + 1, seconds: (now - iterationStart) / 1000, shuffleBytes: done.shuffleBytes, rank: o.rank, ...lossFigures({ ...sums, ...done.sums }, plan) });
      iterationStart = now;
    }
  }
  const { userFactors, itemFactors } = await collectFactors(state, plan);
  const t2 = performance.now();
  if (measure && o.maxIter > 0) {
    const figures = lossFigures(session.lastJobMetrics?.sums ?? {}, plan);
    session.reportEvent('als', 'iteration', { iteration: o.maxIter, seconds: (t2 - iterationStart) / 1000, shuffleBytes: null, rank: o.rank, withCollect: true, ...figures });
  }
  return new AlsModel(session, {
    options: o, plan, users, items, userFactors, itemFactors, mean,
    summary: { ratings: total, users: users.ids.length, items: items.ids.length, prepareSeconds: (t1 - t0) / 1000, prepareSteps: steps, iterateSeconds: (t2 - t1) / 1000, iterations: o.maxIter },
    training: ratings,
    trainedOn: ratings,
  });
}

/**
 * An iteration's loss from its solves' task sums (TRAIN_LOSS_SUMS): `rmse` over the training ratings
 * (explicit; the item half solves against the iteration's new user factors, so it is the error of
 * the iteration's final factors) and `loss`, the regularized objective the iteration minimizes
 * (implicit: the confidence-weighted one over all pairs). Empty when the sums are missing.
 */
function lossFigures(sums: Record<string, number>, plan: AlsPlan): Record<string, number> {
  const user = TRAIN_LOSS_SUMS.user;
  const item = TRAIN_LOSS_SUMS.item;
  const error = sums[item.squaredError];
  const ratings = sums[item.ratings];
  if (error === undefined || ratings === undefined || sums[user.penalty] === undefined) return {};
  const loss = error + sums[user.penalty] + (sums[item.penalty] ?? 0);
  return plan.implicit ? { loss } : { loss, rmse: Math.sqrt(Math.max(0, error) / ratings) };
}

/** What preparation leaves for the iterations: the plan, the id encodings and both sides' materialized in-blocks. */
interface Prepared {
  plan: AlsPlan;
  users: IdEncoding;
  items: IdEncoding;
  mean: number;
  total: number;
  userBlocks: Dataset<Row>;
  itemBlocks: Dataset<Row>;
  emptyState: Dataset<Row>;
  steps: Record<string, number>;
}

async function prepare(input: Dataset<Row>, o: ResolvedAlsOptions, cols: RatingColumns, t0: number): Promise<Prepared> {
  const session = input.session;
  const steps: Record<string, number> = {};
  let mark = t0;
  const step = (name: string): void => { const now = performance.now(); steps[name] = (now - mark) / 1000; mark = now; };

  // 1. validate every rating and compute the global mean (one pass)
  const check = ratingKernels.checkRatings;
  const stats = await input.mapBatches((b) => check(b, cols), { check, cols }).toTable();
  const counts = stats.numRows > 0 ? (stats.getChild('n')!.toArray() as Float64Array) : new Float64Array(0);
  const sums = stats.numRows > 0 ? (stats.getChild('sum')!.toArray() as Float64Array) : new Float64Array(0);
  let total = 0;
  let sum = 0;
  for (let i = 0; i < counts.length; i++) { total += counts[i]; sum += sums[i]; }
  if (total === 0) throw new AlsInputError('the ratings dataset is empty: ALS needs at least one rating');
  const mean = sum / total;
  step('validate');

  // 2. dense ids
  const [users, items] = await encodeIdColumns(input, [{ column: o.userCol, option: 'userCol' }, { column: o.itemCol, option: 'itemCol' }], 'ALS') as [IdEncoding, IdEncoding];
  if (o.rank > Math.min(users.ids.length, items.ids.length)) {
    throw new AlsOptionError(
      `rank ${o.rank} is larger than the number of ${users.ids.length < items.ids.length ? `users (${users.ids.length})` : `items (${items.ids.length})`}; ` +
        `the factors would be underdetermined. Use rank ≤ ${Math.min(users.ids.length, items.ids.length)}`,
    );
  }
  step('ids');

  // 3. layout and the plan every kernel receives
  const plan = makePlan(o, users.ids.length, items.ids.length, o.biases ? mean : 0);

  // 4. in-blocks: the left side of every half-iteration's join, partitioned once by block
  const ub = session.broadcast(users.ids);
  const ib = session.broadcast(items.ids);
  // only needed to name a refused duplicate pair by its ids
  const ids = o.duplicates === 'error' ? session.broadcast<RatingIds>({ users: users.ids, items: items.ids }) : null;
  const inBlocks = (side: 'user' | 'item'): Dataset<Row> => {
    const n = plan[side].numBlocks;
    const route = ratingKernels.encodeAndRoute;
    const build = inBlockKernels.buildInBlock;
    return input
      .mapBatches((b) => route(b, ub, ib, cols, plan, side), { route, ub, ib, cols, plan, side })
      .repartition(['key'], { numPartitions: n })                       // partition p = block p's ratings
      .mapPartitionTables((t) => build(t, plan, side, cols, ids), { build, plan, side, cols, ids })
      .repartition(['key'], { numPartitions: n });                      // kept: every join below reuses it
  };
  const userBlocks = inBlocks('user');
  const itemBlocks = inBlocks('item');
  const emptyState = session.fromTable(emptyStateTable(), { numPartitions: 1 });
  // materialize both in-block shuffles now (so that iterations are timed on their own)
  await blockJoin(userBlocks, emptyState).count();
  step('userBlocks');
  await blockJoin(itemBlocks, emptyState).count();
  step('itemBlocks');
  return { plan, users, items, mean, total, userBlocks, itemBlocks, emptyState, steps };
}

/** The plan for given options and id counts. */
export function makePlan(o: ResolvedAlsOptions, numUsers: number, numItems: number, mean: number): AlsPlan {
  const user = sideLayout(numUsers, o.numUserBlocks);
  const item = sideLayout(numItems, o.numItemBlocks);
  const userSlots = slotsOf(user, item, o.implicitPrefs);
  const itemSlots = slotsOf(item, user, o.implicitPrefs);
  return {
    rank: o.rank, width: o.biases ? o.rank + 2 : o.rank, implicit: o.implicitPrefs, alpha: o.alpha, regParam: o.regParam, regExponent: o.regExponent,
    nonnegative: o.nonnegative, cholesky: o.solver === 'cholesky', cgSteps: o.cgSteps, biases: o.biases, mean, seed: o.seed,
    duplicates: o.duplicates, user, item, userSlots, itemSlots,
    userKeys: routeKeys(user.numBlocks, userSlots.count), itemKeys: routeKeys(item.numBlocks, itemSlots.count),
  };
}

/**
 * Partition p of the result = block p's in-block rows left-joined with the rows of `state` routed
 * to it. `blocks` is already partitioned by key, so the join reuses its shuffle and only `state`
 * moves (a co-partitioned join, as Spark's cogroup of in-blocks and messages).
 */
function blockJoin(blocks: Dataset<Row>, state: Dataset<Row>): Dataset<Row> {
  return blocks.join(state, ['key'], { how: 'left' });
}

export type { IdEncoding };
