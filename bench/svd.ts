// Truncated SVD benchmark: our svd() on local[2] beside scipy's svds (ARPACK) and scikit-learn's
// randomized_svd (anchors/svd.py, 2 BLAS threads) on the same generated ratings, in the same run,
// with the largest relative error of our singular values against scipy's.
//
//   npx tsx bench/svd.ts [--sizes 1m,10m,20m] [--k 10,50] [--mode auto|gramian|lanczos] [--products auto|driver|executors] [--master local[2]] [--data DIR]
//
// Data: ../shared/anchors/gen_ratings.py files under ../bench-data/svd/ or --data DIR (generated when absent, never
// committed), shaped like MovieLens 100K / 1M / 10M / 20M; size `ml-latest-small` is the real
// ../shared/data/ml-latest-small/ratings.csv (610 × 9724).
//
// What is timed, on the same footing on both sides: the same outputs, U (users × k), σ and V (items × k).
//   scipy:   svd.py times `svds(A, k, return_singular_vectors=True)` alone, on a CSR matrix already in
//            memory: ARPACK on the Gram operator of the narrow side, then U (or Vᵀ) from one sparse
//            product with the other factor, scaled by 1/σ; it returns U, σ and Vᵀ as dense arrays.
//   sklearn: svd.py times `randomized_svd(A, k, random_state=0)` on the same matrix (its defaults:
//            10 oversamples, 'auto' power iterations); it also returns U, σ and Vᵀ.
//   ours:    "with U", the figure compared with theirs: model.stats.solveSeconds (svd() after the
//            ratings are read, encoded, laid out and, for a small matrix, collected to the driver:
//            σ and V on the driver) plus U's first computation, timed around `model.U.count()` (the
//            executors compute U = A V Σ⁻¹ for every wide row and keep it cached; svd() leaves U a
//            lazy Dataset, so a user who never reads U never pays for it). Both parts are shown too.
//   before:  scipy's reading of the CSV and building of the matrix (bench/svd_matrix_build.py runs
//            svd.py's very lines, timed) beside our layout (model.stats.prepareSeconds: the id
//            encoding job and the layout job; our CSV is read inside those jobs, by the executors).

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { Session } from '../engine/index.ts';
import { svd } from '../jobs/svd/index.ts';
import { fmt, machineInfo, markdownTable, writeResults } from './lib/report.ts';
import type { TableRow } from './lib/report.ts';
import { ensurePythonPeers } from './lib/python-peers.ts';
import { resolve } from 'node:path';
import { ANCHORS, REPO_ROOT, benchDataDir } from './lib/paths.ts';

const DATA_DIR = benchDataDir('svd');
const SHAPES: Record<string, { ratings: number; users: number; items: number }> = {
  '100k': { ratings: 100_000, users: 943, items: 1682 },
  '1m': { ratings: 1_000_209, users: 6040, items: 3706 },
  '10m': { ratings: 10_000_054, users: 69_878, items: 10_677 },
  '20m': { ratings: 20_000_263, users: 138_493, items: 26_744 },
};

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

/** Real data sets: their file (relative to the repository's parent) and item column. */
const REAL: Record<string, { file: string; itemColumn: string }> = {
  'ml-latest-small': { file: 'shared/data/ml-latest-small/ratings.csv', itemColumn: 'movieId' },
};

function dataFile(size: string): string {
  const real = REAL[size];
  if (real) return resolve(REPO_ROOT, '..', real.file);
  const shape = SHAPES[size];
  if (!shape) throw new Error(`bench svd: unknown size '${size}' (known: ${Object.keys(SHAPES).join(', ')})`);
  const file = `${DATA_DIR}/ratings-${size}.csv`;
  if (!existsSync(file)) {
    mkdirSync(DATA_DIR, { recursive: true });
    const cmd = ['/usr/bin/python3', `${ANCHORS}/gen_ratings.py`, file, '--ratings', String(shape.ratings), '--users', String(shape.users), '--items', String(shape.items)];
    console.log(`generating ${file}: ${cmd.join(' ')}`);
    execFileSync(cmd[0]!, cmd.slice(1), { stdio: 'inherit' });
  }
  return file;
}

interface Anchor { anchor: string; seconds: number; singular_values: number[] }

/** Seconds scipy's side spends reading the CSV and building the CSR matrix (bench/svd_matrix_build.py). */
function matrixBuild(file: string): { read: number; build: number } {
  const script = resolve(REPO_ROOT, 'bench/svd_matrix_build.py');
  return JSON.parse(execFileSync('/usr/bin/python3', [script, file], { encoding: 'utf8' }).trim()) as { read: number; build: number };
}

/** Runs anchors/svd.py; OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are unset for that command only. */
function runAnchors(file: string, k: number): { command: string; results: Anchor[] } {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const args = [`${ANCHORS}/svd.py`, file, '--k', String(k), '--threads', '2'];
  const out = execFileSync('/usr/bin/python3', args, { env, encoding: 'utf8', maxBuffer: 1 << 24 });
  return {
    command: `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 ${args.join(' ')}`,
    results: out.trim().split('\n').map((line) => JSON.parse(line) as Anchor),
  };
}

