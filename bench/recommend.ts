// Top-k recommendations for every user and every item of a trained ALS model (recommendForAllUsers /
// recommendForAllItems, blockwise SIMD scoring + bounded heaps) beside numpy doing the same from the
// same factors (bench/recommend_numpy.py: float32 matrix products in blocks of rows + argpartition,
// OpenBLAS with 2 threads), in one run. Only the top-k is timed on both sides, never the training.
//
//   npx tsx bench/recommend.ts                                       1m and 20m, top 10, local[2], 3 runs
//   npx tsx bench/recommend.ts --sizes 1m --runs 3 --k 10 --partitions 8 --master local[2]
//
// Ours: from the call to an Arrow table of (id, other id, score, rank) on the driver, rated items
// kept (`exclude: false`, as numpy and Spark's recommendForAll). Both sides' top-k lists are compared:
// the share of rows whose k best are the same set (numpy sums in float32, so near-ties may differ).
// Data: ../bench-data/als/ratings-<size>.csv (bench/lib/als-data.ts); the factors go beside it.

import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Session, trainAls } from '../index.ts';
import type { AlsModel } from '../index.ts';
import { ensurePythonPeers } from './lib/python-peers.ts';
import { ALS_DATA, ensureAlsData } from './lib/als-data.ts';

const PEER = fileURLToPath(new URL('./recommend_numpy.py', import.meta.url));

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const load = (): string => `load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`;
const bestMedian = (xs: number[]): string => {
  const s = [...xs].sort((a, b) => a - b);
  return `${s[0].toFixed(2)} s best, ${s[Math.floor(s.length / 2)].toFixed(2)} s median of ${s.length}`;
};

type Side = 'user' | 'item';

/** Our top-k of every row of `side`, timed `runs` times; the dense indices of the last run, row by row. */
async function ours(model: AlsModel, side: Side, k: number, runs: number, numPartitions: number): Promise<{ seconds: number[]; top: Int32Array; rows: number; kk: number }> {
  const seconds: number[] = [];
  const [ownCol, otherCol] = side === 'user' ? [model.options.userCol, model.options.itemCol] : [model.options.itemCol, model.options.userCol];
  const nOwn = side === 'user' ? model.userIds.length : model.itemIds.length;
  const kk = Math.min(k, side === 'user' ? model.itemIds.length : model.userIds.length);
  let top = new Int32Array(0);
  let rows = 0;
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    const recs = side === 'user' ? model.recommendForAllUsers(k, { exclude: false, numPartitions }) : model.recommendForAllItems(k, { exclude: false, numPartitions });
    const table = await recs.toTable();
    seconds.push((performance.now() - t) / 1000);
    rows = table.numRows;
    const own = table.getChild(ownCol)!.toArray() as ArrayLike<number>;
    const other = table.getChild(otherCol)!.toArray() as ArrayLike<number>;
    const rank = table.getChild('rank')!.toArray() as Int32Array;
    top = new Int32Array(nOwn * kk).fill(-1);
    const [ownIndex, otherIndex] = side === 'user' ? [(id: number) => model.userIndex(id), (id: number) => model.itemIndex(id)] : [(id: number) => model.itemIndex(id), (id: number) => model.userIndex(id)];
    for (let j = 0; j < rows; j++) top[ownIndex(own[j]) * kk + rank[j] - 1] = otherIndex(other[j]);
  }
  return { seconds, top, rows, kk };
}

function numpy(dir: string, side: Side, width: number, offset: number, k: number, runs: number): { seconds: number[]; top: Int32Array } | undefined {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const r = spawnSync('/usr/bin/python3', [PEER, dir, '--side', side, '--width', String(width), '--offset', String(offset), '--k', String(k), '--runs', String(runs), '--threads', '2'], { env, encoding: 'utf8' });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (!line) { console.log(`numpy peer failed (exit ${r.status}): ${r.stderr.slice(-800)}`); return undefined; }
  const top = new Int32Array(readFileSync(`${dir}/numpy-top-${side}.i32`).buffer.slice(0));
  return { seconds: JSON.parse(line).seconds as number[], top };
}

/** Share of rows whose k best are the same set on both sides. */
function sameSets(a: Int32Array, b: Int32Array, kk: number): number {
  let same = 0;
  const n = a.length / kk;
  for (let r = 0; r < n; r++) {
    const x = Array.from(a.subarray(r * kk, (r + 1) * kk)).sort((p, q) => p - q);
    const y = Array.from(b.subarray(r * kk, (r + 1) * kk)).sort((p, q) => p - q);
    if (x.every((v, j) => v === y[j])) same++;
  }
  return n ? same / n : 1;
}

async function main(): Promise<void> {
  const sizes = arg('sizes', '1m,20m').split(',');
  const master = arg('master', 'local[2]');
  const k = Number(arg('k', '10'));
  const runs = Number(arg('runs', '3'));
  const numPartitions = Number(arg('partitions', '8'));
  const rank = Number(arg('rank', '10'));
  ensurePythonPeers();
  console.log(`command: npx tsx bench/recommend.ts ${process.argv.slice(2).join(' ')}`);
  for (const size of sizes) {
    const file = ensureAlsData(size);
    const dir = `${ALS_DATA}/recommend-${size}`;
    mkdirSync(dir, { recursive: true });
    const session = await Session.create({ master, conf: ['dataflow.ui.progress=false'] });
    const results: Partial<Record<Side, { seconds: number[]; top: Int32Array; rows: number; kk: number }>> = {};
    let width = 0; let offset = 0; let shape = '';
    try {
      const ratings = await session.readCsv(file, { columnNames: ['userId', 'itemId', 'rating', 'timestamp'], select: ['userId', 'itemId', 'rating'], schema: { userId: 'int32', itemId: 'int32', rating: 'float32' } });
      const model = await trainAls(ratings, { rank, maxIter: 2, regParam: 0.1, numUserBlocks: 4, numItemBlocks: 4, checkpointInterval: 0 });
      width = model.width; offset = model.parts.plan.mean;
      shape = `${model.userIds.length} users × ${model.itemIds.length} items, rank ${rank}`;
      writeFileSync(`${dir}/users.f32`, model.userFactors);
      writeFileSync(`${dir}/items.f32`, model.itemFactors);
      for (const side of ['user', 'item'] as const) {
        console.log(`  (${size} ${side}s, ours: ${load()})`);
        results[side] = await ours(model, side, k, runs, numPartitions);
      }
    } finally {
      await session.stop();
    }
    for (const side of ['user', 'item'] as const) {
      console.log(`  (${size} ${side}s, numpy: ${load()})`);
      const n = numpy(dir, side, width, offset, k, runs);
      const o = results[side]!;
      const ratio = n ? ` → ${(Math.min(...n.seconds) / Math.min(...o.seconds)).toFixed(2)}× numpy's speed best/best` : '';
      console.log(`top-${k} for every ${side}, ${size} (${shape}): dataflow ${master} ${bestMedian(o.seconds)} (${o.rows} rows)` +
        (n ? ` | numpy float32 blocked matmul + argpartition, 2 threads: ${bestMedian(n.seconds)}${ratio}; same top-${k} set for ${(100 * sameSets(o.top, n.top, o.kk)).toFixed(2)}% of ${side}s` : ''));
    }
  }
}

await main();
