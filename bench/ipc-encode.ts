// Cost of the engine's IPC encoder (engine/kernels/ipc.ts: the writer's chunks concatenated by us)
// beside apache-arrow's tableToIPC on tables where tableToIPC is correct (separate buffers), in the
// same process and run: the common case must cost nothing extra. Also the shared-buffer table
// tableToIPC corrupts, which only encodeIpc can encode. --map-output instead times a shuffle's map
// side encode (encodeMapOutput into a pooled output buffer) of one bench/core shuffle map task,
// beside the same encode from another checkout (--baseline DIR, e.g. a worktree of main).
//
//   npx tsx bench/ipc-encode.ts [--runs 15]
//   npx tsx bench/ipc-encode.ts --map-output [--rows 375000] [--baseline /path/to/checkout] [--runs 15]

import { Table, makeVector, tableToIPC, vectorFromArray, Utf8 } from 'apache-arrow';
import { encodeIpc } from '../engine/kernels/ipc.ts';
import { summarise } from './lib/measure.ts';
import { shuffleRows } from './core/functions.ts';

const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 15;
const option = (name: string): string | undefined => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
};

function ratings(n: number): Table {
  return new Table({
    userId: makeVector(Int32Array.from({ length: n }, (_, i) => i % 6100)),
    itemId: makeVector(Int32Array.from({ length: n }, (_, i) => (i * 7919) % 97000)),
    rating: makeVector(Float32Array.from({ length: n }, (_, i) => 0.5 + (i % 10) / 2)),
    timestamp: makeVector(Float64Array.from({ length: n }, (_, i) => 1.6e9 + i)),
  });
}

function strings(n: number): Table {
  return new Table({ id: makeVector(Int32Array.from({ length: n }, (_, i) => i)), title: vectorFromArray(Array.from({ length: n }, (_, i) => `movie title ${i}`), new Utf8()) });
}

function shared(n: number): Table {
  const ids = Int32Array.from({ length: n }, (_, i) => i);
  return new Table({ key: makeVector(ids), a: makeVector(ids), b: makeVector(new Int32Array(n).fill(-1)) });
}

/**
 * Milliseconds per encode of each encoder (best and median of `runs` timings of `reps` encodes),
 * the encoders taking turns within every run so that both see the same machine load.
 */
function timeBoth(encoders: Array<(t: Table) => Uint8Array>, table: Table, reps: number): Array<{ best: number; median: number; bytes: number } | Error> {
  const per: number[][] = encoders.map(() => []);
  const bytes: number[] = [];
  const failed: Array<Error | undefined> = encoders.map((encode, e) => {
    try {
      for (let i = 0; i < 3; i++) bytes[e] = encode(table).byteLength;
      return undefined;
    } catch (error) {
      return error as Error;
    }
  });
  for (let r = 0; r < runs; r++) {
    encoders.forEach((encode, e) => {
      if (failed[e]) return;
      const t = performance.now();
      for (let i = 0; i < reps; i++) encode(table);
      per[e]!.push((performance.now() - t) / reps);
    });
  }
  return encoders.map((_, e) => {
    if (failed[e]) return failed[e]!;
    const s = summarise(per[e]!);
    return { best: s.min, median: s.median, bytes: bytes[e]! };
  });
}

/** A map side encoder of some checkout: encodeMapOutput into a pooled buffer, released after. */
type MapEncode = (t: Table) => Uint8Array;

async function mapEncoderOf(root: string): Promise<MapEncode> {
  const writer = (await import(`${root}/engine/shuffle/shuffle-writer.ts`)) as typeof import('../engine/shuffle/shuffle-writer.ts');
  const buffers = (await import(`${root}/engine/shuffle/output-buffers.ts`)) as typeof import('../engine/shuffle/output-buffers.ts');
  const partitioner = { kind: 'hash' as const, keys: ['key'], numPartitions: 8 };
  return (t) => {
    const { bytes } = writer.encodeMapOutput(t, partitioner, 8, (n) => buffers.allocateOutputBuffer(n));
    buffers.releaseOutputBuffer(bytes);
    return bytes;
  };
}

/** The --map-output mode: one map task of bench/core's shuffle (key int32, three float64 columns) into 8 buckets. */
async function benchMapOutput(): Promise<void> {
  const rows = Number(option('--rows') ?? 375_000);
  const table = shuffleRows(new Table({ id: makeVector(Int32Array.from({ length: rows }, (_, i) => i)) }));
  const baseline = option('--baseline');
  const names = ['this checkout', ...(baseline ? [baseline] : [])];
  const encoders = [await mapEncoderOf(new URL('..', import.meta.url).pathname), ...(baseline ? [await mapEncoderOf(baseline)] : [])];
  const copies = encoders.map((encode) => encode(table).slice());
  if (copies.length === 2 && Buffer.compare(copies[0]!, copies[1]!) !== 0) throw new Error('the two checkouts encode different bytes');
  console.log(`encodeMapOutput of ${rows} rows (int32 key, 3 float64) into 8 buckets, ms (best / median of ${runs} runs of 10)`);
  timeBoth(encoders, table, 10).forEach((r, e) => {
    if (r instanceof Error) throw r;
    console.log(`${names[e]!.padEnd(38)} ${fmt(r.best)} /${fmt(r.median)}   ${r.bytes} bytes`);
  });
}

const fmt = (ms: number): string => ms.toFixed(3).padStart(8);
if (process.argv.includes('--map-output')) {
  await benchMapOutput();
  process.exit(0);
}

const cases: Array<[string, Table, number]> = [
  ['1M ratings (4 columns, 20 MB)', ratings(1_000_000), 5],
  ['10k ratings slice (a shuffle block)', ratings(200_000).slice(50_000, 60_000), 200],
  ['100k strings', strings(100_000), 20],
  ['100k rows, key and a on one array', shared(100_000), 50],
];

console.log(`IPC encode, ms per table (best / median of ${runs} runs; same process, same run)`);
console.log(`${'table'.padEnd(38)} ${'encodeIpc'.padStart(19)} ${'tableToIPC'.padStart(19)}   ratio (median)`);
for (const [name, table, reps] of cases) {
  const [ours, theirs] = timeBoth([encodeIpc, (x) => tableToIPC(x, 'stream')], table, reps);
  if (ours instanceof Error) throw ours;
  let shown: string;
  let ratio = '';
  if (theirs instanceof Error) {
    shown = `error: ${theirs.message}`;
  } else {
    shown = `${fmt(theirs.best)} /${fmt(theirs.median)}`;
    ratio = (ours.median / theirs.median).toFixed(3);
    if (theirs.bytes !== ours.bytes) shown += ` (${theirs.bytes} bytes instead of ${ours.bytes}: corrupt)`;
  }
  console.log(`${name.padEnd(38)} ${fmt(ours.best)} /${fmt(ours.median)} ${shown.padStart(19)}   ${ratio}`);
}
console.log(`command: ${process.env.DATAFLOW_BENCH_COMMAND ?? 'npx tsx bench/ipc-encode.ts'}${runsArg > 0 ? ` --runs ${runs}` : ''}`);
