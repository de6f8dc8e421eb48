// Distributed truncated SVD of the users × items ratings matrix: svd(ratings, k, options) gives
// the k largest singular values σ₁ ≥ … ≥ σ_k and their vectors (A ≈ U Σ Vᵀ), as scipy's svds does.
//
// The math. A is m × n with A[u][i] = the rating (duplicates summed, minus the centering offset on
// stored entries only). Call the side with fewer ids the NARROW side (n' = min(m, n)) and the other
// the WIDE side; the job works with M = AᵀA over the narrow side (or AAᵀ when users are narrower),
// whose eigenpairs (σ², v) give the narrow-side singular vectors; the wide side follows from
// u = A v / σ, computed row by row where the rows live. Two ways to reach the eigenpairs of M:
//   gramian:  M formed explicitly, M = Σ_r a_r a_rᵀ over the wide rows r, one pass; local eigen-solve.
//   lanczos:  block Lanczos with full reorthogonalization and thick restarts, touching M only
//             through products M X = Σ_r a_r (a_rᵀ X), so the narrow side may be any width.
//
// The data movement.
//   once:      distinct user ids and item ids (distributed distinct, sorted on the driver) →
//              encode to dense indices → groupByKey(part) into `numBlocks` partitions (default:
//              one per executor slot; part = the partition of leaf wide index % 16) → each
//              partition grouped by row and sorted into CSR rows (cached on the executors; never moves again).
//   small:     a matrix that cannot hold more than DRIVER_MAX_ENTRIES entries (users × items) is
//              collected by that same layout job; its column sums are then added on the driver, and
//              when plan.ts puts the products there (local-products.ts) no other job runs until U.
//   per pass:  the driver sends X (n' × b numbers) with the tasks; each partition returns its
//              leaves' n' × b products added along a fixed tree, which the driver completes
//              (leaf-tree.ts: the result never depends on the master, numBlocks, or task order).
//   at the end: V on the driver → U = A V Σ⁻¹ computed on the executors on first use (one pass per 8
//              columns, SIMD WebAssembly, row-kernels.ts's rowProducts), kept there as a Dataset;
//              for a small matrix held on the driver, computed there by the same kernel, no job.

import type { Table } from 'apache-arrow';
import type { Dataset } from '../../engine/index.ts';
import { encodeIdColumns } from '../shared/id-encoding.ts';
import type { IdEncoding } from '../shared/id-encoding.ts';
import { SvdInputError } from './errors.ts';
import { driverKrylovShape, resolveSvdOptions } from './options.ts';
import type { SvdOptions } from './options.ts';
import { sparseRowKernels } from './sparse-rows.ts';
import type { EncodeSpec } from './sparse-rows.ts';
import { colStatsPartial, rowKernels, rowStats } from './row-kernels.ts';
import type { Centering } from './row-kernels.ts';
import { SparseRowsOperator, columnStats, meansOf, rowMeans } from './distributed-products.ts';
import { LocalRowsOperator, ONE_PART, oneBatch } from './local-products.ts';
import { DRIVER_MAX_ENTRIES, planSvd } from './plan.ts';
import { blockKrylov } from './block-krylov.ts';
import type { NarrowSolution } from './block-krylov.ts';
import { MAX_GRAMIAN_SIDE, solveGramian } from './gramian.ts';
import { LEAVES, leafLayout, sumTree } from './leaf-tree.ts';
import type { LeafTree } from './leaf-tree.ts';
import { SvdModel } from './model.ts';

export { SvdModel } from './model.ts';
export type { SvdStats, RecommendOptions } from './model.ts';
export type { SvdOptions, SvdMode, SvdCentering } from './options.ts';
export { SvdInputError, SvdConvergenceError, SvdModelFormatError } from './errors.ts';
export { MAX_GRAMIAN_SIDE } from './gramian.ts';