async function main(): Promise<void> {
  const sizes = arg('sizes', '1m,10m,20m').split(',');
  const ks = arg('k', '10,50').split(',').map(Number);
  const mode = arg('mode', 'auto') as 'auto' | 'gramian' | 'lanczos';
  const products = arg('products', 'auto') as 'auto' | 'driver' | 'executors';
  const master = arg('master', 'local[2]');
  ensurePythonPeers(); // scipy/scikit-learn peers and the ratings generator
  const command = process.env.DATAFLOW_BENCH_COMMAND ?? `npx tsx bench/svd.ts ${process.argv.slice(2).join(' ')}`.trim();
  const rows: TableRow[] = [];
  const results: unknown[] = [];
  for (const size of sizes) {
    const file = dataFile(size);
    const session = await Session.create({ master });
    try {
      // Executors read the CSV themselves (a 20M-row in-memory source would be serialized by the driver).
      const itemColumn = REAL[size]?.itemColumn ?? 'itemId';
      const ratings = await session.readCsv(file, { select: ['userId', itemColumn, 'rating'], schema: { userId: 'int32', [itemColumn]: 'int32', rating: 'float64' } });
      for (const k of ks) {
        const anchors = runAnchors(file, k);
        const scipy = anchors.results.find((r) => r.anchor.startsWith('scipy'))!;
        const sklearn = anchors.results.find((r) => r.anchor.startsWith('sklearn'))!;
        const built = matrixBuild(file);
        const started = performance.now();
        const model = await svd(ratings, k, { mode, products, seed: 1, itemColumn });
        const total = (performance.now() - started) / 1000;
        const uStarted = performance.now();
        await model.U.count();
        const uSeconds = (performance.now() - uStarted) / 1000;
        const solve = model.stats.solveSeconds;
        const ours = solve + uSeconds; // with U: what the peers' seconds include
        const err = (values: ArrayLike<number>) => Math.max(...Array.from({ length: k }, (_, i) => Math.abs(values[i]! - scipy.singular_values[i]!) / scipy.singular_values[i]!));
        const ourErr = err(model.sigma);
        const sklErr = err(sklearn.singular_values);
        const best = Math.min(scipy.seconds, sklearn.seconds);
        rows.push({
          measure: `${size} ratings (${model.stats.users.toLocaleString('en-US')} × ${model.stats.items.toLocaleString('en-US')}), k = ${k}, ${master}, mode ${model.mode}, products on the ${model.stats.products}`,
          dataflow: `${fmt(ours)} s with U: σ and V ${fmt(solve)} s (${model.stats.passes} products taking ${fmt(model.stats.productSeconds)} s, block ${model.stats.blockSize}, ${model.stats.numBlocks} partitions, ${model.stats.restarts} restarts) + U ${fmt(uSeconds)} s, after ${fmt(model.stats.prepareSeconds)} s reading + layout; max rel err vs scipy ${ourErr.toExponential(1)}`,
          reference: `scipy svds ${fmt(scipy.seconds)} s (U, σ, V) after ${fmt(built.read + built.build)} s reading + building the CSR; sklearn randomized_svd ${fmt(sklearn.seconds)} s (U, σ, V; max rel err ${sklErr.toExponential(1)})`,
          verdict: `with U ${(ours / scipy.seconds).toFixed(2)}× scipy's time, ${(ours / sklearn.seconds).toFixed(2)}× sklearn's (σ and V alone ${(solve / scipy.seconds).toFixed(2)}× scipy's), reading included ${((ours + model.stats.prepareSeconds) / (scipy.seconds + built.read + built.build)).toFixed(1)}×; ${(best / ours).toFixed(2)}× of the faster peer's speed (goal ≥ 1× ${ours <= best ? '✓' : '✗'}); precision goal 1e-6 ${ourErr <= 1e-6 ? '✓' : '✗'}`,
        });
        results.push({ size, k, master, mode: model.mode, ours: { ...model.stats, totalSeconds: total, uSeconds, withUSeconds: ours, sigma: Array.from(model.sigma), maxRelErrVsScipy: ourErr }, scipyMatrixBuild: built, anchors: anchors.results, anchorCommand: anchors.command });
        console.log(rows[rows.length - 1]);
      }
    } finally {
      await session.stop();
    }
  }
  console.log(`\n${markdownTable(rows)}\n\ncommand: ${command}\npeers: ${results.length ? (results[0] as { anchorCommand: string }).anchorCommand.replace(/--k \d+/, '--k K') : ''}`);
  const file = await writeResults('bench/results', 'svd', { command, date: new Date().toISOString(), machine: machineInfo(), table: rows, results });
  console.log(`results: ${file}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