/**
 * The k largest singular triplets of the ratings matrix (users × items).
 * Duplicate (user, item) pairs are SUMMED (what scipy's coo → csr conversion does with them);
 * centering is applied to each rating before summing. NaN, infinite or null ratings, an empty
 * dataset and k ≥ min(users, items) are errors.
 *
 * @example
 *   const model = await svd(ratings, 10, { mode: 'lanczos', centering: 'global', seed: 1 });
 *   model.sigma;                                   // Float64Array(10), descending
 *   await model.U.take(1);                         // [{ userId: 1, vector: Float64Array(10) }]
 *   await (await model.recommendForUsers([1], 5)).collect();
 */
export async function svd(ratings: Dataset, k: number, options: SvdOptions = {}): Promise<SvdModel> {
  const o = resolveSvdOptions(k, options);
  const session = ratings.session;
  const started = performance.now();

  // both id columns from one pass over the input, no shuffle
  const [users, items] = await encodeIdColumns(ratings, [{ column: o.userColumn, option: 'userColumn' }, { column: o.itemColumn, option: 'itemColumn' }], 'svd') as [IdEncoding, IdEncoding];
  const m = users.ids.length;
  const nItems = items.ids.length;
  if (m === 0 || nItems === 0) throw new SvdInputError(`svd: the ratings dataset is empty; there is nothing to factorize`);
  if (k >= Math.min(m, nItems)) {
    throw new SvdInputError(
      `svd: k = ${k} must be smaller than min(users, items) = min(${m}, ${nItems}) = ${Math.min(m, nItems)} (as scipy's svds requires); ask for fewer singular values`,
    );
  }
  const usersAreRows = m >= nItems;
  const n = usersAreRows ? nItems : m;
  if (o.mode === 'gramian' && n > MAX_GRAMIAN_SIDE) {
    throw new SvdInputError(
      `svd: mode 'gramian' needs the narrow side (${usersAreRows ? 'items' : 'users'}: ${n}) to be at most ${MAX_GRAMIAN_SIDE} (its n × n Gram matrix is solved on the driver); use mode 'lanczos'`,
    );
  }

  // Layout: wide rows, cached on the executors.
  const encodeSpec = session.broadcast<EncodeSpec>({ userColumn: o.userColumn, itemColumn: o.itemColumn, ratingColumn: o.ratingColumn, users: users.ids, items: items.ids, usersAreRows });
  const encode = sparseRowKernels.encodeRatings;
  const spec = encodeSpec;
  // One partition per executor slot by default (each pass is one task per partition; more
  // partitions than slots only queue tasks, and a task that runs away from its cached partition
  // re-reads it). Row r goes to the partition owning leaf r % LEAVES (leaf-tree.ts), so every sum
  // is the same whatever numBlocks is.
  const numBlocks = Math.min(o.numBlocks ?? session.defaultParallelism, LEAVES);
  const { tree, partKeys } = leafLayout(numBlocks);
  const withKey = sparseRowKernels.withPartKey;
  const layout = sparseRowKernels.layoutRows;
  const leaves = tree.leaves;
  const rows = ratings
    .mapBatches((t) => withKey(encode(t, spec.value), partKeys), { encode, spec, withKey, partKeys })
    .groupByKey(['part'], { numPartitions: numBlocks })
    .mapBatches((t) => layout(t, leaves), { layout, leaves })
    .cache();

  // A matrix that cannot hold more than DRIVER_MAX_ENTRIES entries (users × items bounds them)
  // comes to the driver in the job that lays it out and caches it: its statistics are summed there
  // (along the same tree, same bits), and driver-side products need no second job.
  const local = o.products !== 'executors' && m * nItems <= DRIVER_MAX_ENTRIES ? oneBatch(await rows.toTable()) : null;
  // Centering: offsets from sums computed over the cached rows.
  const { centering, userMeans, globalMean, entries } = await centeringOf(o.centering, rows, local, n, m, usersAreRows, tree);
  const prepared = performance.now();

  // Which solver, and where its products run, from their estimated cost (plan.ts).
  const plan = planSvd({ narrow: n, wide: usersAreRows ? m : nItems, entries, k, blockSize: o.blockSize, maxBasis: o.maxBasis, slots: numBlocks, collected: local !== null }, o.mode, o.products);
  const mode = plan.mode;
  // The driver's own Lanczos defaults (options.ts); the model records what was used.
  if (plan.products === 'driver') Object.assign(o, driverKrylovShape(k, options, o));
  const operator = plan.products === 'executors'
    ? new SparseRowsOperator(rows, n, centering, tree)
    : local ? LocalRowsOperator.fromTable(local, n, centering) : await LocalRowsOperator.collect(rows, n, centering);
  let solution: NarrowSolution;
  if (mode === 'gramian') {
    solution = solveGramian(await operator.gram(), n, k);
  } else {
    // Each restart's largest residual (and seconds) reported to the event log and the UI, when they are on.
    const session = ratings.session;
    let restartStart = performance.now();
    const onRestart = session.recordsEvents
      ? ({ restart, residual, passes }: { restart: number; residual: number; passes: number }): void => {
        const now = performance.now();
        session.reportEvent('svd', 'restart', { restart, residual, passes, seconds: (now - restartStart) / 1000, k, tol: o.tol });
        restartStart = now;
      }
      : undefined;
    solution = await blockKrylov(operator, { k, blockSize: o.blockSize, maxBasis: o.maxBasis, tol: o.tol, maxIter: o.maxIter, seed: o.seed, onRestart });
  }

  // Wide side: u = A v / σ per row, where the rows are (σ = 0 gives a zero vector).
  const x = solution.vectors;
  const scale = Float64Array.from(solution.sigma, (s) => (s > 0 ? 1 / s : 0));
  const ids = usersAreRows ? users : items;
  const project = rowKernels.rowProducts;
  // A matrix the driver holds gets U there at once (at most DRIVER_MAX_ENTRIES numbers, as k ≤ the
  // narrow side): a job to compute it would cost more than the products. The driver's products
  // already hold its rows in WebAssembly memory, so U is computed there (no second copy). Otherwise the executors
  // compute it where the rows are cached, on first use.
  const wideVectors = local
    ? session.fromTable((operator instanceof LocalRowsOperator ? operator.rowProducts(x, scale, ids) : null) ?? project(local, x, scale, centering, ids), { numPartitions: numBlocks })
    : rows.mapBatches((t) => project(t, x, scale, centering, ids), { project, x, scale, centering, ids }).cache();
  const finished = performance.now();

  return new SvdModel(
    {
      options: { ...o, numBlocks }, k, mode, sigma: solution.sigma, users, items, usersAreRows, narrow: x, rows, ratings, encodeSpec,
      centering, userMeans, globalMean,
      stats: {
        users: m, items: nItems, products: plan.products, passes: operator.passes, blockSize: o.blockSize, numBlocks, productSeconds: operator.seconds, restarts: solution.restarts, residual: solution.residual,
        prepareSeconds: (prepared - started) / 1000, solveSeconds: (finished - prepared) / 1000,
      },
    },
    wideVectors,
  );
}

/** The offsets to subtract, from per-column sums (and per-row means when users are the rows). */
async function centeringOf(kind: SvdOptions['centering'], rows: Dataset, local: Table | null, n: number, m: number, usersAreRows: boolean, tree: LeafTree): Promise<{ centering: Centering; userMeans: Float64Array | null; globalMean: number; entries: number }> {
  // Without the rows on the driver, the column-stats pass also materializes the cached layout once.
  const stats = local ? sumTree(colStatsPartial(local, n, ONE_PART), ONE_PART, 2 * n) : await columnStats(rows, n, tree);
  let total = 0;
  let count = 0;
  for (let j = 0; j < n; j++) {
    total += stats[j]!;
    count += stats[n + j]!;
  }
  const entries = count;
  if (kind === 'global') return { centering: { kind: 'global', mean: total / count }, userMeans: null, globalMean: total / count, entries };
  if (kind === 'user') {
    if (usersAreRows) {
      const means = local ? meansOf(rowStats(local), m) : await rowMeans(rows, m);
      return { centering: { kind: 'rows', means }, userMeans: means, globalMean: 0, entries };
    }
    const means = Float64Array.from({ length: n }, (_, j) => stats[j]! / stats[n + j]!);
    return { centering: { kind: 'cols', means }, userMeans: means, globalMean: 0, entries };
  }
  return { centering: { kind: 'none' }, userMeans: null, globalMean: 0, entries };
}
